/**
 * The delivery ledger: what was sent to each team for a week, one object per team and channel at
 * `runs/<week>/<safeName(team)>/<slack|email|tickets>.json`. It is written after every successful
 * send, so a run that dies halfway resumes where it stopped and a second run of the same week
 * sends nothing twice. The raw team name is inside the object, never in its key.
 */
import { z } from 'zod';
import { OwnercostError, UsageError } from '../schema/errors.js';
import { safeName } from '../snapshots/keys.js';
import type { Channel } from './ports.js';

export const LEDGER_SCHEMA = 'ownercost/delivery/v1';

/** `runs/<week>/<team-safe>/<channel>.json`. */
export function ledgerKey(week: string, team: string, channel: Channel): string {
  if (!/^\d{4}-W\d{2}$/.test(week))
    throw new UsageError(`ledger: "${week}" is not an ISO week such as 2026-W47`);
  return `runs/${week}/${safeName(team)}/${channel}.json`;
}

const base = {
  schema: z.literal(LEDGER_SCHEMA),
  week: z.string(),
  team: z.string(),
  /** ISO time of the last write. */
  updatedAt: z.string(),
};

const SlackLedgerSchema = z.object({
  ...base,
  channel: z.literal('slack'),
  /**
   * `message-posted`: the weekly message is in the channel, the thread reply is not yet;
   * `sent`: both are.
   */
  status: z.enum(['message-posted', 'sent']),
  /** The channel as configured (`#team-costs`). */
  target: z.string(),
  /** The channel id Slack resolved it to. */
  channelId: z.string(),
  ts: z.string(),
  threadTs: z.string().optional(),
});

const EmailLedgerSchema = z.object({
  ...base,
  channel: z.literal('email'),
  status: z.literal('sent'),
  messageId: z.string(),
  providerId: z.string().optional(),
  to: z.array(z.string()),
});

const TicketEntrySchema = z.object({
  action: z.enum(['create', 'update', 'resolve', 'quiet']),
  key: z.string().optional(),
  url: z.string().optional(),
  detail: z.string().optional(),
  at: z.string(),
});

const TicketsLedgerSchema = z.object({
  ...base,
  channel: z.literal('tickets'),
  /** `in-progress` until every planned action is done. */
  status: z.enum(['in-progress', 'sent']),
  tracker: z.string(),
  project: z.string(),
  /** Per fingerprint label: what this week's run did. */
  tickets: z.record(z.string(), TicketEntrySchema),
  heldBack: z.array(
    z.object({ fingerprintLabel: z.string(), title: z.string(), monthlySavings: z.number() }),
  ),
});

export type SlackLedger = z.infer<typeof SlackLedgerSchema>;
export type EmailLedger = z.infer<typeof EmailLedgerSchema>;
export type TicketsLedger = z.infer<typeof TicketsLedgerSchema>;
export type TicketLedgerEntry = z.infer<typeof TicketEntrySchema>;
export type LedgerEntry = SlackLedger | EmailLedger | TicketsLedger;
export type LedgerOf<C extends Channel> = Extract<LedgerEntry, { channel: C }>;

const schemas = { slack: SlackLedgerSchema, email: EmailLedgerSchema, tickets: TicketsLedgerSchema } as const;

export class LedgerError extends OwnercostError {
  override name = 'LedgerError';
}

/** Parses a stored ledger object; throws LedgerError naming the key when it is not one. */
export function parseLedger<C extends Channel>(channel: C, key: string, text: string): LedgerOf<C> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new LedgerError(`ledger: ${key} is not JSON`, { cause: err });
  }
  const parsed = schemas[channel].safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LedgerError(
      `ledger: ${key} is not a ${channel} ledger (${issue?.path.join('.') || '/'}: ${issue?.message})`,
    );
  }
  return parsed.data as LedgerOf<C>;
}

/** True when nothing is left to send for this channel. */
export function isComplete(entry: LedgerEntry | null): boolean {
  return entry?.status === 'sent';
}
