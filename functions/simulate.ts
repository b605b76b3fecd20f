/**
 * `ownercost simulate`: runs the seeded simulator and writes what a real installation would
 * have after `weeks` ISO weeks: snapshot batches in an object store (`<outDir>/store`), the bill
 * as FOCUS CSV, FOCUS Parquet and CUR 2.0 Parquet (`<outDir>/billing/…`; CUR 2.0 unless `cur2` is
 * false), and `truth.json`.
 *
 * Snapshot objects are hourly batches: one object per cluster, partition and hour holding that
 * hour's samples (twelve 5-minute samples), keyed by the batch's first sample time, so every
 * record lies in its object's `dt=…/hour=…` partition as the key layout requires. Fewer, larger
 * objects are much cheaper to write and to read than one object per sample.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { writeCur2Export, writeFocusExports } from '../adapters/billing/exportWriter.js';
import { FsObjectStore } from '../adapters/storage/fs.js';
import type { RecordKind } from '../core/schema/records.js';
import {
  type BilledTotal,
  createSimulation,
  focusLines,
  type Scale,
  SOURCE,
} from '../core/simulator/index.js';
import { snapshotKey } from '../core/snapshots/keys.js';

/** Input of `runSimulate`. */
export interface SimulateRequest {
  outDir: string;
  seed: number;
  /** Whole ISO weeks (default 2). */
  weeks?: number;
  scale?: Scale;
  /** Monday 00:00 UTC of the first week, as ISO or ms (default 2026-11-09). */
  weekStart?: string | number;
  /**
   * Write the CUR 2.0 export (default true). The demo reads only the FOCUS Parquet export and
   * turns it off; `ownercost simulate` and the tests keep all three.
   */
  cur2?: boolean;
  onProgress?: (done: number, total: number, what: string) => void;
}

/** What `runSimulate` wrote: counts, billed totals per cluster and ISO week, paths and timings. */
export interface SimulateSummary {
  seed: number;
  scale: Scale;
  window: { start: string; end: string; weeks: string[] };
  records: Partial<Record<RecordKind, number>> & { total: number };
  objects: number;
  /** Compressed bytes of all snapshot objects. */
  storedBytes: number;
  livePods: { min: number; max: number; mean: number };
  nodes: number;
  costLines: number;
  /** CUR 2.0 rows written (0 when `cur2` is off). */
  curRows: number;
  billed: BilledTotal[];
  paths: {
    store: string;
    focusCsv: string[];
    focusParquet: string[];
    cur2: string[];
    truth: string;
  };
  /** Wall-clock phases; exports and snapshots overlap (both start when billing is done). */
  timingsMs: {
    plan: number;
    billing: number;
    exports: number;
    snapshots: number;
    total: number;
    cpu: number;
  };
}

/** Hourly groups of objects in flight between rendering and the writer threads. */
const IN_FLIGHT = 4;

/** Samples per snapshot object: one hour of 5-minute samples. */
const SAMPLES_PER_OBJECT = 12;

/**
 * Snapshot writer threads. Compressing and writing the objects (over a GB of text) is much of a
 * run's CPU, so it happens off the main thread (which renders records): the main thread hands
 * over the UTF-8 bytes (transferred, not copied) and the object's local path from
 * `FsObjectStore.localPath`; the worker gzips (level 1, memLevel 9: the fastest deflate; readers
 * do not care) and writes the object the way `FsObjectStore.put` does, to a temporary name then
 * renamed, so a reader never sees half an object. Plain CommonJS evaluated from this string: no loader, no extra file.
 */
const WRITER_WORKER = `
const { parentPort, threadId } = require('node:worker_threads');
const { gzipSync } = require('node:zlib');
const { mkdirSync, renameSync, writeFileSync } = require('node:fs');
const { dirname } = require('node:path');
const dirs = new Set();
let seq = 0;
parentPort.on('message', (m) => {
  try {
    let written = 0;
    for (const item of m.items) {
      const body = gzipSync(item.bytes, { level: 1, memLevel: 9 });
      const dir = dirname(item.path);
      if (!dirs.has(dir)) {
        mkdirSync(dir, { recursive: true });
        dirs.add(dir);
      }
      const tmp = item.path + '.tmp-' + process.pid + '-' + threadId + '-' + seq++;
      writeFileSync(tmp, body);
      renameSync(tmp, item.path);
      written += body.length;
    }
    parentPort.postMessage({ id: m.id, bytes: written });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String((err && err.message) || err) });
  }
});
`;

/** One object to write: its local path and its NDJSON text, in pieces (one per sample). */
interface PendingObject {
  path: string;
  texts: string[];
}

/**
 * The UTF-8 bytes of an object's text. Records are ASCII, so the pieces are copied as latin1 into
 * one buffer (much cheaper than joining them and UTF-8 encoding the result).
 */
function objectBytes(texts: readonly string[]): Buffer {
  let length = 0;
  let ascii = true;
  for (const t of texts) {
    const n = Buffer.byteLength(t, 'utf8');
    if (n !== t.length) ascii = false;
    length += n;
  }
  if (!ascii) return Buffer.from(texts.join(''), 'utf8');
  const bytes = Buffer.allocUnsafeSlow(length);
  let at = 0;
  for (const t of texts) at += bytes.write(t, at, 'latin1');
  return bytes;
}

class SnapshotWriterPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<
    number,
    { resolve: (bytes: number) => void; reject: (e: Error) => void }
  >();
  private nextId = 0;

  constructor(size: number) {
    this.workers = Array.from({ length: size }, () => {
      const w = new Worker(WRITER_WORKER, { eval: true, execArgv: [] });
      w.on('message', (m: { id: number; bytes?: number; error?: string }) => {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.error !== undefined)
          p?.reject(new Error(`runSimulate: writing a snapshot object failed: ${m.error}`));
        else p?.resolve(m.bytes ?? 0);
      });
      w.on('error', (err) => {
        for (const p of this.pending.values())
          p.reject(new Error('runSimulate: snapshot writer failed', { cause: err }));
        this.pending.clear();
      });
      return w;
    });
  }

  /** Gzips and writes a group of objects on one worker; resolves with their compressed size. */
  write(objects: readonly PendingObject[]): Promise<number> {
    const id = this.nextId++;
    const transfer: ArrayBuffer[] = [];
    const items = objects.map((o) => {
      const bytes = objectBytes(o.texts);
      // Buffers that own their ArrayBuffer move to the worker without a copy.
      if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength)
        transfer.push(bytes.buffer as ArrayBuffer);
      return { path: o.path, bytes };
    });
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      (this.workers[id % this.workers.length] as Worker).postMessage({ id, items }, transfer);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Simulates the organisation and writes the store, the three billing exports and truth.json. */
export async function runSimulate(req: SimulateRequest): Promise<SimulateSummary> {
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const outDir = path.resolve(req.outDir);
  const weekStartMs =
    req.weekStart === undefined
      ? undefined
      : typeof req.weekStart === 'number'
        ? req.weekStart
        : Date.parse(req.weekStart);
  if (weekStartMs !== undefined && !Number.isFinite(weekStartMs)) {
    throw new Error(`runSimulate: weekStart is not a date: ${String(req.weekStart)}`);
  }
  const sim = createSimulation({
    seed: req.seed,
    weeks: req.weeks ?? 2,
    scale: req.scale ?? 'small',
    ...(weekStartMs === undefined ? {} : { weekStartMs }),
  });
  const planned = performance.now();

  // Only the folders this use-case owns are replaced, so a re-run never mixes two simulations.
  const storeRoot = path.join(outDir, 'store');
  const billingRoot = path.join(outDir, 'billing');
  await rm(path.join(storeRoot, 'snapshots'), { recursive: true, force: true });
  for (const sub of ['focus-csv', 'focus-parquet', 'cur2']) {
    await rm(path.join(billingRoot, sub), { recursive: true, force: true });
  }
  await mkdir(outDir, { recursive: true });

  // The bill first: its DuckDB exports then run on DuckDB's threads while snapshots are written.
  const writeCur2 = req.cur2 ?? true;
  const billing = sim.billing();
  const cur = writeCur2 ? sim.curRows() : [];
  const truth = sim.truth();
  const billingDone = performance.now();
  let exportsDone = billingDone;
  const exports = (async () => {
    const focus = await writeFocusExports(focusLines(billing.lines), {
      csvDir: path.join(billingRoot, 'focus-csv'),
      parquetDir: path.join(billingRoot, 'focus-parquet'),
    });
    const cur2 = writeCur2 ? await writeCur2Export(cur, path.join(billingRoot, 'cur2')) : { files: [] };
    exportsDone = performance.now();
    return { focus, cur2 };
  })();
  // Keep a failed export from surfacing as an unhandled rejection before it is awaited.
  exports.catch(() => {});

  const store = new FsObjectStore(storeRoot);
  const counts: Partial<Record<RecordKind, number>> = {};
  let total = 0;
  let objects = 0;
  let liveMin = Number.POSITIVE_INFINITY;
  let liveMax = 0;
  let liveSum = 0;
  const samples = sim.window.samples;
  const pool = new SnapshotWriterPool(2);
  let storedBytes = 0;
  try {
    const inFlight = new Set<Promise<void>>();
    // The open batch of each cluster and partition: its first sample time and its text so far.
    const open = new Map<
      string,
      { cluster: string; partition: 'cluster' | 'network'; ts: string; texts: string[] }
    >();
    for (let k = 0; k < samples; k++) {
      const live = sim.livePods(k);
      liveMin = Math.min(liveMin, live);
      liveMax = Math.max(liveMax, live);
      liveSum += live;
      const ts = sim.tsAt(k);
      for (let c = 0; c < sim.clusters.length; c++) {
        const cluster = sim.clusters[c]?.spec.name ?? '';
        for (const partition of ['cluster', 'network'] as const) {
          const batch = sim.batch(c, k, partition);
          if (batch.records === 0) continue;
          for (const [kind, n] of Object.entries(batch.counts) as [RecordKind, number][]) {
            counts[kind] = (counts[kind] ?? 0) + n;
          }
          total += batch.records;
          const id = `${c}/${partition}`;
          const o = open.get(id);
          if (o) o.texts.push(batch.text);
          else open.set(id, { cluster, partition, ts, texts: [batch.text] });
        }
      }
      // Samples are on the 5-minute grid from a Monday 00:00, so every 12th closes an hour.
      if ((k + 1) % SAMPLES_PER_OBJECT !== 0 && k !== samples - 1) continue;
      // One message per hour: the objects of every cluster and partition of that hour.
      const group: PendingObject[] = [];
      for (const o of open.values()) {
        const key = snapshotKey(
          o.partition === 'cluster' ? 'pod' : 'flow',
          o.cluster,
          o.ts,
          SOURCE[o.partition],
        );
        group.push({ path: store.localPath(key), texts: o.texts });
        objects++;
      }
      open.clear();
      if (group.length === 0) continue;
      const p: Promise<void> = pool
        .write(group)
        .then((n) => {
          storedBytes += n;
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
      if (k % 96 === 95 || k === samples - 1) req.onProgress?.(k + 1, samples, 'samples');
    }
    await Promise.all(inFlight);
  } finally {
    await pool.close();
  }
  const snapshotsDone = performance.now();

  const { focus, cur2 } = await exports;
  const truthPath = path.join(outDir, 'truth.json');
  await writeFile(truthPath, `${JSON.stringify(truth, null, 2)}\n`);
  const done = performance.now();
  // Process-wide CPU (all threads: rendering, gzip workers, DuckDB), to compare runs on busy machines.
  const cpu = process.cpuUsage(cpuStart);

  return {
    seed: sim.seed,
    scale: sim.scale,
    window: truth.window,
    records: { ...counts, total },
    objects,
    storedBytes,
    livePods: { min: liveMin, max: liveMax, mean: Math.round(liveSum / samples) },
    nodes: sim.clusters.reduce((s, c) => s + c.nodes.length, 0),
    costLines: billing.lines.length,
    curRows: cur.length,
    billed: truth.billed,
    paths: {
      store: storeRoot,
      focusCsv: focus.csv,
      focusParquet: focus.parquet,
      cur2: cur2.files,
      truth: truthPath,
    },
    timingsMs: {
      plan: Math.round(planned - started),
      billing: Math.round(billingDone - planned),
      exports: Math.round(exportsDone - billingDone),
      snapshots: Math.round(snapshotsDone - billingDone),
      total: Math.round(done - started),
      cpu: Math.round((cpu.user + cpu.system) / 1000),
    },
  };
}
