/** Inspection helpers for rendered reports. */

/**
 * Every `text` string in a Block Kit payload (sections, fields, headers, contexts, buttons, the
 * top-level fallback), or only those of text objects of one type.
 */
export function slackTexts(value: unknown, type?: 'mrkdwn' | 'plain_text'): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v && typeof v === 'object') {
      const objType = (v as { type?: unknown }).type;
      for (const [k, x] of Object.entries(v)) {
        if (k === 'text' && typeof x === 'string') {
          if (!type || objType === type || (type === 'mrkdwn' && objType === undefined)) out.push(x);
        } else walk(x);
      }
    }
  };
  walk(value);
  return out;
}

/** The sequence of tag names in an HTML document: equal sequences mean an equal structure. */
export function tagSequence(html: string): string[] {
  return [...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9-]*)/g)].map((m) => m[0].toLowerCase());
}

/** Text of a Markdown document with its backslash escapes removed (what a renderer would parse as syntax). */
export function unescapedMarkdown(md: string): string {
  return md.replace(/\\[\s\S]/g, '');
}

/** The number of unescaped `|` on each line (the cells of GFM table rows). */
export function pipesPerLine(md: string): number[] {
  return md.split('\n').map((l) => (unescapedMarkdown(l).match(/\|/g) ?? []).length);
}

/** Values of attributes that can load or link something, other than in-page anchors. */
export function urlAttributes(html: string): string[] {
  return [
    ...html.matchAll(
      /\s(?:href|src|srcset|action|formaction|poster|data|background|xlink:href)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi,
    ),
  ]
    .map((m) => (m[1] ?? '').replace(/^["']|["']$/g, ''))
    .filter((v) => !v.startsWith('#'));
}
