/**
 * ObjectStore over a Cloud Storage bucket: `gs://bucket/prefix[?apiEndpoint=…&projectId=…]`.
 *
 * Credentials come from Application Default Credentials (GKE Workload Identity, a mounted key via
 * GOOGLE_APPLICATION_CREDENTIALS, gcloud), never from the URL. A custom `apiEndpoint` (a local
 * server speaking the JSON API) is used without authentication, as the client library does.
 */
import { type File, Storage, type StorageOptions } from '@google-cloud/storage';
import type { ObjectStore } from '../../core/ports.js';
import { OwnercostError, UsageError } from '../../core/schema/errors.js';

export interface GcsStoreOptions {
  /** JSON API root, e.g. `http://127.0.0.1:4443`. Overrides the URL's `apiEndpoint`. */
  apiEndpoint?: string;
  projectId?: string;
  /** Objects per list page (the API caps it at 1000). */
  pageSize?: number;
  /** A ready client (tests, shared pools); the other client settings are then ignored. */
  storage?: Storage;
}

export interface GcsLocation {
  bucket: string;
  prefix: string;
  apiEndpoint?: string;
  projectId?: string;
}

export function parseGcsUrl(url: string): GcsLocation {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`GcsObjectStore: not a URL: ${url.replace(/\?.*$/, '')}`);
  }
  if (parsed.protocol !== 'gs:')
    throw new UsageError(`GcsObjectStore: expected gs://, got ${parsed.protocol}//`);
  if (parsed.username || parsed.password) {
    throw new UsageError('GcsObjectStore: credentials do not belong in the store URL; use ADC');
  }
  const bucket = parsed.hostname;
  if (!bucket) throw new UsageError(`GcsObjectStore: missing bucket in ${url.replace(/\?.*$/, '')}`);
  for (const k of parsed.searchParams.keys()) {
    if (k !== 'apiEndpoint' && k !== 'projectId') {
      throw new UsageError(`GcsObjectStore: unknown URL parameter "${k}" (use apiEndpoint, projectId)`);
    }
  }
  const loc: GcsLocation = {
    bucket,
    prefix: decodeURIComponent(parsed.pathname).replace(/^\/+|\/+$/g, ''),
  };
  const apiEndpoint = parsed.searchParams.get('apiEndpoint');
  if (apiEndpoint) loc.apiEndpoint = apiEndpoint;
  const projectId = parsed.searchParams.get('projectId');
  if (projectId) loc.projectId = projectId;
  return loc;
}

export class GcsObjectStore implements ObjectStore {
  readonly url: string;
  readonly bucketName: string;
  readonly prefix: string;
  private readonly storage: Storage;
  private readonly pageSize: number;

  constructor(url: string, options: GcsStoreOptions = {}) {
    const loc = parseGcsUrl(url);
    this.bucketName = loc.bucket;
    this.prefix = loc.prefix;
    this.url = `gs://${loc.bucket}${loc.prefix ? `/${loc.prefix}` : ''}`;
    this.pageSize = Math.max(1, Math.min(1000, options.pageSize ?? 1000));
    if (options.storage) {
      this.storage = options.storage;
    } else {
      const config: StorageOptions = {};
      const apiEndpoint = options.apiEndpoint ?? loc.apiEndpoint;
      if (apiEndpoint) config.apiEndpoint = apiEndpoint;
      const projectId = options.projectId ?? loc.projectId;
      if (projectId) config.projectId = projectId;
      this.storage = new Storage(config);
    }
  }

  private fullKey(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  private file(key: string): File {
    return this.storage.bucket(this.bucketName).file(this.fullKey(key));
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    try {
      // One request per object: batches are small, and a resumable session costs two round trips.
      await this.file(key).save(Buffer.from(body.buffer, body.byteOffset, body.byteLength), {
        resumable: false,
        contentType: 'application/octet-stream',
      });
    } catch (err) {
      throw this.fail('put', key, err);
    }
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      const [data] = await this.file(key).download();
      return data;
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw this.fail('get', key, err);
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    const bucket = this.storage.bucket(this.bucketName);
    const strip = this.prefix ? this.prefix.length + 1 : 0;
    let pageToken: string | undefined;
    do {
      let files: File[];
      let next: { pageToken?: string } | null | undefined;
      try {
        const res = await bucket.getFiles({
          prefix: this.fullKey(prefix),
          autoPaginate: false,
          maxResults: this.pageSize,
          ...(pageToken ? { pageToken } : {}),
        });
        files = res[0];
        next = res[1] as { pageToken?: string } | null | undefined;
      } catch (err) {
        throw this.fail('list', prefix, err);
      }
      for (const f of files) yield f.name.slice(strip);
      pageToken = next?.pageToken;
    } while (pageToken);
  }

  async delete(key: string): Promise<void> {
    try {
      await this.file(key).delete({ ignoreNotFound: true });
    } catch (err) {
      throw this.fail('delete', key, err);
    }
  }

  private fail(action: string, key: string, err: unknown): OwnercostError {
    const e = err as { code?: number | string; name?: string; message?: string };
    const parts = [e?.name, e?.code !== undefined ? `code ${e.code}` : undefined]
      .concat(typeof e?.message === 'string' ? [e.message.split('\n')[0]?.slice(0, 200)] : [])
      .filter(Boolean);
    return new OwnercostError(
      `GcsObjectStore: ${action} failed for gs://${this.bucketName}/${this.fullKey(key)} (${parts.join(': ')})`,
      { cause: err },
    );
  }
}

function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}
