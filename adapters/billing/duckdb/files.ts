/**
 * Finds billing files under the configured paths and tells their format from the extension and the
 * columns: FOCUS has `BilledCost`, CUR 2.0 has `line_item_*`. A path whose files come in more than one
 * format is refused: two exports of the same costs side by side would be counted twice.
 */
import { type Dirent, promises as fs } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../../core/schema/errors.js';
import { readCsvHeader } from './csvText.js';

export type BillingFormat = 'focus-csv' | 'focus-parquet' | 'cur2-parquet';

export const FORMAT_LABELS: Record<BillingFormat, string> = {
  'focus-csv': 'FOCUS CSV',
  'focus-parquet': 'FOCUS Parquet',
  'cur2-parquet': 'CUR 2.0 Parquet',
};

export interface ColumnInfo {
  name: string;
  type: string;
}

export interface BillingFile {
  /** Absolute path. */
  path: string;
  format: BillingFormat;
  /** Columns as the file names them; for CSV every type is VARCHAR (we cast ourselves). */
  columns: ColumnInfo[];
}

/** Reads the schema of a Parquet file (a DuckDB DESCRIBE, passed in so this module stays fs-only). */
export type DescribeParquet = (file: string) => Promise<ColumnInfo[]>;

const FOCUS_REQUIRED = [
  'BilledCost',
  'EffectiveCost',
  'ChargePeriodStart',
  'ChargePeriodEnd',
  'BillingCurrency',
];
const CUR_REQUIRED = [
  'line_item_usage_start_date',
  'line_item_usage_end_date',
  'line_item_unblended_cost',
  'line_item_currency_code',
];

function kindOf(file: string): 'csv' | 'parquet' | null {
  const lower = file.toLowerCase();
  if (lower.endsWith('.csv') || lower.endsWith('.csv.gz')) return 'csv';
  if (lower.endsWith('.parquet')) return 'parquet';
  return null;
}

function missing(columns: readonly ColumnInfo[], required: readonly string[]): string[] {
  const have = new Set(columns.map((c) => c.name.toLowerCase()));
  return required.filter((r) => !have.has(r.toLowerCase()));
}

function hasColumn(columns: readonly ColumnInfo[], name: string): boolean {
  const lower = name.toLowerCase();
  return columns.some((c) => c.name.toLowerCase() === lower);
}

async function detect(file: string, describeParquet: DescribeParquet): Promise<BillingFile> {
  const kind = kindOf(file);
  let columns: ColumnInfo[];
  if (kind === 'csv') {
    const header = await readCsvHeader(file);
    columns = (header ?? []).map((name) => ({ name, type: 'VARCHAR' }));
    if (columns.length === 0) throw new UsageError(`DuckDbBillingSource: ${file} has no header line`);
  } else {
    try {
      columns = await describeParquet(file);
    } catch (err) {
      throw new UsageError(`DuckDbBillingSource: cannot read Parquet file ${file}`, { cause: err });
    }
  }
  const isFocus = hasColumn(columns, 'BilledCost');
  const isCur =
    hasColumn(columns, 'line_item_unblended_cost') || hasColumn(columns, 'lineItem/UnblendedCost');
  if (isFocus) {
    const lacking = missing(columns, FOCUS_REQUIRED);
    if (lacking.length > 0)
      throw new UsageError(`DuckDbBillingSource: FOCUS file ${file} lacks column(s) ${lacking.join(', ')}`);
    return { path: file, format: kind === 'csv' ? 'focus-csv' : 'focus-parquet', columns };
  }
  if (isCur) {
    if (kind === 'csv') {
      throw new UsageError(
        `DuckDbBillingSource: ${file} is an AWS CUR CSV; export CUR 2.0 as Parquet (or FOCUS) to read it here`,
      );
    }
    const lacking = missing(columns, CUR_REQUIRED);
    if (lacking.length > 0)
      throw new UsageError(`DuckDbBillingSource: CUR 2.0 file ${file} lacks column(s) ${lacking.join(', ')}`);
    return { path: file, format: 'cur2-parquet', columns };
  }
  throw new UsageError(
    `DuckDbBillingSource: ${file} is neither FOCUS (no BilledCost column) nor CUR 2.0 (no line_item_unblended_cost column)`,
  );
}

async function walk(dir: string, out: string[], seenDirs: Set<string>): Promise<void> {
  const real = await fs.realpath(dir);
  if (seenDirs.has(real)) return;
  seenDirs.add(real);
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new UsageError(`DuckDbBillingSource: cannot list folder ${dir}`, { cause: err });
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    // Hidden files and Spark/CUR markers (`_SUCCESS`, `.crc`) are not bills.
    if (e.name.startsWith('.') || e.name.startsWith('_')) continue;
    const full = path.join(dir, e.name);
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      const st = await fs.stat(full).catch(() => null);
      isDir = st?.isDirectory() ?? false;
      isFile = st?.isFile() ?? false;
    }
    if (isDir) await walk(full, out, seenDirs);
    else if (isFile && kindOf(full)) out.push(full);
  }
}

export interface Discovery {
  files: BillingFile[];
  /** Files of zero bytes: skipped, reported as bad input. */
  emptyFiles: string[];
}

/**
 * Lists and classifies the billing files under `paths` (files or folders, recursively). Throws a
 * `UsageError` naming the path when it does not exist, holds no billing file, or mixes formats.
 */
export async function discoverBillingFiles(
  paths: readonly string[],
  describeParquet: DescribeParquet,
): Promise<Discovery> {
  const files: BillingFile[] = [];
  const emptyFiles: string[] = [];
  // By real path, so a file reached through two listed paths (or a symlink) is read once.
  const known = new Map<string, BillingFile | 'empty'>();
  for (const given of paths) {
    const abs = path.resolve(given);
    const st = await fs.stat(abs).catch(() => null);
    if (!st) throw new UsageError(`DuckDbBillingSource: billing path ${given} does not exist`);
    const candidates: string[] = [];
    if (st.isDirectory()) await walk(abs, candidates, new Set());
    else if (kindOf(abs)) candidates.push(abs);
    else
      throw new UsageError(`DuckDbBillingSource: ${given} is not a billing file (.csv, .csv.gz or .parquet)`);

    const here: BillingFile[] = [];
    let emptyHere = 0;
    for (const file of candidates) {
      const real = await fs.realpath(file);
      let entry = known.get(real);
      if (entry === undefined) {
        const size = (await fs.stat(file)).size;
        entry = size === 0 ? 'empty' : await detect(file, describeParquet);
        known.set(real, entry);
        if (entry === 'empty') emptyFiles.push(file);
        else files.push(entry);
      }
      if (entry === 'empty') emptyHere++;
      else here.push(entry);
    }
    if (here.length === 0) {
      throw new UsageError(
        emptyHere > 0
          ? `DuckDbBillingSource: billing path ${given} holds only empty files`
          : `DuckDbBillingSource: billing path ${given} holds no billing files (.csv, .csv.gz or .parquet)`,
      );
    }
    const byFormat = new Map<BillingFormat, number>();
    for (const f of here) byFormat.set(f.format, (byFormat.get(f.format) ?? 0) + 1);
    if (byFormat.size > 1) {
      const kinds = [...byFormat].map(([fmt, n]) => `${FORMAT_LABELS[fmt]} (${n} file${n === 1 ? '' : 's'})`);
      throw new UsageError(
        `DuckDbBillingSource: ${given} mixes billing formats: ${kinds.join(', ')}. ` +
          'Two exports of the same costs would be counted twice; give one path per export.',
      );
    }
  }
  return { files, emptyFiles };
}
