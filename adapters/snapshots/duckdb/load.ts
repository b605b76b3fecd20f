/**
 * Loads snapshot objects (NDJSON, optionally gzip) into the typed sample tables with DuckDB.
 *
 * Lines are read raw with `read_csv` (one VARCHAR column, a delimiter that valid JSON never
 * contains, no quoting), so a bad line is a row like any other: it is counted and reported with
 * its object key and line number, never fatal. The raw table is created in scan order
 * (`preserve_insertion_order`), so a line's number is its rowid minus its file's first rowid, plus
 * one (test/snapshots/load.test.ts checks this over several large files).
 *
 * Each kind's lines then go through two stages (recordSql.ts). The fast stage parses a line once
 * and loads it only when it can vouch that the strict stage would load it with the same values;
 * the lines it does not pass (none, in a healthy store) go through the strict stage, which loads
 * the valid ones and gives each bad one its reason. So what is loaded and what is reported is
 * decided by the strict stage alone (test/snapshots/fastStage.test.ts compares the two).
 *
 * A file DuckDB cannot read (corrupt gzip, invalid UTF-8, control characters that break the line
 * reader) fails its batch; the batch is bisected to find it. DuckDB reads a truncated gzip stream
 * without complaint, so every gzip file's trailer (its uncompressed size) is also compared with
 * the bytes read. Such files are decoded in JavaScript, exactly as `readNdjson` reads them: the
 * complete lines before a gzip error are loaded and the error is reported at the next line.
 */
import { createReadStream } from 'node:fs';
import { open, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import type { ObjectStore } from '../../../core/ports.js';
import type { BadInput } from '../../../core/schema/errors.js';
import { RECORD_KINDS, type RecordKind, SCHEMA_V1 } from '../../../core/schema/records.js';
import {
  dayPrefixesForWindow,
  keySafe,
  parseSnapshotKey,
  SNAPSHOT_PREFIX,
} from '../../../core/snapshots/keys.js';
import { type DuckDb, sqlString, sqlStringList } from '../../duckdb/connection.js';
import { fastStageSql, KIND_SPECS, stageColumns, stageSql } from './recordSql.js';

const HOUR_MS = 3_600_000;

/** Longest line DuckDB reads; longer lines are reported, not loaded. */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

/** Object keys that hold snapshot batches. */
const SNAPSHOT_FILE = /\.(ndjson|jsonl)(\.gz)?$/;

/**
 * Snapshot keys for a window, in key order: both partitions (cluster objects and network flows),
 * hour partitions from `padHours` before the window start up to the window end. With `clusters`,
 * only those clusters' partitions are listed (by their key-safe names).
 */
export async function listSnapshotKeys(
  store: ObjectStore,
  opts: { startMs: number; endMs: number; clusters?: readonly string[]; padHours: number },
): Promise<string[]> {
  const fromHourMs = Math.floor(opts.startMs / HOUR_MS) * HOUR_MS - opts.padHours * HOUR_MS;
  const days = dayPrefixesForWindow(opts.startMs, opts.endMs, opts.padHours);
  const safeClusters = opts.clusters ? new Set(opts.clusters.map(keySafe)) : null;
  const prefixes: string[] = [];
  for (const partition of ['cluster', 'network']) {
    if (safeClusters) {
      for (const c of [...safeClusters].sort()) {
        for (const d of days) prefixes.push(`${SNAPSHOT_PREFIX}kind=${partition}/cluster=${c}/dt=${d}/`);
      }
    } else {
      // Without a delimiter-aware list, the partition is listed whole and pruned by key.
      prefixes.push(`${SNAPSHOT_PREFIX}kind=${partition}/`);
    }
  }
  const keys: string[] = [];
  for (const prefix of prefixes) {
    for await (const key of store.list(prefix)) {
      const parsed = parseSnapshotKey(key);
      if (!parsed || !SNAPSHOT_FILE.test(key)) continue;
      if (safeClusters && !safeClusters.has(parsed.cluster)) continue;
      const hourMs = Date.parse(`${parsed.dt}T${String(parsed.hour).padStart(2, '0')}:00:00Z`);
      if (!(hourMs >= fromHourMs && hourMs < opts.endMs)) continue;
      keys.push(key);
    }
  }
  return keys.sort();
}

/** A snapshot object available as a local file DuckDB can read. */
export interface LocalSnapshotFile {
  key: string;
  path: string;
  bytes: number;
}

/** DuckDB treats these as glob characters in a path; such files are copied to a safe name. */
const GLOB_CHARS = /[*?[\]{}]/;

/**
 * Local files for keys: in place for stores with `localPath`, else downloaded into `downloadDir`
 * (`concurrency` at a time). Keys that vanished since listing are skipped.
 */
export async function localFiles(
  store: ObjectStore,
  keys: readonly string[],
  downloadDir: () => Promise<string>,
  concurrency: number,
): Promise<LocalSnapshotFile[]> {
  const out: (LocalSnapshotFile | null)[] = new Array(keys.length).fill(null);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const i = next++;
      const key = keys[i] as string;
      const local = store.localPath?.(key);
      if (local && !GLOB_CHARS.test(local)) {
        try {
          out[i] = { key, path: local, bytes: (await stat(local)).size };
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
        continue;
      }
      const body = await store.get(key);
      if (!body) continue;
      const ext = key.endsWith('.gz') ? '.ndjson.gz' : '.ndjson';
      const p = path.join(await downloadDir(), `${i}${ext}`);
      await writeFile(p, body);
      out[i] = { key, path: p, bytes: body.length };
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return out.filter((f): f is LocalSnapshotFile => f !== null);
}

export interface LoadOptions {
  /** Only records of these clusters are kept (others are skipped silently, not reported). */
  clusters?: readonly string[];
  /** Compressed bytes read per DuckDB batch; bounds the raw-line table's memory. */
  batchBytes: number;
  /** Where files recovered in JavaScript are written. */
  scratchDir: () => Promise<string>;
}

export interface LoadStats {
  files: number;
  lines: number;
  /** Valid records loaded, per kind. */
  records: Record<RecordKind, number>;
  badInputCount: number;
}

const csvOptions = `columns={'line': 'VARCHAR'}, header=false, delim=E'\\x01', quote='', escape='', filename=true, auto_detect=false, compression='auto', max_line_size=${MAX_LINE_BYTES}`;

/** Records bad inputs of every batch in `oc_bad_inputs`, so all are counted and the first are listed. */
export const BAD_INPUTS_DDL = `CREATE TABLE IF NOT EXISTS oc_bad_inputs (file VARCHAR NOT NULL, line BIGINT NOT NULL, reason VARCHAR NOT NULL)`;

function isFatal(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : String(err);
  return /Out of Memory|could not allocate|No space left|INTERNAL Error|FATAL Error/i.test(msg);
}

/**
 * Loads files into the sample tables (which must exist), batch by batch. Returns counts; bad
 * inputs go to `oc_bad_inputs`.
 */
export async function loadSnapshotFiles(
  db: DuckDb,
  files: readonly LocalSnapshotFile[],
  opts: LoadOptions,
): Promise<LoadStats> {
  const { conn } = db;
  await conn.run(BAD_INPUTS_DDL);
  // Line numbers depend on the raw table keeping scan order (readRaw turns it on for that table
  // only); the setting is restored at the end.
  const order = await conn.runAndReadAll(`SELECT current_setting('preserve_insertion_order')`);
  const preserved = order.getRowsJS()[0]?.[0] === true;
  try {
    return await loadAll(db, files, opts);
  } finally {
    await conn.run(`SET preserve_insertion_order = ${preserved}`);
  }
}

async function loadAll(
  db: DuckDb,
  files: readonly LocalSnapshotFile[],
  opts: LoadOptions,
): Promise<LoadStats> {
  const { conn } = db;
  const records = Object.fromEntries(RECORD_KINDS.map((k) => [k, 0])) as Record<RecordKind, number>;
  const stats: LoadStats = { files: files.length, lines: 0, records, badInputCount: 0 };
  const clusterFilter =
    opts.clusters && opts.clusters.length > 0
      ? ` AND cluster IN (${opts.clusters.map(sqlString).join(', ')})`
      : '';
  let recovered = 0;

  const reportBad = async (bad: BadInput): Promise<void> => {
    await conn.run('INSERT INTO oc_bad_inputs VALUES ($1, $2, $3)', [bad.file, bad.line, bad.reason]);
  };

  /** Reads the batch's lines into `oc_raw`; false when DuckDB cannot read some file of it. */
  const readRaw = async (batch: readonly LocalSnapshotFile[]): Promise<boolean> => {
    try {
      await conn.run('SET preserve_insertion_order = true');
      // `sk` is [schema, kind] of a JSON line (NULL otherwise); `kind` is set for the known kinds
      // of this schema only.
      await conn.run(`CREATE OR REPLACE TEMP TABLE oc_raw AS
        SELECT filename, line, sk,
          CASE WHEN sk[1] = ${sqlString(SCHEMA_V1)} AND sk[2] IN (${RECORD_KINDS.map(sqlString).join(', ')}) THEN sk[2] END AS kind
        FROM (
          SELECT filename, line, try(json_extract_string(line, ['$.schema', '$.kind'])) AS sk
          FROM read_csv(${sqlStringList(batch.map((f) => f.path))}, ${csvOptions})
        )`);
      // Rows of the sample tables have no order; inserting them in parallel is cheaper.
      await conn.run('SET preserve_insertion_order = false');
      return true;
    } catch (err) {
      if (isFatal(err))
        throw new Error(`snapshot loader: DuckDB failed reading ${batch.length} files`, { cause: err });
      return false;
    }
  };

  /** Validates `oc_raw` into the sample tables and bad inputs. */
  const processRaw = async (batch: readonly LocalSnapshotFile[]): Promise<void> => {
    if (batch.length === 0) {
      await conn.run('DROP TABLE IF EXISTS oc_raw');
      return;
    }
    await conn.run(`CREATE OR REPLACE TEMP TABLE oc_bad_rows (rid BIGINT, reason VARCHAR)`);
    // Lines per kind; the NULL group is every other line (not JSON, another schema, an unknown
    // kind, blank), and only when there is one are they looked at one by one.
    const present = (
      await conn.runAndReadAll('SELECT kind, count(*) AS n FROM oc_raw GROUP BY 1')
    ).getRowsJS() as [string | null, bigint][];
    stats.lines += present.reduce((sum, [, n]) => sum + Number(n), 0);
    if (present.some(([kind]) => kind === null)) {
      const kinds = RECORD_KINDS.map(sqlString).join(', ');
      await conn.run(`INSERT INTO oc_bad_rows
        SELECT rid, reason FROM (
          SELECT rowid AS rid, CASE
            WHEN sk IS NULL THEN 'not JSON'
            WHEN sk[1] IS DISTINCT FROM ${sqlString(SCHEMA_V1)} THEN ${sqlString(`schema: expected "${SCHEMA_V1}"`)}
            WHEN sk[2] IS NULL OR sk[2] NOT IN (${kinds}) THEN ${sqlString(`kind: expected one of ${RECORD_KINDS.join(', ')}`)}
          END AS reason
          FROM oc_raw
          -- trim is slow: only lines that are not JSON are checked for being blank
          WHERE kind IS NULL AND CASE WHEN sk IS NULL THEN line IS NOT NULL AND trim(line, E' \\t\\r') <> '' ELSE true END
        ) WHERE reason IS NOT NULL`);
    }
    for (const [kind, n] of present) {
      if (kind === null) continue;
      const k = kind as RecordKind;
      const cols = stageColumns(k)
        .map((c) => `"${c}"`)
        .join(', ');
      const insert = `INSERT INTO ${KIND_SPECS[k].table} (${cols}) SELECT ${cols}`;
      // The fast stage loads the rows it can vouch for; the rest (none, usually) go through
      // stageSql, which loads the valid ones and gives the reasons of the bad ones.
      const fast = fastStageSql(k, `(SELECT rowid AS rid, line FROM oc_raw WHERE kind = ${sqlString(k)})`);
      let inserted: number | null = null;
      try {
        inserted = Number((await conn.run(`${insert} FROM (${fast}) WHERE ok${clusterFilter}`)).rowsChanged);
      } catch (err) {
        if (isFatal(err)) throw err;
      }
      let slow: string | null = null;
      if (inserted === null) {
        // The failed statement changed nothing: every line of the kind goes through stageSql.
        slow = '(SELECT rowid AS rid, line, sk FROM oc_raw)';
      } else {
        records[k] += inserted;
        // Fewer rows than lines of the kind: some did not pass (or are another cluster's).
        if (inserted < Number(n)) {
          await conn.run(`CREATE OR REPLACE TEMP TABLE oc_slow AS SELECT rid FROM (${fast}) WHERE NOT ok`);
          const left = await conn.runAndReadAll('SELECT count(*) FROM oc_slow');
          if (Number(left.getRowsJS()[0]?.[0] ?? 0) > 0) {
            slow = '(SELECT rowid AS rid, line, sk FROM oc_raw WHERE rowid IN (SELECT rid FROM oc_slow))';
          }
        }
      }
      if (slow === null) continue;
      const stage = stageSql(k, slow);
      const valid = await conn.run(`${insert} FROM (${stage}) WHERE reason IS NULL${clusterFilter}`);
      records[k] += Number(valid.rowsChanged);
      await conn.run(`INSERT INTO oc_bad_rows SELECT rid, reason FROM (${stage}) WHERE reason IS NOT NULL`);
    }
    const badRows = await conn.runAndReadAll('SELECT count(*) FROM oc_bad_rows');
    if (Number(badRows.getRowsJS()[0]?.[0] ?? 0) > 0) {
      await conn.run('CREATE OR REPLACE TEMP TABLE oc_files (path VARCHAR, key VARCHAR)');
      await conn.run(
        `INSERT INTO oc_files VALUES ${batch.map((f) => `(${sqlString(f.path)}, ${sqlString(f.key)})`).join(', ')}`,
      );
      // A line's number is its rowid minus its file's first rowid, plus one.
      const bad = await conn.run(`INSERT INTO oc_bad_inputs
        SELECT f.key, r.rid - ff.first_rid + 1, b.reason
        FROM oc_bad_rows b
        JOIN (SELECT rowid AS rid, filename FROM oc_raw) r ON r.rid = b.rid
        JOIN (SELECT filename, min(rowid) AS first_rid FROM oc_raw GROUP BY filename) ff ON ff.filename = r.filename
        JOIN oc_files f ON f.path = r.filename`);
      stats.badInputCount += Number(bad.rowsChanged);
    }
    for (const t of ['oc_raw', 'oc_bad_rows', 'oc_files', 'oc_slow'])
      await conn.run(`DROP TABLE IF EXISTS ${t}`);
  };

  /** Decodes a file DuckDB could not read, keeping what can be read, and loads that. */
  const recover = async (file: LocalSnapshotFile): Promise<void> => {
    const decoded = await decodeLines(file.path);
    if (decoded.error) {
      await reportBad({ file: file.key, line: decoded.lines.length + 1, reason: decoded.error });
      stats.badInputCount++;
    }
    if (decoded.lines.length === 0) return;
    const p = path.join(await opts.scratchDir(), `recovered-${recovered++}.ndjson`);
    await writeFile(p, `${decoded.lines.join('\n')}\n`);
    const copy = { key: file.key, path: p, bytes: 0 };
    if (await readRaw([copy])) {
      await processRaw([copy]);
    } else {
      await reportBad({ file: file.key, line: 1, reason: 'unreadable file' });
      stats.badInputCount++;
    }
  };

  /**
   * DuckDB stops quietly at the end of a truncated gzip stream. A gzip file's trailer holds its
   * uncompressed size (mod 2^32); a file whose lines do not add up to it is decoded in JavaScript
   * instead, which reports the truncation (and handles CRLF or a missing last newline exactly).
   */
  const unverifiedGzip = async (batch: readonly LocalSnapshotFile[]): Promise<LocalSnapshotFile[]> => {
    const sizes = await conn.runAndReadAll(
      `SELECT filename, sum(coalesce(strlen(line), 0) + 1) % 4294967296 AS n FROM oc_raw GROUP BY filename`,
    );
    const seen = new Map((sizes.getRowsJS() as [string, bigint][]).map(([f, n]) => [f, Number(n)]));
    const out: LocalSnapshotFile[] = [];
    for (const f of batch) {
      const isize = await gzipTrailerSize(f.path);
      if (isize !== null && isize !== (seen.get(f.path) ?? 0)) out.push(f);
    }
    return out;
  };

  const loadBatch = async (batch: readonly LocalSnapshotFile[]): Promise<void> => {
    if (batch.length === 0) return;
    if (await readRaw(batch)) {
      const unverified = await unverifiedGzip(batch);
      if (unverified.length > 0) {
        await conn.run(
          `DELETE FROM oc_raw WHERE filename IN (${unverified.map((f) => sqlString(f.path)).join(', ')})`,
        );
      }
      await processRaw(batch.filter((f) => !unverified.includes(f)));
      for (const f of unverified) await recover(f);
    } else if (batch.length === 1) {
      await recover(batch[0] as LocalSnapshotFile);
    } else {
      const mid = Math.ceil(batch.length / 2);
      await loadBatch(batch.slice(0, mid));
      await loadBatch(batch.slice(mid));
    }
  };

  let batch: LocalSnapshotFile[] = [];
  let batchBytes = 0;
  for (const f of files) {
    if (batch.length > 0 && (batchBytes + f.bytes > opts.batchBytes || batch.length >= 5000)) {
      await loadBatch(batch);
      batch = [];
      batchBytes = 0;
    }
    batch.push(f);
    batchBytes += f.bytes;
  }
  await loadBatch(batch);
  return stats;
}

/** ISIZE of a gzip file (uncompressed size mod 2^32, its last 4 bytes), or null when not gzip. */
async function gzipTrailerSize(file: string): Promise<number | null> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    if (size < 18) {
      const head = Buffer.alloc(2);
      await fh.read(head, 0, 2, 0);
      return head[0] === 0x1f && head[1] === 0x8b ? -1 : null;
    }
    const head = Buffer.alloc(2);
    await fh.read(head, 0, 2, 0);
    if (head[0] !== 0x1f || head[1] !== 0x8b) return null;
    const tail = Buffer.alloc(4);
    await fh.read(tail, 0, 4, size - 4);
    return tail.readUInt32LE(0);
  } finally {
    await fh.close();
  }
}

const UNREADABLE_LINE = 'ownercost: unreadable line';
// Control characters are never valid in JSON text (outside \t \n \r) and break the line reader.
// biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

/**
 * Lines of a file as `readNdjson` would see them: gzip detected by magic bytes, invalid UTF-8
 * replaced, `\r\n`, `\r` and `\n` all end a line. On a decompression error, the complete lines
 * before it are returned with the error; a partial last line is dropped. Lines DuckDB cannot
 * take (control characters, longer than MAX_LINE_BYTES) become a placeholder that is not JSON.
 */
export async function decodeLines(file: string): Promise<{ lines: string[]; error: string | null }> {
  const head = await readFile(file).then((b) => b.subarray(0, 2));
  const gz = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  const chunks: Buffer[] = [];
  let error: string | null = null;
  await new Promise<void>((resolve) => {
    const source = createReadStream(file);
    const stream = gz ? source.pipe(createGunzip()) : source;
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve());
    stream.on('error', (err: Error) => {
      error = `truncated or corrupt gzip stream (${err.message})`;
      resolve();
    });
    source.on('error', (err: Error) => {
      error = `unreadable file (${err.message})`;
      resolve();
    });
  });
  const text = Buffer.concat(chunks).toString('utf8');
  const lines = text.split(/\r\n|\r|\n/);
  // The segment after the last line break is a complete line only when the stream ended cleanly.
  const tail = lines.pop() ?? '';
  if (error === null && tail !== '') lines.push(tail);
  return {
    lines: lines.map((l) =>
      CONTROL.test(l) || Buffer.byteLength(l) >= MAX_LINE_BYTES ? UNREADABLE_LINE : l,
    ),
    error,
  };
}

/** The first `limit` bad inputs, by file and line, and the total count. */
export async function readBadInputs(db: DuckDb, limit: number): Promise<{ list: BadInput[]; count: number }> {
  await db.conn.run(BAD_INPUTS_DDL);
  const count = await db.conn.runAndReadAll('SELECT count(*) FROM oc_bad_inputs');
  const rows = await db.conn.runAndReadAll(
    `SELECT file, line, reason FROM oc_bad_inputs ORDER BY file, line LIMIT ${Math.max(0, Math.floor(limit))}`,
  );
  return {
    count: Number(count.getRowsJS()[0]?.[0] ?? 0),
    list: (rows.getRowsJS() as [string, bigint, string][]).map(([file, line, reason]) => ({
      file,
      line: Number(line),
      reason,
    })),
  };
}
