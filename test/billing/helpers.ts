/** Test helpers: temp folders, a scratch DuckDB to write Parquet fixtures, and collecting streams. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';

const here = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURES = path.resolve(here, '../fixtures/billing');
export const FOCUS_SAMPLE = path.resolve(here, '../../../shared/fixtures/billing/focus-1.0-sample.csv');

export function tempDir(prefix = 'ownercost-billing-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs statements on a throwaway in-memory DuckDB (UTC), e.g. `COPY (…) TO 'x.parquet'`. */
export async function duckRun(...statements: string[]): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    await conn.run(`SET TimeZone = 'UTC'`);
    for (const s of statements) await conn.run(s);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

export function sq(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
