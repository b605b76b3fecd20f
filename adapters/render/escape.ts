/**
 * Escaping of untrusted strings (team names, namespaces, workload names, label values come from
 * clusters) for each output format. Every function first applies `clean`, so no format receives
 * control characters, line breaks or bidi overrides from a cluster.
 */

// C0/C1 controls (newlines included), and the bidi embeddings/overrides/isolates that can make a
// name read backwards in a report.
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]+/g;

// A surrogate half without its pair: not text, and invalid in some JSON parsers.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Replaces control characters, line breaks and bidi controls with a space, lone surrogates with U+FFFD. */
export function clean(s: string): string {
  return s.replace(CONTROL, ' ').replace(LONE_SURROGATE, '\uFFFD');
}

/** Shortens a display string to `max` characters, keeping both ends ("ai-evals/llm-…-nightly"). */
export function shorten(s: string, max: number): string {
  const chars = [...s];
  if (chars.length <= max) return s;
  const head = Math.ceil((max - 1) * 0.6);
  const tail = max - 1 - head;
  return `${chars.slice(0, head).join('')}…${tail > 0 ? chars.slice(-tail).join('') : ''}`;
}

const HTML: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#x27;',
  '`': '&#x60;',
  '=': '&#x3D;',
};

/** HTML (and SVG-in-HTML) text and attribute escaping, the same set handlebars escapes. */
export function escapeHtml(s: string): string {
  return clean(s).replace(/[&<>"'`=]/g, (c) => HTML[c] ?? c);
}

/**
 * Slack mrkdwn. `&`, `<`, `>` become entities, as Slack requires: that alone neutralises
 * `<!channel>`, `<@U123>`, `<#C123>` and `<http://x|links>`.
 *
 * Formatting characters are replaced by look-alikes rather than wrapped in zero-width characters,
 * because Slack's parser does not document how it treats zero-width joiners and a replacement
 * cannot be undone by it: `*` → `∗` (U+2217), `~` → `∼` (U+223C), `` ` `` → `ˋ` (U+02CB). None of
 * the three is legal in a Kubernetes name or label value, so a real name never changes. `_` is legal
 * in label values (`ml_platform`) and Slack never opens or closes italics inside a word, so it is
 * kept between two letters or digits and replaced by `ˍ` (U+02CD) everywhere else.
 */
export function escapeSlack(s: string): string {
  const c = clean(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\*/g, '\u2217')
    .replace(/~/g, '\u223c')
    .replace(/`/g, '\u02cb');
  return c.replace(/_/g, (_m, i: number, all: string) =>
    /[\p{L}\p{N}]/u.test(all[i - 1] ?? '') && /[\p{L}\p{N}]/u.test(all[i + 1] ?? '') ? '_' : '\u02cd',
  );
}

/**
 * Markdown (CommonMark + GFM tables). Every ASCII punctuation character that can open or close a
 * construct mid-line is backslash-escaped: emphasis `*_~`, code `` ` ``, links and images `[]()!`,
 * raw HTML and autolinks `<>`, `:` (so `http://` never autolinks) and `.` (so `www.x.y` never
 * does), table cells `|`, heading closers `#`, entities `&`, math `$` (GitHub) and `\` itself.
 * CommonMark renders `\x` as `x` for any ASCII punctuation, so the text reads the same. `-` and `+`
 * only mean something at the start of a line, where templates never put an untrusted value.
 */
export function escapeMarkdown(s: string): string {
  return clean(s).replace(/[\\`*_{}[\]()#.!|<>~&:$]/g, '\\$&');
}

export function escapeText(s: string): string {
  return clean(s);
}

/** Only http(s) URLs are linked; anything else (`javascript:`, `data:`) is dropped. */
export function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}
