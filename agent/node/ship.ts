/**
 * The node agent's way to the Shipper. It uses `agent/ship/shipper.ts` (`createShipper`, the
 * spooling shipper) when that module is present, and otherwise a minimal direct uploader with the
 * same contract (no spool: a batch that fails to upload is kept in memory and retried at the
 * next flush). Swap here only.
 */
import { encodeNdjsonGz } from '../../adapters/snapshots/ndjson.js';
import { openObjectStore } from '../../adapters/storage/index.js';
import type { SnapshotRecord } from '../../core/schema/records.js';
import { snapshotKey } from '../../core/snapshots/keys.js';
import type { Shipper, ShipperOptions } from '../ship/types.js';

interface ShipperModule {
  createShipper(options: ShipperOptions): Shipper;
}

export async function openShipper(options: ShipperOptions): Promise<Shipper> {
  // A computed specifier, so this compiles before the module exists.
  const specifier = '../ship/shipper.js';
  try {
    const mod = (await import(specifier)) as Partial<ShipperModule>;
    if (typeof mod.createShipper === 'function') return mod.createShipper(options);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw err;
  }
  options.log?.('node agent: agent/ship/shipper.js not found; uploading batches directly (no spool)');
  return createDirectShipper(options);
}

/** Uploads each batch straight to the sink under its idempotent key. */
export function createDirectShipper(options: ShipperOptions): Shipper {
  const store = openObjectStore(options.sink);
  const pending: { key: string; body: Uint8Array }[] = [];
  return {
    async enqueue(records: readonly SnapshotRecord[]): Promise<void> {
      const first = records[0];
      if (!first) return;
      pending.push({
        key: snapshotKey(first.kind, first.cluster, first.ts, options.source),
        body: encodeNdjsonGz(records),
      });
    },
    async flush(deadlineMs?: number): Promise<{ uploaded: number; pending: number; dropped: number }> {
      let uploaded = 0;
      // Like the spooling shipper: an epoch-ms deadline, or a duration when below 10^12.
      const d = deadlineMs ?? 30_000;
      const deadline = d < 1e12 ? Date.now() + d : d;
      while (pending.length > 0 && Date.now() < deadline) {
        const batch = pending[0] as { key: string; body: Uint8Array };
        try {
          await store.put(batch.key, batch.body);
        } catch (err) {
          options.log?.(
            `node agent: upload of ${batch.key} failed (${(err as Error).message}); kept for the next flush`,
          );
          break;
        }
        pending.shift();
        uploaded++;
      }
      return { uploaded, pending: pending.length, dropped: 0 };
    },
    async close(): Promise<void> {},
  };
}
