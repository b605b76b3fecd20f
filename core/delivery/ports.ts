/**
 * Delivery ports: what the weekly run needs from Slack, an email service and a ticket tracker.
 * Adapters implement them (`adapters/delivery/**`); core plans what to send and never calls them.
 *
 * Common contract:
 * - Every method either completes the whole operation or throws; a throw means "not done, as far
 *   as the caller can tell". Adapters retry transient failures (HTTP 429/5xx) themselves within a
 *   bounded budget, so a throw is worth recording as a failed delivery, not retrying blindly.
 * - Error messages name the component, the operation and the target (channel, project, ticket
 *   key) and never contain a token, a password or a message body.
 * - Money is in the billing currency; amounts are per month of 30.4 days (as `Finding.monthlySavings`).
 */

/** The three things a team receives each week; also the ledger's file names. */
export const CHANNELS = ['slack', 'email', 'tickets'] as const;
export type Channel = (typeof CHANNELS)[number];

// ---------------------------------------------------------------------------------------------
// Slack

export interface SlackPost {
  /** Channel id (`C0123…`) or name (`#team-costs`). */
  channel: string;
  /** Fallback text: notifications, screen readers, clients without Block Kit. Plain mrkdwn. */
  text: string;
  /** Block Kit blocks, already within Slack's limits (see adapters/render/slack.ts). */
  blocks: unknown[];
  /** Post as a reply in the thread of this message `ts`. */
  threadTs?: string;
  /** Team the post is for; only used to say whose post failed in an error. */
  team?: string;
}

export interface SlackPosted {
  /** The message timestamp: Slack's id of the message within its channel. */
  ts: string;
  /** The channel id Slack resolved the channel to (use it for thread replies). */
  channel: string;
}

/**
 * Posts messages to Slack. Implementations keep to Slack's rate limit of about one message per
 * second per channel (calls to the same channel are queued, not rejected) and wait out HTTP 429
 * `Retry-After` before retrying. A post is not idempotent: calling it twice posts twice, which is
 * why the caller records each `ts` in the delivery ledger right after it returns.
 */
export interface SlackNotifier {
  postMessage(post: SlackPost): Promise<SlackPosted>;
}

// ---------------------------------------------------------------------------------------------
// Email

export interface EmailAttachment {
  filename: string;
  /** MIME type with parameters, e.g. `text/csv; charset=utf-8`. */
  contentType: string;
  /** UTF-8 text content. */
  content: string;
}

/** A complete message; built by `buildEmailMessage` (core/delivery/email.ts). */
export interface EmailMessage {
  /** RFC 5322 mailbox, e.g. `ownercost <finops@example.com>`. */
  from: string;
  to: string[];
  subject: string;
  html: string;
  text: string;
  /** `<…@…>` including the angle brackets; stable per team and week so re-sends are recognisable. */
  messageId: string;
  /** Extra header fields (List-Unsubscribe, …), values already in their wire form. */
  headers: Record<string, string>;
  attachments: EmailAttachment[];
}

export interface EmailSent {
  /** The Message-ID header the message carried. */
  messageId: string;
  /** The provider's own id when it has one (SES MessageId, the SMTP server's queue reply). */
  providerId?: string;
}

/**
 * Sends one message as multipart/alternative (text + html) plus attachments. At most once per
 * call; not idempotent at the transport, but the stable Message-ID lets mail clients collapse a
 * re-send of the same team's week.
 */
export interface EmailSender {
  send(message: EmailMessage, options?: { date?: Date }): Promise<EmailSent>;
}

// ---------------------------------------------------------------------------------------------
// Tickets

export type TrackerKind = 'jira' | 'github' | 'linear';

/**
 * Where a ticket stands:
 * - `open`: anything not closed (to do, in progress, in review, triage, backlog).
 * - `closed-done`: closed as fixed/completed (Jira resolution other than "Won't Do", GitHub
 *   `state_reason: completed`, Linear `completed`).
 * - `closed-wont-do`: declined (Jira resolution "Won't Do", GitHub `not_planned`, Linear `canceled`).
 */
export type TicketState = 'open' | 'closed-done' | 'closed-wont-do';

/** What ownercost last wrote into a ticket's body (see core/delivery/labels.ts, `ticketMarker`). */
export interface TicketMarker {
  /** ISO week of the last update, e.g. `2026-W12`. */
  week: string;
  /** The monthly saving recorded at that update, in the billing currency. */
  monthlySavings: number;
  /** `resolved` once ownercost said the finding no longer appears. */
  status: 'active' | 'resolved';
}

export interface TicketRef {
  /** Tracker key: `MLP-12` (Jira), `42` (GitHub issue number), `MLP-7` (Linear identifier). */
  key: string;
  /** Tracker-internal id when it differs from the key (Linear issue UUID, Jira id). */
  id?: string;
  url: string;
  title: string;
  state: TicketState;
  labels: string[];
  /** Parsed from the body; null when the body carries no ownercost marker (edited away). */
  marker: TicketMarker | null;
}

/** Plain-text blocks; each adapter renders them in its own format (Markdown, Atlassian Document Format). */
export type TicketBlock =
  | { type: 'heading'; text: string }
  | { type: 'paragraph'; text: string }
  | { type: 'bullets'; items: string[] }
  | { type: 'code'; text: string }
  /** The machine-readable line ownercost finds its state in; rendered as inline code. */
  | { type: 'marker'; text: string };

export interface TicketDoc {
  blocks: TicketBlock[];
}

export interface TicketCreate {
  /** Jira project key, GitHub `owner/repo`, Linear team key. */
  project: string;
  /** ≤ 250 characters. */
  title: string;
  body: TicketDoc;
  /** Tracker-valid labels (no spaces, ≤ 50 characters: GitHub's limit is the tightest). */
  labels: string[];
  /** Email address or tracker user name; adapters resolve it and create unassigned when they cannot. */
  assignee?: string;
}

/**
 * A project in an issue tracker. Reads are eventually consistent at some trackers (Jira search,
 * GitHub search), so callers also keep their own record of what they filed (the delivery ledger).
 */
export interface TicketTracker {
  readonly kind: TrackerKind;
  /** Every ticket (any state) in `project` carrying the label, oldest first. */
  findByFingerprint(project: string, fingerprintLabel: string): Promise<TicketRef[]>;
  /** Open tickets in `project` carrying the label (used with the team label to find resolved findings). */
  findOpenByLabel(project: string, label: string): Promise<TicketRef[]>;
  create(input: TicketCreate): Promise<TicketRef>;
  /** Replaces the title and/or body; leaves state, labels and assignee alone. */
  update(ref: TicketRef, change: { title?: string; body?: TicketDoc }): Promise<void>;
  comment(ref: TicketRef, body: TicketDoc): Promise<void>;
  /**
   * Rewrites only ownercost's marker line in the body (appending it when a person removed it),
   * keeping everything else as people left it. Used when ownercost has no new body to write.
   */
  setMarker(ref: TicketRef, marker: TicketMarker): Promise<void>;
}
