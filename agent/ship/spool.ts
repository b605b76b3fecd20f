/**
 * The local spool: batches waiting for upload, one file each, oldest first.
 *
 * A spool file is `OCSPOOL1 <object key>\n` followed by the gzip NDJSON body. It is written to a
 * temporary name, synced and renamed, so a crash leaves either the whole batch or nothing. File
 * names sort by creation time (`<ms>-<seq>-<key hash>.batch`), which keeps upload and drop order
 * across restarts; the key hash lets a newer batch with the same key replace an older one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

const MAGIC = 'OCSPOOL1 ';

export interface SpoolEntry {
  file: string;
  key: string;
  /** Size of the spool file on disk. */
  bytes: number;
}

export class Spool {
  private entries: SpoolEntry[] = [];
  private seq = 0;
  private totalBytes = 0;

  constructor(
    readonly dir: string,
    private readonly now: () => number,
  ) {}

  /** Loads batches left by a previous run (oldest first) and removes half-written temporaries. */
  async init(): Promise<{ loaded: number; corrupt: string[] }> {
    await mkdir(this.dir, { recursive: true });
    const names = (await readdir(this.dir)).sort();
    const corrupt: string[] = [];
    const byHash = new Map<string, SpoolEntry>();
    for (const name of names) {
      const file = path.join(this.dir, name);
      if (name.startsWith('.tmp-')) {
        await rm(file, { force: true });
        continue;
      }
      if (!name.endsWith('.batch')) continue;
      const key = await readKey(file);
      if (key === null) {
        corrupt.push(name);
        await rm(file, { force: true });
        continue;
      }
      const { size } = await stat(file);
      const entry = { file, key, bytes: size };
      // A newer file with the same key supersedes the older one.
      const hash = hashOf(key);
      const older = byHash.get(hash);
      if (older) await this.remove(older);
      byHash.set(hash, entry);
      this.entries.push(entry);
      this.totalBytes += size;
    }
    return { loaded: this.entries.length, corrupt };
  }

  get files(): number {
    return this.entries.length;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** Oldest first. */
  list(): readonly SpoolEntry[] {
    return this.entries;
  }

  oldest(): SpoolEntry | undefined {
    return this.entries[0];
  }

  /**
   * Writes a batch atomically. Older entries with the same key are returned (not removed) so the
   * caller can drop them unless they are being uploaded.
   */
  async add(key: string, body: Uint8Array): Promise<{ entry: SpoolEntry; superseded: SpoolEntry[] }> {
    const hash = hashOf(key);
    const name = `${String(this.now()).padStart(15, '0')}-${String(this.seq++ % 1_000_000).padStart(6, '0')}-${hash}.batch`;
    const file = path.join(this.dir, name);
    const tmp = path.join(this.dir, `.tmp-${randomBytes(6).toString('hex')}`);
    const header = Buffer.from(`${MAGIC}${key}\n`, 'utf8');
    const fh = await open(tmp, 'w');
    try {
      await fh.writev([header, body]);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
    const entry = { file, key, bytes: header.length + body.byteLength };
    const superseded = this.entries.filter((e) => e.key === key);
    this.entries.push(entry);
    this.totalBytes += entry.bytes;
    return { entry, superseded };
  }

  /** The object body of a spooled batch, or null when the file is gone or unreadable. */
  async body(entry: SpoolEntry): Promise<Uint8Array | null> {
    let raw: Buffer;
    try {
      raw = await readFile(entry.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const nl = raw.indexOf(0x0a);
    if (nl < 0 || !raw.subarray(0, MAGIC.length).equals(Buffer.from(MAGIC))) return null;
    return raw.subarray(nl + 1);
  }

  async remove(entry: SpoolEntry): Promise<void> {
    const i = this.entries.indexOf(entry);
    if (i >= 0) {
      this.entries.splice(i, 1);
      this.totalBytes -= entry.bytes;
    }
    await rm(entry.file, { force: true });
  }
}

function hashOf(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

async function readKey(file: string): Promise<string | null> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const head = buf.subarray(0, bytesRead);
    const nl = head.indexOf(0x0a);
    if (nl < 0) return null;
    const line = head.subarray(0, nl).toString('utf8');
    if (!line.startsWith(MAGIC)) return null;
    const key = line.slice(MAGIC.length);
    return key.length > 0 ? key : null;
  } finally {
    await fh.close();
  }
}
