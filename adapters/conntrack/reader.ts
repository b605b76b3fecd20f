/**
 * Readers of the kernel's connection-tracking table, streaming bytes to a callback (never one
 * giant string): `/proc/net/nf_conntrack` when present, else `conntrack -L -o extended,id`
 * (which lists IPv4 and IPv6 entries by default), or a saved file.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, open } from 'node:fs/promises';
import { OwnercostError } from '../../core/schema/errors.js';

export const PROC_CONNTRACK = '/proc/net/nf_conntrack';
const CHUNK = 1 << 20;

export class ConntrackReadError extends OwnercostError {
  override name = 'ConntrackReadError';
}

export interface ReadResult {
  source: 'proc' | 'conntrack' | 'file';
  bytes: number;
}

/** Streams a file (or a /proc file) in 1 MiB chunks. The chunk buffer is reused: consume it synchronously. */
export async function readFileChunks(path: string, onChunk: (chunk: Uint8Array) => void): Promise<number> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new ConntrackReadError(
      `conntrack reader: cannot open ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      {
        cause: err,
      },
    );
  }
  const buf = Buffer.allocUnsafe(CHUNK);
  let total = 0;
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      onChunk(buf.subarray(0, bytesRead));
    }
  } catch (err) {
    throw new ConntrackReadError(`conntrack reader: read failed for ${path}`, { cause: err });
  } finally {
    await fh.close();
  }
  return total;
}

/** Runs a command and streams its stdout; rejects with its stderr when it exits non-zero. */
export function commandChunks(
  bin: string,
  args: readonly string[],
  onChunk: (chunk: Uint8Array) => void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let total = 0;
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      total += c.length;
      onChunk(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 4096) stderr += c.toString('utf8');
    });
    child.on('error', (err) =>
      reject(
        new ConntrackReadError(
          `conntrack reader: cannot run ${bin} (${(err as NodeJS.ErrnoException).code ?? err.message})`,
          { cause: err },
        ),
      ),
    );
    child.on('close', (code) => {
      if (code === 0) resolve(total);
      else
        reject(
          new ConntrackReadError(
            `conntrack reader: ${bin} ${args.join(' ')} exited ${code}: ${stderr.trim().split('\n')[0] ?? ''}`,
          ),
        );
    });
  });
}

export interface TableReaderOptions {
  /** Default /proc/net/nf_conntrack. */
  procPath?: string;
  /** Default `conntrack`. */
  conntrackBin?: string;
}

/**
 * Reads the live table once: the /proc file when it exists (it has no conntrack ids), else
 * `conntrack -L -o extended,id`.
 */
export async function readConntrackTable(
  onChunk: (chunk: Uint8Array) => void,
  options: TableReaderOptions = {},
): Promise<ReadResult> {
  const proc = options.procPath ?? PROC_CONNTRACK;
  const hasProc = await access(proc, constants.R_OK).then(
    () => true,
    () => false,
  );
  if (hasProc) return { source: 'proc', bytes: await readFileChunks(proc, onChunk) };
  const bytes = await commandChunks(
    options.conntrackBin ?? 'conntrack',
    ['-L', '-o', 'extended,id'],
    onChunk,
  );
  return { source: 'conntrack', bytes };
}

/** Reads a saved table (`--conntrack-file`). */
export async function readConntrackFile(
  path: string,
  onChunk: (chunk: Uint8Array) => void,
): Promise<ReadResult> {
  return { source: 'file', bytes: await readFileChunks(path, onChunk) };
}
