/**
 * The loader's fast stage (recordSql.ts `fastStageSql`) may only change speed: every row it passes
 * must be one that `stageSql` loads, with the very same values, and rows it does not pass go to
 * `stageSql`. Checked on valid records of every kind and on mutated ones, including values that
 * only the fast stage's own conversions could get wrong (escapes, numbers as strings, huge numbers).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DuckDb, openDuckDb, sqlString } from '../../adapters/duckdb/connection.js';
import { fastStageSql, stageColumns, stageSql } from '../../adapters/snapshots/duckdb/recordSql.js';
import { RECORD_KINDS, SCHEMA_V1 } from '../../core/schema/records.js';
import { iso, MIN, T0 } from './fixtures.js';
import { type Mutation, mutate, paths, replacements, toLine, validRecords } from './mutations.js';

const ts = iso(T0 + 5 * MIN);
const RUNS = Number(process.env.FC_RUNS ?? 25);
const FUZZ_TIMEOUT = 60_000 + RUNS * 3_000;
/** Text that stands for a JSON number no JavaScript value writes (replaced in the line). */
const BIG_INT = '__big_int__';

/** Values beyond the loader tests' list that exercise the fast stage's conversions. */
const extra: unknown[] = [
  ...replacements,
  BIG_INT,
  'a"b\\c',
  'é',
  '\u0001',
  'ownercost/v1',
  'spot',
  'egress',
  -0.5,
  1.5e300,
  5e-324,
  123456789,
  false,
  { x: 1 },
  '2026-11-16T00:05:00.123456Z',
  '2026-11-16T24:00:00Z',
];

let db: DuckDb;

beforeAll(async () => {
  db = await openDuckDb();
});
afterAll(() => db?.close());

/** Loads lines into `raw (rid, line, sk)` as the loader does and compares both stages per kind. */
async function compare(lines: string[]): Promise<{ fastOk: number; strictOk: number }> {
  await db.conn.run('CREATE OR REPLACE TABLE raw_lines (rid BIGINT, line VARCHAR)');
  const values = lines.map((l, i) => `(${i}, ${sqlString(l)})`).join(', ');
  if (lines.length > 0) await db.conn.run(`INSERT INTO raw_lines VALUES ${values}`);
  await db.conn.run(
    `CREATE OR REPLACE TABLE raw AS SELECT rid, line, try(json_extract_string(line, ['$.schema', '$.kind'])) AS sk FROM raw_lines`,
  );
  let fastOk = 0;
  let strictOk = 0;
  for (const kind of RECORD_KINDS) {
    const cols = stageColumns(kind)
      .map((c) => `"${c}"`)
      .join(', ');
    const rows = `(SELECT rid, line, sk FROM raw WHERE sk[1] = ${sqlString(SCHEMA_V1)} AND sk[2] = ${sqlString(kind)})`;
    const fast = `SELECT rid, ${cols} FROM (${fastStageSql(kind, rows)}) WHERE ok`;
    const strict = `SELECT rid, ${cols} FROM (${stageSql(kind, rows)}) WHERE reason IS NULL`;
    const extraRows = await db.conn.runAndReadAll(`SELECT rid FROM (${fast} EXCEPT ALL ${strict})`);
    expect(extraRows.getRowsJS(), `${kind}: rows the fast stage passes differently`).toEqual([]);
    const counts = await db.conn.runAndReadAll(
      `SELECT (SELECT count(*) FROM (${fastStageSql(kind, rows)}) WHERE ok IS NULL), (SELECT count(*) FROM (${fast})), (SELECT count(*) FROM (${strict}))`,
    );
    const [nulls, f, st] = (counts.getRowsJS()[0] ?? []).map(Number);
    expect(nulls, `${kind}: ok is never NULL`).toBe(0);
    fastOk += f ?? 0;
    strictOk += st ?? 0;
  }
  return { fastOk, strictOk };
}

const line = (r: unknown) => toLine(r).replaceAll(`"${BIG_INT}"`, '123456789012345678901234567');

describe('fast stage', () => {
  it('passes every valid record, with the values stageSql gives', async () => {
    const records = validRecords(ts);
    const { fastOk, strictOk } = await compare(records.map(line));
    expect(strictOk).toBe(records.length);
    expect(fastOk).toBe(records.length);
  });

  it(
    'passes only rows stageSql loads, with the same values, on mutated records',
    async () => {
      const records = validRecords(ts);
      const mutation = fc
        .tuple(
          fc.nat(records.length - 1),
          fc.array(fc.tuple(fc.nat(), fc.boolean(), fc.constantFrom(...extra)), {
            minLength: 1,
            maxLength: 3,
          }),
        )
        .map(([ri, steps]) => {
          let rec: unknown = records[ri];
          for (const [pi, del, value] of steps) {
            const ps = paths(rec);
            if (ps.length === 0) break;
            const p = ps[pi % ps.length] as (string | number)[];
            const m: Mutation = del ? { kind: 'delete', path: p } : { kind: 'set', path: p, value };
            rec = mutate(rec, m);
          }
          return rec;
        });
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 60 }), async (recs) => {
          await compare(recs.map(line));
        }),
        { numRuns: RUNS },
      );
    },
    FUZZ_TIMEOUT,
  );
});
