/**
 * Rows that cannot be used do not stop the run: they are counted, reported with the file and the
 * physical line they start on, and skipped. Fuzzed with fast-check over cell garbage.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { openDuckDbBillingSource } from '../../adapters/billing/duckdb/index.js';
import { duckRun, FIXTURES, sq, tempDir } from './helpers.js';

const BAD_CSV = path.join(FIXTURES, 'focus-bad', 'focus-bad.csv');

describe('bad rows in a FOCUS CSV', () => {
  it('are reported with file, line and reason, and the good rows still count', async () => {
    const source = await openDuckDbBillingSource([BAD_CSV]);
    try {
      expect(source.badInputs()).toEqual([
        { file: BAD_CSV, line: 3, reason: 'BilledCost is not a number' },
        { file: BAD_CSV, line: 6, reason: 'ChargePeriodStart is not a timestamp' },
        { file: BAD_CSV, line: 8, reason: 'CSV record has too many columns' },
        { file: BAD_CSV, line: 9, reason: 'Tags is not a JSON object; line kept without tags' },
        { file: BAD_CSV, line: 10, reason: 'EffectiveCost is missing' },
      ]);
      expect(source.badInputCount).toBe(5);
      // Lines 2, 4–5 (one record), 9 (kept without tags) and 11.
      const { rows } = await source.summarize({ by: [] });
      expect(rows).toEqual([{ key: {}, BilledCost: 8.5, EffectiveCost: 6.5, ListCost: 10.5, rows: 4 }]);
    } finally {
      await source.close();
    }
  });

  it('are all counted when only the first few are kept', async () => {
    const source = await openDuckDbBillingSource([BAD_CSV], { maxBadInputs: 2 });
    try {
      expect(source.badInputs().map((b) => b.line)).toEqual([3, 6]);
      expect(source.badInputCount).toBe(5);
    } finally {
      await source.close();
    }
  });
});

describe('bad rows in Parquet, gzip CSV and empty files', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it('reads a gzip CSV and reports its bad rows at the same lines', async () => {
    const gz = path.join(tmp.dir, 'focus-bad.csv.gz');
    writeFileSync(gz, gzipSync(readFileSync(BAD_CSV)));
    const plain = await openDuckDbBillingSource([BAD_CSV]);
    const zipped = await openDuckDbBillingSource([gz]);
    try {
      expect(zipped.badInputs()).toEqual(plain.badInputs().map((b) => ({ ...b, file: gz })));
      expect(await zipped.summarize({ by: [] })).toEqual(await plain.summarize({ by: [] }));
    } finally {
      await plain.close();
      await zipped.close();
    }
  });

  it('reports a Parquet row without a charge period by its row number, and an empty file', async () => {
    const dir = path.join(tmp.dir, 'p');
    mkdirSync(dir);
    await duckRun(`COPY (
      SELECT * FROM (VALUES
        (TIMESTAMP '2026-11-16 00:00:00', TIMESTAMP '2026-11-16 01:00:00', 1.0, 1.0, 'USD'),
        (NULL, TIMESTAMP '2026-11-16 01:00:00', 2.0, 2.0, 'USD'),
        (TIMESTAMP '2026-11-16 00:00:00', TIMESTAMP '2026-11-16 01:00:00', 3.0, 3.0, NULL)
      ) t(ChargePeriodStart, ChargePeriodEnd, BilledCost, EffectiveCost, BillingCurrency)
    ) TO ${sq(path.join(dir, 'focus.parquet'))} (FORMAT parquet)`);
    writeFileSync(path.join(dir, 'empty.csv'), '');
    const source = await openDuckDbBillingSource([dir]);
    try {
      const file = path.join(dir, 'focus.parquet');
      expect(source.badInputs()).toEqual([
        { file: path.join(dir, 'empty.csv'), line: 0, reason: 'empty file' },
        { file, line: 2, reason: 'ChargePeriodStart is missing' },
        { file, line: 3, reason: 'BillingCurrency is missing' },
      ]);
      expect((await source.summarize({ by: [] })).rows[0]).toMatchObject({ BilledCost: 1, rows: 1 });
    } finally {
      await source.close();
    }
  });
});

const HEADER = [
  'ChargePeriodStart',
  'ChargePeriodEnd',
  'BilledCost',
  'EffectiveCost',
  'ListCost',
  'BillingCurrency',
  'ProviderName',
  'ResourceId',
  'Tags',
  'ChargeDescription',
];

/** RFC 4180 quoting: a cell with a comma, quote or line break is quoted, quotes doubled. */
function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function lineBreaks(text: string): number {
  return (text.match(/\r\n|\r|\n/g) ?? []).length;
}

/** Writes rows, returning the physical line each record starts on. */
function writeCsv(file: string, rows: readonly string[][], blankBefore: readonly boolean[]): number[] {
  let text = `${HEADER.join(',')}\n`;
  const lines: number[] = [];
  rows.forEach((row, i) => {
    if (blankBefore[i]) text += '\n';
    lines.push(lineBreaks(text) + 1);
    text += `${row.map(csvCell).join(',')}\n`;
  });
  writeFileSync(file, text);
  return lines;
}

const cents = fc.integer({ min: -1_000_000, max: 1_000_000 });
const money = (c: number) => (c / 100).toFixed(2);
const anyText = fc.string({ unit: 'binary', maxLength: 30 });

interface GoodRow {
  kind: 'good';
  hour: number;
  iso: boolean;
  billed: number;
  effective: number;
  list: number;
  resource: string;
  tags: Record<string, string>;
  description: string;
}

const goodRow: fc.Arbitrary<GoodRow> = fc.record({
  kind: fc.constant('good' as const),
  hour: fc.integer({ min: 0, max: 22 }),
  iso: fc.boolean(),
  billed: cents,
  effective: cents,
  list: cents,
  resource: anyText,
  tags: fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
  description: anyText,
});

/** A row with one cell spoiled, and the reason we expect for it. */
const badRow = fc.record({
  kind: fc.constant('bad' as const),
  base: goodRow,
  column: fc.constantFrom('ChargePeriodStart', 'ChargePeriodEnd', 'BilledCost', 'EffectiveCost', 'ListCost'),
  garbage: anyText,
  missing: fc.boolean(),
});
type BadRow = typeof badRow extends fc.Arbitrary<infer T> ? T : never;

function cells(r: GoodRow): Record<string, string> {
  const ts = (h: number) =>
    r.iso
      ? `2026-11-16T${String(h).padStart(2, '0')}:00:00Z`
      : `2026-11-16 ${String(h).padStart(2, '0')}:00:00`;
  return {
    ChargePeriodStart: ts(r.hour),
    ChargePeriodEnd: ts(r.hour + 1),
    BilledCost: money(r.billed),
    EffectiveCost: money(r.effective),
    ListCost: money(r.list),
    BillingCurrency: 'USD',
    ProviderName: 'AWS',
    ResourceId: r.resource,
    Tags: JSON.stringify(r.tags),
    ChargeDescription: r.description,
  };
}

function spoil(r: BadRow): { row: Record<string, string>; reason: string } {
  const row = cells(r.base);
  const isTime = r.column.startsWith('Charge');
  // `#` is never part of a number or a timestamp, so the cell is garbage whatever surrounds it.
  if (r.missing && r.column !== 'ListCost') {
    row[r.column] = 'NULL';
    return { row, reason: `${r.column} is missing` };
  }
  row[r.column] = isTime ? `#${r.garbage}` : `${r.garbage}#`;
  return { row, reason: `${r.column} is not ${isTime ? 'a timestamp' : 'a number'}` };
}

describe('fuzzing the CSV reading path', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());
  let n = 0;

  it('reports every spoiled row at the line it starts on, and sums the others exactly', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(goodRow, badRow), { minLength: 1, maxLength: 25 }),
        fc.array(fc.boolean(), { maxLength: 25 }),
        async (rows, blanks) => {
          const file = path.join(tmp.dir, `fuzz-${++n}.csv`);
          const written: Record<string, string>[] = [];
          const expectedBad: { line: number; reason: string }[] = [];
          const reasons: (string | null)[] = [];
          let billedCents = 0;
          let good = 0;
          for (const r of rows) {
            if (r.kind === 'good') {
              written.push(cells(r));
              reasons.push(null);
              billedCents += r.billed;
              good++;
            } else {
              const s = spoil(r);
              written.push(s.row);
              reasons.push(s.reason);
            }
          }
          const lines = writeCsv(
            file,
            written.map((w) => HEADER.map((h) => w[h] ?? '')),
            blanks,
          );
          reasons.forEach((reason, i) => {
            if (reason) expectedBad.push({ line: lines[i] ?? -1, reason });
          });
          const source = await openDuckDbBillingSource([file]);
          try {
            expect(source.badInputs()).toEqual(expectedBad.map((b) => ({ file, ...b })));
            expect(source.badInputCount).toBe(expectedBad.length);
            const { rows: total } = await source.summarize({ by: [] });
            expect(total[0]?.rows ?? 0).toBe(good);
            if (good > 0) expect(Math.round((total[0]?.BilledCost ?? 0) * 100)).toBe(billedCents);
          } finally {
            await source.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);

  it('never throws on arbitrary cells, and accounts for every row as read or reported', async () => {
    const cell = fc.oneof(
      anyText,
      fc.constantFrom('', 'NULL', '1.5', '-0', '2026-11-16 00:00:00', '1e3', ' 7 '),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(cell, { minLength: HEADER.length, maxLength: HEADER.length }), {
          minLength: 1,
          maxLength: 20,
        }),
        async (rows) => {
          const file = path.join(tmp.dir, `any-${++n}.csv`);
          // One currency, or summarize refuses to total (that is tested elsewhere).
          const lines = writeCsv(
            file,
            rows.map((r) => r.map((c, i) => (HEADER[i] === 'BillingCurrency' ? 'USD' : c))),
            [],
          );
          const source = await openDuckDbBillingSource([file]);
          try {
            const bad = source.badInputs();
            const skipped = bad.filter((b) => !b.reason.startsWith('Tags '));
            const { rows: total } = await source.summarize({ by: [] });
            expect((total[0]?.rows ?? 0) + skipped.length).toBe(rows.length);
            for (const b of bad) {
              expect(b.file).toBe(file);
              expect(lines).toContain(b.line);
            }
          } finally {
            await source.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);
});
