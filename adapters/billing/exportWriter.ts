/**
 * Writes billing exports with DuckDB: FOCUS 1.2 lines as CSV and as Parquet, and AWS CUR 2.0
 * rows as Parquet in `BILLING_PERIOD=YYYY-MM/` folders. One file per billing month.
 *
 * CSV keeps `ChargePeriodStart`/`End` as ISO strings ending in `Z`, `Tags` as a JSON object
 * string and empty cells for nulls. Parquet stores timestamps as TIMESTAMP (UTC, no zone) and,
 * in CUR, `resource_tags` as MAP(VARCHAR, VARCHAR).
 *
 * Loading: billing rows repeat the same strings (hours, resource ids, usage types, tag sets)
 * over and over, so rows go to DuckDB as a CSV of numbers with every string replaced by its
 * index in a dictionary, and DuckDB joins the strings back. That is several times faster than
 * JSON rows or the appender for a few hundred thousand rows.
 */
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CostLine } from '../../core/schema/costLine.js';
import { OwnercostError } from '../../core/schema/errors.js';
import { CUR2_COLUMNS, type Cur2Row } from '../../core/simulator/cur.js';
import { type DuckDb, openDuckDb, sqlString } from '../duckdb/connection.js';

/**
 * How a column is stored: `string` VARCHAR; `number` DOUBLE; `timestamp` an ISO string that
 * becomes TIMESTAMP; `json` an object written as JSON text; `map` an object that becomes
 * MAP(VARCHAR, VARCHAR).
 */
export type ColumnKind = 'string' | 'number' | 'timestamp' | 'json' | 'map';

/** FOCUS columns written, in order. The charge period stays text here; Parquet casts it. */
export const FOCUS_COLUMNS: readonly [keyof CostLine, ColumnKind][] = [
  ['ChargePeriodStart', 'string'],
  ['ChargePeriodEnd', 'string'],
  ['BilledCost', 'number'],
  ['EffectiveCost', 'number'],
  ['ListCost', 'number'],
  ['BillingCurrency', 'string'],
  ['ProviderName', 'string'],
  ['ServiceName', 'string'],
  ['ServiceCategory', 'string'],
  ['ChargeCategory', 'string'],
  ['ResourceId', 'string'],
  ['SkuId', 'string'],
  ['RegionId', 'string'],
  ['AvailabilityZone', 'string'],
  ['ConsumedQuantity', 'number'],
  ['ConsumedUnit', 'string'],
  ['Tags', 'json'],
  ['x_UsageType', 'string'],
];

const CUR_NUMBERS = new Set<string>([
  'line_item_usage_amount',
  'line_item_unblended_cost',
  'line_item_net_unblended_cost',
  'pricing_public_on_demand_cost',
  'split_line_item_split_usage',
  'split_line_item_split_usage_ratio',
  'split_line_item_split_cost',
  'split_line_item_unused_cost',
  'split_line_item_public_on_demand_split_cost',
  'split_line_item_public_on_demand_unused_cost',
  'split_line_item_actual_usage',
  'split_line_item_reserved_usage',
]);

/** CUR 2.0 columns written, in order. */
export const CUR2_COLUMN_KINDS: readonly [keyof Cur2Row, ColumnKind][] = CUR2_COLUMNS.map((c) => [
  c,
  c.endsWith('_date')
    ? 'timestamp'
    : c === 'resource_tags'
      ? 'map'
      : CUR_NUMBERS.has(c)
        ? 'number'
        : 'string',
]);

/** A billing export could not be written (the message names the file or step). */
export class ExportWriteError extends OwnercostError {
  override name = 'ExportWriteError';
}

export interface FocusExportFiles {
  csv: string[];
  parquet: string[];
  rows: number;
}

/** Writes FOCUS lines as `<csvDir>/focus-YYYY-MM.csv` and `<parquetDir>/focus-YYYY-MM.parquet`. */
export async function writeFocusExports(
  lines: readonly CostLine[],
  dirs: { csvDir: string; parquetDir: string },
): Promise<FocusExportFiles> {
  const out: FocusExportFiles = { csv: [], parquet: [], rows: lines.length };
  await mkdir(dirs.csvDir, { recursive: true });
  await mkdir(dirs.parquetDir, { recursive: true });
  await withDb(async (db, tmp) => {
    await loadTable(db, tmp, 'focus', FOCUS_COLUMNS, lines);
    for (const month of monthsOf(lines.map((l) => l.ChargePeriodStart))) {
      const where = `WHERE starts_with(ChargePeriodStart, ${sqlString(month)})`;
      const csv = path.join(dirs.csvDir, `focus-${month}.csv`);
      await run(
        db,
        `COPY (SELECT * FROM focus ${where}) TO ${sqlString(csv)} (FORMAT csv, HEADER true)`,
        `write ${csv}`,
      );
      out.csv.push(csv);
      const parquet = path.join(dirs.parquetDir, `focus-${month}.parquet`);
      const ts = (c: string) => `CAST(${c} AS TIMESTAMP) AS ${c}`;
      await run(
        db,
        `COPY (SELECT * REPLACE (${ts('ChargePeriodStart')}, ${ts('ChargePeriodEnd')}) FROM focus ${where}) TO ${sqlString(parquet)} (FORMAT parquet, COMPRESSION zstd)`,
        `write ${parquet}`,
      );
      out.parquet.push(parquet);
    }
  });
  return out;
}

/** Writes CUR 2.0 rows as `<dir>/BILLING_PERIOD=YYYY-MM/part-0.parquet`. */
export async function writeCur2Export(
  rows: readonly Cur2Row[],
  dir: string,
): Promise<{ files: string[]; rows: number }> {
  const files: string[] = [];
  await withDb(async (db, tmp) => {
    await loadTable(db, tmp, 'cur', CUR2_COLUMN_KINDS, rows);
    for (const month of monthsOf(rows.map((r) => r.bill_billing_period_start_date))) {
      const folder = path.join(dir, `BILLING_PERIOD=${month}`);
      await mkdir(folder, { recursive: true });
      const target = path.join(folder, 'part-0.parquet');
      await run(
        db,
        `COPY (SELECT * FROM cur WHERE strftime(bill_billing_period_start_date, '%Y-%m') = ${sqlString(month)}) TO ${sqlString(target)} (FORMAT parquet, COMPRESSION zstd)`,
        `write ${target}`,
      );
      files.push(target);
    }
  });
  return { files, rows: rows.length };
}

/**
 * Creates `table` from `rows`: numbers go through a CSV as text (shortest round-trip form, so
 * they come back bit-identical), strings and objects through a dictionary joined back in SQL.
 */
async function loadTable<T>(
  db: DuckDb,
  tmp: string,
  table: string,
  columns: readonly [keyof T, ColumnKind][],
  rows: readonly T[],
): Promise<void> {
  const dict = new Map<unknown, number>();
  const values: unknown[] = [];
  const idOf = (v: unknown): number => {
    let id = dict.get(v);
    if (id === undefined) {
      id = values.length;
      values.push(v);
      dict.set(v, id);
    }
    return id;
  };
  const rowsFile = path.join(tmp, `${table}.csv`);
  const fh = await open(rowsFile, 'w');
  try {
    const chunk = 20_000;
    const fields: string[] = new Array(columns.length + 1);
    const names = columns.map(([name]) => name);
    const numeric = columns.map(([, kind]) => kind === 'number');
    for (let i = 0; i < rows.length; i += chunk) {
      const end = Math.min(rows.length, i + chunk);
      const lines: string[] = new Array(end - i + 1);
      for (let j = i; j < end; j++) {
        const row = rows[j] as T;
        fields[0] = String(j);
        for (let c = 0; c < names.length; c++) {
          const v = row[names[c] as keyof T];
          if (v === null || v === undefined) fields[c + 1] = '';
          else if (numeric[c]) {
            if (typeof v !== 'number' || !Number.isFinite(v)) {
              throw new ExportWriteError(
                `exportWriter: ${String(names[c])} is not a finite number in row ${j} of ${table}`,
              );
            }
            fields[c + 1] = String(v);
          } else fields[c + 1] = String(idOf(v));
        }
        lines[j - i] = fields.join(',');
      }
      lines[end - i] = '';
      await fh.write(lines.join('\n'));
    }
  } finally {
    await fh.close();
  }
  const dictFile = path.join(tmp, `${table}-dict.ndjson`);
  const dh = await open(dictFile, 'w');
  try {
    const chunk = 20_000;
    for (let i = 0; i < values.length; i += chunk) {
      let text = '';
      const end = Math.min(values.length, i + chunk);
      for (let j = i; j < end; j++) {
        const v = values[j];
        const isObject = typeof v === 'object' && v !== null;
        text += `{"i":${j},"s":${JSON.stringify(isObject ? JSON.stringify(v) : String(v))},"o":${isObject}}\n`;
      }
      await dh.write(text);
    }
  } finally {
    await dh.close();
  }

  const dictTable = `${table}_dict`;
  await run(
    db,
    `CREATE TEMP TABLE ${dictTable} AS SELECT i, s, CASE WHEN o THEN CAST(CAST(s AS JSON) AS MAP(VARCHAR, VARCHAR)) END AS m FROM read_json(${sqlString(dictFile)}, format = 'newline_delimited', columns = {i: 'INTEGER', s: 'VARCHAR', o: 'BOOLEAN'})`,
    `load ${table} dictionary`,
  );
  const csvColumns = columns
    .map((_, c) => `c${c}: '${columns[c]?.[1] === 'number' ? 'DOUBLE' : 'INTEGER'}'`)
    .join(', ');
  // Strings come back by position in the dictionary, held once as a list: a projection keeps
  // the rows in file order (joins would not).
  const select: string[] = [];
  columns.forEach(([name, kind], c) => {
    const col = String(name);
    const at = `r.c${c} + 1`;
    const expr =
      kind === 'number'
        ? `r.c${c}`
        : kind === 'timestamp'
          ? `CAST(d.s[${at}] AS TIMESTAMP)`
          : kind === 'map'
            ? `d.m[${at}]`
            : `d.s[${at}]`;
    select.push(`${expr} AS ${col}`);
  });
  await run(
    db,
    `CREATE TABLE ${table} AS WITH d AS (SELECT list(s ORDER BY i) AS s, list(m ORDER BY i) AS m FROM ${dictTable}) SELECT ${select.join(', ')} FROM read_csv(${sqlString(rowsFile)}, header = false, delim = ',', quote = '', escape = '', nullstr = '', columns = {n: 'INTEGER', ${csvColumns}}) r, d`,
    `load ${table} rows`,
  );
}

/** Months (`YYYY-MM`) of ISO timestamps, ascending. */
function monthsOf(isoTimes: readonly string[]): string[] {
  return [...new Set(isoTimes.map((t) => t.slice(0, 7)))].sort();
}

async function run(db: DuckDb, sql: string, what: string): Promise<void> {
  try {
    await db.conn.run(sql);
  } catch (err) {
    throw new ExportWriteError(`exportWriter: ${what} failed`, { cause: err });
  }
}

async function withDb(use: (db: DuckDb, tmp: string) => Promise<void>): Promise<void> {
  const tmp = await mkdtemp(path.join(tmpdir(), 'ownercost-export-'));
  const db = await openDuckDb();
  try {
    await use(db, tmp);
  } finally {
    db.close();
    await rm(tmp, { recursive: true, force: true });
  }
}
