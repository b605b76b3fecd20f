/**
 * Weekly delivery: each team's Slack message (plus its thread), email and tickets, exactly once
 * per week. The delivery ledger (`runs/<week>/<team>/<channel>.json`) is read before and written
 * after every send, so a second run of the same week sends nothing and a run that died halfway
 * resumes where it stopped. Teams are isolated: one team's failure is a result, never a stop.
 * In dry-run nothing external is touched: what would be sent is written under `dryRunDir`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SESv2ClientConfig } from '@aws-sdk/client-sesv2';
import type { RetryOptions } from '@slack/web-api';
import { composeRaw, SesEmailSender, SmtpEmailSender } from '../adapters/delivery/email.js';
import { DeliveryLedger } from '../adapters/delivery/ledger.js';
import { type Env, resolveSecret } from '../adapters/delivery/secrets.js';
import { DEFAULT_SLACK_RETRY, WebApiSlackNotifier } from '../adapters/delivery/slack.js';
import { GitHubTracker } from '../adapters/delivery/tickets/github.js';
import { JiraTracker } from '../adapters/delivery/tickets/jira.js';
import { LinearTracker } from '../adapters/delivery/tickets/linear.js';
import type { Config } from '../core/config/schema.js';
import { buildEmailMessage } from '../core/delivery/email.js';
import { teamLabel } from '../core/delivery/labels.js';
import {
  LEDGER_SCHEMA,
  type SlackLedger,
  type TicketLedgerEntry,
  type TicketsLedger,
} from '../core/delivery/ledger.js';
import {
  CHANNELS,
  type Channel,
  type EmailSender,
  type SlackNotifier,
  type TicketRef,
  type TicketTracker,
  type TrackerKind,
} from '../core/delivery/ports.js';
import {
  dedupeFindings,
  type HeldBackFinding,
  reconcileTickets,
  type TicketAction,
  type TicketActionKind,
  type TicketPolicy,
} from '../core/delivery/reconcile.js';
import { renderMarkdown } from '../core/delivery/ticketBody.js';
import type { Finding } from '../core/findings/types.js';
import type { ObjectStore } from '../core/ports.js';
import { UsageError } from '../core/schema/errors.js';
import { safeName } from '../core/snapshots/keys.js';

export interface SlackPayload {
  text: string;
  blocks: unknown[];
  /** The thread reply with the details (posted right after the message). */
  thread?: { text: string; blocks: unknown[] };
}

/** What one team receives this week (rendered by the weekly pipeline). */
export interface TeamDelivery {
  team: string;
  slack?: { channel: string; payload: SlackPayload };
  email?: { to: string[]; subject: string; html: string; text: string; csv?: string };
  findings: Finding[];
  tracker?: { kind: TrackerKind; project: string };
  /** The team's reviewer (assignee when a finding names none). */
  reviewer?: string;
}

export interface DeliveryClients {
  slack?: SlackNotifier;
  email?: EmailSender;
  /** The tracker of a kind; throws when it is not configured (a failed result for that team). */
  tracker?: (kind: TrackerKind) => TicketTracker;
  /** Closes connections (SMTP pool, SES client). */
  close?: () => void;
}

export interface DeliverySettings {
  /** Config `delivery.email.from`. */
  from?: string;
  unsubscribe?: { mailto?: string; url?: string };
  ticketPolicy?: Partial<TicketPolicy>;
  /** Billing currency, for savings in ticket bodies; default USD. */
  currency?: string;
}

export interface DeliverRequest {
  week: string;
  teams: TeamDelivery[];
  clients: DeliveryClients;
  /** Holds the delivery ledger; required unless `dryRunDir`. */
  store?: ObjectStore;
  settings?: DeliverySettings;
  /** Send again even when the ledger says it was sent. */
  force?: boolean;
  onlyTeam?: string;
  onlyChannel?: Channel;
  /** Write what would be sent under this folder; touch no external service and no ledger. */
  dryRunDir?: string;
  /** Clock for ledger times and the email Date header. */
  now?: () => Date;
  /** Teams delivered at the same time; default 4. */
  concurrency?: number;
  /** Stops further sends (what was sent is in the ledger). */
  signal?: AbortSignal;
}

export type DeliveryStatus = 'sent' | 'skipped' | 'failed';

export interface DeliveryResult {
  team: string;
  channel: Channel;
  status: DeliveryStatus;
  detail: string;
  /** Slack: `ts`, `threadTs`, `channel`; email: `messageId`, `providerId`; tickets: fingerprint label → key. */
  ids: Record<string, string>;
  /** Tickets only: findings not filed because of the per-team cap. */
  heldBack?: HeldBackFinding[];
}

export interface DeliverOutcome {
  week: string;
  results: DeliveryResult[];
}

class Aborted extends Error {
  override name = 'Aborted';
}

interface Ctx {
  req: DeliverRequest;
  /** Null in a dry run without a store: dry-run paths never read or write the ledger. */
  ledger: DeliveryLedger | null;
  now: () => Date;
}

function ledger(ctx: Ctx): DeliveryLedger {
  if (!ctx.ledger) throw new UsageError('deliver: no store for the delivery ledger');
  return ctx.ledger;
}

function checkAbort(ctx: Ctx, what: string): void {
  if (ctx.req.signal?.aborted) throw new Aborted(`aborted before ${what}`);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function teamDir(ctx: Ctx, team: string): string {
  return path.join(ctx.req.dryRunDir as string, 'teams', safeName(team));
}

/** Runs `fn` over items, at most `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(workers);
}

// ---------------------------------------------------------------------------------------------
// Slack

async function deliverSlack(ctx: Ctx, t: TeamDelivery): Promise<DeliveryResult> {
  const base = { team: t.team, channel: 'slack' as const };
  if (!t.slack) return { ...base, status: 'skipped', detail: 'no Slack channel configured', ids: {} };
  const { channel, payload } = t.slack;
  const { week } = ctx.req;
  if (ctx.req.dryRunDir) {
    const file = path.join(teamDir(ctx, t.team), 'slack.json');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, `${JSON.stringify({ channel, ...payload }, null, 2)}\n`);
    return {
      ...base,
      status: 'skipped',
      detail: `dry-run: would post to ${channel}; wrote ${file}`,
      ids: {},
    };
  }
  let entry = await ledger(ctx).read(week, t.team, 'slack');
  if (entry?.status === 'sent' && !ctx.req.force) {
    return {
      ...base,
      status: 'skipped',
      detail: `already sent to ${entry.target} at ${entry.updatedAt}`,
      ids: {
        ts: entry.ts,
        channel: entry.channelId,
        ...(entry.threadTs ? { threadTs: entry.threadTs } : {}),
      },
    };
  }
  const slack = ctx.req.clients.slack;
  if (!slack) {
    return { ...base, status: 'failed', detail: 'Slack is not configured (delivery.slack.token)', ids: {} };
  }
  const resume = entry?.status === 'message-posted' && !ctx.req.force;
  const warnings: string[] = [];
  // The ledger is written after each post; if that write fails the post still happened, so the
  // run goes on with what it knows and says that a re-run would post again.
  const record = async (next: SlackLedger): Promise<SlackLedger> => {
    try {
      return await ledger(ctx).write(next);
    } catch (err) {
      warnings.push(`${messageOf(err)}: a re-run would post again`);
      return next;
    }
  };
  if (!resume || !entry) {
    checkAbort(ctx, `posting to ${channel}`);
    const posted = await slack.postMessage({
      channel,
      text: payload.text,
      blocks: payload.blocks,
      team: t.team,
    });
    entry = await record({
      schema: LEDGER_SCHEMA,
      week,
      team: t.team,
      channel: 'slack',
      status: payload.thread ? 'message-posted' : 'sent',
      target: channel,
      channelId: posted.channel,
      ts: posted.ts,
      updatedAt: ctx.now().toISOString(),
    });
  }
  if (payload.thread && entry.status !== 'sent') {
    checkAbort(ctx, `posting the thread reply to ${channel}`);
    const reply = await slack.postMessage({
      channel: entry.channelId,
      text: payload.thread.text,
      blocks: payload.thread.blocks,
      threadTs: entry.ts,
      team: t.team,
    });
    entry = await record({
      ...entry,
      status: 'sent',
      threadTs: reply.ts,
      updatedAt: ctx.now().toISOString(),
    });
  }
  const what = resume ? 'thread reply posted (the message was posted by an earlier run)' : 'posted';
  return {
    ...base,
    status: 'sent',
    detail: `${what} to ${channel}${warnings.length > 0 ? `; but ${warnings.join('; ')}` : ''}`,
    ids: { ts: entry.ts, channel: entry.channelId, ...(entry.threadTs ? { threadTs: entry.threadTs } : {}) },
  };
}

// ---------------------------------------------------------------------------------------------
// Email

async function deliverEmail(ctx: Ctx, t: TeamDelivery): Promise<DeliveryResult> {
  const base = { team: t.team, channel: 'email' as const };
  if (!t.email || t.email.to.length === 0) {
    return { ...base, status: 'skipped', detail: 'no email recipients configured', ids: {} };
  }
  const from = ctx.req.settings?.from;
  if (!from)
    return { ...base, status: 'failed', detail: 'email is not configured (delivery.email.from)', ids: {} };
  const { week } = ctx.req;
  const message = buildEmailMessage({
    week,
    team: t.team,
    from,
    to: t.email.to,
    subject: t.email.subject,
    html: t.email.html,
    text: t.email.text,
    ...(t.email.csv !== undefined ? { csv: t.email.csv } : {}),
    ...(ctx.req.settings?.unsubscribe ? { unsubscribe: ctx.req.settings.unsubscribe } : {}),
  });
  if (ctx.req.dryRunDir) {
    const file = path.join(teamDir(ctx, t.team), 'email.eml');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, await composeRaw(message, ctx.now()));
    return {
      ...base,
      status: 'skipped',
      detail: `dry-run: would email ${message.to.length} recipient(s); wrote ${file}`,
      ids: { messageId: message.messageId },
    };
  }
  const entry = await ledger(ctx).read(week, t.team, 'email');
  if (entry?.status === 'sent' && !ctx.req.force) {
    return {
      ...base,
      status: 'skipped',
      detail: `already sent at ${entry.updatedAt}`,
      ids: { messageId: entry.messageId, ...(entry.providerId ? { providerId: entry.providerId } : {}) },
    };
  }
  const sender = ctx.req.clients.email;
  if (!sender)
    return { ...base, status: 'failed', detail: 'email is not configured (delivery.email)', ids: {} };
  checkAbort(ctx, 'sending the email');
  const sent = await sender.send(message, { date: ctx.now() });
  const ids = { messageId: sent.messageId, ...(sent.providerId ? { providerId: sent.providerId } : {}) };
  try {
    await ledger(ctx).write({ week, team: t.team, channel: 'email', status: 'sent', to: message.to, ...ids });
  } catch (err) {
    return { ...base, status: 'sent', detail: `sent, but ${messageOf(err)}: a re-run would send again`, ids };
  }
  return { ...base, status: 'sent', detail: `sent to ${message.to.length} recipient(s)`, ids };
}

// ---------------------------------------------------------------------------------------------
// Tickets

function ticketFile(action: Extract<TicketAction, { kind: 'create' }>): string {
  return `# ${action.title}\n\nLabels: ${action.labels.join(', ')}${action.assignee ? `\nAssignee: ${action.assignee}` : ''}\n\n${renderMarkdown(action.body)}`;
}

async function dryRunTickets(
  ctx: Ctx,
  t: TeamDelivery,
  base: Pick<DeliveryResult, 'team' | 'channel'>,
): Promise<DeliveryResult> {
  // No tracker is asked, so this is the plan as if the tracker held none of these tickets.
  const plan = reconcileTickets({
    week: ctx.req.week,
    team: t.team,
    currency: ctx.req.settings?.currency ?? 'USD',
    findings: t.findings,
    existing: new Map(),
    openForTeam: [],
    ...(t.reviewer ? { defaultAssignee: t.reviewer } : {}),
    ...(ctx.req.settings?.ticketPolicy ? { policy: ctx.req.settings.ticketPolicy } : {}),
  });
  const dir = path.join(teamDir(ctx, t.team), 'tickets');
  await mkdir(dir, { recursive: true });
  const creates = plan.actions.filter(
    (a): a is Extract<TicketAction, { kind: 'create' }> => a.kind === 'create',
  );
  for (const a of creates)
    await writeFile(path.join(dir, `${safeName(a.finding.fingerprint)}.md`), ticketFile(a));
  await writeFile(
    path.join(dir, 'plan.json'),
    `${JSON.stringify({ tracker: t.tracker ?? null, create: creates.map((a) => ({ fingerprintLabel: a.fingerprintLabel, title: a.title, monthlySavings: a.finding.monthlySavings })), heldBack: plan.heldBack }, null, 2)}\n`,
  );
  return {
    ...base,
    status: 'skipped',
    detail: `dry-run: would file up to ${creates.length} ticket(s), ${plan.heldBack.length} held back; wrote ${dir}`,
    ids: {},
    heldBack: plan.heldBack,
  };
}

async function deliverTickets(ctx: Ctx, t: TeamDelivery): Promise<DeliveryResult> {
  const base = { team: t.team, channel: 'tickets' as const };
  if (!t.tracker) return { ...base, status: 'skipped', detail: 'no ticket tracker configured', ids: {} };
  if (ctx.req.dryRunDir) return dryRunTickets(ctx, t, base);
  const { week } = ctx.req;
  const { kind, project } = t.tracker;
  const previous = await ledger(ctx).read(week, t.team, 'tickets');
  if (previous?.status === 'sent' && !ctx.req.force) {
    return {
      ...base,
      status: 'skipped',
      detail: `already reconciled with ${kind} ${project} at ${previous.updatedAt}`,
      ids: idsOf(previous.tickets),
      heldBack: previous.heldBack,
    };
  }
  if (!ctx.req.clients.tracker)
    return { ...base, status: 'failed', detail: 'no ticket trackers configured', ids: {} };
  const tracker = ctx.req.clients.tracker(kind);

  const done: Record<string, TicketLedgerEntry> =
    previous && previous.status === 'in-progress' && previous.project === project
      ? { ...previous.tickets }
      : {};
  const handled = new Map<string, { action: TicketActionKind }>(
    Object.entries(done).map(([fp, e]) => [fp, { action: e.action }]),
  );
  const existing = new Map<string, TicketRef[]>();
  for (const fp of dedupeFindings(t.findings).keys()) {
    if (handled.has(fp)) continue;
    checkAbort(ctx, `searching ${kind} ${project}`);
    existing.set(fp, await tracker.findByFingerprint(project, fp));
  }
  checkAbort(ctx, `searching ${kind} ${project}`);
  const openForTeam = await tracker.findOpenByLabel(project, teamLabel(t.team));
  const plan = reconcileTickets({
    week,
    team: t.team,
    currency: ctx.req.settings?.currency ?? 'USD',
    findings: t.findings,
    existing,
    openForTeam,
    handled,
    ...(t.reviewer ? { defaultAssignee: t.reviewer } : {}),
    ...(ctx.req.settings?.ticketPolicy ? { policy: ctx.req.settings.ticketPolicy } : {}),
  });

  const record = (status: TicketsLedger['status']) =>
    ledger(ctx).write({
      week,
      team: t.team,
      channel: 'tickets',
      status,
      tracker: kind,
      project,
      tickets: done,
      heldBack: plan.heldBack,
    });

  const failures: string[] = [];
  const counts: Record<TicketActionKind, number> = { create: 0, update: 0, resolve: 0, quiet: 0 };
  for (const action of plan.actions) {
    if (action.kind === 'quiet') {
      if (!done[action.fingerprintLabel]) {
        counts.quiet++;
        done[action.fingerprintLabel] = {
          action: 'quiet',
          ...(action.ref ? { key: action.ref.key, url: action.ref.url } : {}),
          detail: action.reason,
          at: ctx.now().toISOString(),
        };
      }
      continue;
    }
    checkAbort(ctx, `the ${action.kind} of ${action.fingerprintLabel} in ${kind} ${project}`);
    let ref: TicketRef;
    try {
      ref = await carryOut(tracker, project, action);
    } catch (err) {
      failures.push(`${action.fingerprintLabel}: ${messageOf(err)}`);
      continue;
    }
    counts[action.kind]++;
    done[action.fingerprintLabel] = {
      action: action.kind,
      key: ref.key,
      url: ref.url,
      ...(action.kind === 'update' ? { detail: action.reason } : {}),
      at: ctx.now().toISOString(),
    };
    // Recorded after each ticket, so a run that dies here does not file it again.
    await record('in-progress');
  }
  const summary = `created ${counts.create}, updated ${counts.update}, resolved ${counts.resolve}, quiet ${counts.quiet}, held back ${plan.heldBack.length} in ${kind} ${project}`;
  if (failures.length > 0) {
    await record('in-progress');
    return {
      ...base,
      status: 'failed',
      detail: `${summary}; ${failures.length} failed (retried on the next run): ${failures.join('; ')}`,
      ids: idsOf(done),
      heldBack: plan.heldBack,
    };
  }
  await record('sent');
  return { ...base, status: 'sent', detail: summary, ids: idsOf(done), heldBack: plan.heldBack };
}

async function carryOut(
  tracker: TicketTracker,
  project: string,
  action: Exclude<TicketAction, { kind: 'quiet' }>,
): Promise<TicketRef> {
  switch (action.kind) {
    case 'create':
      return tracker.create({
        project,
        title: action.title,
        body: action.body,
        labels: action.labels,
        ...(action.assignee ? { assignee: action.assignee } : {}),
      });
    case 'update':
      // Comment first: a run that dies between the two then repeats a comment rather than losing it.
      if (action.comment) await tracker.comment(action.ref, action.comment);
      await tracker.update(action.ref, { title: action.title, body: action.body });
      return action.ref;
    case 'resolve':
      await tracker.comment(action.ref, action.comment);
      await tracker.setMarker(action.ref, action.marker);
      return action.ref;
  }
}

function idsOf(tickets: Record<string, TicketLedgerEntry>): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const [fp, e] of Object.entries(tickets)) if (e.key && e.action !== 'quiet') ids[fp] = e.key;
  return ids;
}

// ---------------------------------------------------------------------------------------------

const byChannel: Record<Channel, (ctx: Ctx, t: TeamDelivery) => Promise<DeliveryResult>> = {
  slack: deliverSlack,
  email: deliverEmail,
  tickets: deliverTickets,
};

/**
 * Delivers the week to every team (or `onlyTeam`, `onlyChannel`). Never throws for a team's
 * failure: each (team, channel) gets a result. Throws UsageError for a bad request.
 */
export async function deliverWeek(req: DeliverRequest): Promise<DeliverOutcome> {
  if (!/^\d{4}-W\d{2}$/.test(req.week))
    throw new UsageError(`deliver: "${req.week}" is not an ISO week such as 2026-W47`);
  if (req.onlyChannel && !CHANNELS.includes(req.onlyChannel)) {
    throw new UsageError(`deliver: unknown channel "${req.onlyChannel}" (slack, email or tickets)`);
  }
  const teams = req.onlyTeam === undefined ? req.teams : req.teams.filter((t) => t.team === req.onlyTeam);
  if (req.onlyTeam !== undefined && teams.length === 0) {
    throw new UsageError(`deliver: no team named ${JSON.stringify(req.onlyTeam)} in week ${req.week}`);
  }
  const names = new Set<string>();
  for (const t of teams) {
    if (names.has(t.team)) throw new UsageError(`deliver: team ${JSON.stringify(t.team)} is listed twice`);
    names.add(t.team);
  }
  if (!req.store && !req.dryRunDir)
    throw new UsageError('deliver: a store for the delivery ledger is required unless dry-run');
  const now = req.now ?? (() => new Date());
  const ctx: Ctx = { req, ledger: req.store ? new DeliveryLedger(req.store, now) : null, now };
  const channels = req.onlyChannel ? [req.onlyChannel] : [...CHANNELS];
  const results: DeliveryResult[] = [];
  await pool(teams, req.concurrency ?? 4, async (t) => {
    const settled = await Promise.allSettled(channels.map((c) => byChannel[c](ctx, t)));
    settled.forEach((s, i) => {
      const channel = channels[i] as Channel;
      results.push(
        s.status === 'fulfilled'
          ? s.value
          : {
              team: t.team,
              channel,
              status: 'failed',
              detail: `${channel} for team ${JSON.stringify(t.team)} failed: ${messageOf(s.reason)}`,
              ids: {},
            },
      );
    });
  });
  const order = new Map(teams.map((t, i) => [t.team, i]));
  results.sort(
    (a, b) =>
      (order.get(a.team) ?? 0) - (order.get(b.team) ?? 0) ||
      CHANNELS.indexOf(a.channel) - CHANNELS.indexOf(b.channel),
  );
  return { week: req.week, results };
}

// ---------------------------------------------------------------------------------------------
// Composition from the config (for the CLI and the cloud entry points)

export interface BuildClientsOptions {
  env?: Env;
  slack?: { slackApiUrl?: string; retryConfig?: RetryOptions; minIntervalMs?: number };
  smtp?: { ignoreTLS?: boolean; requireTLS?: boolean };
  ses?: SESv2ClientConfig;
}

/** A value given either as a secret reference or as is. */
function plainOrSecret(ref: string | undefined, env: Env, what: string): string | undefined {
  if (ref === undefined) return undefined;
  return /^(env|aws-sm|gcp-sm|azure-kv):/.test(ref) ? resolveSecret(ref, env, what) : ref;
}

/**
 * Builds the delivery clients from the config, resolving secrets: Slack and email at once (a
 * missing secret is an error here), trackers on first use (a missing tracker secret fails only
 * the teams that use that tracker).
 */
export function buildDeliveryClients(config: Config, options: BuildClientsOptions = {}): DeliveryClients {
  const env = options.env ?? process.env;
  const clients: DeliveryClients = {};
  const closers: (() => void)[] = [];
  const slack = config.delivery.slack;
  if (slack) {
    clients.slack = new WebApiSlackNotifier({
      token: resolveSecret(slack.token, env, 'delivery.slack.token'),
      ...(slack.apiUrl
        ? { slackApiUrl: slack.apiUrl.endsWith('/') ? slack.apiUrl : `${slack.apiUrl}/` }
        : {}),
      retryConfig: { ...DEFAULT_SLACK_RETRY, retries: slack.retries },
      ...options.slack,
    });
  }
  const email = config.delivery.email;
  if (email?.transport === 'smtp') {
    if (!email.url)
      throw new UsageError('delivery.email.url is required for the smtp transport (env:SMTP_URL)');
    const sender = new SmtpEmailSender({
      url: resolveSecret(email.url, env, 'delivery.email.url'),
      ...options.smtp,
    });
    clients.email = sender;
    closers.push(() => sender.close());
  } else if (email?.transport === 'ses') {
    // For SES, `url` (optional) resolves to a region (`eu-west-1`) or an endpoint URL.
    const target = email.url ? resolveSecret(email.url, env, 'delivery.email.url') : undefined;
    const config: SESv2ClientConfig = {
      ...(target && /^[a-z]{2}(-[a-z]+)+-\d$/.test(target) ? { region: target } : {}),
      ...(target && /^https?:\/\//.test(target) ? { endpoint: target } : {}),
      ...options.ses,
    };
    const sender = new SesEmailSender({ clientConfig: config });
    clients.email = sender;
    closers.push(() => sender.close());
  }
  const creds: Partial<NonNullable<Config['delivery']['tickets']>> = config.delivery.tickets ?? {};
  const trackers = new Map<TrackerKind, TicketTracker>();
  const missing = (kind: TrackerKind, keys: string) =>
    new UsageError(`delivery.tickets.${kind} is not configured (${keys}): needed for ${kind} tickets`);
  clients.tracker = (kind) => {
    const cached = trackers.get(kind);
    if (cached) return cached;
    let tracker: TicketTracker;
    if (kind === 'jira') {
      const c = creds.jira;
      if (!c) throw missing(kind, 'url, email, token');
      tracker = new JiraTracker({
        host: c.url,
        email: plainOrSecret(c.email, env, 'delivery.tickets.jira.email') as string,
        apiToken: resolveSecret(c.token, env, 'delivery.tickets.jira.token'),
      });
    } else if (kind === 'github') {
      const c = creds.github;
      if (!c) throw missing(kind, 'token, and baseUrl for GitHub Enterprise Server');
      tracker = new GitHubTracker({
        token: resolveSecret(c.token, env, 'delivery.tickets.github.token'),
        ...(c.baseUrl ? { baseUrl: c.baseUrl } : {}),
      });
    } else {
      const c = creds.linear;
      if (!c) throw missing(kind, 'apiKey');
      tracker = new LinearTracker({
        apiKey: resolveSecret(c.apiKey, env, 'delivery.tickets.linear.apiKey'),
        ...(c.apiUrl ? { apiUrl: c.apiUrl } : {}),
      });
    }
    trackers.set(kind, tracker);
    return tracker;
  };
  clients.close = () => {
    for (const close of closers) close();
  };
  return clients;
}

/** Delivery settings from the config (sender, unsubscribe targets, ticket policy, currency). */
export function deliverySettingsFromConfig(config: Config): DeliverySettings {
  const { email, tickets } = config.delivery;
  return {
    ...(email ? { from: email.from } : {}),
    ...(email?.unsubscribe ? { unsubscribe: email.unsubscribe } : {}),
    currency: config.currency,
    ...(tickets
      ? {
          ticketPolicy: {
            maxNewPerTeamPerRun: tickets.maxNewPerTeamPerRun,
            wontDoFactor: tickets.wontDoFactor,
          },
        }
      : {}),
  };
}

/** The delivery targets of a team from the config (`teams.<team>`), for the weekly pipeline. */
export function teamTargets(
  config: Config,
  team: string,
): {
  slackChannel?: string;
  emailTo?: string[];
  tracker?: { kind: TrackerKind; project: string };
  reviewer?: string;
} {
  const t = config.teams[team];
  if (!t) return {};
  return {
    ...(t.slack ? { slackChannel: t.slack } : {}),
    ...(t.email && t.email.length > 0 ? { emailTo: t.email } : {}),
    ...(t.tickets ? { tracker: { kind: t.tickets.tracker, project: t.tickets.project } } : {}),
    ...(t.reviewer ? { reviewer: t.reviewer } : {}),
  };
}
