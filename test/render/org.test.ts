import { describe, expect, it } from 'vitest';
import { renderOrgHtml } from '../../adapters/render/index.js';
import { fixtureContext, fixtureOrg, HOSTILE } from '../fixtures/render/org.js';
import { urlAttributes } from './helpers.js';

const org = fixtureOrg();
const html = renderOrgHtml(org, fixtureContext);

describe('renderOrgHtml', () => {
  it('is a self-contained static page: no scripts, no external resources', () => {
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img|<link|<iframe|<object|<embed/i);
    expect(html).not.toMatch(/\bsrc\s*=|url\(|@import/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(new Set(urlAttributes(html))).toEqual(new Set([fixtureContext.reportUrl]));
  });

  it('draws the daily cost by team over both weeks with a legend and axis labels', () => {
    const chart = html.match(/<svg class="chart" id="daily-chart"[\s\S]*?<\/svg>/)?.[0] ?? '';
    expect(chart).not.toBe('');
    expect((chart.match(/<rect /g) ?? []).length).toBeGreaterThan(14);
    expect(chart).toContain('last week');
    expect(chart).toContain('this week');
    expect(chart).toContain('cost per day');
    expect(chart).toContain('$0');
    expect(html).toMatch(/<ul class="legend">[\s\S]*ml-platform[\s\S]*other team/);
  });

  it('shows components, AI workloads, movers with their drivers, unowned cost, coverage and teams', () => {
    expect(html).toContain('id="component-chart"');
    expect(html).toContain('id="ai-chart"');
    for (const label of ['Serving', 'Training', 'Evaluation', 'Embedding', 'Core (non-AI)'])
      expect(html).toContain(label);
    expect(html).toContain('GPU-hours ×3.0');
    expect(html).toContain('Biggest movers');
    expect(html).toContain('Unowned cost');
    expect(html).toContain('Node-hours observed');
    expect(html).toMatch(/id="team-table"[\s\S]*ml-platform/);
    expect(html).toContain('No cost this week: security');
  });

  it('escapes hostile names in HTML text, attributes and SVG text', () => {
    expect(html).not.toContain(HOSTILE.script);
    expect(html).not.toContain('<!channel>');
    expect(html).not.toContain('<@U123ABC>');
    expect(html).not.toContain('<b>bold</b>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const svgText = [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]).join('');
    expect(svgText).not.toContain('<script');
  });

  it('renders tabular numbers right-aligned', () => {
    expect(html).toContain('font-variant-numeric: tabular-nums');
    expect(html).toMatch(/<td class="num">\$/);
  });
});
