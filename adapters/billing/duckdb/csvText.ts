/**
 * Byte-level CSV helpers for what DuckDB cannot tell us: the header of a file before we choose how
 * to read it, and the physical line on which a record starts (DuckDB numbers records, and a quoted
 * field may span lines). RFC 4180 dialect: `,` delimiter, `"` quote and escape, LF or CRLF.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/** Opens a file as a byte stream, gunzipping `.gz` files. */
export function openBytes(file: string): Readable {
  const raw = createReadStream(file);
  return file.toLowerCase().endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
}

/** One record as the scanner saw it. */
export interface CsvRecordPosition {
  /** 1-based physical line on which the record starts. */
  line: number;
  /**
   * 1-based line counted the way DuckDB counts in its rejects table: newlines inside quoted fields
   * are not counted.
   */
  duckLine: number;
  /** A record with no bytes at all (a blank line). DuckDB skips these. */
  blank: boolean;
}

type State = 'fieldStart' | 'unquoted' | 'quoted' | 'quoteInQuoted';

/**
 * Incremental record scanner: feed it chunks, it calls `onRecord` at the end of every record.
 * A quote opens a quoted field only at the start of a field, as DuckDB reads it.
 */
export class CsvRecordScanner {
  private state: State = 'fieldStart';
  private line = 1;
  private duckLine = 1;
  private startLine = 1;
  private startDuckLine = 1;
  private empty = true;
  private pendingCr = false;

  constructor(private readonly onRecord: (record: CsvRecordPosition) => boolean | undefined) {}

  private stopped = false;

  /** Returns false once `onRecord` asked to stop. */
  push(chunk: Uint8Array): boolean {
    for (let i = 0; i < chunk.length && !this.stopped; i++) {
      const b = chunk[i] as number;
      if (this.pendingCr) {
        this.pendingCr = false;
        // CRLF is one newline; a lone CR is a newline of its own.
        if (b === LF) continue;
      }
      if (b === LF || b === CR) {
        if (b === CR) this.pendingCr = true;
        if (this.state === 'quoted') {
          this.line++;
          this.empty = false;
          continue;
        }
        this.endRecord();
        this.line++;
        this.duckLine++;
        continue;
      }
      this.empty = false;
      switch (this.state) {
        case 'fieldStart':
          this.state = b === QUOTE ? 'quoted' : b === COMMA ? 'fieldStart' : 'unquoted';
          break;
        case 'unquoted':
          if (b === COMMA) this.state = 'fieldStart';
          break;
        case 'quoted':
          if (b === QUOTE) this.state = 'quoteInQuoted';
          break;
        case 'quoteInQuoted':
          this.state = b === QUOTE ? 'quoted' : b === COMMA ? 'fieldStart' : 'unquoted';
          break;
      }
    }
    return !this.stopped;
  }

  end(): void {
    if (!this.stopped && !this.empty) this.endRecord();
  }

  private endRecord(): void {
    const stop = this.onRecord({ line: this.startLine, duckLine: this.startDuckLine, blank: this.empty });
    if (stop === true) this.stopped = true;
    this.state = 'fieldStart';
    this.empty = true;
    this.startLine = this.line + 1;
    this.startDuckLine = this.duckLine + 1;
  }
}

/** Splits one CSV record (the text of a whole record) into fields. */
export function parseCsvFields(record: string): string[] {
  const fields: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let atStart = true;
  while (i < record.length) {
    const ch = record[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (record[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += ch;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
      atStart = true;
      i++;
      continue;
    } else if (ch === '"' && atStart) quoted = true;
    else field += ch;
    atStart = false;
    i++;
  }
  fields.push(field);
  return fields;
}

/**
 * The column names of a CSV file: its first record. Returns null for an empty file. Reads only as
 * far as the end of the header.
 */
export async function readCsvHeader(file: string): Promise<string[] | null> {
  const stream = openBytes(file);
  const parts: Buffer[] = [];
  let headerEnd = -1;
  let total = 0;
  const scanner = new CsvRecordScanner(() => true);
  try {
    for await (const chunk of stream) {
      const buf = chunk as Buffer;
      // Find where the first record ends by scanning byte by byte with the same state machine.
      const before = total;
      let consumed = 0;
      for (; consumed < buf.length; consumed++) {
        if (!scanner.push(buf.subarray(consumed, consumed + 1))) break;
      }
      parts.push(buf.subarray(0, Math.min(consumed, buf.length)));
      total += consumed;
      if (consumed < buf.length) {
        headerEnd = before + consumed;
        break;
      }
      if (total > 16 * 1024 * 1024) break; // a header this long is not a billing export
    }
  } finally {
    stream.destroy();
  }
  let text = Buffer.concat(parts).toString('utf8');
  if (headerEnd < 0 && text.length === 0) return null;
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  text = text.replace(/\r?\n$|\r$/, '');
  if (text.trim() === '') return null;
  return parseCsvFields(text);
}

/**
 * Physical start lines of chosen records. `accepted` are 1-based ordinals among the records DuckDB
 * kept (not blank, not rejected), `rejectedDuckLines` are DuckDB's line numbers of rejected records.
 * The header is skipped. Streams the file once.
 */
export async function locateRecords(
  file: string,
  accepted: ReadonlySet<number>,
  rejectedDuckLines: ReadonlySet<number>,
): Promise<{ acceptedLines: Map<number, number>; rejectedLines: Map<number, number> }> {
  const acceptedLines = new Map<number, number>();
  const rejectedLines = new Map<number, number>();
  let seenHeader = false;
  let ordinal = 0;
  const want = accepted.size + rejectedDuckLines.size;
  const scanner = new CsvRecordScanner((rec) => {
    if (!seenHeader) {
      seenHeader = true;
      return false;
    }
    if (rec.blank) return false;
    if (rejectedDuckLines.has(rec.duckLine)) rejectedLines.set(rec.duckLine, rec.line);
    else {
      ordinal++;
      if (accepted.has(ordinal)) acceptedLines.set(ordinal, rec.line);
    }
    return acceptedLines.size + rejectedLines.size >= want;
  });
  const stream = openBytes(file);
  try {
    for await (const chunk of stream) if (!scanner.push(chunk as Buffer)) break;
    scanner.end();
  } finally {
    stream.destroy();
  }
  return { acceptedLines, rejectedLines };
}
