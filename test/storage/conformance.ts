/** Behaviour every ObjectStore adapter shares, run against each real or local server. */
import { expect } from 'vitest';
import type { ObjectStore } from '../../core/ports.js';

export async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const k of it) out.push(k);
  return out;
}

/** put → get → list → delete round trip, binary-safe, with 404 → null. */
export async function assertRoundTrip(store: ObjectStore): Promise<void> {
  const body = new Uint8Array([0x1f, 0x8b, 0, 1, 2, 255, 254, 10, 13]);
  const a =
    'snapshots/v1/kind=cluster/cluster=prod/dt=2026-11-16/hour=00/20261116T000000Z-cluster-agent.ndjson.gz';
  const b =
    'snapshots/v1/kind=cluster/cluster=prod/dt=2026-11-16/hour=01/20261116T010000Z-cluster-agent.ndjson.gz';
  const c = 'snapshots/v1/kind=network/cluster=prod/dt=2026-11-16/hour=00/20261116T000000Z-node-a.ndjson.gz';

  expect(await store.get(a)).toBeNull();
  await store.put(b, body);
  await store.put(a, body);
  await store.put(c, new TextEncoder().encode('{"x":1}\n'));
  expect(Buffer.from((await store.get(a)) ?? [])).toEqual(Buffer.from(body));

  // Overwrite is idempotent by key.
  await store.put(a, new Uint8Array([7]));
  expect([...((await store.get(a)) ?? [])]).toEqual([7]);

  expect(await collect(store.list('snapshots/v1/kind=cluster/'))).toEqual([a, b]);
  expect(await collect(store.list('snapshots/v1/'))).toEqual([a, b, c]);
  expect(await collect(store.list('nothing/'))).toEqual([]);

  await store.delete(a);
  await store.delete(a); // deleting a missing key is not an error
  expect(await store.get(a)).toBeNull();
  expect(await collect(store.list('snapshots/'))).toEqual([b, c]);
  await store.delete(b);
  await store.delete(c);
}

/** Lists more keys than one page holds, in lexical order, with nothing lost or repeated. */
export async function assertPagination(store: ObjectStore, count: number): Promise<void> {
  const keys = Array.from({ length: count }, (_, i) => `page/k-${String(i).padStart(5, '0')}`);
  const shuffled = [...keys].reverse();
  for (let i = 0; i < shuffled.length; i += 50) {
    await Promise.all(shuffled.slice(i, i + 50).map((k) => store.put(k, new Uint8Array([1]))));
  }
  expect(await collect(store.list('page/'))).toEqual(keys);
}
