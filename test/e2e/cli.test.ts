/**
 * Issue 2 end to end through the real CLI: `ownercost allocate` over one simulated week returns
 * rows that sum to the billed total for both idle policies, the three exports of the same bill
 * allocate to the same totals, and bad arguments exit 2 with one line.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import type { AllocationResult } from '../../core/allocation/summarize.js';

const run = promisify(execFile);
const CLI = path.resolve('functions/local/cli.ts');

async function cli(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', CLI, ...args], {
      maxBuffer: 64 << 20,
    });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

interface Truth {
  window: { weeks: string[] };
  clusters: { name: string; provider: string }[];
  billed: { cluster: string; week: string; effectiveCost: number }[];
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

describe('ownercost allocate on a simulated week', () => {
  const simDir = inject('simDir');
  const truthP = readFile(path.join(simDir, 'truth.json'), 'utf8').then((t) => JSON.parse(t) as Truth);

  it.each(['separate', 'share'])(
    'returns rows whose totalCost sums to totals.billed within 1e-6 (idle %s)',
    async (idle) => {
      const truth = await truthP;
      const week = truth.window.weeks[0] as string;
      const { stdout, code, stderr } = await cli([
        'allocate',
        '--snapshots',
        path.join(simDir, 'store'),
        '--billing',
        path.join(simDir, 'billing', 'focus-csv'),
        '--week',
        week,
        '--by',
        'namespace,controller',
        '--idle',
        idle,
        '--format',
        'json',
      ]);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const result = JSON.parse(stdout) as AllocationResult;
      const rowsTotal = result.rows.reduce((s, r) => s + r.totalCost, 0);
      expect(rel(rowsTotal, result.totals.billed)).toBeLessThan(1e-6);
      const billed = truth.billed.filter((b) => b.week === week).reduce((s, b) => s + b.effectiveCost, 0);
      expect(rel(result.totals.billed, billed)).toBeLessThan(1e-6);
      if (idle === 'share') expect(result.rows.some((r) => r.key.namespace === '__idle__')).toBe(true); // GPU nodes with no GPU pods stay idle
      expect(result.totals.estimated).toBe(0);
    },
    180_000,
  );

  it('allocates the FOCUS CSV, FOCUS Parquet and CUR 2.0 exports of the same bill to the same totals', async () => {
    const truth = await truthP;
    const week = truth.window.weeks[1] as string;
    const aws = truth.clusters.find((c) => c.provider === 'aws')?.name as string;
    const totals = await Promise.all(
      ['focus-csv', 'focus-parquet', 'cur2'].map(async (format) => {
        const { stdout, code } = await cli([
          'allocate',
          '--snapshots',
          path.join(simDir, 'store'),
          '--billing',
          path.join(simDir, 'billing', format),
          '--week',
          week,
          '--cluster',
          aws,
          '--by',
          'team',
          '--format',
          'json',
        ]);
        expect(code).toBe(0);
        return JSON.parse(stdout) as AllocationResult;
      }),
    );
    const [csv, parquet, cur] = totals as [AllocationResult, AllocationResult, AllocationResult];
    expect(rel(parquet.totals.billed, csv.totals.billed)).toBeLessThan(1e-9);
    expect(rel(cur.totals.billed, csv.totals.billed)).toBeLessThan(1e-9);
    for (const row of csv.rows) {
      const other = cur.rows.find((r) => r.key.team === row.key.team);
      expect(other?.totalCost ?? 0).toBeCloseTo(row.totalCost, 6);
    }
  }, 300_000);

  it('refuses a billing folder that mixes formats rather than double counting', async () => {
    const { code, stderr } = await cli([
      'allocate',
      '--snapshots',
      path.join(simDir, 'store'),
      '--billing',
      path.join(simDir, 'billing'),
      '--week',
      '2026-W47',
    ]);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/mix|format/i);
  }, 60_000);
});

describe('ownercost command line', () => {
  it.each([
    [['allocate', '--snapshots', 'x', '--billing', 'y', '--week', '2026-W99'], /week/],
    [['allocate', '--snapshots', 'x', '--billing', 'y', '--from', '2026-11-16'], /--to|--week/],
    [
      ['allocate', '--snapshots', 'x', '--billing', 'y', '--week', '2026-W47', '--by', 'colour'],
      /unknown dimension "colour"/,
    ],
    [['allocate', '--snapshots', 'x', '--billing', 'y', '--week', '2026-W47', '--idle', 'maybe'], /idle/],
    [
      ['allocate', '--snapshots', 'x', '--billing', 'y', '--week', '2026-W47', '--weights', 'cpu=-1'],
      /--weights/,
    ],
    [['frobnicate'], /unknown command/],
  ])('rejects %j with one clear line and exit code 2', async (args, message) => {
    const { code, stderr } = await cli(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it.each(['simulate', 'allocate', 'billing summarize', 'report', 'explain', 'demo'])(
    'has --help with an example for %s',
    async (command) => {
      const { stdout, code } = await cli([...command.split(' '), '--help']);
      expect(code).toBe(0);
      expect(stdout).toMatch(/Example/);
    },
  );
});
