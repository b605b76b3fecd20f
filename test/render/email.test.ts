import { describe, expect, it } from 'vitest';
import { money } from '../../adapters/render/format.js';
import { renderTeamEmail } from '../../adapters/render/index.js';
import {
  BULK_TEAM,
  fixtureContext,
  fixtureFindings,
  fixtureOrg,
  HOSTILE,
  HOSTILE_TEAM,
} from '../fixtures/render/org.js';
import { urlAttributes } from './helpers.js';

const org = fixtureOrg();
const ctx = { ...fixtureContext, findings: fixtureFindings() };
const team = (name: string) => {
  const t = org.teams.find((x) => x.team === name);
  if (!t) throw new Error(`no team ${name} in the fixture`);
  return t;
};

describe('renderTeamEmail', () => {
  it('keeps every team mail under 100 KB, even the team with 300 workloads', () => {
    for (const t of org.teams) {
      const mail = renderTeamEmail(org, t, ctx);
      expect(Buffer.byteLength(mail.html)).toBeLessThan(100 * 1024);
    }
    const bulk = renderTeamEmail(org, team(BULK_TEAM), ctx);
    expect(bulk.html).toMatch(/and \d+ more/);
    expect(bulk.text).toMatch(/and \d+ more/);
  });

  it('uses no images, scripts or remote resources', () => {
    for (const t of org.teams) {
      const { html } = renderTeamEmail(org, t, ctx);
      expect(html).not.toMatch(/<img/i);
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toMatch(/<link/i);
      expect(html).not.toMatch(/<iframe|<object|<embed/i);
      expect(html).not.toMatch(/\bsrc\s*=/i);
      expect(html).not.toMatch(/url\(/i);
      expect(html).not.toMatch(/@import/i);
      // The only URL in an attribute is the link to the full report (names may mention URLs as text).
      expect(new Set(urlAttributes(html))).toEqual(new Set([fixtureContext.reportUrl]));
    }
  });

  it('declares a 600 px wide presentation table and draws bars with table cells', () => {
    const { html } = renderTeamEmail(org, team('ml-platform'), ctx);
    const main = html.match(/<table role="presentation" id="main" width="(\d+)"[^>]*style="width:(\d+)px/);
    expect(Number(main?.[1])).toBeGreaterThanOrEqual(600);
    expect(Number(main?.[1])).toBeLessThanOrEqual(640);
    expect(Number(main?.[2])).toBe(Number(main?.[1]));
    expect(html).toMatch(/<td class="bar-fill" width="\d+%"[^>]*background-color:#/);
    // Layout is inline: every table-cell of the layout carries its own style.
    expect(html.match(/<td(?![^>]*style=)[^>]*>/g) ?? []).toEqual([]);
  });

  it('escapes hostile names in the HTML part', () => {
    const { html, subject } = renderTeamEmail(org, team(HOSTILE_TEAM), ctx);
    expect(html).not.toContain(HOSTILE.script);
    expect(html).not.toContain('<!channel>');
    expect(html).not.toContain('<@U123ABC>');
    expect(html).not.toContain('<b>bold</b>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;!channel&gt;');
    expect(subject).not.toMatch(/[\r\n]/);
  });

  it('writes the same totals, movers and findings into the text part', () => {
    const t = team('ml-platform');
    const { text, subject } = renderTeamEmail(org, t, ctx);
    expect(subject).toContain(money(t.cost.current, org.currency));
    expect(text).toContain(`This week:    ${money(t.cost.current, org.currency)}`);
    expect(text).toContain(`Last week:    ${money(t.cost.previous, org.currency)}`);
    expect(text).toContain(money(t.breakdown.gpu, org.currency));
    expect(text).toContain('ai-training/finetune-mistral-7b');
    expect(text).toContain('GPU-hours ×3.0');
    expect(text).toContain('Right-size vllm-llama3-70b');
    expect(text).toContain(fixtureContext.reportUrl);
    expect(text).not.toMatch(/<td|<table/);
  });

  it('keeps hostile names on one line in the text part', () => {
    const { text } = renderTeamEmail(org, team(HOSTILE_TEAM), ctx);
    // The hostile workload name contains a newline; it must not start a forged line.
    for (const line of text.split('\n')) expect(line.startsWith('"quotes"')).toBe(false);
  });

  it("lists a team's findings by saving, largest first", () => {
    const { text } = renderTeamEmail(org, team('ml-platform'), ctx);
    const a = text.indexOf('$18,400/mo');
    const b = text.indexOf('$9,100/mo');
    const c = text.indexOf('$6,200/mo');
    expect(a).toBeGreaterThan(0);
    expect(a).toBeLessThan(b);
    expect(b).toBeLessThan(c);
  });

  it('drops report links that are not http(s)', () => {
    const { html, text } = renderTeamEmail(org, team('ml-platform'), {
      ...ctx,
      reportUrl: 'javascript:alert(1)',
    });
    expect(html).not.toContain('javascript:');
    expect(text).not.toContain('javascript:');
  });
});
