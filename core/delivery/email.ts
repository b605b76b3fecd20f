/**
 * The weekly email of a team as a complete message model: multipart/alternative text + HTML, the
 * allocation CSV attached, one-click unsubscribe (RFC 2369 + RFC 8058) and a Message-ID that is
 * the same for a team and week on every run, so a re-send is recognisable as the same message.
 */
import { UsageError } from '../schema/errors.js';
import { safeName } from '../snapshots/keys.js';
import { hash64 } from './labels.js';
import type { EmailMessage } from './ports.js';
import { oneLine } from './ticketBody.js';

export interface EmailInput {
  week: string;
  team: string;
  /** Config `delivery.email.from`, e.g. `ownercost <finops@example.com>`. */
  from: string;
  to: readonly string[];
  subject: string;
  html: string;
  text: string;
  /** The team's allocation rows as CSV; attached when present. */
  csv?: string;
  unsubscribe?: {
    /** `mailto:` URI; defaults to the sender's address with an "unsubscribe <team>" subject. */
    mailto?: string;
    /** HTTPS endpoint accepting RFC 8058 one-click POSTs; `team` and `week` are added as query parameters. */
    url?: string;
  };
}

/** The address inside a mailbox (`Name <a@b>` → `a@b`); null when there is none. */
export function mailboxAddress(mailbox: string): string | null {
  const angled = /<([^<>\s@]+@[^<>\s@]+)>/.exec(mailbox);
  if (angled) return angled[1] as string;
  const bare = mailbox.trim();
  return /^[^<>\s@",]+@[^<>\s@",]+$/.test(bare) ? bare : null;
}

function domainOf(address: string | null): string {
  const domain = address?.slice(address.lastIndexOf('@') + 1) ?? '';
  return /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(
    domain,
  )
    ? domain.toLowerCase()
    : 'ownercost.invalid';
}

/** `<ownercost.<week>.<hash(team)>@<from domain>>`: stable per team and week. */
export function emailMessageId(week: string, team: string, from: string): string {
  if (!/^\d{4}-W\d{2}$/.test(week)) throw new UsageError(`email: "${week}" is not an ISO week`);
  return `<ownercost.${week}.${hash64(team)}@${domainOf(mailboxAddress(from))}>`;
}

export function attachmentName(week: string, team: string): string {
  return `ownercost-allocations-${safeName(team)}-${week}.csv`;
}

/** Builds the message; throws UsageError for a sender without an address or no recipients. */
export function buildEmailMessage(input: EmailInput): EmailMessage {
  const fromAddress = mailboxAddress(input.from);
  if (!fromAddress) throw new UsageError(`email: delivery.email.from "${input.from}" holds no email address`);
  const to = input.to.map((a) => a.trim()).filter((a) => a.length > 0);
  for (const a of to) {
    if (!mailboxAddress(a))
      throw new UsageError(`email: recipient ${JSON.stringify(a)} is not an email address`);
  }
  if (to.length === 0) throw new UsageError('email: no recipients');

  const teamParam = encodeURIComponent(input.team);
  const mailto =
    input.unsubscribe?.mailto ??
    `mailto:${fromAddress}?subject=${encodeURIComponent('unsubscribe ownercost ')}${teamParam}`;
  if (!/^mailto:[^\s<>]+$/.test(mailto))
    throw new UsageError('email: the unsubscribe mailto is not a mailto: URI');
  const unsubscribe = [`<${mailto}>`];
  const headers: Record<string, string> = { 'Auto-Submitted': 'auto-generated' };
  if (input.unsubscribe?.url) {
    const url = new URL(input.unsubscribe.url);
    if (url.protocol !== 'https:') {
      throw new UsageError('email: the one-click unsubscribe URL must be https (RFC 8058)');
    }
    url.searchParams.set('team', input.team);
    url.searchParams.set('week', input.week);
    unsubscribe.push(`<${url.href}>`);
    headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  }
  headers['List-Unsubscribe'] = unsubscribe.join(', ');

  return {
    from: input.from,
    to,
    subject: oneLine(input.subject, 200),
    html: input.html,
    text: input.text,
    messageId: emailMessageId(input.week, input.team, input.from),
    headers,
    attachments:
      input.csv === undefined
        ? []
        : [
            {
              filename: attachmentName(input.week, input.team),
              contentType: 'text/csv; charset=utf-8',
              content: input.csv,
            },
          ],
  };
}
