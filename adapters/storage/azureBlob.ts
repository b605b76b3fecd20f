/**
 * ObjectStore over an Azure Blob container: `azblob://account/container/prefix[?endpoint=…]`.
 *
 * Credentials, first match wins (secrets are given as `env:NAME` references or values in the
 * options object, never in the URL):
 * 1. `options.credential` (any Azure TokenCredential or StorageSharedKeyCredential);
 * 2. `options.connectionString`, then the `AZURE_STORAGE_CONNECTION_STRING` environment variable;
 * 3. `options.sasToken`, then `AZURE_STORAGE_SAS_TOKEN`;
 * 4. `options.accountKey`, then `AZURE_STORAGE_KEY`;
 * 5. `DefaultAzureCredential` from `@azure/identity` (AKS Workload Identity, managed identity),
 *    loaded only when that package is installed: it is not a dependency of ownercost yet.
 */
import {
  AnonymousCredential,
  BlobServiceClient,
  type ContainerClient,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import type { ObjectStore } from '../../core/ports.js';
import { OwnercostError, UsageError } from '../../core/schema/errors.js';

type BlobCredential = ConstructorParameters<typeof BlobServiceClient>[1];

export interface AzureBlobStoreOptions {
  /** Account endpoint, e.g. `http://127.0.0.1:10000/devstoreaccount1`; default `https://<account>.blob.core.windows.net`. */
  endpoint?: string;
  credential?: BlobCredential;
  /** A connection string, or `env:NAME`. */
  connectionString?: string;
  /** A SAS token (with or without the leading `?`), or `env:NAME`. */
  sasToken?: string;
  /** The account's shared key, or `env:NAME`. */
  accountKey?: string;
  /** Where `env:` references and the standard variables are read; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Blobs per list page (the service caps it at 5000). */
  pageSize?: number;
}

export interface AzureBlobLocation {
  account: string;
  container: string;
  prefix: string;
  endpoint?: string;
}

export function parseAzureBlobUrl(url: string): AzureBlobLocation {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`AzureBlobObjectStore: not a URL: ${url.replace(/\?.*$/, '')}`);
  }
  if (parsed.protocol !== 'azblob:') {
    throw new UsageError(`AzureBlobObjectStore: expected azblob://, got ${parsed.protocol}//`);
  }
  if (parsed.username || parsed.password) {
    throw new UsageError('AzureBlobObjectStore: credentials do not belong in the store URL');
  }
  for (const k of parsed.searchParams.keys()) {
    if (k !== 'endpoint') {
      throw new UsageError(
        `AzureBlobObjectStore: unknown URL parameter "${k}" (use endpoint; secrets go in options or AZURE_STORAGE_* variables)`,
      );
    }
  }
  const account = parsed.hostname;
  const [container = '', ...rest] = decodeURIComponent(parsed.pathname).replace(/^\/+/, '').split('/');
  if (!account || !container) {
    throw new UsageError(
      `AzureBlobObjectStore: expected azblob://<account>/<container>[/prefix], got ${url.replace(/\?.*$/, '')}`,
    );
  }
  const loc: AzureBlobLocation = { account, container, prefix: rest.join('/').replace(/^\/+|\/+$/g, '') };
  const endpoint = parsed.searchParams.get('endpoint');
  if (endpoint) loc.endpoint = endpoint.replace(/\/+$/, '');
  return loc;
}

export class AzureBlobObjectStore implements ObjectStore {
  readonly url: string;
  readonly account: string;
  readonly containerName: string;
  readonly prefix: string;
  private readonly options: AzureBlobStoreOptions;
  private readonly endpoint: string;
  private clientPromise: Promise<ContainerClient> | undefined;
  private readonly pageSize: number;

  constructor(url: string, options: AzureBlobStoreOptions = {}) {
    const loc = parseAzureBlobUrl(url);
    this.account = loc.account;
    this.containerName = loc.container;
    this.prefix = loc.prefix;
    this.options = options;
    this.endpoint = (
      options.endpoint ??
      loc.endpoint ??
      `https://${loc.account}.blob.core.windows.net`
    ).replace(/\/+$/, '');
    this.url = `azblob://${loc.account}/${loc.container}${loc.prefix ? `/${loc.prefix}` : ''}`;
    this.pageSize = Math.max(1, Math.min(5000, options.pageSize ?? 5000));
  }

  private container(): Promise<ContainerClient> {
    this.clientPromise ??= this.makeContainerClient();
    return this.clientPromise;
  }

  private async makeContainerClient(): Promise<ContainerClient> {
    const o = this.options;
    const env = o.env ?? process.env;
    if (o.credential) {
      return new BlobServiceClient(this.endpoint, o.credential).getContainerClient(this.containerName);
    }
    const cs = resolveRef(o.connectionString, env, 'connectionString') ?? env.AZURE_STORAGE_CONNECTION_STRING;
    if (cs) {
      const csAccount = /(?:^|;)\s*AccountName=([^;]+)/i.exec(cs)?.[1];
      if (csAccount && csAccount !== this.account) {
        throw new UsageError(
          `AzureBlobObjectStore: the connection string is for account "${csAccount}", the URL names "${this.account}"`,
        );
      }
      return BlobServiceClient.fromConnectionString(cs).getContainerClient(this.containerName);
    }
    const sas = resolveRef(o.sasToken, env, 'sasToken') ?? env.AZURE_STORAGE_SAS_TOKEN;
    if (sas) {
      return new BlobServiceClient(
        `${this.endpoint}?${sas.replace(/^\?/, '')}`,
        new AnonymousCredential(),
      ).getContainerClient(this.containerName);
    }
    const key = resolveRef(o.accountKey, env, 'accountKey') ?? env.AZURE_STORAGE_KEY;
    if (key) {
      return new BlobServiceClient(
        this.endpoint,
        new StorageSharedKeyCredential(this.account, key),
      ).getContainerClient(this.containerName);
    }
    const credential = await loadDefaultAzureCredential();
    if (!credential) {
      throw new UsageError(
        `AzureBlobObjectStore: no credential for account "${this.account}": set AZURE_STORAGE_CONNECTION_STRING, ` +
          'AZURE_STORAGE_SAS_TOKEN or AZURE_STORAGE_KEY, or install @azure/identity for workload identity',
      );
    }
    return new BlobServiceClient(this.endpoint, credential).getContainerClient(this.containerName);
  }

  private fullKey(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    try {
      const c = await this.container();
      await c.getBlockBlobClient(this.fullKey(key)).uploadData(body, {
        blobHTTPHeaders: { blobContentType: 'application/octet-stream' },
      });
    } catch (err) {
      throw this.fail('put', key, err);
    }
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      const c = await this.container();
      return await c.getBlobClient(this.fullKey(key)).downloadToBuffer();
    } catch (err) {
      if ((err as { statusCode?: number })?.statusCode === 404) return null;
      throw this.fail('get', key, err);
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    const strip = this.prefix ? this.prefix.length + 1 : 0;
    let c: ContainerClient;
    try {
      c = await this.container();
    } catch (err) {
      throw this.fail('list', prefix, err);
    }
    const pages = c.listBlobsFlat({ prefix: this.fullKey(prefix) }).byPage({ maxPageSize: this.pageSize });
    while (true) {
      let next: Awaited<ReturnType<typeof pages.next>>;
      try {
        next = await pages.next();
      } catch (err) {
        throw this.fail('list', prefix, err);
      }
      if (next.done) return;
      for (const item of next.value.segment.blobItems) yield item.name.slice(strip);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      const c = await this.container();
      await c.getBlobClient(this.fullKey(key)).deleteIfExists();
    } catch (err) {
      throw this.fail('delete', key, err);
    }
  }

  private fail(action: string, key: string, err: unknown): OwnercostError {
    if (err instanceof UsageError) return err;
    const e = err as { name?: string; code?: string; statusCode?: number; message?: string };
    const parts = [e?.name, e?.code, e?.statusCode ? `HTTP ${e.statusCode}` : undefined]
      .concat(typeof e?.message === 'string' ? [redact(e.message.split('\n')[0] ?? '').slice(0, 200)] : [])
      .filter(Boolean);
    return new OwnercostError(
      `AzureBlobObjectStore: ${action} failed for azblob://${this.account}/${this.containerName}/${this.fullKey(key)} (${parts.join(': ')})`,
      { cause: err },
    );
  }
}

/** `env:NAME` → the variable's value; a plain value passes through. */
function resolveRef(
  value: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  what: string,
): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!value.startsWith('env:')) return value;
  const name = value.slice(4);
  const resolved = env[name];
  if (!resolved)
    throw new UsageError(`AzureBlobObjectStore: ${what} references env:${name}, which is not set`);
  return resolved;
}

/** SAS signatures and keys may appear in SDK messages (request URLs); strip them. */
function redact(message: string): string {
  return message
    .replace(/([?&](?:sig|se|sp|sv|st|spr|srt|ss|sr|skoid|sktid|skt|ske|sks|skv)=)[^&\s"']*/gi, '$1…')
    .replace(/(AccountKey=)[^;\s"']*/gi, '$1…');
}

/** DefaultAzureCredential when @azure/identity is importable; undefined otherwise. */
async function loadDefaultAzureCredential(): Promise<BlobCredential | undefined> {
  // A variable specifier keeps the type checker and bundlers from requiring the package.
  const specifier = '@azure/identity';
  try {
    const mod = (await import(specifier)) as { DefaultAzureCredential?: new () => BlobCredential };
    return mod.DefaultAzureCredential ? new mod.DefaultAzureCredential() : undefined;
  } catch {
    return undefined;
  }
}
