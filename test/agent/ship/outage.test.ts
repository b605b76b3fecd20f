import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeNdjsonGz } from '../../../adapters/snapshots/ndjson.js';
import { S3ObjectStore } from '../../../adapters/storage/s3.js';
import { createShipper } from '../../../agent/ship/shipper.js';
import { snapshotKey } from '../../../core/snapshots/keys.js';
import { type LocalS3, S3RVER_CREDENTIALS, startS3rver } from '../../storage/servers.js';
import { batch, decode, until } from './helpers.js';

let s3: LocalS3 | undefined;
afterAll(async () => {
  await s3?.stop();
});

describe('Shipper during an object-store outage (s3rver)', () => {
  it('spools batches while s3rver is down and uploads each exactly once, unchanged, after it returns', async () => {
    s3 = await startS3rver({ bucket: 'ownercost' });
    const { port, directory } = s3;
    const spoolDir = await mkdtemp(path.join(tmpdir(), 'ownercost-outage-spool-'));
    const url = `s3://ownercost/clusters?endpoint=${s3.endpoint}&forcePathStyle=true&region=us-east-1`;
    const store = new S3ObjectStore(url, { credentials: S3RVER_CREDENTIALS, maxAttempts: 1 });
    const registry = new Registry();
    const lines: string[] = [];
    const shipper = createShipper(
      {
        sink: url,
        spoolDir,
        spoolMaxBytes: 50_000_000,
        source: 'cluster-agent',
        registry,
        log: (l) => lines.push(l),
      },
      { store, retry: { minTimeoutMs: 20, maxTimeoutMs: 100, attemptsPerRound: 2, maxRoundDelayMs: 200 } },
    );
    const tss = Array.from(
      { length: 6 },
      (_, i) => `2026-11-16T06:${String(i * 5).padStart(2, '0')}:00.000Z`,
    );
    const keyOf = (ts: string) => snapshotKey('namespace', 'prod', ts, 'cluster-agent');

    // Healthy: the first batch goes straight through.
    await shipper.enqueue(batch('prod', tss[0] as string, 4));
    // Wait until the shipper itself has seen the upload succeed and cleared its spool, so stopping
    // the server below cannot race the first upload's response.
    await until(
      async () => {
        const m = await registry.getSingleMetric('ownercost_ship_uploads_total')?.get();
        const ok = (m?.values.find((v) => v.labels.result === 'success')?.value ?? 0) >= 1;
        const left = (await readdir(spoolDir)).filter((f) => f.endsWith('.batch'));
        return ok && left.length === 0 && (await store.get(keyOf(tss[0] as string))) !== null;
      },
      10_000,
      'first upload',
    );

    // Outage: stop the server, keep enqueuing.
    await s3.stop();
    for (const ts of tss.slice(1)) await shipper.enqueue(batch('prod', ts, 4));
    await until(
      async () => {
        const m = await registry.getSingleMetric('ownercost_ship_uploads_total')?.get();
        return (m?.values.find((v) => v.labels.result === 'error')?.value ?? 0) >= 2;
      },
      10_000,
      'failed attempts',
    );
    const spooled = (await readdir(spoolDir)).filter((f) => f.endsWith('.batch'));
    expect(spooled).toHaveLength(5);
    expect(lines.some((l) => l.startsWith('ship: upload to s3://ownercost/clusters failed'))).toBe(true);

    // Recovery: same port, same data directory.
    s3 = await startS3rver({ bucket: 'ownercost', port, directory });
    const res = await shipper.flush(Date.now() + 20_000);
    expect(res).toEqual({ uploaded: expect.any(Number), pending: 0, dropped: 0 });
    expect(await readdir(spoolDir)).toEqual([]);

    const keys: string[] = [];
    for await (const k of store.list('snapshots/')) keys.push(k);
    expect(keys).toEqual(tss.map(keyOf));
    for (const ts of tss) {
      const body = await store.get(keyOf(ts));
      expect(Buffer.from(body ?? [])).toEqual(Buffer.from(encodeNdjsonGz(batch('prod', ts, 4))));
      expect(await decode(body)).toEqual(batch('prod', ts, 4));
    }
    // Six successful puts for six batches: none was uploaded twice.
    const uploads = await registry.getSingleMetric('ownercost_ship_uploads_total')?.get();
    expect(uploads?.values.find((v) => v.labels.result === 'success')?.value).toBe(6);
    expect(lines.some((l) => l.includes('resumed after'))).toBe(true);
    await shipper.close();
    store.destroy();
  });
});
