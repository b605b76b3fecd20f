/**
 * The weekly Slack message of a team, as Block Kit: a headline message and a thread reply with the
 * details. Blocks are built as objects here (so the payload is valid JSON whatever the names hold);
 * handlebars renders only the mrkdwn text pieces (`templates/slack/*.hbs`) from a view whose
 * untrusted strings went through `escapeSlack`. `fitSlackBlocks` then enforces Slack's limits.
 */
import type { OrgReport, TeamReport } from '../../core/report/model.js';
import { renderText } from './engine.js';
import { clean, escapeSlack, shorten } from './escape.js';
import {
  buildTeamView,
  type Limits,
  type Listing,
  type RenderContext,
  type TeamView,
  teamName,
} from './view.js';

/** Slack's documented limits (https://api.slack.com/reference/block-kit/blocks). */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3000,
  headerText: 150,
  fieldsPerSection: 10,
  fieldText: 2000,
  contextElements: 10,
  buttonText: 75,
  url: 3000,
  /** The top-level `text` is truncated by Slack beyond this; we stay far below. */
  fallbackText: 4000,
} as const;

export interface SlackMessage {
  text: string;
  blocks: unknown[];
}

export interface SlackTeamMessage extends SlackMessage {
  thread: SlackMessage;
}

const LIMITS: Limits = { movers: 5, namespaces: 10, workloads: 10, unowned: 5, findings: 10, name: 60 };
const HEADLINE_FINDINGS = 3;

type TextObject = { type: 'mrkdwn' | 'plain_text'; text: string; emoji?: boolean };
type Block =
  | { type: 'header'; text: TextObject }
  | { type: 'section'; text?: TextObject; fields?: TextObject[] }
  | { type: 'divider' }
  | { type: 'context'; elements: TextObject[] }
  | {
      type: 'actions';
      elements: { type: 'button'; text: TextObject; url: string; action_id: string; style?: 'primary' }[];
    };

const mrkdwn = (text: string): TextObject => ({ type: 'mrkdwn', text });

/** Truncates by code points, never inside a surrogate pair, ending with "…". */
export function truncate(s: string, max: number): string {
  const cps = [...s];
  if (cps.length <= max) return s;
  return `${cps.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/**
 * Cuts mrkdwn text to `max` characters at a line break (so no entity or formatting pair is cut in
 * half), saying how many lines were left out.
 */
export function truncateLines(s: string, max: number): string {
  if ([...s].length <= max) return s;
  const lines = s.split('\n');
  for (let keep = lines.length - 1; keep > 0; keep--) {
    const left = lines.length - keep;
    const out = `${lines.slice(0, keep).join('\n')}\nand ${left} more line${left === 1 ? '' : 's'}`;
    if ([...out].length <= max) return out;
  }
  return truncate(s, max);
}

/** Renders a list template with as many items as fit in `max` characters ("and N more" below). */
function fitList<K extends 'movers' | 'namespaces' | 'workloads' | 'unowned' | 'findings'>(
  template: string,
  view: TeamView,
  key: K,
  max: number,
): string {
  const full = view[key] as Listing<unknown>;
  let n = full.items.length;
  for (;;) {
    const listing: Listing<unknown> = { ...full, items: full.items.slice(0, n), more: full.total - n };
    const dropped = full.items.slice(n) as { cost?: { current: number } }[];
    if (full.moreCost !== undefined || (dropped.length > 0 && dropped.every((d) => d.cost))) {
      listing.moreCost = (full.moreCost ?? 0) + dropped.reduce((s, d) => s + (d.cost?.current ?? 0), 0);
    }
    const text = renderText(template, { ...view, [key]: listing }).trim();
    if ([...text].length <= max || n === 0) return truncateLines(text, max);
    n = Math.min(n - 1, Math.floor(n * 0.8));
  }
}

/** Header text is plain_text: no entities, so angle brackets become ‹ › and nothing can mention. */
function plainText(s: string): string {
  return clean(s).replace(/</g, '‹').replace(/>/g, '›');
}

/** Enforces Slack's limits on a list of blocks, in place of failing the post. */
export function fitSlackBlocks(blocks: Block[]): Block[] {
  const L = SLACK_LIMITS;
  const fitted = blocks.map((b): Block => {
    switch (b.type) {
      case 'header':
        return { ...b, text: { ...b.text, text: truncate(b.text.text, L.headerText) } };
      case 'section': {
        const out: Block = { type: 'section' };
        if (b.text) out.text = { ...b.text, text: truncateLines(b.text.text, L.sectionText) };
        if (b.fields) {
          out.fields = b.fields
            .slice(0, L.fieldsPerSection)
            .map((f) => ({ ...f, text: truncateLines(f.text, L.fieldText) }));
        }
        return out;
      }
      case 'context':
        return {
          ...b,
          elements: b.elements
            .slice(0, L.contextElements)
            .map((e) => ({ ...e, text: truncateLines(e.text, L.sectionText) })),
        };
      case 'actions':
        return {
          ...b,
          elements: b.elements
            .filter((e) => e.url.length <= L.url)
            .map((e) => ({ ...e, text: { ...e.text, text: truncate(e.text.text, L.buttonText) } })),
        };
      default:
        return b;
    }
  });
  const nonEmpty = fitted.filter(
    (b) =>
      !(b.type === 'section' && !b.text?.text && !b.fields?.length) &&
      !(b.type === 'actions' && b.elements.length === 0),
  );
  if (nonEmpty.length <= L.blocksPerMessage) return nonEmpty;
  const kept = nonEmpty.slice(0, L.blocksPerMessage - 1);
  kept.push({ type: 'context', elements: [mrkdwn(`and ${nonEmpty.length - kept.length} more blocks`)] });
  return kept;
}

/** The Slack view: every untrusted string escaped for mrkdwn. */
function slackView(org: OrgReport, team: TeamReport, ctx: RenderContext) {
  const view = buildTeamView(org, team, ctx, escapeSlack, LIMITS);
  return { ...view, componentsMore: view.components.length - view.topComponents.length };
}

/** The weekly message of one team, with its details as a thread reply. */
export function renderTeamSlack(org: OrgReport, team: TeamReport, ctx: RenderContext): SlackTeamMessage {
  const view = slackView(org, team, ctx);
  const L = SLACK_LIMITS;
  const t = (name: string, v: object = view) => renderText(`slack/${name}.hbs`, v).trim();

  // Headline message.
  const headline: Block[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: plainText(`Weekly cost · ${shorten(teamName(team.team), 80)} · ${org.week}`),
        emoji: false,
      },
    },
    {
      type: 'section',
      text: mrkdwn(t('headline')),
      fields: t('fields')
        .split(/\n---\n/)
        .map((f) => mrkdwn(f.trim())),
    },
  ];
  if (view.topComponents.length) headline.push({ type: 'section', text: mrkdwn(t('components')) });
  if (view.movers.items.length)
    headline.push({
      type: 'section',
      text: mrkdwn(fitList('slack/movers.hbs', view, 'movers', L.sectionText)),
    });
  if (view.findings.total) {
    const top = {
      ...view,
      findings: {
        ...view.findings,
        items: view.findings.items.slice(0, HEADLINE_FINDINGS),
        more: view.findings.total - Math.min(HEADLINE_FINDINGS, view.findings.items.length),
      },
    };
    headline.push({
      type: 'section',
      text: mrkdwn(fitList('slack/findings.hbs', top, 'findings', L.sectionText)),
    });
  }
  if (view.reportUrl) {
    headline.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Open the full report' },
          url: view.reportUrl,
          action_id: 'open_report',
          style: 'primary',
        },
      ],
    });
  }
  headline.push({ type: 'context', elements: [mrkdwn(t('context'))] });

  // Thread reply: the details.
  const thread: Block[] = [];
  const add = (text: string) => {
    if (thread.length) thread.push({ type: 'divider' });
    thread.push({ type: 'section', text: mrkdwn(text) });
  };
  if (view.namespaces.total) add(fitList('slack/namespaces.hbs', view, 'namespaces', L.sectionText));
  if (view.workloads.total) add(fitList('slack/workloads.hbs', view, 'workloads', L.sectionText));
  if (view.ai.hasAi) add(t('ai'));
  if (view.efficiency.total !== null) add(t('efficiency'));
  if (view.unowned.total) add(fitList('slack/unowned.hbs', view, 'unowned', L.sectionText));
  if (view.findings.total > HEADLINE_FINDINGS)
    add(fitList('slack/findings.hbs', view, 'findings', L.sectionText));
  if (thread.length === 0) add('No details this week: no workload had cost.');

  return {
    text: truncate(t('fallback'), L.fallbackText),
    blocks: fitSlackBlocks(headline),
    thread: { text: truncate(t('thread-fallback'), L.fallbackText), blocks: fitSlackBlocks(thread) },
  };
}
