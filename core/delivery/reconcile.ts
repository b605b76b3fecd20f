/**
 * Ticket reconciliation: from this week's findings of a team and what the tracker already holds,
 * decide what to file, update, mention or leave alone. Pure: the caller fetches the tickets and
 * carries out the actions (functions/deliver.ts), recording each in the delivery ledger.
 *
 * Rules, per finding (deduplicated on its fingerprint label):
 * - an open ticket exists → `update` it with this week's evidence and saving (once per week); add a
 *   comment when the saving moved by at least `commentOnChange` or the finding came back after
 *   ownercost said it was resolved;
 * - the latest ticket was closed as won't do → stay quiet, unless the saving is now more than
 *   `wontDoFactor` × the saving recorded in that ticket: then `update` it with a comment (the new
 *   saving becomes the recorded one, so the next reminder needs another such rise);
 * - the latest ticket was closed as done → file a new ticket that points at it (the problem came
 *   back), unless it was closed after ownercost updated it this same week;
 * - no ticket → `create`, at most `maxNewPerTeamPerRun` per team and week, largest saving first;
 *   the rest are `heldBack` and reported (they are filed in later weeks);
 * - an open ticket of the team whose finding no longer appears → `resolve`: comment once and mark
 *   the body resolved, so the following weeks stay quiet.
 */
import type { Finding } from '../findings/types.js';
import { fingerprintLabel, isFingerprintLabel, OWNERCOST_LABEL, teamLabel } from './labels.js';
import type { TicketDoc, TicketMarker, TicketRef } from './ports.js';
import {
  resolvedComment,
  ticketBody,
  ticketTitle,
  weeklyUpdateComment,
  wontDoReminderComment,
} from './ticketBody.js';

export interface TicketPolicy {
  /** New tickets per team per weekly run (config `delivery.tickets.maxNewPerTeamPerRun`). */
  maxNewPerTeamPerRun: number;
  /** A won't-do ticket speaks up again only when the saving exceeds this multiple of the recorded one. */
  wontDoFactor: number;
  /** Comment on an open ticket when the saving moved by at least this fraction (0.25 = 25 %). */
  commentOnChange: number;
}

export const DEFAULT_TICKET_POLICY: TicketPolicy = {
  maxNewPerTeamPerRun: 5,
  wontDoFactor: 2,
  commentOnChange: 0.25,
};

export interface ReconcileInput {
  week: string;
  team: string;
  currency: string;
  findings: readonly Finding[];
  /** Tickets found by fingerprint label (any state, oldest first); a missing key means none. */
  existing: ReadonlyMap<string, readonly TicketRef[]>;
  /** Open tickets carrying the team's label. */
  openForTeam: readonly TicketRef[];
  /** Fingerprint labels this week's ledger already handled (a resumed run), with what was done. */
  handled?: ReadonlyMap<string, { action: TicketActionKind }>;
  /** Assignee when the finding names no reviewer (the team's configured reviewer). */
  defaultAssignee?: string;
  policy?: Partial<TicketPolicy>;
}

export type TicketActionKind = 'create' | 'update' | 'resolve' | 'quiet';

export type QuietReason =
  | 'wont-do'
  | 'wont-do-no-record'
  | 'up-to-date'
  | 'closed-this-week'
  | 'handled-earlier-this-week';

export type TicketAction =
  | {
      kind: 'create';
      fingerprintLabel: string;
      finding: Finding;
      title: string;
      body: TicketDoc;
      labels: string[];
      assignee?: string;
      previousKey?: string;
    }
  | {
      kind: 'update';
      fingerprintLabel: string;
      finding: Finding;
      ref: TicketRef;
      title: string;
      body: TicketDoc;
      /** Null: update silently. */
      comment: TicketDoc | null;
      reason: 'weekly' | 'reappeared' | 'wont-do-saving-rose';
    }
  | {
      kind: 'resolve';
      fingerprintLabel: string;
      ref: TicketRef;
      marker: TicketMarker;
      comment: TicketDoc;
    }
  | { kind: 'quiet'; fingerprintLabel: string; ref?: TicketRef; reason: QuietReason };

export interface HeldBackFinding {
  fingerprintLabel: string;
  title: string;
  monthlySavings: number;
}

export interface TicketPlan {
  actions: TicketAction[];
  heldBack: HeldBackFinding[];
}

/** Largest saving first, then fingerprint, so the cap keeps the same findings on every run. */
function bySavings(a: Finding, b: Finding): number {
  return (
    b.monthlySavings - a.monthlySavings ||
    (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0)
  );
}

/** The one finding per fingerprint label that counts (the largest saving). */
export function dedupeFindings(findings: readonly Finding[]): Map<string, Finding> {
  const out = new Map<string, Finding>();
  for (const f of [...findings].sort(bySavings)) {
    const label = fingerprintLabel(f.fingerprint);
    if (!out.has(label)) out.set(label, f);
  }
  return out;
}

/** Which of a fingerprint's tickets decides: the oldest open one, else the most recent closed one. */
export function decidingTicket(refs: readonly TicketRef[]): TicketRef | undefined {
  return refs.find((r) => r.state === 'open') ?? refs[refs.length - 1];
}

/** Plans the ticket actions of one team for one week. See the module comment for the rules. */
export function reconcileTickets(input: ReconcileInput): TicketPlan {
  const policy = { ...DEFAULT_TICKET_POLICY, ...input.policy };
  const { week, currency } = input;
  const handled = input.handled ?? new Map();
  const findings = dedupeFindings(input.findings);
  const actions: TicketAction[] = [];
  const creates: Extract<TicketAction, { kind: 'create' }>[] = [];
  const labelsFor = (fp: string) => [OWNERCOST_LABEL, teamLabel(input.team), fp];

  for (const [fp, finding] of findings) {
    if (handled.has(fp)) {
      actions.push({ kind: 'quiet', fingerprintLabel: fp, reason: 'handled-earlier-this-week' });
      continue;
    }
    const refs = input.existing.get(fp) ?? [];
    const ref = decidingTicket(refs);
    const title = ticketTitle(finding);
    if (ref?.state === 'open') {
      if (ref.marker?.week === week) {
        actions.push({ kind: 'quiet', fingerprintLabel: fp, ref, reason: 'up-to-date' });
        continue;
      }
      const previous = ref.marker?.monthlySavings ?? null;
      const reappeared = ref.marker?.status === 'resolved';
      const moved =
        previous === null
          ? true
          : previous === 0
            ? finding.monthlySavings !== 0
            : Math.abs(finding.monthlySavings - previous) / Math.abs(previous) >= policy.commentOnChange;
      actions.push({
        kind: 'update',
        fingerprintLabel: fp,
        finding,
        ref,
        title,
        body: ticketBody(finding, { week, currency }),
        comment:
          reappeared || moved
            ? weeklyUpdateComment(finding, { week, currency, previousSavings: previous, reappeared })
            : null,
        reason: reappeared ? 'reappeared' : 'weekly',
      });
      continue;
    }
    if (ref?.state === 'closed-wont-do') {
      if (!ref.marker) {
        actions.push({ kind: 'quiet', fingerprintLabel: fp, ref, reason: 'wont-do-no-record' });
        continue;
      }
      if (ref.marker.week === week) {
        actions.push({ kind: 'quiet', fingerprintLabel: fp, ref, reason: 'up-to-date' });
        continue;
      }
      const recorded = ref.marker.monthlySavings;
      const rose =
        recorded > 0 ? finding.monthlySavings > policy.wontDoFactor * recorded : finding.monthlySavings > 0;
      if (!rose) {
        actions.push({ kind: 'quiet', fingerprintLabel: fp, ref, reason: 'wont-do' });
        continue;
      }
      actions.push({
        kind: 'update',
        fingerprintLabel: fp,
        finding,
        ref,
        title,
        body: ticketBody(finding, { week, currency }),
        comment: wontDoReminderComment(finding, { week, currency, recordedSavings: recorded }),
        reason: 'wont-do-saving-rose',
      });
      continue;
    }
    if (ref?.state === 'closed-done' && ref.marker?.week === week) {
      actions.push({ kind: 'quiet', fingerprintLabel: fp, ref, reason: 'closed-this-week' });
      continue;
    }
    const previousKey = ref?.state === 'closed-done' ? ref.key : undefined;
    const assignee = finding.reviewer || input.defaultAssignee;
    creates.push({
      kind: 'create',
      fingerprintLabel: fp,
      finding,
      title,
      body: ticketBody(finding, { week, currency, ...(previousKey ? { previousKey } : {}) }),
      labels: labelsFor(fp),
      ...(assignee ? { assignee } : {}),
      ...(previousKey ? { previousKey } : {}),
    });
  }

  // Creates already made this week (a resumed run) use up the cap too.
  const createdEarlier = [...handled.values()].filter((h) => h.action === 'create').length;
  const room = Math.max(0, policy.maxNewPerTeamPerRun - createdEarlier);
  creates.sort((a, b) => bySavings(a.finding, b.finding));
  actions.push(...creates.slice(0, room));
  const heldBack = creates.slice(room).map((c) => ({
    fingerprintLabel: c.fingerprintLabel,
    title: c.title,
    monthlySavings: c.finding.monthlySavings,
  }));

  for (const ref of input.openForTeam) {
    const fp = ref.labels.find(isFingerprintLabel);
    if (!fp || findings.has(fp) || handled.has(fp)) continue;
    if (ref.marker?.status === 'resolved') continue;
    actions.push({
      kind: 'resolve',
      fingerprintLabel: fp,
      ref,
      marker: { week, monthlySavings: ref.marker?.monthlySavings ?? 0, status: 'resolved' },
      comment: resolvedComment(week),
    });
  }
  return { actions, heldBack };
}
