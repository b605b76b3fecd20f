/**
 * The agent's shipping contract, shared by node mode (flows) and cluster mode (inventory).
 * Batches are gzip NDJSON objects under the Hive-style keys of core/snapshots/keys.ts; the same
 * batch always gets the same key, so a retried upload is idempotent.
 */
import type { Registry } from 'prom-client';
import type { SnapshotRecord } from '../../core/schema/records.js';

export interface ShipperOptions {
  /** Sink URL: file://, s3://, gs://, azblob:// (see adapters/storage/index.ts). */
  sink: string;
  /** Local spool folder for batches not yet uploaded. */
  spoolDir: string;
  /** Upper bound of the spool; past it the oldest batches are dropped (counted and logged). */
  spoolMaxBytes: number;
  /** Source name in object keys (e.g. `cluster-agent`, `node-<name>`). */
  source: string;
  registry?: Registry;
  log?: (line: string) => void;
}

export interface Shipper {
  /** Queues one batch (records of one cluster and sample time) for upload; resolves once spooled. */
  enqueue(records: readonly SnapshotRecord[]): Promise<void>;
  /** Uploads everything spooled, retrying with backoff and jitter; resolves when the spool is empty or the deadline passes. */
  flush(deadlineMs?: number): Promise<{ uploaded: number; pending: number; dropped: number }>;
  close(): Promise<void>;
}
