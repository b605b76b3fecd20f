/**
 * Issue 3 end to end: the weekly pipeline on the simulated organisation (what `npm run demo` runs
 * after simulating) writes the documented layout, its totals equal the bill, and the change vs
 * last week names the causes the simulator planted.
 */
import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDuckDb } from '../../adapters/duckdb/connection.js';
import { reportSimulation } from '../../functions/demo.js';
import type { WeeklyResult, WeeklySummary } from '../../functions/weekly.js';

interface Truth {
  window: { weeks: string[] };
  causes: { namespace: string; workload?: string; description: string }[];
  billed: { cluster: string; week: string; effectiveCost: number }[];
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

describe('the weekly report on the demo organisation', () => {
  const simDir = inject('simDir');
  let out: string;
  let result: WeeklyResult;
  let truth: Truth;
  let summary: WeeklySummary;
  let weekDir: string;

  beforeAll(async () => {
    out = await mkdtemp(path.join(tmpdir(), 'ownercost-weekly-'));
    truth = JSON.parse(await readFile(path.join(simDir, 'truth.json'), 'utf8')) as Truth;
    result = await reportSimulation(simDir, out, '2026-11-23T07:00:00.000Z');
    weekDir = path.join(out, result.week);
    summary = JSON.parse(await readFile(path.join(weekDir, 'summary.json'), 'utf8')) as WeeklySummary;
  }, 600_000);

  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  it('writes summary, org page, allocations and every team’s email, Slack message and report', async () => {
    expect(result.week).toBe(truth.window.weeks[1]);
    for (const f of ['summary.json', 'org.html', 'allocations.csv', 'allocations.focus.parquet']) {
      await access(path.join(weekDir, f));
    }
    const teams = await readdir(path.join(weekDir, 'teams'));
    expect(teams.length).toBeGreaterThanOrEqual(12);
    for (const t of teams) {
      const files = (await readdir(path.join(weekDir, 'teams', t))).sort();
      expect(files).toEqual(expect.arrayContaining(['email.html', 'email.txt', 'report.md', 'slack.json']));
    }
  });

  it('reports totals equal to the billed total of the simulated week within 1e-6', () => {
    const billed = truth.billed
      .filter((b) => b.week === result.week)
      .reduce((s, b) => s + b.effectiveCost, 0);
    expect(rel(summary.totals.billed, billed)).toBeLessThan(1e-6);
    expect(rel(summary.billedVsAllocated.rowsTotal, billed)).toBeLessThan(1e-6);
    const t = summary.totals;
    expect(rel(t.allocated + t.idle + t.unmounted + t.unallocated, billed)).toBeLessThan(1e-6);
  });

  it('names the planted causes of the increase in the change vs last week', () => {
    expect(summary.change.delta).toBeGreaterThan(0);
    for (const cause of truth.causes) {
      const named = cause.workload
        ? summary.changeSummary.includes(cause.workload) ||
          summary.topMovers.some((m) => m.workload.endsWith(`/${cause.workload}`))
        : summary.changeSummary.includes(cause.namespace) ||
          summary.topMovers.some((m) => m.namespace === cause.namespace);
      expect(named, `${cause.description} should be named`).toBe(true);
    }
  });

  it('exports allocations as CSV and FOCUS-style Parquet that both add up to the bill', async () => {
    const db = await openDuckDb();
    try {
      const parquet = await db.conn.runAndReadAll(
        `SELECT sum(EffectiveCost), count(DISTINCT AllocatedMethodId), min(AllocatedTags) IS NOT NULL FROM read_parquet('${path.join(weekDir, 'allocations.focus.parquet')}')`,
      );
      const [sum, methods, tagged] = parquet.getRowsJS()[0] as [number, bigint, boolean];
      expect(rel(sum, summary.totals.billed)).toBeLessThan(1e-6);
      expect(Number(methods)).toBe(1);
      expect(tagged).toBe(true);
      const csv = await db.conn.runAndReadAll(
        `SELECT sum(cost) FROM read_csv('${path.join(weekDir, 'allocations.csv')}', header = true)`,
      );
      expect(rel(Number(csv.getRowsJS()[0]?.[0]), summary.totals.billed)).toBeLessThan(1e-5);
    } finally {
      db.close();
    }
  });

  it('keeps every Slack message inside Slack’s limits', async () => {
    for (const t of await readdir(path.join(weekDir, 'teams'))) {
      const msg = JSON.parse(await readFile(path.join(weekDir, 'teams', t, 'slack.json'), 'utf8')) as {
        text: string;
        blocks: { type: string; text?: { text: string } }[];
      };
      expect(msg.text.length).toBeGreaterThan(0);
      expect(msg.blocks.length).toBeLessThanOrEqual(50);
      for (const b of msg.blocks) {
        if (b.type === 'header') expect(b.text?.text.length ?? 0).toBeLessThanOrEqual(150);
        if (b.type === 'section') expect(b.text?.text.length ?? 0).toBeLessThanOrEqual(3000);
      }
    }
  });
});
