/**
 * Chooses an ObjectStore adapter by URL scheme: a folder or `file://`, `s3://bucket/prefix`,
 * `gs://bucket/prefix`, `azblob://account/container/prefix`.
 *
 * The cloud SDKs are loaded on the first call to a cloud store, so commands that only touch local
 * folders do not pay for them. The URL is checked here, synchronously, so a typo fails at startup.
 */
import type { ObjectStore } from '../../core/ports.js';
import { UsageError } from '../../core/schema/errors.js';
import type { AzureBlobStoreOptions } from './azureBlob.js';
import { FsObjectStore } from './fs.js';
import type { GcsStoreOptions } from './gcs.js';
import type { S3StoreOptions } from './s3.js';

export interface OpenObjectStoreOptions {
  s3?: S3StoreOptions;
  gcs?: GcsStoreOptions;
  azure?: AzureBlobStoreOptions;
}

const ALLOWED_PARAMS: Record<string, readonly string[]> = {
  s3: ['endpoint', 'region', 'forcePathStyle'],
  gs: ['apiEndpoint', 'projectId'],
  azblob: ['endpoint'],
};

export function openObjectStore(url: string, options: OpenObjectStoreOptions = {}): ObjectStore {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (!scheme || scheme === 'file') return new FsObjectStore(url);
  const allowed = ALLOWED_PARAMS[scheme];
  if (!allowed) {
    throw new UsageError(
      `openObjectStore: unknown store scheme "${scheme}://" (use file://, s3://, gs:// or azblob://)`,
    );
  }
  const shown = url.replace(/\?.*$/, '');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`openObjectStore: not a valid URL: ${shown}`);
  }
  if (parsed.username || parsed.password) {
    throw new UsageError(`openObjectStore: credentials do not belong in the store URL (${scheme}://…)`);
  }
  for (const k of parsed.searchParams.keys()) {
    if (!allowed.includes(k)) {
      throw new UsageError(
        `openObjectStore: unknown ${scheme}:// URL parameter "${k}" (allowed: ${allowed.join(', ')})`,
      );
    }
  }
  if (!parsed.hostname) throw new UsageError(`openObjectStore: missing bucket or account in ${shown}`);
  const path = parsed.pathname.replace(/^\/+|\/+$/g, '');
  if (scheme === 'azblob' && !path) {
    throw new UsageError(`openObjectStore: expected azblob://<account>/<container>[/prefix], got ${shown}`);
  }
  const canonical = `${scheme}://${parsed.hostname}${path ? `/${path}` : ''}`;
  return new LazyObjectStore(canonical, async () => {
    if (scheme === 's3') return new (await import('./s3.js')).S3ObjectStore(url, options.s3);
    if (scheme === 'gs') return new (await import('./gcs.js')).GcsObjectStore(url, options.gcs);
    return new (await import('./azureBlob.js')).AzureBlobObjectStore(url, options.azure);
  });
}

/** Defers loading an adapter (and its SDK) until the first call. */
class LazyObjectStore implements ObjectStore {
  private inner: Promise<ObjectStore> | undefined;

  constructor(
    readonly url: string,
    private readonly load: () => Promise<ObjectStore>,
  ) {}

  private store(): Promise<ObjectStore> {
    this.inner ??= this.load();
    return this.inner;
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    return (await this.store()).put(key, body);
  }

  async get(key: string): Promise<Uint8Array | null> {
    return (await this.store()).get(key);
  }

  async *list(prefix: string): AsyncIterable<string> {
    yield* (await this.store()).list(prefix);
  }

  async delete(key: string): Promise<void> {
    return (await this.store()).delete(key);
  }
}
