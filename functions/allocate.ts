/**
 * The allocation use-case on the embedded engine: snapshots from an object store reduced by
 * DuckDB, billing lines from an export read by DuckDB, allocated by core.
 */
import { openDuckDbBillingSource } from '../adapters/billing/duckdb/index.js';
import { type DuckDb, openDuckDb } from '../adapters/duckdb/connection.js';
import { openSnapshotWarehouse } from '../adapters/snapshots/duckdb/index.js';
import { openObjectStore } from '../adapters/storage/index.js';
import { allocateWindows, type Ledger } from '../core/allocation/index.js';
import type { AllocationPolicy } from '../core/allocation/policy.js';
import type { CostLine } from '../core/schema/costLine.js';
import type { BadInput } from '../core/schema/errors.js';
import { UsageError } from '../core/schema/errors.js';
import type { Window } from '../core/time/window.js';

export interface AllocateRequest<T = undefined> {
  /** Object-store root holding `snapshots/v1/…` (folder or URL). */
  snapshots: string;
  /** Billing export files or folders. */
  billing: string[];
  /** Disjoint windows allocated in one pass over the data, one ledger each. */
  windows: Window[];
  policy: AllocationPolicy;
  clusters?: string[];
  onProgress?: (done: number, total: number, what: string) => void;
  /** Runs with the loaded sample tables before they are dropped (findings, workload changes). */
  inspect?: (db: DuckDb) => Promise<T>;
}

export interface AllocateOutcome<T = undefined> {
  ledgers: Ledger[];
  inspected: T | undefined;
  currency: string;
  badInputs: BadInput[];
  badInputCount: number;
}

const HOUR_MS = 3_600_000;

export async function runAllocate<T = undefined>(req: AllocateRequest<T>): Promise<AllocateOutcome<T>> {
  if (req.windows.length === 0) throw new UsageError('allocate: no window');
  const windowStart = new Date(Math.min(...req.windows.map((w) => Date.parse(w.start)))).toISOString();
  const windowEnd = new Date(Math.max(...req.windows.map((w) => Date.parse(w.end)))).toISOString();
  const store = openObjectStore(req.snapshots);
  const billing = await openDuckDbBillingSource(req.billing);
  const db = await openDuckDb();
  const warehouse = await openSnapshotWarehouse({
    store,
    windowStart,
    windowEnd,
    clusters: req.clusters,
    db,
  }).catch(async (err: unknown) => {
    await billing.close();
    db.close();
    throw err;
  });
  try {
    const clusters = await warehouse.clusters();
    if (clusters.length === 0) {
      throw new UsageError(
        `allocate: no snapshots in ${store.url} for ${windowStart} – ${windowEnd}${req.clusters ? ` (clusters ${req.clusters.join(', ')})` : ''}`,
      );
    }
    const lines: CostLine[] = [];
    let currency: string | null = null;
    for await (const line of billing.costLines({
      windowStart,
      windowEnd,
      clusterTagKeys: req.policy.clusterTagKeys,
      clusterNames: clusters,
      resourceIds: await warehouse.assetIds(),
    })) {
      if (currency === null) currency = line.BillingCurrency;
      else if (line.BillingCurrency !== currency) {
        throw new UsageError(`allocate: the bill mixes currencies ${currency} and ${line.BillingCurrency}`);
      }
      lines.push(line);
    }
    const totalHours = req.windows.reduce(
      (s, w) => s + (Date.parse(w.end) - Date.parse(w.start)) / HOUR_MS,
      0,
    );
    let done = 0;
    const ledgers = await allocateWindows({
      policy: req.policy,
      windows: req.windows,
      ownerContext: await warehouse.ownerContext(),
      hours: warehouse.hourFacts(),
      costLines: lines,
      onHour: () => req.onProgress?.(++done, totalHours, 'hours allocated'),
    });
    const inspected = req.inspect ? await req.inspect(db) : undefined;
    return {
      ledgers,
      inspected,
      currency: currency ?? 'USD',
      badInputs: [...warehouse.badInputs(), ...billing.badInputs()],
      badInputCount: warehouse.badInputCount + billing.badInputCount,
    };
  } finally {
    await billing.close();
    await warehouse.close();
    db.close();
  }
}
