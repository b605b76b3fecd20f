/**
 * deliverWeek end to end against local Slack, SMTP and Jira servers: exactly once per team and
 * week across repeated, interrupted and partly failing runs; dry-run; narrowing; clients from config.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SmtpEmailSender } from '../../adapters/delivery/email.js';
import { resolveSecret } from '../../adapters/delivery/secrets.js';
import { WebApiSlackNotifier } from '../../adapters/delivery/slack.js';
import { JiraTracker } from '../../adapters/delivery/tickets/jira.js';
import { ConfigSchema } from '../../core/config/schema.js';
import { fingerprintLabel } from '../../core/delivery/labels.js';
import type { EmailSender, SlackNotifier, TicketTracker } from '../../core/delivery/ports.js';
import type { ObjectStore } from '../../core/ports.js';
import { safeName } from '../../core/snapshots/keys.js';
import {
  buildDeliveryClients,
  type DeliverRequest,
  type DeliveryClients,
  type DeliveryResult,
  deliverWeek,
  deliverySettingsFromConfig,
  type TeamDelivery,
} from '../../functions/deliver.js';
import { loadFindings, teamDelivery, tempStore } from './helpers.js';
import { type FakeJira, JIRA_EMAIL, JIRA_TOKEN, startFakeJira } from './servers/jira.js';
import { type FakeSlack, SLACK_TOKEN, startFakeSlack } from './servers/slack.js';
import { type FakeSmtp, startFakeSmtp } from './servers/smtp.js';

const WEEK = '2026-W12';
const ODD_TEAM = 'data & ai/../x';

let slack: FakeSlack;
let smtp: FakeSmtp;
let jira: FakeJira;
let teams: TeamDelivery[];

beforeAll(async () => {
  [slack, smtp, jira] = await Promise.all([startFakeSlack(), startFakeSmtp(), startFakeJira()]);
  const findings = await loadFindings();
  teams = [
    await teamDelivery('ml-platform', findings, { tracker: { kind: 'jira', project: 'MLP' } }),
    await teamDelivery('web', findings, { tracker: { kind: 'jira', project: 'WEB' } }),
    await teamDelivery(ODD_TEAM, findings, {
      channel: '#data-costs',
      to: ['data@example.com'],
      tracker: { kind: 'jira', project: 'DATA' },
    }),
  ];
});
afterAll(async () => {
  await Promise.all([slack.close(), smtp.close(), jira.close()]);
});
beforeEach(() => {
  slack.posts.length = 0;
  slack.failing.clear();
  smtp.received.length = 0;
  jira.issues.clear();
});

function realClients(): DeliveryClients & {
  slack: SlackNotifier;
  email: EmailSender;
  tracker: () => TicketTracker;
} {
  const jiraTracker = new JiraTracker({ host: jira.url, email: JIRA_EMAIL, apiToken: JIRA_TOKEN });
  return {
    slack: new WebApiSlackNotifier({
      token: SLACK_TOKEN,
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 1 },
      minIntervalMs: 20,
    }),
    email: new SmtpEmailSender({ url: smtp.url, ignoreTLS: true }),
    tracker: () => jiraTracker,
  };
}

const settings = {
  from: 'ownercost <finops@example.com>',
  unsubscribe: { url: 'https://finops.example.com/unsubscribe' },
  currency: 'USD',
  ticketPolicy: { maxNewPerTeamPerRun: 5 },
};

function deliver(store: ObjectStore, clients: DeliveryClients, extra: Partial<DeliverRequest> = {}) {
  return deliverWeek({
    week: WEEK,
    teams,
    clients,
    store,
    settings,
    now: () => new Date('2026-03-23T08:00:00Z'),
    ...extra,
  });
}

/** What every team received, counted at the servers. */
function received() {
  const byChannel = (channel: string) =>
    slack.posts.filter(
      (p) =>
        p.requested === channel || p.channel === slack.posts.find((q) => q.requested === channel)?.channel,
    );
  return teams.map((t) => {
    const posts = byChannel(t.slack?.channel as string);
    const project = t.tracker?.project as string;
    const issues = [...jira.issues.values()].filter((i) => i.project === project);
    const perFingerprint = new Map<string, number>();
    for (const i of issues)
      for (const l of i.labels.filter((x) => x.startsWith('ownercost-fp-')))
        perFingerprint.set(l, (perFingerprint.get(l) ?? 0) + 1);
    return {
      team: t.team,
      messages: posts.filter((p) => !p.threadTs).length,
      threadReplies: posts.filter((p) => p.threadTs && p.threadTs === posts.find((q) => !q.threadTs)?.ts)
        .length,
      emails: smtp.received.filter((m) => m.to.includes(t.email?.to[0] as string)).length,
      tickets: issues.length,
      duplicateTickets: [...perFingerprint.values()].filter((n) => n > 1).length,
      comments: issues.reduce((s, i) => s + i.comments.length, 0),
    };
  });
}

const ONCE = [
  {
    team: 'ml-platform',
    messages: 1,
    threadReplies: 1,
    emails: 1,
    tickets: 5,
    duplicateTickets: 0,
    comments: 0,
  },
  { team: 'web', messages: 1, threadReplies: 1, emails: 1, tickets: 2, duplicateTickets: 0, comments: 0 },
  { team: ODD_TEAM, messages: 1, threadReplies: 1, emails: 1, tickets: 0, duplicateTickets: 0, comments: 0 },
];

const statuses = (results: DeliveryResult[]) => results.map((r) => `${r.team}/${r.channel}:${r.status}`);

describe('deliverWeek, exactly once per team and week', () => {
  it('sends each team one message with its thread, one email and one ticket per finding; a second run sends nothing', async () => {
    const { store } = await tempStore();
    const first = await deliver(store, realClients());
    expect(first.results.map((r) => r.status)).toEqual(Array(9).fill('sent'));
    expect(received()).toEqual(ONCE);
    const ml = first.results.find((r) => r.team === 'ml-platform' && r.channel === 'tickets');
    expect(ml?.heldBack).toHaveLength(2);
    const second = await deliver(store, realClients());
    expect(second.results.map((r) => r.status)).toEqual(Array(9).fill('skipped'));
    expect(second.results.every((r) => r.detail.startsWith('already'))).toBe(true);
    expect(second.results.map((r) => r.ids)).toEqual(first.results.map((r) => r.ids));
    expect(received()).toEqual(ONCE);
  });

  it('keeps the ledger under safe team names, recording the Slack ts, the Message-ID and the ticket keys', async () => {
    const { store } = await tempStore();
    await deliver(store, realClients());
    const keys: string[] = [];
    for await (const k of store.list('runs/')) keys.push(k);
    expect(keys.filter((k) => k.includes('/../') || k.includes(' & '))).toEqual([]);
    expect(keys).toContain(`runs/${WEEK}/${safeName(ODD_TEAM)}/email.json`);
    const slackEntry = JSON.parse(
      Buffer.from((await store.get(`runs/${WEEK}/web/slack.json`)) as Uint8Array).toString(),
    );
    expect(slackEntry).toMatchObject({ status: 'sent', team: 'web', target: '#web-costs' });
    expect(slack.posts.find((p) => p.threadTs === slackEntry.ts)?.ts).toBe(slackEntry.threadTs);
    const email = JSON.parse(
      Buffer.from((await store.get(`runs/${WEEK}/web/email.json`)) as Uint8Array).toString(),
    );
    expect(email.messageId).toMatch(/^<ownercost\.2026-W12\.[0-9a-f]{16}@example\.com>$/);
    const tickets = JSON.parse(
      Buffer.from((await store.get(`runs/${WEEK}/web/tickets.json`)) as Uint8Array).toString(),
    );
    expect(Object.keys(tickets.tickets).sort()).toEqual(
      teams[1]?.findings.map((f) => fingerprintLabel(f.fingerprint)).sort(),
    );
  });

  it.each([1, 2, 4, 7, 11])(
    'resumes a run killed after %i sends without sending anything twice or missing anything',
    async (n) => {
      const { store } = await tempStore();
      const controller = new AbortController();
      let sends = 0;
      /** Lets the first n sends through; then the "process" dies: everything after throws. */
      const gated =
        <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
        async (...args: A): Promise<R> => {
          if (sends >= n) {
            controller.abort();
            throw new Error('killed');
          }
          sends++;
          return fn(...args);
        };
      const real = realClients();
      const tracker = real.tracker();
      const dying: DeliveryClients = {
        slack: { postMessage: gated((p) => real.slack.postMessage(p)) },
        email: { send: gated((m, o) => real.email.send(m, o)) },
        tracker: () => ({
          kind: 'jira',
          findByFingerprint: (p, l) => tracker.findByFingerprint(p, l),
          findOpenByLabel: (p, l) => tracker.findOpenByLabel(p, l),
          create: gated((i) => tracker.create(i)),
          update: gated((r, c) => tracker.update(r, c)),
          comment: gated((r, c) => tracker.comment(r, c)),
          setMarker: gated((r, m) => tracker.setMarker(r, m)),
        }),
      };
      const first = await deliver(store, dying, { signal: controller.signal, concurrency: 1 });
      expect(first.results.some((r) => r.status === 'failed')).toBe(true);
      const second = await deliver(store, realClients());
      expect(second.results.filter((r) => r.status === 'failed')).toEqual([]);
      expect(received()).toEqual(ONCE);
      const third = await deliver(store, realClients());
      expect(third.results.map((r) => r.status)).toEqual(Array(9).fill('skipped'));
    },
  );

  it('posts only the missing thread reply when a run died between the message and its thread', async () => {
    const { store } = await tempStore();
    const real = realClients();
    const noThreads: DeliveryClients = {
      ...real,
      slack: {
        postMessage: async (p) => {
          if (p.threadTs) throw new Error('killed before the thread reply');
          return real.slack.postMessage(p);
        },
      },
    };
    const first = await deliver(store, noThreads, { onlyChannel: 'slack' });
    expect(first.results.map((r) => r.status)).toEqual(['failed', 'failed', 'failed']);
    const second = await deliver(store, realClients(), { onlyChannel: 'slack' });
    expect(second.results.map((r) => r.detail)).toEqual(
      teams.map(
        (t) => `thread reply posted (the message was posted by an earlier run) to ${t.slack?.channel}`,
      ),
    );
    expect(received().map((r) => [r.messages, r.threadReplies])).toEqual([
      [1, 1],
      [1, 1],
      [1, 1],
    ]);
  });

  it('does not file a ticket twice when the run died right after filing it, before the ledger write', async () => {
    const { store } = await tempStore();
    let failTicketLedger = true;
    const flaky: ObjectStore = {
      url: store.url,
      get: (k) => store.get(k),
      list: (p) => store.list(p),
      delete: (k) => store.delete(k),
      put: async (k, b) => {
        if (failTicketLedger && k.endsWith('/tickets.json')) throw new Error('store unavailable');
        return store.put(k, b);
      },
    };
    const first = await deliver(flaky, realClients(), { onlyChannel: 'tickets', onlyTeam: 'web' });
    expect(first.results[0]?.status).toBe('failed');
    expect(first.results[0]?.detail).toContain('ledger');
    failTicketLedger = false;
    const second = await deliver(flaky, realClients(), { onlyChannel: 'tickets', onlyTeam: 'web' });
    expect(second.results[0]?.status).toBe('sent');
    const web = [...jira.issues.values()].filter((i) => i.project === 'WEB');
    expect(web.length).toBe(teams[1]?.findings.length);
  });

  it('delivers every other team during one team’s Slack outage and sends the missed post on the next run', async () => {
    const { store } = await tempStore();
    slack.failing.add('#web-costs');
    const first = await deliver(store, realClients());
    expect(statuses(first.results)).toEqual([
      'ml-platform/slack:sent',
      'ml-platform/email:sent',
      'ml-platform/tickets:sent',
      'web/slack:failed',
      'web/email:sent',
      'web/tickets:sent',
      `${ODD_TEAM}/slack:sent`,
      `${ODD_TEAM}/email:sent`,
      `${ODD_TEAM}/tickets:sent`,
    ]);
    const failed = first.results.find((r) => r.status === 'failed');
    expect(failed?.detail).toContain('"web"');
    expect(failed?.detail).toContain('"#web-costs"');
    expect(failed?.detail).not.toContain(SLACK_TOKEN);
    slack.failing.clear();
    const second = await deliver(store, realClients());
    expect(statuses(second.results).filter((s) => !s.endsWith(':skipped'))).toEqual(['web/slack:sent']);
    expect(received()).toEqual(ONCE);
  });

  it('narrows to one team and one channel', async () => {
    const { store } = await tempStore();
    const only = await deliver(store, realClients(), { onlyTeam: 'web', onlyChannel: 'email' });
    expect(statuses(only.results)).toEqual(['web/email:sent']);
    expect(smtp.received).toHaveLength(1);
    expect(slack.posts).toHaveLength(0);
    const all = await deliver(store, realClients());
    expect(statuses(all.results).filter((s) => s.startsWith('web/'))).toEqual([
      'web/slack:sent',
      'web/email:skipped',
      'web/tickets:sent',
    ]);
    await expect(deliver(store, realClients(), { onlyTeam: 'nobody' })).rejects.toThrow(
      /no team named "nobody"/,
    );
  });
});

describe('deliverWeek dry-run', () => {
  it('writes the Slack payload, the full MIME email and the ticket bodies, and touches no service or ledger', async () => {
    const { store, dir } = await tempStore();
    const requests = [slack.server.requests.length, jira.server.requests.length];
    const outDir = path.join(dir, 'dry');
    const out = await deliver(store, realClients(), { dryRunDir: outDir });
    expect(out.results.every((r) => r.status === 'skipped' && r.detail.startsWith('dry-run'))).toBe(true);
    expect([slack.server.requests.length, jira.server.requests.length]).toEqual(requests);
    expect(smtp.received).toHaveLength(0);
    const keys: string[] = [];
    for await (const k of store.list('')) keys.push(k);
    expect(keys).toEqual([]);

    const teamDir = path.join(outDir, 'teams', 'ml-platform');
    const eml = await readFile(path.join(teamDir, 'email.eml'));
    const mail = await simpleParser(eml);
    expect(mail.messageId).toMatch(/^<ownercost\.2026-W12\.[0-9a-f]{16}@example\.com>$/);
    expect(mail.attachments[0]?.filename).toBe('ownercost-allocations-ml-platform-2026-W12.csv');
    const payload = JSON.parse(await readFile(path.join(teamDir, 'slack.json'), 'utf8'));
    expect(payload.channel).toBe('#ml-platform-costs');
    expect(payload.thread.blocks.length).toBeGreaterThan(0);
    const files = (await readdir(path.join(teamDir, 'tickets'))).sort();
    expect(files.filter((f) => f.endsWith('.md'))).toHaveLength(5);
    expect(files).toContain('plan.json');
    const md = await readFile(path.join(teamDir, 'tickets', 'b2c3d4e5f6071829.md'), 'utf8');
    expect(md).toMatch(/^# GPU pool warm but idle for Deployment\/llm-gateway\n/);
    expect(md).toContain('4,210.00 USD per month');
    const odd = await readdir(path.join(outDir, 'teams'));
    expect(odd).toContain(safeName(ODD_TEAM));
  });
});

describe('delivery clients from the config', () => {
  // The servers' URLs are known once they listen.
  const configFor = (tickets: Record<string, unknown> = {}) =>
    ConfigSchema.parse({
      teams: {
        web: {
          slack: '#web-costs',
          email: ['web@example.com'],
          tickets: { tracker: 'jira', project: 'WEB' },
        },
      },
      delivery: {
        slack: { token: 'env:OC_SLACK', apiUrl: slack.apiUrl, retries: 1 },
        email: {
          transport: 'smtp',
          url: 'env:OC_SMTP',
          from: 'ownercost <finops@example.com>',
          unsubscribe: { mailto: 'mailto:finops@example.com', url: 'https://finops.example.com/u' },
        },
        tickets: {
          maxNewPerTeamPerRun: 3,
          wontDoFactor: 3,
          jira: { url: jira.url, email: 'env:OC_JIRA_EMAIL', token: 'env:OC_JIRA_TOKEN' },
          ...tickets,
        },
      },
    });

  it('resolves env: secrets and delivers with them', async () => {
    const env = {
      OC_SLACK: SLACK_TOKEN,
      OC_SMTP: smtp.url,
      OC_JIRA_EMAIL: JIRA_EMAIL,
      OC_JIRA_TOKEN: JIRA_TOKEN,
    };
    const config = configFor();
    const clients = buildDeliveryClients(config, {
      env,
      slack: { minIntervalMs: 20 },
      smtp: { ignoreTLS: true },
    });
    const { store } = await tempStore();
    const s = deliverySettingsFromConfig(config);
    expect(s).toEqual({
      from: 'ownercost <finops@example.com>',
      unsubscribe: { mailto: 'mailto:finops@example.com', url: 'https://finops.example.com/u' },
      currency: 'USD',
      ticketPolicy: { maxNewPerTeamPerRun: 3, wontDoFactor: 3 },
    });
    const out = await deliverWeek({
      week: WEEK,
      teams: [teams[1] as TeamDelivery],
      clients,
      store,
      settings: s,
    });
    clients.close?.();
    expect(statuses(out.results)).toEqual(['web/slack:sent', 'web/email:sent', 'web/tickets:sent']);
  });

  it.each([
    [
      {},
      'delivery.tickets.jira.token: environment variable OC_JIRA_TOKEN (from env:OC_JIRA_TOKEN) is not set',
    ],
    [{ jira: undefined }, 'delivery.tickets.jira is not configured (url, email, token)'],
  ])(
    'fails only the teams of a tracker whose credentials are missing, naming the key (%o)',
    async (tickets, message) => {
      const clients = buildDeliveryClients(configFor(tickets), {
        env: { OC_SLACK: SLACK_TOKEN, OC_SMTP: smtp.url, OC_JIRA_EMAIL: JIRA_EMAIL },
        slack: { minIntervalMs: 0 },
        smtp: { ignoreTLS: true },
      });
      const { store } = await tempStore();
      const out = await deliverWeek({
        week: WEEK,
        teams: [teams[1] as TeamDelivery],
        clients,
        store,
        settings,
      });
      clients.close?.();
      expect(statuses(out.results)).toEqual(['web/slack:sent', 'web/email:sent', 'web/tickets:failed']);
      expect(out.results[2]?.detail).toContain(message);
    },
  );

  it('names a missing Slack token variable and never a value', () => {
    expect(() => buildDeliveryClients(configFor(), { env: { OC_SMTP: 'smtp://u:SECRET@h' } })).toThrow(
      'delivery.slack.token: environment variable OC_SLACK (from env:OC_SLACK) is not set',
    );
  });

  it.each([
    ['aws-sm:prod/slack-token', 'aws-sm: references (AWS Secrets Manager) are not supported in this build'],
    [
      'gcp-sm:projects/p/secrets/s',
      'gcp-sm: references (GCP Secret Manager) are not supported in this build',
    ],
    ['azure-kv:vault/name', 'azure-kv: references (Azure Key Vault) are not supported in this build'],
  ])('refuses %s clearly without echoing the reference', (ref, message) => {
    const err = (() => {
      try {
        resolveSecret(ref, {}, 'delivery.slack.token');
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(err?.message).toContain(message);
    expect(err?.message).not.toContain(ref.slice(ref.indexOf(':') + 1));
  });
});
