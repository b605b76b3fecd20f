/**
 * ObjectStore over an S3 bucket: `s3://bucket/prefix[?endpoint=…&region=…&forcePathStyle=true]`.
 *
 * Credentials come from the SDK's default provider chain (environment, shared config, web
 * identity token for IRSA, EKS Pod Identity, instance metadata), never from the URL. The query
 * holds only non-secret settings, so an S3-compatible server (MinIO, s3rver) can be addressed
 * with the same URL shape.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { ObjectStore } from '../../core/ports.js';
import { OwnercostError, UsageError } from '../../core/schema/errors.js';

export interface S3StoreOptions {
  /** A custom endpoint (S3-compatible servers, VPC endpoints). Overrides the URL's `endpoint`. */
  endpoint?: string;
  /** Overrides the URL's `region`; otherwise the SDK resolves it (AWS_REGION, profile, IMDS). */
  region?: string;
  /** Path-style addressing (`endpoint/bucket/key`), needed by most local servers. */
  forcePathStyle?: boolean;
  /** Explicit credentials; by default the SDK's provider chain (IRSA, Pod Identity, …). */
  credentials?: S3ClientConfig['credentials'];
  /** SDK attempts per request (default: the SDK's standard retry mode, 3). */
  maxAttempts?: number;
  /** Keys per list page (S3 caps it at 1000). */
  pageSize?: number;
  /** A ready client (tests, shared connection pools); the other client settings are then ignored. */
  client?: S3Client;
}

export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing `/`, possibly empty. */
  prefix: string;
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
}

/** Parses `s3://bucket/prefix?endpoint=…&region=…&forcePathStyle=true`. */
export function parseS3Url(url: string): S3Location {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`S3ObjectStore: not a URL: ${redactUrl(url)}`);
  }
  if (parsed.protocol !== 's3:')
    throw new UsageError(`S3ObjectStore: expected s3://, got ${parsed.protocol}//`);
  if (parsed.username || parsed.password) {
    throw new UsageError(
      'S3ObjectStore: credentials do not belong in the store URL; use the AWS provider chain',
    );
  }
  const bucket = parsed.hostname;
  if (!bucket) throw new UsageError(`S3ObjectStore: missing bucket in ${redactUrl(url)}`);
  const q = parsed.searchParams;
  for (const k of q.keys()) {
    if (!['endpoint', 'region', 'forcePathStyle'].includes(k)) {
      throw new UsageError(
        `S3ObjectStore: unknown URL parameter "${k}" (use endpoint, region, forcePathStyle)`,
      );
    }
  }
  const loc: S3Location = { bucket, prefix: trimSlashes(decodeURIComponent(parsed.pathname)) };
  const endpoint = q.get('endpoint');
  if (endpoint) loc.endpoint = endpoint;
  const region = q.get('region');
  if (region) loc.region = region;
  const fps = q.get('forcePathStyle');
  if (fps !== null) loc.forcePathStyle = fps === '' || fps === 'true' || fps === '1';
  return loc;
}

export class S3ObjectStore implements ObjectStore {
  readonly url: string;
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly pageSize: number;

  constructor(url: string, options: S3StoreOptions = {}) {
    const loc = parseS3Url(url);
    this.bucket = loc.bucket;
    this.prefix = loc.prefix;
    this.url = `s3://${loc.bucket}${loc.prefix ? `/${loc.prefix}` : ''}`;
    this.pageSize = Math.max(1, Math.min(1000, options.pageSize ?? 1000));
    if (options.client) {
      this.client = options.client;
    } else {
      const endpoint = options.endpoint ?? loc.endpoint;
      const config: S3ClientConfig = {};
      if (endpoint) {
        config.endpoint = endpoint;
        // A local or S3-compatible server: checksums only when the API requires them, or streamed
        // puts are stored with aws-chunked framing by servers that do not speak it.
        config.requestChecksumCalculation = 'WHEN_REQUIRED';
        config.responseChecksumValidation = 'WHEN_REQUIRED';
      }
      const region = options.region ?? loc.region ?? (endpoint ? 'us-east-1' : undefined);
      if (region) config.region = region;
      const forcePathStyle = options.forcePathStyle ?? loc.forcePathStyle;
      if (forcePathStyle !== undefined) config.forcePathStyle = forcePathStyle;
      if (options.credentials) config.credentials = options.credentials;
      if (options.maxAttempts !== undefined) config.maxAttempts = options.maxAttempts;
      this.client = new S3Client(config);
    }
  }

  private fullKey(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.fullKey(key),
          Body: body,
          ContentLength: body.byteLength,
          ContentType: 'application/octet-stream',
        }),
      );
    } catch (err) {
      throw this.fail('put', key, err);
    }
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      const res = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }),
      );
      if (!res.Body) return new Uint8Array();
      return await res.Body.transformToByteArray();
    } catch (err) {
      if (isNotFound(err)) return null;
      throw this.fail('get', key, err);
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    const full = this.fullKey(prefix);
    const strip = this.prefix ? this.prefix.length + 1 : 0;
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: full,
            MaxKeys: this.pageSize,
            ContinuationToken: token,
          }),
        );
      } catch (err) {
        throw this.fail('list', prefix, err);
      }
      for (const obj of page.Contents ?? []) {
        if (obj.Key !== undefined) yield obj.Key.slice(strip);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }));
    } catch (err) {
      if (isNotFound(err)) return;
      throw this.fail('delete', key, err);
    }
  }

  /** Releases the client's sockets. */
  destroy(): void {
    this.client.destroy();
  }

  private fail(action: string, key: string, err: unknown): OwnercostError {
    return new OwnercostError(
      `S3ObjectStore: ${action} failed for s3://${this.bucket}/${this.fullKey(key)} (${describeS3Error(err)})`,
      { cause: err },
    );
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

/** Error name, HTTP status and network code; SDK messages never carry the secret key, but keep it short. */
function describeS3Error(err: unknown): string {
  const e = err as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const parts: string[] = [];
  if (e?.name) parts.push(e.name);
  if (e?.code && e.code !== e.name) parts.push(e.code);
  if (e?.$metadata?.httpStatusCode) parts.push(`HTTP ${e.$metadata.httpStatusCode}`);
  const msg = typeof e?.message === 'string' ? e.message.split('\n')[0]?.slice(0, 200) : undefined;
  if (msg && !parts.includes(msg)) parts.push(msg);
  return parts.join(': ') || String(err);
}

function trimSlashes(s: string): string {
  return s.replace(/^\/+|\/+$/g, '');
}

function redactUrl(url: string): string {
  return url.replace(/\?.*$/, '').replace(/\/\/[^@/]*@/, '//');
}
