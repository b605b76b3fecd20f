import { mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../../adapters/storage/fs.js';
import { createShipper, groupBatches } from '../../../agent/ship/shipper.js';
import { snapshotKey } from '../../../core/snapshots/keys.js';
import { batch, decode, flowRecord, namespaceRecord, SwitchableStore, until } from './helpers.js';

const fastRetry = { minTimeoutMs: 5, maxTimeoutMs: 20, attemptsPerRound: 2, maxRoundDelayMs: 50 };

async function setup(spoolMaxBytes = 10_000_000) {
  const root = await mkdtemp(path.join(tmpdir(), 'ownercost-ship-'));
  const spoolDir = path.join(root, 'spool');
  const fs = new FsObjectStore(path.join(root, 'store'));
  const store = new SwitchableStore(fs);
  const lines: string[] = [];
  const registry = new Registry();
  const make = (s = store, maxBytes = spoolMaxBytes) =>
    createShipper(
      {
        sink: fs.url,
        spoolDir,
        spoolMaxBytes: maxBytes,
        source: 'cluster-agent',
        registry,
        log: (l) => lines.push(l),
      },
      { store: s, retry: fastRetry },
    );
  return { root, spoolDir, fs, store, lines, registry, make };
}

async function metric(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get();
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return v?.value ?? 0;
}

const spoolFiles = async (dir: string) => (await readdir(dir)).filter((f) => f.endsWith('.batch'));

describe('createShipper', () => {
  it('writes one gzip NDJSON object per (partition, cluster, ts) at the snapshot key', async () => {
    const { fs, make, registry, spoolDir } = await setup();
    const shipper = make();
    const ts1 = '2026-11-16T00:05:00.000Z';
    const ts2 = '2026-11-16T00:10:00.000Z';
    const records = [
      namespaceRecord('prod', ts1, 'a'),
      flowRecord('prod', ts1, 'web-1', 100),
      namespaceRecord('prod', ts1, 'b'),
      namespaceRecord('prod', ts2, 'a'),
      namespaceRecord('dev', ts1, 'a'),
    ];
    await shipper.enqueue(records);
    const res = await shipper.flush(Date.now() + 5_000);
    expect(res).toEqual({ uploaded: 4, pending: 0, dropped: 0 });

    const k = (kind: 'namespace' | 'flow', cluster: string, ts: string) =>
      snapshotKey(kind, cluster, ts, 'cluster-agent');
    expect(await decode(await fs.get(k('namespace', 'prod', ts1)))).toEqual([records[0], records[2]]);
    expect(await decode(await fs.get(k('flow', 'prod', ts1)))).toEqual([records[1]]);
    expect(await decode(await fs.get(k('namespace', 'prod', ts2)))).toEqual([records[3]]);
    expect(await decode(await fs.get(k('namespace', 'dev', ts1)))).toEqual([records[4]]);
    expect(k('flow', 'prod', ts1)).toContain('kind=network/');
    expect(await spoolFiles(spoolDir)).toEqual([]);
    expect(await metric(registry, 'ownercost_ship_uploads_total', { result: 'success' })).toBe(4);
    expect(await metric(registry, 'ownercost_ship_spool_files')).toBe(0);
    expect(await metric(registry, 'ownercost_ship_last_success_timestamp_seconds')).toBeGreaterThan(1.7e9);
    await shipper.close();
  });

  it('uploads in the background without a flush', async () => {
    const { fs, make } = await setup();
    const shipper = make();
    const ts = '2026-11-16T01:00:00.000Z';
    await shipper.enqueue(batch('prod', ts));
    await until(async () => (await fs.get(snapshotKey('namespace', 'prod', ts, 'cluster-agent'))) !== null);
    await shipper.close();
  });

  it('gives the same batch the same key, so a replay overwrites instead of duplicating', async () => {
    const { fs, make } = await setup();
    const shipper = make();
    const ts = '2026-11-16T02:00:00.000Z';
    await shipper.enqueue(batch('prod', ts, 2));
    await shipper.enqueue(batch('prod', ts, 3));
    await shipper.flush(5_000);
    const keys: string[] = [];
    for await (const key of fs.list('snapshots/')) keys.push(key);
    expect(keys).toEqual([snapshotKey('namespace', 'prod', ts, 'cluster-agent')]);
    expect(await decode(await fs.get(keys[0] as string))).toHaveLength(3);
    await shipper.close();
  });

  it('keeps batches spooled while the store fails and uploads them on the next run', async () => {
    const { fs, store, make, spoolDir, lines } = await setup();
    store.down = true;
    const first = make();
    const tss = ['2026-11-16T03:00:00.000Z', '2026-11-16T03:05:00.000Z', '2026-11-16T03:10:00.000Z'];
    for (const ts of tss) await first.enqueue(batch('prod', ts));
    const res = await first.flush(Date.now() + 200);
    expect(res.pending).toBe(3);
    await first.close();
    expect(await spoolFiles(spoolDir)).toHaveLength(3);

    // A half-written temporary from a crash is cleaned up, not uploaded.
    await writeFile(path.join(spoolDir, '.tmp-deadbeef'), 'partial');
    store.down = false;
    const second = make();
    expect(await second.flush(5_000)).toMatchObject({ uploaded: 3, pending: 0 });
    for (const ts of tss) {
      expect(await decode(await fs.get(snapshotKey('namespace', 'prod', ts, 'cluster-agent')))).toEqual(
        batch('prod', ts),
      );
    }
    expect(await readdir(spoolDir)).toEqual([]);
    expect(lines.some((l) => l.includes('3 batch(es) left') && l.includes('previous run'))).toBe(true);
    expect(
      lines.some(
        (l) =>
          /^ship: upload to file:.* failed \(connect ECONNREFUSED/.test(l) ||
          /^ship: flush ended with 3 batch\(es\) still spooled .*ECONNREFUSED/.test(l),
      ),
    ).toBe(true);
    await second.close();
  });

  it('returns by the flush deadline during an outage, reporting what is pending', async () => {
    const { store, make } = await setup();
    store.down = true;
    const shipper = make();
    await shipper.enqueue(batch('prod', '2026-11-16T04:00:00.000Z'));
    const start = Date.now();
    const res = await shipper.flush(Date.now() + 300);
    expect(Date.now() - start).toBeLessThan(1_500);
    expect(res).toEqual({ uploaded: 0, pending: 1, dropped: 0 });
    await shipper.close();
  });

  async function batchSize(): Promise<number> {
    const probe = await setup();
    probe.store.down = true;
    const p = probe.make();
    await p.enqueue(batch('prod', '2026-11-16T05:00:00.000Z', 20));
    await p.close();
    const [file] = await spoolFiles(probe.spoolDir);
    return (await stat(path.join(probe.spoolDir, file as string))).size;
  }
  const tss = Array.from({ length: 5 }, (_, i) => `2026-11-16T05:${String(i * 5).padStart(2, '0')}:00.000Z`);
  const hhmmss = async (fs: FsObjectStore) => {
    const keys: string[] = [];
    for await (const key of fs.list('snapshots/')) keys.push(key);
    return keys.map((k) => /T(\d{6})Z/.exec(k)?.[1]);
  };

  it('bounds the spool by dropping the oldest batches first, counted and logged', async () => {
    const size = await batchSize();
    const { store, make, spoolDir, lines, registry, fs } = await setup();
    store.down = true;
    const first = make();
    for (const ts of tss) await first.enqueue(batch('prod', ts, 20));
    await first.close();
    expect(await spoolFiles(spoolDir)).toHaveLength(5);

    // Restarted with room for three batches: the two oldest go.
    const bound = size * 3 + 10;
    const shipper = make(store, bound);
    await shipper.flush(Date.now() + 100);
    expect(await spoolFiles(spoolDir)).toHaveLength(3);
    expect(await metric(registry, 'ownercost_ship_dropped_batches_total')).toBe(2);
    expect(await metric(registry, 'ownercost_ship_spool_files')).toBe(3);
    expect(await metric(registry, 'ownercost_ship_spool_bytes')).toBeLessThanOrEqual(bound);
    const dropLines = lines.filter((l) => l.includes('dropped the oldest batch'));
    expect(dropLines).toHaveLength(2);
    expect(dropLines[0]).toContain('T050000Z');
    expect(dropLines[1]).toContain('T050500Z');

    store.down = false;
    expect(await shipper.flush(5_000)).toEqual({ uploaded: 3, pending: 0, dropped: 2 });
    expect(await hhmmss(fs)).toEqual(['051000', '051500', '052000']);
    await shipper.close();
  });

  it('never drops the batch being uploaded; the next oldest go instead', async () => {
    const size = await batchSize();
    const { store, make, spoolDir, registry, fs } = await setup(size * 3 + 10);
    store.hold();
    const shipper = make();
    for (const ts of tss) await shipper.enqueue(batch('prod', ts, 20));
    expect(await spoolFiles(spoolDir)).toHaveLength(3);
    expect(await metric(registry, 'ownercost_ship_dropped_batches_total')).toBe(2);
    store.release();
    expect(await shipper.flush(5_000)).toMatchObject({ pending: 0, dropped: 2 });
    expect(await hhmmss(fs)).toEqual(['050000', '051500', '052000']);
    await shipper.close();
  });

  it('groups records by partition, cluster and time, keeping their order', () => {
    const ts = '2026-11-16T00:00:00.000Z';
    const a = namespaceRecord('c', ts, 'a');
    const f = flowRecord('c', ts, 'p', 1);
    const b = namespaceRecord('c', ts, 'b');
    expect(groupBatches([a, f, b])).toEqual([[a, b], [f]]);
  });
});
