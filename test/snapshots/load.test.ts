import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSnapshotWarehouse, type SnapshotWarehouse } from '../../adapters/snapshots/duckdb/index.js';
import { readNdjson } from '../../adapters/snapshots/ndjson.js';
import type { BadInput } from '../../core/schema/errors.js';
import { RECORD_KINDS } from '../../core/schema/records.js';
import { HOUR, iso, MIN, node, pod, T0, type TempStore, tempStore } from './fixtures.js';
import { lenient, type Mutation, mutate, paths, replacements, toLine, validRecords } from './mutations.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/snapshots');

let t: TempStore;
const open: SnapshotWarehouse[] = [];

beforeEach(async () => {
  t = await tempStore();
});
afterEach(async () => {
  for (const w of open.splice(0)) await w.close();
  await t.cleanup();
});

async function load(extra: { badInputLimit?: number; batchBytes?: number } = {}): Promise<SnapshotWarehouse> {
  const w = await openSnapshotWarehouse({
    store: t.store,
    windowStart: iso(T0),
    windowEnd: iso(T0 + HOUR),
    ...extra,
  });
  open.push(w);
  return w;
}

/** What the JS validator makes of the same bytes: valid records per kind and bad inputs. */
async function jsValidate(
  body: Uint8Array,
  file: string,
): Promise<{ records: Record<string, number>; bad: BadInput[] }> {
  const bad: BadInput[] = [];
  const records: Record<string, number> = Object.fromEntries(RECORD_KINDS.map((k) => [k, 0]));
  for await (const r of readNdjson(body, file, (b) => bad.push(b)))
    records[r.kind] = (records[r.kind] ?? 0) + 1;
  return { records, bad };
}

const ts = iso(T0 + 5 * MIN);
/** Property runs per fuzz test; raise with FC_RUNS=500 for a longer search. */
const RUNS = Number(process.env.FC_RUNS ?? 25);
const FUZZ_TIMEOUT = 60_000 + RUNS * 3_000;

describe('bad lines', () => {
  it('reports each bad line with its object key and line number and keeps the good lines of the same file', async () => {
    const text = await readFile(path.join(FIXTURES, 'bad-lines.ndjson'));
    const key = await t.putRaw('pod', ts, gzipSync(text));
    const w = await load();
    expect(w.badInputs().map((b) => [b.file, b.line])).toEqual(
      [2, 3, 4, 5, 6, 9, 10, 11].map((line) => [key, line]),
    );
    const reasons = w.badInputs().map((b) => b.reason);
    expect(reasons[0]).toBe('not JSON');
    expect(reasons[1]).toBe('not JSON');
    expect(reasons[2]).toMatch(/^schema/);
    expect(reasons[3]).toMatch(/^uid/);
    expect(reasons[4]).toMatch(/^kind/);
    expect(reasons[5]).toMatch(/^containers/);
    expect(reasons[6]).toMatch(/^ts/);
    expect(reasons[7]).toMatch(/^capacityType/);
    expect(w.badInputCount).toBe(8);
    expect(w.stats.records).toMatchObject({ pod: 2, node: 1 });
    expect(w.stats.lines).toBe(12);
  });

  it('agrees with the JS validator on which lines of the fixture are bad', async () => {
    const body = gzipSync(await readFile(path.join(FIXTURES, 'bad-lines.ndjson')));
    const key = await t.putRaw('pod', ts, body);
    const w = await load();
    const js = await jsValidate(body, key);
    expect(w.badInputs().map((b) => b.line)).toEqual(js.bad.map((b) => b.line));
    expect(w.stats.records).toEqual(js.records);
  });

  it('lists the first bad inputs only, but counts all of them', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => `garbage ${i}`);
    await t.putRaw('pod', ts, gzipSync(`${lines.join('\n')}\n`));
    const w = await load({ badInputLimit: 10 });
    expect(w.badInputCount).toBe(50);
    expect(w.badInputs().map((b) => b.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('reports a truncated gzip file at the line where it breaks, keeps its complete lines, and loads other files', async () => {
    const recs = Array.from({ length: 3000 }, (_, i) => pod(ts, { name: `p-${i}`, uid: `u-${i}` }));
    const text = recs.map((r) => JSON.stringify(r)).join('\n');
    const whole = gzipSync(`${text}\n`);
    const cut = whole.subarray(0, Math.floor(whole.length * 0.5));
    const badKey = await t.putRaw('pod', ts, cut, 'agent-a');
    await t.putBatch([node(ts)], 'agent-b');
    const w = await load();
    const js = await jsValidate(cut, badKey);
    expect(w.badInputCount).toBe(1);
    const [bad] = w.badInputs();
    expect(bad?.file).toBe(badKey);
    expect(bad?.reason).toMatch(/truncated or corrupt gzip/);
    expect(bad?.line).toBe(js.bad[0]?.line);
    expect(w.stats.records.pod).toBe(js.records.pod);
    expect(w.stats.records.pod).toBe((bad?.line ?? 0) - 1);
    expect(w.stats.records.pod).toBeGreaterThan(100);
    expect(w.stats.records.node).toBe(1);
  });

  it('reads a file that is not gzip despite its name, CRLF line ends, invalid UTF-8 and control characters', async () => {
    const good = JSON.stringify(pod(ts));
    const body = Buffer.concat([
      Buffer.from(`${good}\r\n`),
      Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]), // {\xff\xfe}
      Buffer.from(`ab\u0001cd\n${good.replace('api-7d9f8c-abcde', 'api-2').replace('uid-api', 'uid-2')}\r\n`),
    ]);
    const key = await t.putRaw('pod', ts, body);
    const w = await load();
    const js = await jsValidate(body, key);
    expect(w.badInputs().map((b) => [b.file, b.line])).toEqual([
      [key, 2],
      [key, 3],
    ]);
    expect(js.bad.map((b) => b.line)).toEqual([2, 3]);
    expect(w.stats.records.pod).toBe(2);
  });

  it('loads plain .ndjson objects next to gzip ones', async () => {
    const key = `snapshots/v1/kind=cluster/cluster=prod-use1/dt=2026-11-16/hour=00/20261116T000500Z-plain.ndjson`;
    await t.store.put(key, new TextEncoder().encode(`${JSON.stringify(pod(ts))}\nnope\n`));
    await t.putBatch([node(ts)]);
    const w = await load();
    expect(w.stats.records).toMatchObject({ pod: 1, node: 1 });
    expect(w.badInputs()).toEqual([{ file: key, line: 2, reason: 'not JSON' }]);
  });
});

describe('line numbers', () => {
  it('are right for every line of several large files read in one batch', async () => {
    // Every line is bad (no schema) and carries its own line number; every 7th line is blank.
    const keys: string[] = [];
    const expected: [string, number][] = [];
    for (let f = 0; f < 4; f++) {
      const n = 40_000 + f * 7_919;
      const lines = Array.from({ length: n }, (_, i) =>
        i % 7 === 6 ? '' : `{"n":${i + 1},"pad":"${'x'.repeat(i % 50)}"}`,
      );
      const text = `${lines.join('\n')}\n`;
      const key =
        f === 3
          ? `snapshots/v1/kind=network/cluster=prod-use1/dt=2026-11-16/hour=00/20261116T000500Z-node-${f}.ndjson`
          : `snapshots/v1/kind=cluster/cluster=prod-use1/dt=2026-11-16/hour=00/20261116T000500Z-agent-${f}.ndjson.gz`;
      await t.store.put(key, f === 3 ? new TextEncoder().encode(text) : gzipSync(text));
      keys.push(key);
      lines.forEach((l, i) => {
        if (l !== '') expected.push([key, i + 1]);
      });
    }
    const w = await load({ badInputLimit: 1_000_000 });
    expect(w.badInputCount).toBe(expected.length);
    const got = w.badInputs();
    expect(got.map((b) => [b.file, b.line])).toEqual(
      expected.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1])),
    );
    // The stored line number is the one written into the line.
    expect(got.every((b) => b.reason.startsWith('schema'))).toBe(true);
  });

  it('are right in files loaded over several batches', async () => {
    const keys: string[] = [];
    for (let f = 0; f < 5; f++) {
      const lines = [JSON.stringify(pod(ts, { name: `p${f}` })), 'bad', '', 'bad'];
      keys.push(await t.putRaw('pod', ts, gzipSync(`${lines.join('\n')}\n`), `agent-${f}`));
    }
    const w = await load({ batchBytes: 1 });
    expect(w.badInputs().map((b) => [b.file, b.line])).toEqual(
      keys.sort().flatMap((k) => [[k, 2] as const, [k, 4] as const]),
    );
    expect(w.stats.records.pod).toBe(5);
  });
});

describe('robustness', () => {
  it(
    'agrees with the JS validator on every line of mutated records',
    async () => {
      const records = validRecords(ts);
      const mutation = fc
        .tuple(fc.nat(records.length - 1), fc.nat(), fc.boolean(), fc.constantFrom(...replacements))
        .map(([ri, pi, del, value]) => {
          const rec = records[ri];
          const ps = paths(rec);
          const p = ps[pi % ps.length] as (string | number)[];
          const m: Mutation = del ? { kind: 'delete', path: p } : { kind: 'set', path: p, value };
          return lenient(rec, m) ? rec : mutate(rec, m);
        });
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 40 }), async (recs) => {
          const body = gzipSync(`${[...recs, ...records].map(toLine).join('\n')}\n`);
          const tt = await tempStore();
          try {
            const key = await tt.putRaw('pod', ts, body);
            const w = await openSnapshotWarehouse({
              store: tt.store,
              windowStart: iso(T0),
              windowEnd: iso(T0 + HOUR),
            });
            try {
              const js = await jsValidate(body, key);
              expect(w.badInputs().map((b) => b.line)).toEqual(js.bad.map((b) => b.line));
              expect(w.stats.records).toEqual(js.records);
            } finally {
              await w.close();
            }
          } finally {
            await tt.cleanup();
          }
        }),
        { numRuns: RUNS },
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    'never throws on arbitrary lines: each is loaded or reported',
    async () => {
      const good = validRecords(ts).map((r) => JSON.stringify(r));
      const line = fc.oneof(
        fc.string({ unit: 'binary' }),
        fc.string({ unit: 'grapheme-ascii' }),
        fc.constantFrom(...good),
        fc.tuple(fc.constantFrom(...good), fc.nat()).map(([g, n]) => g.slice(0, n % g.length)),
        fc
          .tuple(fc.constantFrom(...good), fc.nat(), fc.string({ unit: 'binary', maxLength: 3 }))
          .map(([g, n, s]) => g.slice(0, n % g.length) + s + g.slice(n % g.length)),
        fc.jsonValue().map((v) => JSON.stringify(v)),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(line, { maxLength: 30 }), fc.boolean(), async (raw, gz) => {
          // Line breaks are the framing; anything else is content.
          const lines = raw.map((l) => l.replace(/[\r\n]/g, ' '));
          const text = lines.join('\n');
          const tt = await tempStore();
          try {
            const key = await tt.putRaw('pod', ts, gz ? gzipSync(text) : new TextEncoder().encode(text));
            const w = await openSnapshotWarehouse({
              store: tt.store,
              windowStart: iso(T0),
              windowEnd: iso(T0 + HOUR),
            });
            try {
              const loaded = Object.values(w.stats.records).reduce((a, b) => a + b, 0);
              const nonBlank = lines.filter((l) => l.replace(/^[ \t]+|[ \t]+$/g, '') !== '').length;
              expect(loaded + w.badInputCount).toBe(nonBlank);
              for (const b of w.badInputs()) {
                expect(b.file).toBe(key);
                expect(lines[b.line - 1]?.trim()).not.toBe(undefined);
              }
              const badLines = new Set(w.badInputs().map((b) => b.line));
              lines.forEach((l, i) => {
                if (good.includes(l)) expect(badLines.has(i + 1)).toBe(false);
              });
            } finally {
              await w.close();
            }
          } finally {
            await tt.cleanup();
          }
        }),
        { numRuns: RUNS },
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    'never throws on arbitrary bytes in a snapshot object',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), fc.boolean(), async (bytes, gz) => {
          const tt = await tempStore();
          try {
            await tt.putRaw('pod', ts, gz ? gzipSync(bytes).subarray(0, Math.max(2, bytes.length)) : bytes);
            const w = await openSnapshotWarehouse({
              store: tt.store,
              windowStart: iso(T0),
              windowEnd: iso(T0 + HOUR),
            });
            await w.close();
          } finally {
            await tt.cleanup();
          }
        }),
        { numRuns: RUNS },
      );
    },
    FUZZ_TIMEOUT,
  );
});

describe('stores without local paths', () => {
  it('downloads objects to a temp folder and reports bad lines by object key', async () => {
    const key = await t.putRaw('pod', ts, gzipSync(`${JSON.stringify(pod(ts))}\nnot json\n`));
    const { store } = t;
    const remote = {
      url: 'mem://test',
      put: store.put.bind(store),
      get: store.get.bind(store),
      list: store.list.bind(store),
      delete: store.delete.bind(store),
    };
    const w = await openSnapshotWarehouse({ store: remote, windowStart: iso(T0), windowEnd: iso(T0 + HOUR) });
    open.push(w);
    expect(w.stats.records.pod).toBe(1);
    expect(w.badInputs()).toEqual([{ file: key, line: 2, reason: 'not JSON' }]);
  });
});
