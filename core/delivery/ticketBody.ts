/**
 * Ticket titles, bodies and comments for findings, as plain-text blocks (`TicketDoc`) that each
 * tracker adapter renders in its format; `renderMarkdown` is the GitHub/Linear/dry-run form.
 * Finding fields may quote cluster names, so everything is treated as untrusted text.
 */
import type { Finding } from '../findings/types.js';
import { ticketMarker } from './labels.js';
import type { TicketBlock, TicketDoc, TicketMarker } from './ports.js';

export const MAX_TITLE_LENGTH = 250;

/** Money for people: `1,234.56 USD`. */
export function formatMoney(amount: number, currency: string): string {
  const n = Number.isFinite(amount) ? amount : 0;
  const text = n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return `${text} ${currency}`;
}

/** One line, no control characters, at most `max` code points. */
export function oneLine(text: string, max: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const flat = text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
  const cps = [...flat];
  return cps.length <= max ? flat : `${cps.slice(0, max - 1).join('')}…`;
}

export function ticketTitle(finding: Finding): string {
  return oneLine(finding.title || `${finding.type} in ${finding.namespace}`, MAX_TITLE_LENGTH);
}

export interface TicketBodyContext {
  week: string;
  currency: string;
  /** A closed-as-done ticket of the same finding, when it came back. */
  previousKey?: string;
}

/** The full ticket body: Finding, Evidence, Action, Risk, Rollback, Reviewer, saving, marker. */
export function ticketBody(finding: Finding, ctx: TicketBodyContext): TicketDoc {
  const blocks: TicketBlock[] = [{ type: 'paragraph', text: finding.finding }];
  if (finding.evidence.length > 0) {
    blocks.push({ type: 'heading', text: 'Evidence' });
    blocks.push({ type: 'bullets', items: finding.evidence.map((e) => `${e.label}: ${e.value}`) });
  }
  blocks.push({ type: 'heading', text: 'Action' });
  blocks.push(
    finding.action.includes('\n')
      ? { type: 'code', text: finding.action }
      : { type: 'paragraph', text: finding.action },
  );
  blocks.push({ type: 'heading', text: 'Risk' }, { type: 'paragraph', text: finding.risk });
  blocks.push({ type: 'heading', text: 'Rollback' });
  blocks.push(
    finding.rollback.includes('\n')
      ? { type: 'code', text: finding.rollback }
      : { type: 'paragraph', text: finding.rollback },
  );
  const details = [
    `Estimated saving: ${formatMoney(finding.monthlySavings, ctx.currency)} per month (confidence: ${finding.confidence})`,
    `Where: cluster ${finding.cluster}, namespace ${finding.namespace}, ${finding.workload}`,
    `Reviewer: ${finding.reviewer || 'not set'}`,
  ];
  if (finding.since) details.push(`Since: ${finding.since}`);
  if (ctx.previousKey) details.push(`Came back after ${ctx.previousKey} was closed as done`);
  blocks.push({ type: 'heading', text: 'Details' }, { type: 'bullets', items: details });
  blocks.push({
    type: 'marker',
    text: ticketMarker({ week: ctx.week, monthlySavings: finding.monthlySavings, status: 'active' }),
  });
  return { blocks };
}

/** Same body, with the marker saying ownercost no longer sees the finding. */
export function resolvedBody(doc: TicketDoc, marker: TicketMarker): TicketDoc {
  return {
    blocks: [
      ...doc.blocks.filter((b) => b.type !== 'marker'),
      { type: 'marker', text: ticketMarker({ ...marker, status: 'resolved' }) },
    ],
  };
}

/** Comment on an open ticket whose finding is still there and whose saving moved. */
export function weeklyUpdateComment(
  finding: Finding,
  ctx: { week: string; currency: string; previousSavings: number | null; reappeared: boolean },
): TicketDoc {
  const now = formatMoney(finding.monthlySavings, ctx.currency);
  const lead = ctx.reappeared
    ? `The finding is back in week ${ctx.week}: estimated saving ${now} per month.`
    : ctx.previousSavings === null
      ? `Still present in week ${ctx.week}: estimated saving ${now} per month.`
      : `Still present in week ${ctx.week}: estimated saving ${now} per month (was ${formatMoney(ctx.previousSavings, ctx.currency)}).`;
  const blocks: TicketBlock[] = [{ type: 'paragraph', text: lead }];
  if (finding.evidence.length > 0) {
    blocks.push({ type: 'bullets', items: finding.evidence.map((e) => `${e.label}: ${e.value}`) });
  }
  return { blocks };
}

/** Comment on a won't-do ticket when the saving grew past the factor. */
export function wontDoReminderComment(
  finding: Finding,
  ctx: { week: string; currency: string; recordedSavings: number },
): TicketDoc {
  const ratio =
    ctx.recordedSavings > 0 ? finding.monthlySavings / ctx.recordedSavings : Number.POSITIVE_INFINITY;
  const times = Number.isFinite(ratio) ? `${ratio.toFixed(1)}×` : 'up from nothing';
  return {
    blocks: [
      {
        type: 'paragraph',
        text:
          `This was closed as won't do at an estimated saving of ${formatMoney(ctx.recordedSavings, ctx.currency)} per month. ` +
          `In week ${ctx.week} it is ${formatMoney(finding.monthlySavings, ctx.currency)} per month (${times}). ` +
          'Reopen it if that changes the decision; ownercost stays quiet until the saving grows this much again.',
      },
    ],
  };
}

export function resolvedComment(week: string): TicketDoc {
  return {
    blocks: [
      {
        type: 'paragraph',
        text:
          `Resolved: this finding no longer appears in the analysis of week ${week}. ` +
          'Close the ticket if the change was intended; ownercost will comment again if it comes back.',
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Markdown (GitHub, Linear, dry-run files)

/** Escapes text for CommonMark and defuses @mentions, so a cluster name cannot ping anyone. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_{}[\]<>|~]/g, (c) => `\\${c}`)
    .replace(/^(\s*)([#+\-=])/gm, '$1\\$2')
    .replace(/^(\s*\d+)([.)])/gm, '$1\\$2')
    .replace(/@/g, '@\u200b');
}

function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(longest + 1);
}

function inlineCode(text: string): string {
  const flat = oneLine(text, 500);
  const ticks = fence(flat).slice(0, -1) || '`';
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${flat}${pad}${ticks}`;
}

export function renderMarkdown(doc: TicketDoc): string {
  const out: string[] = [];
  for (const b of doc.blocks) {
    switch (b.type) {
      case 'heading':
        out.push(`### ${escapeMarkdown(oneLine(b.text, 200))}`);
        break;
      case 'paragraph':
        out.push(escapeMarkdown(b.text).replace(/\r?\n/g, '  \n'));
        break;
      case 'bullets':
        out.push(b.items.map((i) => `- ${escapeMarkdown(oneLine(i, 2000))}`).join('\n'));
        break;
      case 'code': {
        const f = fence(b.text);
        out.push(`${f}\n${b.text.replace(/\r\n/g, '\n')}\n${f}`);
        break;
      }
      case 'marker':
        out.push(inlineCode(b.text));
        break;
    }
  }
  return `${out.join('\n\n')}\n`;
}

/** Plain text (for logs and for trackers that take text). */
export function renderPlainText(doc: TicketDoc): string {
  return `${doc.blocks
    .map((b) => (b.type === 'bullets' ? b.items.map((i) => `- ${i}`).join('\n') : b.text))
    .join('\n\n')}\n`;
}
