/** A team's weekly email (HTML and text parts) and Markdown report. */
import type { OrgReport, TeamReport } from '../../core/report/model.js';
import { renderHtml, renderMarkdown, renderText } from './engine.js';
import { clean, escapeMarkdown, escapeText } from './escape.js';
import { buildTeamView, type Limits, type RenderContext } from './view.js';

export interface TeamEmail {
  subject: string;
  html: string;
  text: string;
}

/** Lists are cut so a team with thousands of workloads still gets a mail well under 100 KB. */
const EMAIL_LIMITS: Limits = { movers: 5, namespaces: 10, workloads: 15, unowned: 5, findings: 5, name: 60 };
const MARKDOWN_LIMITS: Limits = {
  movers: 10,
  namespaces: 20,
  workloads: 30,
  unowned: 10,
  findings: 10,
  name: 80,
};

const identity = (s: string) => s;

/**
 * The weekly email of one team. The HTML part is a 600 px table layout with inline styles only,
 * bars drawn with table cells, no images, scripts or remote resources; handlebars escapes every
 * value. The text part carries the same information.
 */
export function renderTeamEmail(org: OrgReport, team: TeamReport, ctx: RenderContext): TeamEmail {
  // Text formats get cleaned strings; the HTML view keeps them raw for handlebars to escape.
  const textView = buildTeamView(org, team, ctx, escapeText, EMAIL_LIMITS);
  const subject = clean(renderText('email/subject.txt.hbs', textView)).replace(/\s+/g, ' ').trim();
  const htmlView = buildTeamView(org, team, ctx, identity, EMAIL_LIMITS);
  const preheader = htmlView.summary;
  const html = renderHtml('email/team.html.hbs', { ...htmlView, subject, preheader });
  const text = `${renderText('email/team.txt.hbs', textView)
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
  return { subject, html, text };
}

/** `$` would open inline math on GitHub; escaped like any other punctuation. */
const escapeDollar = (s: string) => s.replace(/\$/g, '\\$');

/** The weekly report of one team in Markdown (GFM tables), every untrusted value escaped. */
export function renderTeamMarkdown(org: OrgReport, team: TeamReport, ctx: RenderContext): string {
  const view = buildTeamView(org, team, ctx, (s) => escapeMarkdown(s), MARKDOWN_LIMITS, escapeDollar);
  return `${renderMarkdown('markdown/team.md.hbs', view)
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}
