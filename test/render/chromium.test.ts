/**
 * Layout checks in real headless Chromium: the email holds at 600 px, the org page at 1280 px,
 * bars and charts are drawn. Pages are loaded with `setContent`; any network request fails the test.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderOrgHtml, renderTeamEmail } from '../../adapters/render/index.js';
import {
  BULK_TEAM,
  fixtureContext,
  fixtureFindings,
  fixtureOrg,
  HOSTILE_TEAM,
} from '../fixtures/render/org.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available)
  console.warn(`skipping Chromium layout tests: ${CHROMIUM} is missing (apt-get install -y chromium)`);

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

/** The few DOM members the checks use (tsconfig has no DOM lib; these run in the page). */
interface Box {
  width: number;
  height: number;
  left: number;
  right: number;
}
interface El {
  getBoundingClientRect(): Box;
  closest(selector: string): El | null;
  scrollWidth: number;
  clientWidth: number;
  tagName: string;
  className: string;
  id: string;
  open?: boolean;
}
interface Doc {
  documentElement: El;
  getElementById(id: string): El | null;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): ArrayLike<El> & Iterable<El>;
}

const org = fixtureOrg();
const ctx = { ...fixtureContext, findings: fixtureFindings() };

describe.skipIf(!available)('reports in headless Chromium', () => {
  let browser: BrowserContext;
  let profile: string;
  const requests: string[] = [];

  beforeAll(async () => {
    profile = mkdtempSync(join(tmpdir(), 'ownercost-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: ARGS,
      timeout: 20_000,
    });
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  async function open(html: string, width: number): Promise<Page> {
    const page = await browser.newPage();
    await page.setViewportSize({ width, height: 800 });
    page.on('request', (r) => {
      if (!r.url().startsWith('data:') && r.url() !== 'about:blank') requests.push(r.url());
    });
    await page.route('**/*', (route) => route.abort());
    await page.setContent(html, { waitUntil: 'load' });
    return page;
  }

  it.each(['ml-platform', BULK_TEAM, HOSTILE_TEAM])(
    'lays out the email of %s in 600 px without overflow',
    async (name) => {
      const team = org.teams.find((t) => t.team === name);
      if (!team) throw new Error(`no team ${name}`);
      const page = await open(renderTeamEmail(org, team, ctx).html, 600);
      const m = await page.evaluate(() => {
        const document = (globalThis as unknown as { document: Doc }).document;
        const main = document.getElementById('main')?.getBoundingClientRect();
        const fills = [...document.querySelectorAll('.bar-fill, .vbar-fill')].map((e) =>
          e.getBoundingClientRect(),
        );
        return {
          scrollWidth: document.documentElement.scrollWidth,
          mainWidth: main?.width ?? 0,
          fills: fills.length,
          zeroFills: fills.filter((r) => r.width <= 0 || r.height <= 0).length,
          tooWide: [...document.querySelectorAll('#main td')].filter(
            (td) => td.getBoundingClientRect().right > (main?.right ?? 0) + 0.5,
          ).length,
        };
      });
      expect(m.scrollWidth).toBeLessThanOrEqual(600);
      expect(m.mainWidth).toBeGreaterThanOrEqual(600);
      expect(m.mainWidth).toBeLessThanOrEqual(640);
      expect(m.fills).toBeGreaterThan(3);
      expect(m.zeroFills).toBe(0);
      expect(m.tooWide).toBe(0);
      await page.close();
    },
  );

  it('lays out the org page at 1280 px: nothing overflows, charts and bars have size', async () => {
    const page = await open(renderOrgHtml(org, fixtureContext), 1280);
    const m = await page.evaluate(() => {
      const document = (globalThis as unknown as { document: Doc }).document;
      const size = (sel: string) => {
        const r = document.querySelector(sel)?.getBoundingClientRect();
        return r ? { w: r.width, h: r.height } : { w: 0, h: 0 };
      };
      // Open every team's details so their tables are laid out too.
      for (const d of document.querySelectorAll('details')) d.open = true;
      const overflowing = [...document.querySelectorAll('.card, table.data, .kpi, .legend')]
        .filter((el) => el.scrollWidth > el.clientWidth + 1)
        .map((el) => `${el.tagName}.${el.className}#${el.id}`);
      const outside = [...document.querySelectorAll('table.data')].filter((t) => {
        const card = t.closest('.card')?.getBoundingClientRect();
        const r = t.getBoundingClientRect();
        return card && (r.right > card.right + 0.5 || r.left < card.left - 0.5);
      }).length;
      const rects = [...document.querySelectorAll('#daily-chart rect')].map((e) => e.getBoundingClientRect());
      const mix = [...document.querySelectorAll('.hbar.mix')].map((e) => e.getBoundingClientRect().width);
      return {
        scrollWidth: document.documentElement.scrollWidth,
        overflowing,
        outside,
        daily: size('#daily-chart'),
        components: size('#component-chart'),
        ai: size('#ai-chart'),
        rects: rects.length,
        visibleRects: rects.filter((r) => r.width > 0 && r.height > 0).length,
        mix,
      };
    });
    expect(m.scrollWidth).toBeLessThanOrEqual(1280);
    expect(m.overflowing).toEqual([]);
    expect(m.outside).toBe(0);
    for (const chart of [m.daily, m.components, m.ai]) {
      expect(chart.w).toBeGreaterThan(100);
      expect(chart.h).toBeGreaterThan(100);
    }
    expect(m.rects).toBeGreaterThan(14);
    expect(m.visibleRects).toBe(m.rects);
    expect(m.mix.length).toBeGreaterThan(5);
    expect(Math.min(...m.mix)).toBeGreaterThan(0);
    await page.close();
  });

  it('made no network request while rendering', () => {
    expect(requests).toEqual([]);
  });
});
