/**
 * Rendering of the weekly reports: Slack (Block Kit), email (HTML + text), Markdown and the
 * organisation's HTML page, from the report models of `core/report/model.ts` and the handlebars
 * templates under `templates/`.
 */
export { clean, escapeHtml, escapeMarkdown, escapeSlack, safeUrl } from './escape.js';
export { renderOrgHtml } from './org.js';
export {
  fitSlackBlocks,
  renderTeamSlack,
  SLACK_LIMITS,
  type SlackMessage,
  type SlackTeamMessage,
} from './slack.js';
export { renderTeamEmail, renderTeamMarkdown, type TeamEmail } from './team.js';
export type { RenderContext } from './view.js';
