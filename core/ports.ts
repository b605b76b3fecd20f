/**
 * Ports that core declares and adapters implement. Times are ISO-8601 UTC strings; windows are
 * half-open [windowStart, windowEnd). Money is in the billing currency of the source.
 */
import type { CostLine } from './schema/costLine.js';
import type { BadInput } from './schema/errors.js';

/** A flat key space of objects (a folder, a bucket, a container). Keys use `/` separators. */
export interface ObjectStore {
  /** The store's root URL (`file:///…`, `s3://bucket/prefix`, …), without credentials. */
  readonly url: string;
  put(key: string, body: Uint8Array): Promise<void>;
  /** Returns null when the key does not exist. */
  get(key: string): Promise<Uint8Array | null>;
  /** Every key under `prefix`, in lexical order. */
  list(prefix: string): AsyncIterable<string>;
  delete(key: string): Promise<void>;
  /** A local filesystem path for the key when the store is a folder, so engines can read it in place. */
  localPath?(key: string): string;
}

export interface BillingQuery {
  windowStart: string;
  windowEnd: string;
  /** Tag keys whose value names the cluster (e.g. `eks:cluster-name`, `goog-k8s-cluster-name`). */
  clusterTagKeys: readonly string[];
  /** Cluster names to keep lines for (matched against the values of `clusterTagKeys`). */
  clusterNames: readonly string[];
  /**
   * Provider resource ids of the clusters' assets (instance ids, disk ids, load balancer names).
   * A line is kept when the last path segment of its `ResourceId` is one of these, even untagged.
   */
  resourceIds: readonly string[];
}

export interface BillingSummaryQuery {
  windowStart?: string;
  windowEnd?: string;
  by: readonly string[];
}

export interface BillingSummaryRow {
  key: Record<string, string | null>;
  BilledCost: number;
  EffectiveCost: number;
  ListCost: number;
  rows: number;
}

/**
 * Reads a billing export. Lines come aggregated per charge hour, resource, usage type and tags,
 * filtered to the window and the clusters. Costs of the current day may be incomplete at the provider.
 */
export interface BillingSource {
  readonly description: string;
  /** Cost lines overlapping the window (a line may extend beyond it; core prorates). */
  costLines(query: BillingQuery): AsyncIterable<CostLine>;
  summarize(query: BillingSummaryQuery): Promise<{ currency: string | null; rows: BillingSummaryRow[] }>;
  close(): Promise<void>;
}

/** Where bad records were found while reading snapshots or bills. */
export interface InputReport {
  badInputs: BadInput[];
  badInputCount: number;
}
