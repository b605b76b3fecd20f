/** Records and stores for shipper tests. */

import { readNdjson } from '../../../adapters/snapshots/ndjson.js';
import type { ObjectStore } from '../../../core/ports.js';
import type { FlowRecord, NamespaceRecord, SnapshotRecord } from '../../../core/schema/records.js';

export function namespaceRecord(cluster: string, ts: string, name: string): NamespaceRecord {
  return {
    schema: 'ownercost/v1',
    kind: 'namespace',
    cluster,
    ts,
    intervalSeconds: 300,
    name,
    labels: { team: 'ml-platform' },
    annotations: {},
    createdAt: '2026-01-01T00:00:00.000Z',
  };
}

export function flowRecord(cluster: string, ts: string, pod: string, bytes: number): FlowRecord {
  return {
    schema: 'ownercost/v1',
    kind: 'flow',
    cluster,
    ts,
    intervalSeconds: 300,
    node: 'node-a',
    namespace: 'default',
    pod,
    direction: 'egress',
    class: 'cross-zone',
    service: null,
    viaNat: false,
    bytes,
    packets: 1,
  };
}

/** A batch of `n` namespace records for one cluster and time; padded to make its size predictable. */
export function batch(cluster: string, ts: string, n = 3): SnapshotRecord[] {
  return Array.from({ length: n }, (_, i) => namespaceRecord(cluster, ts, `ns-${i}`));
}

export async function decode(body: Uint8Array | null): Promise<SnapshotRecord[]> {
  if (!body) throw new Error('no body');
  const out: SnapshotRecord[] = [];
  for await (const r of readNdjson(body, 'test', (bad) => {
    throw new Error(`bad record: ${bad.reason}`);
  })) {
    out.push(r);
  }
  return out;
}

/** Wraps a store; `down = true` makes every call fail like an unreachable endpoint. */
export class SwitchableStore implements ObjectStore {
  down = false;
  puts: string[] = [];
  private held: Promise<void> | null = null;
  private releaseHeld: () => void = () => {};
  constructor(private readonly inner: ObjectStore) {}
  /** Makes puts hang until release(), like a request that does not get an answer yet. */
  hold() {
    this.held = new Promise((r) => {
      this.releaseHeld = r;
    });
  }
  release() {
    this.held = null;
    this.releaseHeld();
  }
  get url() {
    return this.inner.url;
  }
  private check() {
    if (this.down)
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
  }
  async put(key: string, body: Uint8Array) {
    if (this.held) await this.held;
    this.check();
    this.puts.push(key);
    await this.inner.put(key, body);
  }
  async get(key: string) {
    this.check();
    return this.inner.get(key);
  }
  async *list(prefix: string) {
    this.check();
    yield* this.inner.list(prefix);
  }
  async delete(key: string) {
    this.check();
    await this.inner.delete(key);
  }
}

export async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition') {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
