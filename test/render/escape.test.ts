import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clean, escapeHtml, escapeMarkdown, escapeSlack, safeUrl } from '../../adapters/render/escape.js';
import { delta, money, pct } from '../../adapters/render/format.js';
import { truncate, truncateLines } from '../../adapters/render/slack.js';

const MD_SPECIAL = '\\`*_{}[]()#.!|<>~&:$';

describe('escaping untrusted names', () => {
  it.each([
    ['<!channel>', '&lt;!channel&gt;'],
    ['<@U123>', '&lt;@U123&gt;'],
    ['<http://evil|click>', '&lt;http://evil|click&gt;'],
    ['R&D', 'R&amp;D'],
    ['*bold*', '∗bold∗'],
    ['~strike~', '∼strike∼'],
    ['`code`', 'ˋcodeˋ'],
    ['_italic_', 'ˍitalicˍ'],
    ['ml_platform_team', 'ml_platform_team'],
    ['a\nb\r\nc', 'a b c'],
  ])('escapes %j for Slack mrkdwn as %j', (input, expected) => {
    expect(escapeSlack(input)).toBe(expected);
  });

  it('never leaves <, > or a bare & in Slack text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const e = escapeSlack(s);
        expect(e).not.toMatch(/[<>*~`]/);
        expect(e.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
      }),
    );
  });

  it('escapes every Markdown construct character with a backslash, and nothing else changes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const e = escapeMarkdown(s);
        // Reading left to right, each special character is either escaped or an escape's target.
        for (let i = 0; i < e.length; i++) {
          const c = e[i] ?? '';
          if (c === '\\') {
            expect(MD_SPECIAL).toContain(e[i + 1]);
            i++;
          } else {
            expect(MD_SPECIAL).not.toContain(c);
          }
        }
        expect(e.replace(/\\([\s\S])/g, '$1')).toBe(clean(s));
      }),
    );
  });

  it('HTML-escapes the characters handlebars escapes', () => {
    expect(escapeHtml(`<script>"'\`=&`)).toBe('&lt;script&gt;&quot;&#x27;&#x60;&#x3D;&amp;');
  });

  it('removes control characters, bidi overrides and lone surrogates', () => {
    expect(clean('a\u0000b\u202Ec\u2066d\ud800e')).toBe('a b c d\ufffde');
  });

  it('links only http and https URLs', () => {
    expect(safeUrl('https://x.example/a?b=<c>')).toBe('https://x.example/a?b=%3Cc%3E');
    expect(safeUrl('javascript:alert(1)')).toBeUndefined();
    expect(safeUrl('data:text/html,hi')).toBeUndefined();
    expect(safeUrl('not a url')).toBeUndefined();
  });
});

describe('formatting numbers', () => {
  it.each([
    [25863.4, 'USD', '$25,863'],
    [59.061, 'USD', '$59.06'],
    [-1663.2, 'USD', '−$1,663'],
    [1234, 'EUR', '€1,234'],
    [1234, 'NOTACODE', 'NOTACODE 1,234'],
  ])('formats %d %s as %s', (v, cur, expected) => {
    expect(money(v, cur)).toBe(expected);
  });

  it('shows changes with an arrow, the amount and the relative change', () => {
    expect(delta({ current: 120, previous: 100, delta: 20, ratio: 0.2 }, 'USD')).toBe('▲ $20.00 (+20%)');
    expect(delta({ current: 900, previous: 1000, delta: -100, ratio: -0.1 }, 'USD')).toBe('▼ $100 (−10%)');
    expect(delta({ current: 800, previous: 0, delta: 800, ratio: null }, 'USD')).toBe('▲ $800 (new)');
    expect(delta({ current: 0, previous: 300, delta: -300, ratio: -1 }, 'USD')).toBe('▼ $300 (gone)');
    expect(delta({ current: 100, previous: 100, delta: 0, ratio: 0 }, 'USD')).toBe('– no change');
  });

  it('formats shares as percentages', () => {
    expect(pct(0.4412)).toBe('44%');
    expect(pct(0.0512)).toBe('5.1%');
    expect(pct(null)).toBe('—');
  });

  it('truncates by code points and at line breaks', () => {
    expect(truncate('😀😀😀😀', 3)).toBe('😀😀…');
    expect(truncateLines('aaaa\nbbbb\ncccc\ndddd\neeee', 22)).toBe('aaaa\nand 4 more lines');
  });
});
