/**
 * A window of snapshots loaded into DuckDB: lists the window's objects in a store, loads them into
 * the typed sample tables (tables.ts), and answers hour facts, owner context and asset ids.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HourFacts, OwnerContext } from '../../../core/allocation/types.js';
import type { InputReport, ObjectStore } from '../../../core/ports.js';
import type { BadInput } from '../../../core/schema/errors.js';
import { type DuckDb, openDuckDb, sqlString } from '../../duckdb/connection.js';
import { createHourFactsReader, parseWindow } from './hourFacts.js';
import { type LoadStats, listSnapshotKeys, loadSnapshotFiles, localFiles, readBadInputs } from './load.js';
import { createSampleTables, SAMPLE_TABLES } from './tables.js';

export interface SnapshotWarehouseOptions {
  store: ObjectStore;
  /** ISO-8601 UTC, inclusive. */
  windowStart: string;
  /** ISO-8601 UTC, exclusive. */
  windowEnd: string;
  /** Only these clusters (by name); default all clusters found in the store. */
  clusters?: readonly string[];
  /**
   * A DuckDB to load into; it stays open on `close()`. The warehouse replaces the sample tables
   * (tables.ts) and `oc_bad_inputs` in it. Default: a new in-memory DuckDB, closed on `close()`.
   */
  db?: DuckDb;
  /** Parent folder for downloaded and recovered files (default the OS temp folder). */
  tmpDir?: string;
  /** Hours before windowStart also loaded, so samples carried into the window are seen (default 1). */
  padHours?: number;
  /** How many bad inputs `badInputs()` lists (all are counted; default 1000). */
  badInputLimit?: number;
  /** Compressed bytes loaded per DuckDB batch (default 16 MiB, about 0.5 GB of raw lines). */
  batchBytes?: number;
  /** Parallel downloads from stores without local paths (default 8). */
  downloadConcurrency?: number;
}

export interface SnapshotWarehouse {
  readonly windowStart: string;
  readonly windowEnd: string;
  /** Objects read, lines read, records loaded per kind. */
  readonly stats: Readonly<LoadStats>;
  /** Bad lines and files of the load (all counted, the first `badInputLimit` listed). */
  readonly badInputCount: number;
  badInputs(): BadInput[];
  inputReport(): InputReport;
  /** See HourFactsReader.hourFacts: every hour of the window, facts of all clusters. */
  hourFacts(): AsyncIterable<HourFacts>;
  ownerContext(): Promise<OwnerContext>;
  assetIds(): Promise<string[]>;
  clusters(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Lists, downloads where needed, and loads the snapshots of [windowStart, windowEnd) (plus
 * `padHours` before). Bad lines and unreadable files are reported, never thrown; a failure of
 * the store or of DuckDB itself throws.
 */
export async function openSnapshotWarehouse(options: SnapshotWarehouseOptions): Promise<SnapshotWarehouse> {
  const { startMs, endMs } = parseWindow(options);
  const padHours = options.padHours ?? 1;
  const ownDb = !options.db;
  const db = options.db ?? (await openDuckDb());
  let spillDir: string | null = null;
  const closeOwnDb = async (): Promise<void> => {
    if (!ownDb) return;
    db.close();
    if (spillDir) await rm(spillDir, { recursive: true, force: true });
  };
  let tmp: string | null = null;
  const tmpFolder = async (): Promise<string> => {
    tmp ??= await mkdtemp(path.join(options.tmpDir ?? os.tmpdir(), 'ownercost-snapshots-'));
    return tmp;
  };
  const sub = (name: string) => async (): Promise<string> => {
    const p = path.join(await tmpFolder(), name);
    await mkdir(p, { recursive: true });
    return p;
  };
  const cleanup = async (): Promise<void> => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
    tmp = null;
  };

  try {
    if (ownDb) {
      // An own in-memory DuckDB spills to a private folder, not to `.tmp` in the working directory.
      spillDir = await mkdtemp(path.join(options.tmpDir ?? os.tmpdir(), 'ownercost-duckdb-'));
      await db.conn.run(`SET temp_directory = ${sqlString(spillDir)}`);
    }
    for (const t of [...SAMPLE_TABLES, 'oc_bad_inputs']) await db.conn.run(`DROP TABLE IF EXISTS ${t}`);
    await createSampleTables(db);
    const keys = await listSnapshotKeys(options.store, {
      startMs,
      endMs,
      padHours,
      ...(options.clusters ? { clusters: options.clusters } : {}),
    });
    const files = await localFiles(options.store, keys, sub('downloads'), options.downloadConcurrency ?? 8);
    const stats = await loadSnapshotFiles(db, files, {
      ...(options.clusters ? { clusters: options.clusters } : {}),
      batchBytes: options.batchBytes ?? 16 * 1024 * 1024,
      scratchDir: sub('recovered'),
    });
    // Downloaded and recovered files are in DuckDB now.
    await cleanup();
    const bad = await readBadInputs(db, options.badInputLimit ?? 1000);
    stats.badInputCount = bad.count;
    const reader = createHourFactsReader(db, options);
    let closed = false;
    return {
      windowStart: options.windowStart,
      windowEnd: options.windowEnd,
      stats,
      badInputCount: bad.count,
      badInputs: () => bad.list.slice(),
      inputReport: () => ({ badInputs: bad.list.slice(), badInputCount: bad.count }),
      hourFacts: () => reader.hourFacts(),
      ownerContext: () => reader.ownerContext(),
      assetIds: () => reader.assetIds(),
      clusters: () => reader.clusters(),
      async close() {
        if (closed) return;
        closed = true;
        if (ownDb) await closeOwnDb();
        else await reader.close();
      },
    };
  } catch (err) {
    await cleanup();
    await closeOwnDb();
    throw err;
  }
}
