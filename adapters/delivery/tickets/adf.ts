/** TicketDoc ↔ Atlassian Document Format (Jira Cloud REST v3 bodies). Text nodes need no escaping. */
import { MARKER_PATTERN, ticketMarker } from '../../../core/delivery/labels.js';
import type { TicketDoc, TicketMarker } from '../../../core/delivery/ports.js';

export interface AdfNode {
  type: string;
  text?: string;
  attrs?: Record<string, unknown>;
  marks?: { type: string }[];
  content?: AdfNode[];
}

export interface AdfDoc extends AdfNode {
  type: 'doc';
  version: 1;
  content: AdfNode[];
}

const text = (t: string, marks?: { type: string }[]): AdfNode => ({
  type: 'text',
  text: t,
  ...(marks ? { marks } : {}),
});

/** Lines joined by hard breaks; ADF forbids empty text nodes. */
function lines(t: string): AdfNode[] {
  const out: AdfNode[] = [];
  t.split(/\r?\n/).forEach((line, i) => {
    if (i > 0) out.push({ type: 'hardBreak' });
    if (line.length > 0) out.push(text(line));
  });
  return out;
}

export function toAdf(doc: TicketDoc): AdfDoc {
  const content: AdfNode[] = [];
  for (const b of doc.blocks) {
    switch (b.type) {
      case 'heading':
        if (b.text) content.push({ type: 'heading', attrs: { level: 3 }, content: [text(b.text)] });
        break;
      case 'paragraph':
        content.push({ type: 'paragraph', content: lines(b.text) });
        break;
      case 'bullets':
        if (b.items.length > 0) {
          content.push({
            type: 'bulletList',
            content: b.items.map((item) => ({
              type: 'listItem',
              content: [{ type: 'paragraph', content: lines(item) }],
            })),
          });
        }
        break;
      case 'code':
        content.push({ type: 'codeBlock', content: b.text ? [text(b.text)] : [] });
        break;
      case 'marker':
        content.push({ type: 'paragraph', content: [text(b.text, [{ type: 'code' }])] });
        break;
    }
  }
  return { type: 'doc', version: 1, content };
}

/** All text of an ADF tree, blocks separated by newlines (enough to find the marker). */
export function adfText(node: unknown): string {
  if (!node || typeof node !== 'object') return '';
  const n = node as AdfNode;
  if (n.type === 'text') return n.text ?? '';
  if (n.type === 'hardBreak') return '\n';
  const inner = (n.content ?? []).map(adfText);
  const isBlock =
    n.type === 'doc' || n.type === 'bulletList' || n.type === 'orderedList' || n.type === 'listItem';
  return inner.join(isBlock ? '\n' : '');
}

/** The description with ownercost's marker rewritten in place (or appended as a code paragraph). */
export function setAdfMarker(description: unknown, marker: TicketMarker): AdfDoc {
  const next = ticketMarker(marker);
  const doc: AdfDoc =
    description && typeof description === 'object' && (description as AdfNode).type === 'doc'
      ? (structuredClone(description) as AdfDoc)
      : { type: 'doc', version: 1, content: [] };
  doc.content ??= [];
  let replaced = false;
  const walk = (n: AdfNode): void => {
    if (n.type === 'text' && n.text && new RegExp(MARKER_PATTERN).test(n.text)) {
      n.text = n.text.replace(new RegExp(MARKER_PATTERN, 'g'), next);
      replaced = true;
    }
    for (const c of n.content ?? []) walk(c);
  };
  walk(doc);
  if (!replaced) doc.content.push({ type: 'paragraph', content: [text(next, [{ type: 'code' }])] });
  return doc;
}
