/**
 * The allocation use-case on the embedded engine: snapshots from an object store reduced by
 * DuckDB, billing lines from an export read by DuckDB, allocated by core.
 */
import { openDuckDbBillingSource } from '../adapters/billing/duckdb/index.js';
import { openSnapshotWarehouse } from '../adapters/snapshots/duckdb/index.js';
import { openObjectStore } from '../adapters/storage/index.js';
import { allocateWindow, type Ledger } from '../core/allocation/index.js';
import type { AllocationPolicy } from '../core/allocation/policy.js';
import type { CostLine } from '../core/schema/costLine.js';
import type { BadInput } from '../core/schema/errors.js';
import { UsageError } from '../core/schema/errors.js';

export interface AllocateRequest {
  /** Object-store root holding `snapshots/v1/…` (folder or URL). */
  snapshots: string;
  /** Billing export files or folders. */
  billing: string[];
  windowStart: string;
  windowEnd: string;
  policy: AllocationPolicy;
  clusters?: string[];
  onProgress?: (done: number, total: number, what: string) => void;
}

export interface AllocateOutcome {
  ledger: Ledger;
  currency: string;
  badInputs: BadInput[];
  badInputCount: number;
}

const HOUR_MS = 3_600_000;

export async function runAllocate(req: AllocateRequest): Promise<AllocateOutcome> {
  const store = openObjectStore(req.snapshots);
  const warehouse = await openSnapshotWarehouse({
    store,
    windowStart: req.windowStart,
    windowEnd: req.windowEnd,
    clusters: req.clusters,
  });
  const billing = await openDuckDbBillingSource(req.billing);
  try {
    const clusters = await warehouse.clusters();
    if (clusters.length === 0) {
      throw new UsageError(
        `allocate: no snapshots in ${store.url} for ${req.windowStart} – ${req.windowEnd}${req.clusters ? ` (clusters ${req.clusters.join(', ')})` : ''}`,
      );
    }
    const lines: CostLine[] = [];
    let currency: string | null = null;
    for await (const line of billing.costLines({
      windowStart: req.windowStart,
      windowEnd: req.windowEnd,
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
    const totalHours = Math.round((Date.parse(req.windowEnd) - Date.parse(req.windowStart)) / HOUR_MS);
    let done = 0;
    const ledger = await allocateWindow({
      policy: req.policy,
      windowStart: req.windowStart,
      windowEnd: req.windowEnd,
      ownerContext: await warehouse.ownerContext(),
      hours: warehouse.hourFacts(),
      costLines: lines,
      onHour: () => req.onProgress?.(++done, totalHours, 'hours allocated'),
    });
    const bad = [...warehouse.badInputs(), ...billing.badInputs()];
    return {
      ledger,
      currency: currency ?? 'USD',
      badInputs: bad,
      badInputCount: warehouse.badInputCount + billing.badInputCount,
    };
  } finally {
    await billing.close();
    await warehouse.close();
  }
}
