/** One in-process DuckDB per use, with helpers shared by the billing and snapshot adapters. */
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

export interface DuckDb {
  instance: DuckDBInstance;
  conn: DuckDBConnection;
  close(): void;
}

/** Opens an in-memory DuckDB. `threads` defaults to DuckDB's own choice (all cores). */
export async function openDuckDb(options: { threads?: number; memoryLimit?: string } = {}): Promise<DuckDb> {
  const config: Record<string, string> = {};
  if (options.threads) config.threads = String(options.threads);
  if (options.memoryLimit) config.memory_limit = options.memoryLimit;
  const instance = await DuckDBInstance.create(':memory:', config);
  const conn = await instance.connect();
  return {
    instance,
    conn,
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/** A SQL string literal. Paths and names are always passed through this, never spliced raw. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A SQL list of string literals, e.g. for `read_parquet([...])`. */
export function sqlStringList(values: readonly string[]): string {
  return `[${values.map(sqlString).join(', ')}]`;
}
