/**
 * The I/O half of the DuckDB billing source: opens DuckDB, builds the `billing_lines` view over the
 * discovered files, finds the rows it had to skip, and runs the two queries. Cost lines stream out
 * one charge hour at a time; nothing materializes the bill in JavaScript.
 */
import {
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
  LIST,
  listValue,
  VARCHAR,
} from '@duckdb/node-api';
import { OwnercostError } from '../../../core/schema/errors.js';
import { type DuckDb, openDuckDb } from '../../duckdb/connection.js';
import type { BillingFile, ColumnInfo } from './files.js';
import {
  Columns,
  costLinesQuery,
  csvScan,
  currenciesQuery,
  curSelect,
  type Dimension,
  focusSelect,
  parquetScan,
  summaryQuery,
  uniqueColumnNames,
  usableRows,
  VIEW,
} from './sql.js';

/** A skipped or suspicious row as DuckDB reports it, before CSV records are mapped to lines. */
export interface RawBadRow {
  file: string;
  /** CSV: 1-based ordinal among the records DuckDB kept. Parquet: 0-based row number. */
  position: number;
  kind: 'csv-record' | 'csv-rejected' | 'parquet-row';
  reason: string;
}

export interface Diagnostics {
  rows: RawBadRow[];
  total: number;
}

export class DuckDbBillingQuerier {
  private readonly open = new Set<DuckDBConnection>();
  private rejectsSeq = 0;

  private constructor(private readonly db: DuckDb) {}

  static async create(options: { threads?: number; memoryLimit?: string }): Promise<DuckDbBillingQuerier> {
    const db = await openDuckDb(options);
    await db.conn.run(`SET TimeZone = 'UTC'`);
    return new DuckDbBillingQuerier(db);
  }

  async describeParquet(file: string): Promise<ColumnInfo[]> {
    return this.describe(`SELECT * FROM ${parquetScan([file], false)}`);
  }

  private async describe(select: string): Promise<ColumnInfo[]> {
    const reader = await this.db.conn.runAndReadAll(`DESCRIBE ${select}`);
    return reader
      .getRowObjectsJS()
      .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  }

  /** Files grouped by what can share one scan: CSVs with the same header, Parquet per format. */
  private sources(files: readonly BillingFile[]): {
    csvGroups: { files: string[]; names: string[] }[];
    focusParquet: string[];
    cur: string[];
  } {
    const csvByHeader = new Map<string, { files: string[]; names: string[] }>();
    const focusParquet: string[] = [];
    const cur: string[] = [];
    for (const f of files) {
      if (f.format === 'focus-csv') {
        const names = uniqueColumnNames(f.columns.map((c) => c.name));
        const key = JSON.stringify(names);
        const group = csvByHeader.get(key) ?? { files: [], names };
        group.files.push(f.path);
        csvByHeader.set(key, group);
      } else if (f.format === 'focus-parquet') focusParquet.push(f.path);
      else cur.push(f.path);
    }
    return { csvGroups: [...csvByHeader.values()], focusParquet, cur };
  }

  /** Creates the `billing_lines` view: every usable row of every file, FOCUS column names. */
  async createView(files: readonly BillingFile[], knownTagKeys: ReadonlyMap<string, string>): Promise<void> {
    const { csvGroups, focusParquet, cur } = this.sources(files);
    const parts: string[] = [];
    for (const g of csvGroups) {
      const cols = new Columns(g.names.map((name) => ({ name, type: 'VARCHAR' })));
      parts.push(usableRows(focusSelect(cols, csvScan(g.files, g.names))));
    }
    if (focusParquet.length > 0) {
      const scan = parquetScan(focusParquet, false);
      parts.push(usableRows(focusSelect(new Columns(await this.describe(`SELECT * FROM ${scan}`)), scan)));
    }
    if (cur.length > 0) {
      const scan = parquetScan(cur, false);
      parts.push(
        usableRows(curSelect(new Columns(await this.describe(`SELECT * FROM ${scan}`)), scan, knownTagKeys)),
      );
    }
    await this.db.conn.run(`CREATE OR REPLACE VIEW ${VIEW} AS ${parts.join('\nUNION ALL\n')}`);
  }

  /**
   * Rows each file could not (fully) give: per CSV file its bad records by ordinal and the records
   * DuckDB rejected (wrong number of columns, bad encoding); per Parquet group its bad rows.
   * At most `limit` rows per file are returned, all are counted.
   */
  async diagnose(
    files: readonly BillingFile[],
    knownTagKeys: ReadonlyMap<string, string>,
    limit: number,
  ): Promise<Diagnostics> {
    const out: Diagnostics = { rows: [], total: 0 };
    const take = Math.max(limit, 1);
    const { focusParquet, cur } = this.sources(files);
    for (const f of files) {
      if (f.format !== 'focus-csv') continue;
      const names = uniqueColumnNames(f.columns.map((c) => c.name));
      const seq = ++this.rejectsSeq;
      const rejects = { table: `ownercost_rejects_${seq}`, scan: `ownercost_reject_scans_${seq}` };
      const cols = new Columns(names.map((name) => ({ name, type: 'VARCHAR' })));
      const normalized = focusSelect(cols, csvScan([f.path], names, rejects));
      try {
        // row_number() OVER () numbers records in file order: DuckDB preserves insertion order
        // (preserve_insertion_order is on by default) and the window has no partition or order.
        const bad = await this.rowsOf(
          `SELECT rn, _bad, _tags_bad, count(*) OVER () AS total FROM (
             SELECT row_number() OVER () AS rn, _bad, _tags_bad FROM (${normalized})
           ) WHERE _bad IS NOT NULL OR _tags_bad ORDER BY rn LIMIT ${take}`,
        );
        out.total += Number(bad[0]?.total ?? 0);
        for (const r of bad.slice(0, limit)) {
          const kept = r._bad === null;
          out.rows.push({
            file: f.path,
            position: Number(r.rn),
            kind: 'csv-record',
            reason: kept ? 'Tags is not a JSON object; line kept without tags' : String(r._bad),
          });
        }
        const rejected = await this.rowsOf(
          `SELECT line, error_type, count(*) OVER () AS total FROM ${rejects.table} ORDER BY line LIMIT ${take}`,
        );
        out.total += Number(rejected[0]?.total ?? 0);
        for (const r of rejected.slice(0, limit)) {
          out.rows.push({
            file: f.path,
            position: Number(r.line),
            kind: 'csv-rejected',
            reason: `CSV record has ${String(r.error_type).toLowerCase()}`,
          });
        }
      } catch (err) {
        throw new OwnercostError(`DuckDbBillingSource: cannot read ${f.path}`, { cause: err });
      } finally {
        await this.db.conn.run(`DROP TABLE IF EXISTS ${rejects.table}; DROP TABLE IF EXISTS ${rejects.scan}`);
      }
    }
    const parquetGroups: [string[], (cols: Columns, scan: string, extra: string[]) => string][] = [
      [focusParquet, (cols, scan, extra) => focusSelect(cols, scan, extra)],
      [cur, (cols, scan, extra) => curSelect(cols, scan, knownTagKeys, extra)],
    ];
    for (const [group, select] of parquetGroups) {
      if (group.length === 0) continue;
      const scan = parquetScan(group, true);
      const cols = new Columns(await this.describe(`SELECT * FROM ${scan}`));
      const normalized = select(cols, scan, ['filename AS _file', 'file_row_number AS _row']);
      const bad = await this.rowsOf(
        `SELECT _file, _row, _bad, _tags_bad, count(*) OVER () AS total FROM (${normalized})
         WHERE _bad IS NOT NULL OR _tags_bad ORDER BY _file, _row LIMIT ${take}`,
      );
      out.total += Number(bad[0]?.total ?? 0);
      for (const r of bad.slice(0, limit)) {
        const kept = r._bad === null;
        out.rows.push({
          file: String(r._file),
          position: Number(r._row),
          kind: 'parquet-row',
          reason: kept ? 'Tags is not a JSON object; row kept without tags' : String(r._bad),
        });
      }
    }
    return out;
  }

  private async rowsOf(sql: string): Promise<Record<string, unknown>[]> {
    const reader = await this.db.conn.runAndReadAll(sql);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  }

  /**
   * Streams the cost-line query on its own connection (a streaming result holds its connection):
   * one row per charge-period start, its lines as one JSON text (see `costLinesQuery`).
   */
  async *streamCostLines(params: {
    windowStart: string;
    windowEnd: string;
    tagKeys: readonly string[];
    clusterNames: readonly string[];
    resourceIds: readonly string[];
  }): AsyncGenerator<{ start: string; batch: string }> {
    const byTags = params.tagKeys.length > 0 && params.clusterNames.length > 0;
    const byResourceIds = params.resourceIds.some((id) => id !== '');
    if (!byTags && !byResourceIds) return;
    const conn = await this.db.instance.connect();
    this.open.add(conn);
    try {
      await conn.run(`SET TimeZone = 'UTC'`);
      if (byResourceIds) {
        await conn.run('CREATE TEMP TABLE q_ids (id VARCHAR)');
        await conn.run(
          `INSERT INTO q_ids SELECT DISTINCT id FROM (SELECT unnest($1::VARCHAR[]) AS id) WHERE id IS NOT NULL AND id <> ''`,
          [listValue([...params.resourceIds])],
          [LIST(VARCHAR)],
        );
      }
      const values: DuckDBValue[] = [params.windowStart, params.windowEnd];
      // Explicit types: an empty list has no item type to infer.
      const types: DuckDBType[] = [VARCHAR, VARCHAR];
      if (byTags) {
        values.push(listValue([...params.tagKeys]), listValue([...params.clusterNames]));
        types.push(LIST(VARCHAR), LIST(VARCHAR));
      }
      const result = await conn.stream(costLinesQuery({ byTags, byResourceIds }), values, types);
      for await (const rows of result.yieldRowObjectJs()) {
        for (const r of rows) yield { start: String(r.start), batch: String(r.batch) };
      }
    } finally {
      // close() may have closed it already, under a consumer still iterating.
      if (this.open.delete(conn)) conn.closeSync();
    }
  }

  async currencies(window: { windowStart: string; windowEnd: string } | null): Promise<(string | null)[]> {
    const rows = await this.query(currenciesQuery(window !== null), window);
    return rows.map((r) => (r.BillingCurrency === null ? null : String(r.BillingCurrency)));
  }

  async summary(
    by: readonly Dimension[],
    window: { windowStart: string; windowEnd: string } | null,
  ): Promise<Record<string, unknown>[]> {
    return this.query(summaryQuery(by, window !== null), window);
  }

  private async query(
    sql: string,
    window: { windowStart: string; windowEnd: string } | null,
  ): Promise<Record<string, unknown>[]> {
    const conn = await this.db.instance.connect();
    this.open.add(conn);
    try {
      const reader = await conn.runAndReadAll(sql, window ? [window.windowStart, window.windowEnd] : []);
      return reader.getRowObjectsJS() as Record<string, unknown>[];
    } finally {
      // close() may have closed it already, under a consumer still iterating.
      if (this.open.delete(conn)) conn.closeSync();
    }
  }

  close(): void {
    for (const conn of this.open) conn.closeSync();
    this.open.clear();
    this.db.close();
  }
}
