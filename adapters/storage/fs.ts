/** ObjectStore over a local folder (`file://` URLs or plain paths). */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ObjectStore } from '../../core/ports.js';

export class FsObjectStore implements ObjectStore {
  readonly url: string;
  readonly root: string;

  constructor(rootPathOrUrl: string) {
    this.root = path.resolve(
      rootPathOrUrl.startsWith('file:') ? fileURLToPath(rootPathOrUrl) : rootPathOrUrl,
    );
    this.url = pathToFileURL(this.root).href;
  }

  localPath(key: string): string {
    const p = path.resolve(this.root, key);
    if (p !== this.root && !p.startsWith(this.root + path.sep)) {
      throw new Error(`FsObjectStore: key escapes the store root: ${JSON.stringify(key)}`);
    }
    return p;
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    const p = this.localPath(key);
    await mkdir(path.dirname(p), { recursive: true });
    // Write then rename, so a reader never sees half an object.
    const tmp = `${p}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    await writeFile(tmp, body);
    await rename(tmp, p);
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      return await readFile(this.localPath(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new Error(`FsObjectStore: read failed for ${key}`, { cause: err });
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    // Walk only the directories that can hold keys under the prefix.
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash >= 0 ? prefix.slice(0, slash + 1) : '';
    const keys: string[] = [];
    const walk = async (relDir: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(this.localPath(relDir || '.'), { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for (const e of entries) {
        const rel = `${relDir}${e.name}`;
        if (e.isDirectory()) {
          if (prefix.startsWith(`${rel}/`) || rel.startsWith(prefix)) await walk(`${rel}/`);
        } else if (rel.startsWith(prefix) && !e.name.includes('.tmp-')) {
          keys.push(rel);
        }
      }
    };
    await walk(dirKey);
    keys.sort();
    yield* keys;
  }

  async delete(key: string): Promise<void> {
    await rm(this.localPath(key), { force: true });
  }
}
