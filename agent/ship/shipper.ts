/**
 * The agent's Shipper: batches go to a local spool first, then to the object store.
 *
 * - A batch is the records of one (partition, cluster, ts); its key is
 *   `snapshotKey(kind, cluster, ts, source)`, so a retried or replayed upload overwrites the same
 *   object instead of duplicating it.
 * - Uploads run in the background, oldest first, with exponential backoff and jitter (p-retry).
 *   A spool file is deleted only after its put succeeded, so a crash or an outage loses nothing
 *   that fits in the spool; the next run uploads what the last one left.
 * - The spool is bounded: past `spoolMaxBytes` the oldest batches are dropped (never the one being
 *   uploaded), each counted in `ownercost_ship_dropped_batches_total` and logged.
 * - `flush(deadline)` (SIGTERM) uploads what it can until the deadline.
 */
import pRetry from 'p-retry';
import { Counter, Gauge, type Metric, Registry } from 'prom-client';
import { encodeNdjsonGz } from '../../adapters/snapshots/ndjson.js';
import { openObjectStore } from '../../adapters/storage/index.js';
import type { ObjectStore } from '../../core/ports.js';
import type { SnapshotRecord } from '../../core/schema/records.js';
import { partitionOf } from '../../core/schema/records.js';
import { snapshotKey } from '../../core/snapshots/keys.js';
import { Spool, type SpoolEntry } from './spool.js';
import type { Shipper, ShipperOptions } from './types.js';

export type { Shipper, ShipperOptions } from './types.js';

/** Backoff of uploads. Defaults suit production; tests shorten them. */
export interface ShipperRetryPolicy {
  /** First retry delay (ms); doubles per attempt, times a random factor in [1, 2). */
  minTimeoutMs: number;
  /** Largest delay between two attempts (ms). */
  maxTimeoutMs: number;
  /** Attempts per batch before the background uploader pauses and starts a new round. */
  attemptsPerRound: number;
  /** Largest pause between two background rounds (ms). */
  maxRoundDelayMs: number;
}

export interface ShipperDeps {
  /** The store to upload to; default `openObjectStore(options.sink)`. */
  store?: ObjectStore;
  /** Epoch milliseconds; default `Date.now`. */
  now?: () => number;
  retry?: Partial<ShipperRetryPolicy>;
}

const DEFAULT_RETRY: ShipperRetryPolicy = {
  minTimeoutMs: 1_000,
  maxTimeoutMs: 30_000,
  attemptsPerRound: 5,
  maxRoundDelayMs: 120_000,
};

/** flush() with no deadline waits at most this long. */
const DEFAULT_FLUSH_MS = 30_000;
/** Failure log lines at most once per this many ms while an outage lasts. */
const FAILURE_LOG_EVERY_MS = 60_000;

export function createShipper(options: ShipperOptions, deps: ShipperDeps = {}): Shipper {
  return new SpoolingShipper(options, deps);
}

interface ShipMetrics {
  uploads: Counter<'result'>;
  spoolBytes: Gauge;
  spoolFiles: Gauge;
  dropped: Counter;
  lastSuccess: Gauge;
}

function metricsOn(registry: Registry): ShipMetrics {
  // Several shippers may share a registry (one per source); reuse what is registered.
  const get = <T extends Metric>(name: string, make: () => T): T =>
    (registry.getSingleMetric(name) as T | undefined) ?? make();
  const registers = [registry];
  return {
    uploads: get(
      'ownercost_ship_uploads_total',
      () =>
        new Counter({
          name: 'ownercost_ship_uploads_total',
          help: 'Batch upload attempts to the object store, by result (success|error).',
          labelNames: ['result'],
          registers,
        }),
    ),
    spoolBytes: get(
      'ownercost_ship_spool_bytes',
      () =>
        new Gauge({ name: 'ownercost_ship_spool_bytes', help: 'Bytes of batches in the spool.', registers }),
    ),
    spoolFiles: get(
      'ownercost_ship_spool_files',
      () => new Gauge({ name: 'ownercost_ship_spool_files', help: 'Batches in the spool.', registers }),
    ),
    dropped: get(
      'ownercost_ship_dropped_batches_total',
      () =>
        new Counter({
          name: 'ownercost_ship_dropped_batches_total',
          help: 'Batches dropped (oldest first) because the spool exceeded its size bound.',
          registers,
        }),
    ),
    lastSuccess: get(
      'ownercost_ship_last_success_timestamp_seconds',
      () =>
        new Gauge({
          name: 'ownercost_ship_last_success_timestamp_seconds',
          help: 'Unix time of the last successful upload.',
          registers,
        }),
    ),
  };
}

class SpoolingShipper implements Shipper {
  private readonly store: ObjectStore;
  private readonly spool: Spool;
  private readonly ready: Promise<void>;
  private readonly log: (line: string) => void;
  private readonly metrics: ShipMetrics;
  private readonly retry: ShipperRetryPolicy;
  private readonly now: () => number;
  /** The one loop that uploads (background or flush); never two at once. */
  private worker: Promise<void> | undefined;
  private workerAbort = new AbortController();
  private inFlight: SpoolEntry | undefined;
  private closed = false;
  private droppedTotal = 0;
  private failuresInOutage = 0;
  private lastFailureLog = Number.NEGATIVE_INFINITY;
  private lastError: string | null = null;

  constructor(
    private readonly options: ShipperOptions,
    deps: ShipperDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.store = deps.store ?? openObjectStore(options.sink);
    this.spool = new Spool(options.spoolDir, this.now);
    this.log = options.log ?? (() => {});
    this.metrics = metricsOn(options.registry ?? new Registry());
    this.retry = { ...DEFAULT_RETRY, ...deps.retry };
    this.ready = this.spool.init().then(async ({ loaded, corrupt }) => {
      for (const name of corrupt) this.log(`ship: removed unreadable spool file ${name}`);
      if (loaded > 0) {
        this.log(`ship: ${loaded} batch(es) left in ${options.spoolDir} by a previous run; uploading`);
      }
      await this.enforceBound();
      this.updateGauges();
      this.kick();
    });
    // Surface init failures on first use, not as an unhandled rejection.
    this.ready.catch(() => {});
  }

  async enqueue(records: readonly SnapshotRecord[]): Promise<void> {
    if (this.closed) throw new Error('Shipper: enqueue after close');
    await this.ready;
    for (const group of groupBatches(records)) {
      const first = group[0] as SnapshotRecord;
      const key = snapshotKey(first.kind, first.cluster, first.ts, this.options.source);
      const { entry, superseded } = await this.spool.add(key, encodeNdjsonGz(group));
      for (const old of superseded) {
        if (old !== this.inFlight) await this.spool.remove(old);
      }
      await this.enforceBound(entry);
    }
    this.updateGauges();
    this.kick();
  }

  async flush(deadlineMs?: number): Promise<{ uploaded: number; pending: number; dropped: number }> {
    await this.ready;
    const deadline = absoluteDeadline(deadlineMs, this.now());
    // Take over from the background loop: stop its backoff sleeps and wait for its current put.
    this.workerAbort.abort();
    const previous = this.worker;
    const flushAbort = new AbortController();
    this.workerAbort = flushAbort;
    let uploaded = 0;
    const run = (async () => {
      await previous?.catch(() => {});
      uploaded = await this.pump(flushAbort.signal, deadline);
    })();
    const flushWorker = run.catch(() => {});
    this.worker = flushWorker;
    const remaining = Math.max(0, deadline - this.now());
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      run.catch((err) => {
        if (!flushAbort.signal.aborted) this.logFailure(err, true);
      }),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, remaining);
      }),
    ]);
    clearTimeout(timer);
    flushAbort.abort();
    const result = { uploaded, pending: this.spool.files, dropped: this.droppedTotal };
    if (result.pending > 0) {
      this.log(
        `ship: flush ended with ${result.pending} batch(es) still spooled in ${this.options.spoolDir}${this.lastError ? ` (last error: ${this.lastError})` : ''}`,
      );
    }
    // Back to background uploading for whatever is left (unless closing) once the flush loop ends.
    void flushWorker.then(() => {
      if (this.worker === flushWorker) this.worker = undefined;
      if (this.workerAbort === flushAbort) this.workerAbort = new AbortController();
      this.kick();
    });
    return result;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.workerAbort.abort();
    await this.ready.catch(() => {});
    // A put in flight may finish; it is not waited for beyond a short bound.
    if (this.worker) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.worker,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 5_000);
        }),
      ]);
      clearTimeout(timer);
    }
  }

  /** Starts the background loop unless one is running. */
  private kick(): void {
    if (this.closed || this.worker || this.spool.files === 0) return;
    const signal = this.workerAbort.signal;
    if (signal.aborted) return;
    const loop = (async () => {
      let round = 0;
      while (!signal.aborted && this.spool.files > 0) {
        try {
          await this.pump(signal, Number.POSITIVE_INFINITY, this.retry.attemptsPerRound);
          round = 0;
        } catch (err) {
          if (signal.aborted) return;
          this.logFailure(err, false);
          round++;
          const base = Math.min(
            this.retry.maxRoundDelayMs,
            this.retry.minTimeoutMs * 2 ** Math.min(round, 20),
          );
          await sleep(base * (1 + Math.random()) * 0.5 + base * 0.5, signal);
        }
      }
    })();
    this.worker = loop;
    loop.finally(() => {
      if (this.worker === loop) this.worker = undefined;
      // Batches enqueued while the loop was finishing.
      if (!signal.aborted && this.spool.files > 0) this.kick();
    });
  }

  /** Uploads spooled batches oldest first until the spool is empty; throws when retries run out. */
  private async pump(
    signal: AbortSignal,
    deadline: number,
    attempts = Number.POSITIVE_INFINITY,
  ): Promise<number> {
    let uploaded = 0;
    while (!signal.aborted) {
      const entry = this.spool.oldest();
      if (!entry) break;
      this.inFlight = entry;
      try {
        const body = await this.spool.body(entry);
        if (body === null) {
          this.log(`ship: spool file of ${entry.key} is gone or unreadable; skipped`);
          await this.spool.remove(entry);
          continue;
        }
        const maxRetryTime = Number.isFinite(deadline) ? Math.max(0, deadline - this.now()) : undefined;
        await pRetry(
          async () => {
            try {
              await this.store.put(entry.key, body);
            } catch (err) {
              this.metrics.uploads.inc({ result: 'error' });
              this.lastError = (err as Error)?.message ?? String(err);
              throw err instanceof Error ? err : new Error(String(err));
            }
            this.metrics.uploads.inc({ result: 'success' });
          },
          {
            retries: Number.isFinite(attempts) ? Math.max(0, attempts - 1) : Number.POSITIVE_INFINITY,
            factor: 2,
            minTimeout: this.retry.minTimeoutMs,
            maxTimeout: this.retry.maxTimeoutMs,
            randomize: true,
            signal,
            ...(maxRetryTime !== undefined ? { maxRetryTime } : {}),
            shouldRetry: () => !this.closed,
          },
        );
        await this.spool.remove(entry);
        this.lastError = null;
        uploaded++;
        this.metrics.lastSuccess.set(this.now() / 1000);
        if (this.failuresInOutage > 0) {
          this.log(
            `ship: uploads to ${this.store.url} resumed after ${this.failuresInOutage} failed round(s)`,
          );
          this.failuresInOutage = 0;
          this.lastFailureLog = Number.NEGATIVE_INFINITY;
        }
      } finally {
        this.inFlight = undefined;
        this.updateGauges();
      }
    }
    return uploaded;
  }

  /** Drops the oldest batches (never the one in flight nor `keep`) while the spool is over its bound. */
  private async enforceBound(keep?: SpoolEntry): Promise<void> {
    const max = this.options.spoolMaxBytes;
    while (this.spool.bytes > max) {
      const victim = this.spool.list().find((e) => e !== this.inFlight && e !== keep);
      if (!victim) break;
      await this.spool.remove(victim);
      this.droppedTotal++;
      this.metrics.dropped.inc();
      this.log(
        `ship: spool over ${max} bytes; dropped the oldest batch ${victim.key} (${victim.bytes} bytes, ${this.droppedTotal} dropped so far)`,
      );
    }
  }

  private updateGauges(): void {
    this.metrics.spoolBytes.set(this.spool.bytes);
    this.metrics.spoolFiles.set(this.spool.files);
  }

  private logFailure(err: unknown, force: boolean): void {
    this.failuresInOutage++;
    const t = this.now();
    if (!force && t - this.lastFailureLog < FAILURE_LOG_EVERY_MS) return;
    this.lastFailureLog = t;
    this.log(
      `ship: upload to ${this.store.url} failed (${(err as Error)?.message ?? String(err)}); ${this.spool.files} batch(es) spooled, ${this.spool.bytes} bytes; retrying with backoff`,
    );
  }
}

/** Groups records by (partition, cluster, ts), keeping their order. */
export function groupBatches(records: readonly SnapshotRecord[]): SnapshotRecord[][] {
  const groups = new Map<string, SnapshotRecord[]>();
  for (const r of records) {
    const k = `${partitionOf(r.kind)}\u0000${r.cluster}\u0000${r.ts}`;
    let g = groups.get(k);
    if (!g) {
      g = [];
      groups.set(k, g);
    }
    g.push(r);
  }
  return [...groups.values()];
}

/**
 * `flush(deadlineMs)`: an epoch-milliseconds deadline; values below 10^12 (before 2001) are read
 * as a duration from now, so `flush(10_000)` also means "within 10 s".
 */
function absoluteDeadline(deadlineMs: number | undefined, now: number): number {
  if (deadlineMs === undefined) return now + DEFAULT_FLUSH_MS;
  return deadlineMs < 1e12 ? now + Math.max(0, deadlineMs) : deadlineMs;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
