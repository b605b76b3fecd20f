/** gzip NDJSON encoding of snapshot batches, and streaming line reading with validation. */
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { createGunzip, gzipSync } from 'node:zlib';
import type { BadInput } from '../../core/schema/errors.js';
import { SnapshotRecord } from '../../core/schema/records.js';

/** One gzip member holding one JSON record per line. */
export function encodeNdjsonGz(records: readonly unknown[]): Uint8Array {
  let text = '';
  for (const r of records) text += `${JSON.stringify(r)}\n`;
  return gzipSync(text, { level: 6 });
}

/**
 * Streams records from an NDJSON (optionally gzip) body. Lines that are not JSON or do not match
 * `ownercost/v1` are reported through `onBad` with file and line number and skipped.
 */
export async function* readNdjson(
  body: Uint8Array,
  file: string,
  onBad: (bad: BadInput) => void,
): AsyncIterable<SnapshotRecord> {
  const gz = body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b;
  const source = Readable.from([Buffer.from(body)]);
  const stream = gz ? source.pipe(createGunzip()) : source;
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        onBad({ file, line: lineNo, reason: 'not JSON' });
        continue;
      }
      const parsed = SnapshotRecord.safeParse(value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        onBad({
          file,
          line: lineNo,
          reason: `${issue?.path.join('.') || 'record'}: ${issue?.message ?? 'invalid'}`,
        });
        continue;
      }
      yield parsed.data;
    }
  } catch (err) {
    onBad({ file, line: lineNo + 1, reason: `truncated or corrupt stream (${(err as Error).message})` });
  }
}
