/**
 * One simulated organisation, prepared once and shared: `runSimulate` (seed, two weeks, small)
 * writes the store, the bill and truth.json; the last week is loaded with `openSnapshotWarehouse`
 * into our own DuckDB and its sample tables are kept as Parquet. Both are cached in a temp folder
 * keyed by the seed and a hash of the simulator and loader sources, so a later run (or another
 * test file) only reads Parquet; a change to those sources builds a fresh cache. A lock folder
 * keeps concurrent test processes from simulating twice.
 *
 * The ledger and the facts are always recomputed (allocation and detectors are what is tested).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openDuckDbBillingSource } from '../../adapters/billing/duckdb/index.js';
import { type DuckDb, openDuckDb, sqlString } from '../../adapters/duckdb/connection.js';
import { createHourFactsReader } from '../../adapters/snapshots/duckdb/hourFacts.js';
import { createSampleTables, SAMPLE_TABLES } from '../../adapters/snapshots/duckdb/tables.js';
import { openSnapshotWarehouse } from '../../adapters/snapshots/duckdb/warehouse.js';
import { loadWorkloadFacts } from '../../adapters/snapshots/duckdb/workloadFacts.js';
import { FsObjectStore } from '../../adapters/storage/fs.js';
import { allocateWindows, DEFAULT_POLICY, type Ledger } from '../../core/allocation/index.js';
import type { WorkloadFacts } from '../../core/findings/facts.js';
import type { CostLine } from '../../core/schema/costLine.js';
import type { Truth } from '../../core/simulator/truth.js';
import { isoWeekWindow, type Window } from '../../core/time/window.js';
import { runSimulate } from '../../functions/simulate.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** Sources whose change invalidates the cache (what the simulator writes and how it is loaded). */
const CACHE_SOURCES = [
  'core/simulator',
  'core/schema/records.ts',
  'functions/simulate.ts',
  'adapters/billing/exportWriter.ts',
  'adapters/snapshots/ndjson.ts',
  'adapters/snapshots/duckdb/load.ts',
  'adapters/snapshots/duckdb/recordSql.ts',
  'adapters/snapshots/duckdb/tables.ts',
  'adapters/snapshots/duckdb/warehouse.ts',
];
const LOCK_STALE_MS = 20 * 60_000;

export interface SimulatedWeek {
  truth: Truth;
  week: string;
  window: Window;
  db: DuckDb;
  facts: WorkloadFacts;
  ledger: Ledger;
  currency: string;
  /** Where the cache lives (store, billing, truth.json, tables/). */
  dir: string;
  timingsMs: Record<string, number>;
}

async function sourceFiles(rel: string): Promise<string[]> {
  const abs = path.join(ROOT, rel);
  if (!existsSync(abs)) return [];
  if ((await stat(abs)).isFile()) return [abs];
  const out: string[] = [];
  for (const e of await readdir(abs, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...(await sourceFiles(path.join(rel, e.name))));
    else if (e.name.endsWith('.ts')) out.push(path.join(abs, e.name));
  }
  return out.sort();
}

async function sourceHash(): Promise<string> {
  const h = createHash('sha256');
  for (const rel of CACHE_SOURCES) {
    for (const file of await sourceFiles(rel)) {
      h.update(path.relative(ROOT, file));
      h.update(await readFile(file));
    }
  }
  return h.digest('hex').slice(0, 16);
}

async function withLock<T>(lock: string, ready: () => boolean, build: () => Promise<T>): Promise<T | null> {
  for (;;) {
    if (ready()) return null;
    try {
      await mkdir(lock);
      break;
    } catch {
      const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > LOCK_STALE_MS) await rm(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    if (ready()) return null;
    return await build();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** Simulates (or reuses) seed `seed` and prepares its last week for the detectors. */
export async function simulatedWeek(seed = 1): Promise<SimulatedWeek> {
  const timingsMs: Record<string, number> = {};
  let t = performance.now();
  const lap = (what: string) => {
    const now = performance.now();
    timingsMs[what] = Math.round(now - t);
    t = now;
  };
  const dir = path.join(os.tmpdir(), 'ownercost-findings-sim', `seed${seed}-small-w2-${await sourceHash()}`);
  const sim = path.join(dir, 'sim');
  const tables = path.join(dir, 'tables');
  const readyFile = path.join(dir, 'ready');
  await mkdir(path.dirname(dir), { recursive: true });

  let db: DuckDb | null = await withLock(
    `${dir}.lock`,
    () => existsSync(readyFile),
    async () => {
      await rm(dir, { recursive: true, force: true });
      await runSimulate({ outDir: sim, seed, weeks: 2, scale: 'small' });
      lap('simulate');
      const truth = JSON.parse(await readFile(path.join(sim, 'truth.json'), 'utf8')) as Truth;
      const window = isoWeekWindow(truth.window.weeks[truth.window.weeks.length - 1] ?? '');
      const fresh = await openDuckDb();
      const warehouse = await openSnapshotWarehouse({
        store: new FsObjectStore(path.join(sim, 'store')),
        windowStart: window.start,
        windowEnd: window.end,
        db: fresh,
      });
      await warehouse.close();
      lap('warehouse');
      await mkdir(tables, { recursive: true });
      for (const table of SAMPLE_TABLES) {
        await fresh.conn.run(
          `COPY ${table} TO ${sqlString(path.join(tables, `${table}.parquet`))} (FORMAT parquet)`,
        );
      }
      await writeFile(readyFile, `${new Date().toISOString()}\n`);
      lap('cache');
      return fresh;
    },
  );

  const truth = JSON.parse(await readFile(path.join(sim, 'truth.json'), 'utf8')) as Truth;
  const week = truth.window.weeks[truth.window.weeks.length - 1] ?? '';
  const window = isoWeekWindow(week);
  if (!db) {
    db = await openDuckDb();
    await createSampleTables(db);
    for (const table of SAMPLE_TABLES) {
      await db.conn.run(
        `INSERT INTO ${table} SELECT * FROM read_parquet(${sqlString(path.join(tables, `${table}.parquet`))})`,
      );
    }
    lap('load cached tables');
  }

  const facts = await loadWorkloadFacts(db, { windowStart: window.start, windowEnd: window.end });
  lap('facts');

  const reader = createHourFactsReader(db, { windowStart: window.start, windowEnd: window.end });
  const billing = await openDuckDbBillingSource([path.join(sim, 'billing', 'focus-parquet')]);
  let ledger: Ledger;
  let currency = 'USD';
  try {
    const lines: CostLine[] = [];
    for await (const line of billing.costLines({
      windowStart: window.start,
      windowEnd: window.end,
      clusterTagKeys: DEFAULT_POLICY.clusterTagKeys,
      clusterNames: await reader.clusters(),
      resourceIds: await reader.assetIds(),
    })) {
      currency = line.BillingCurrency;
      lines.push(line);
    }
    const [l] = await allocateWindows({
      policy: DEFAULT_POLICY,
      windows: [window],
      ownerContext: await reader.ownerContext(),
      hours: reader.hourFacts(),
      costLines: lines,
    });
    if (!l) throw new Error('simulatedWeek: allocation returned no ledger');
    ledger = l;
  } finally {
    await billing.close();
    await reader.close();
  }
  lap('allocate');
  return { truth, week, window, db, facts, ledger, currency, dir, timingsMs };
}
