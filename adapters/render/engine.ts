/**
 * The handlebars environments and the template files. Two isolated environments:
 * - `html`: handlebars' own escaping (`{{ }}`) for HTML and SVG; helpers return plain strings
 *   (escaped by handlebars) except `bar` and `vbar`, whose markup holds only numbers and colours
 *   from our own palette.
 * - `text`: `noEscape` for Slack mrkdwn, Markdown and plain text, where the view models carry
 *   strings already escaped for the format (see view.ts); no untrusted string reaches a `text`
 *   template unescaped.
 * Templates are read once, synchronously, from `templates/` next to this package.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import type { Change } from '../../core/report/model.js';
import { escapeHtml } from './escape.js';
import {
  dateRange,
  day,
  dayOfMonth,
  delta,
  direction,
  money,
  moneyShort,
  pct,
  signedMoney,
  signedPct,
  textBar,
  timestamp,
} from './format.js';

export const TEMPLATE_DIR = new URL('../../templates/', import.meta.url);

type Env = typeof Handlebars;
type Options = Handlebars.HelperOptions;

const COLOR = /^#[0-9a-fA-F]{3,8}$/;
const safeColor = (c: unknown, fallback: string) => (typeof c === 'string' && COLOR.test(c) ? c : fallback);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const clamp01 = (v: unknown) => Math.min(1, Math.max(0, num(v)));
const currencyOf = (o: Options): string => {
  const c = (o.data?.root as { currency?: unknown } | undefined)?.currency;
  return typeof c === 'string' ? c : 'USD';
};
/** Handlebars passes its options object as the last argument; optional helper arguments may be it. */
const given = <T>(v: T | Options): T | undefined =>
  v !== null && typeof v === 'object' && 'hash' in (v as object) ? undefined : (v as T);

export const DELTA_COLOR = { up: '#b42318', down: '#067647', flat: '#667085' } as const;

/** `wrap` post-processes money text (Markdown escapes `$`, which GitHub reads as inline math). */
function registerCommon(env: Env, wrap: (s: string) => string = (s) => s): void {
  env.registerHelper('money', (v: unknown, o: Options) => wrap(money(num(v), currencyOf(o))));
  env.registerHelper('moneyShort', (v: unknown, o: Options) => wrap(moneyShort(num(v), currencyOf(o))));
  env.registerHelper('signedMoney', (v: unknown, o: Options) => wrap(signedMoney(num(v), currencyOf(o))));
  env.registerHelper('pct', (v: unknown, digits: unknown) =>
    pct(typeof v === 'number' ? v : null, typeof given(digits) === 'number' ? (digits as number) : undefined),
  );
  env.registerHelper('signedPct', (v: unknown) => signedPct(typeof v === 'number' ? v : null));
  env.registerHelper('delta', (c: Change, o: Options) => wrap(delta(c, currencyOf(o))));
  env.registerHelper('dir', (c: Change) => direction(c));
  env.registerHelper('deltaColor', (c: Change) => DELTA_COLOR[direction(c)]);
  env.registerHelper('day', (s: unknown) => (typeof s === 'string' ? day(s) : ''));
  env.registerHelper('dayOfMonth', (s: unknown) => (typeof s === 'string' ? dayOfMonth(s) : ''));
  env.registerHelper('dateRange', (a: unknown, b: unknown) => dateRange(String(a), String(b)));
  env.registerHelper('timestamp', (s: unknown) => timestamp(String(s)));
  env.registerHelper('add', (a: unknown, b: unknown) => num(a) + num(b));
  env.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  env.registerHelper('gt', (a: unknown, b: unknown) => num(a) > num(b));
  env.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  env.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
  env.registerHelper('not', (a: unknown) => !a);
  env.registerHelper('textBar', (share: unknown, width: unknown) =>
    textBar(clamp01(share), typeof given(width) === 'number' ? (width as number) : 20),
  );
  env.registerHelper(
    'plural',
    (n: unknown, word: unknown) => `${num(n)} ${String(word)}${num(n) === 1 ? '' : 's'}`,
  );
  env.registerHelper('padStart', (s: unknown, n: unknown) => String(s).padStart(num(n)));
  env.registerHelper('padEnd', (s: unknown, n: unknown) => String(s).padEnd(num(n)));
}

/**
 * A horizontal bar drawn with table cells, for email clients that ignore CSS widths on divs:
 * `{{bar share "#4f6bed"}}`. The filled cell keeps a minimum of 1% so a non-zero value shows.
 */
function barCells(share: unknown, color: unknown, track: unknown, height: unknown): string {
  const s = clamp01(share);
  const fill = s > 0 ? Math.max(1, Math.round(s * 100)) : 0;
  const h = Math.max(2, Math.min(40, Math.round(num(height) || 10)));
  const c = safeColor(color, '#4f6bed');
  const t = safeColor(track, '#eef0f4');
  const cell = (w: number, bg: string, cls: string) =>
    `<td class="${cls}" width="${w}%" height="${h}" style="width:${w}%;height:${h}px;background-color:${bg};font-size:0;line-height:0;mso-line-height-rule:exactly;border-radius:2px;">&nbsp;</td>`;
  const cells =
    (fill > 0 ? cell(fill, c, 'bar-fill') : '') + (fill < 100 ? cell(100 - fill, t, 'bar-track') : '');
  return `<table role="presentation" class="bar" width="100%" cellpadding="0" cellspacing="0" border="0" style="width:100%;border-collapse:separate;"><tr>${cells}</tr></table>`;
}

function createHtmlEnv(): Env {
  const env = Handlebars.create();
  registerCommon(env);
  env.registerHelper(
    'bar',
    (share: unknown, color: unknown, track: unknown, height: unknown) =>
      new env.SafeString(barCells(share, given(color), given(track), given(height))),
  );
  // A vertical bar of a small daily chart: a fixed-height column whose filled part is a cell.
  env.registerHelper('vbar', (height: unknown, color: unknown, px: unknown) => {
    const total = Math.max(10, Math.min(200, Math.round(num(px) || 60)));
    const filled = Math.max(num(height) > 0 ? 2 : 0, Math.round(clamp01(height) * total));
    const c = safeColor(color, '#4f6bed');
    const empty = total - filled;
    const row = (hpx: number, bg: string, cls: string) =>
      hpx > 0
        ? `<tr><td class="${cls}" height="${hpx}" style="height:${hpx}px;background-color:${bg};font-size:0;line-height:0;mso-line-height-rule:exactly;">&nbsp;</td></tr>`
        : '';
    return new env.SafeString(
      `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="width:100%;">${row(empty, 'transparent', 'vbar-empty')}${row(filled, c, 'vbar-fill')}</table>`,
    );
  });
  env.registerHelper('attr', (s: unknown) => escapeHtml(String(s)));
  return env;
}

function createTextEnv(wrap?: (s: string) => string): Env {
  const env = Handlebars.create();
  registerCommon(env, wrap);
  return env;
}

let html: Env | null = null;
let text: Env | null = null;
let markdown: Env | null = null;
const compiled = new Map<string, Handlebars.TemplateDelegate>();

function read(rel: string): string {
  return readFileSync(fileURLToPath(new URL(rel, TEMPLATE_DIR)), 'utf8');
}

/** Registers `templates/<dir>/partials/<name>.hbs` as the partial `<dir>/<name>`. */
function registerPartials(env: Env, dirs: readonly string[]): void {
  for (const dir of dirs) {
    const url = new URL(`${dir}/partials/`, TEMPLATE_DIR);
    let names: string[];
    try {
      names = readdirSync(fileURLToPath(url)).filter((f) => f.endsWith('.hbs'));
    } catch {
      continue;
    }
    for (const f of names) env.registerPartial(`${dir}/${f.slice(0, -4)}`, read(`${dir}/partials/${f}`));
  }
}

function htmlEnv(): Env {
  if (!html) {
    html = createHtmlEnv();
    registerPartials(html, ['email', 'org']);
  }
  return html;
}

function textEnv(): Env {
  if (!text) {
    text = createTextEnv();
    registerPartials(text, ['slack', 'email']);
  }
  return text;
}

function markdownEnv(): Env {
  if (!markdown) {
    markdown = createTextEnv((s) => s.replace(/\$/g, '\\$'));
    registerPartials(markdown, ['markdown']);
  }
  return markdown;
}

/** Renders `templates/<rel>` (HTML-escaping). */
export function renderHtml(rel: string, view: object): string {
  return get('html', rel)(view);
}

/** Renders `templates/<rel>` without escaping: the view must hold strings escaped for the format. */
export function renderText(rel: string, view: object): string {
  return get('text', rel)(view);
}

/** Like `renderText`, with money helpers escaped for Markdown. */
export function renderMarkdown(rel: string, view: object): string {
  return get('markdown', rel)(view);
}

function get(kind: 'html' | 'text' | 'markdown', rel: string): Handlebars.TemplateDelegate {
  const key = `${kind}:${rel}`;
  let t = compiled.get(key);
  if (!t) {
    const env = kind === 'html' ? htmlEnv() : kind === 'text' ? textEnv() : markdownEnv();
    t = env.compile(read(rel), { noEscape: kind !== 'html', strict: false, preventIndent: true });
    compiled.set(key, t);
  }
  return t;
}
