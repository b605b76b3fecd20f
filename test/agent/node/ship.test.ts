import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNdjson } from '../../../adapters/snapshots/ndjson.js';
import { FsObjectStore } from '../../../adapters/storage/fs.js';
import { createDirectShipper, openShipper } from '../../../agent/node/ship.js';
import type { FlowRecord, SnapshotRecord } from '../../../core/schema/records.js';

const flow: FlowRecord = {
  schema: 'ownercost/v1',
  kind: 'flow',
  cluster: 'c1',
  ts: '2026-11-16T10:05:00.000Z',
  intervalSeconds: 60,
  node: 'node-a',
  namespace: 'shop',
  pod: 'web-1',
  direction: 'egress',
  class: 'cross-zone',
  service: null,
  viaNat: false,
  bytes: 1234,
  packets: 5,
};

describe('node agent shipping', () => {
  let tmp = '';
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'oc-ship-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it.each([
    [
      'the direct uploader',
      (sink: string) =>
        Promise.resolve(createDirectShipper({ sink, spoolDir: '', spoolMaxBytes: 1, source: 'node-node-a' })),
    ],
    [
      'whatever openShipper picks',
      (sink: string) =>
        openShipper({
          sink,
          spoolDir: path.join(tmp, 'spool'),
          spoolMaxBytes: 1 << 20,
          source: 'node-node-a',
        }),
    ],
  ])('%s writes a batch under its idempotent network key', async (_name, open) => {
    const sink = path.join(tmp, _name.replace(/\W+/g, '-'));
    const shipper = await open(`file://${sink}`);
    await shipper.enqueue([flow]);
    const r = await shipper.flush(Date.now() + 10_000);
    await shipper.close();
    expect(r.pending).toBe(0);
    const store = new FsObjectStore(sink);
    const keys: string[] = [];
    for await (const k of store.list('snapshots/v1/')) keys.push(k);
    expect(keys).toEqual([
      'snapshots/v1/kind=network/cluster=c1/dt=2026-11-16/hour=10/20261116T100500Z-node-node-a.ndjson.gz',
    ]);
    const got: SnapshotRecord[] = [];
    for await (const rec of readNdjson((await store.get(keys[0] as string)) as Uint8Array, 'x', () => {}))
      got.push(rec);
    expect(got).toEqual([flow]);
  });
});
