/**
 * `ownercost demo`: simulate two weeks into a local object store, then allocate week 2 on the
 * embedded engine (DuckDB over the FOCUS export) and print who owns what.
 */
import path from 'node:path';
import { DEFAULT_POLICY } from '../core/allocation/policy.js';
import { summarize } from '../core/allocation/summarize.js';
import { isoWeekOf } from '../core/time/window.js';
import { runAllocate } from './allocate.js';
import { progress, renderAllocation } from './local/render.js';
import { runSimulate } from './simulate.js';

export interface DemoRequest {
  outDir: string;
  seed: number;
  write: (text: string) => void;
}

export async function runDemo(req: DemoRequest): Promise<void> {
  const started = performance.now();
  const simDir = path.join(req.outDir, 'sim');
  const sim = await runSimulate({ outDir: simDir, seed: req.seed, weeks: 2, scale: 'small', onProgress: progress('simulate') });
  const week2Start = Date.parse(sim.window.start) + 7 * 86_400_000;
  const week = isoWeekOf(week2Start);
  const windowStart = new Date(week2Start).toISOString();
  const windowEnd = new Date(week2Start + 7 * 86_400_000).toISOString();
  const outcome = await runAllocate({
    snapshots: path.join(simDir, 'store'),
    billing: [path.join(simDir, 'billing', 'focus-parquet')],
    windowStart,
    windowEnd,
    policy: DEFAULT_POLICY,
    onProgress: progress('allocate'),
  });
  const result = summarize(outcome.ledger, ['team'], outcome.currency);
  req.write(`ownercost demo — week ${week}\n`);
  req.write(renderAllocation(result, ['team'], 'table'));
  req.write(`simulated data: ${simDir} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
}
