import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openObjectStore } from '../../adapters/storage/index.js';
import { parseS3Url, S3ObjectStore } from '../../adapters/storage/s3.js';
import { assertPagination, assertRoundTrip } from './conformance.js';
import { type LocalS3, S3RVER_CREDENTIALS, startS3rver } from './servers.js';

let s3: LocalS3;
const storeUrl = () =>
  `s3://ownercost/agents/prod?endpoint=${s3.endpoint}&forcePathStyle=true&region=us-east-1`;

beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(async () => {
  await s3.stop();
});

describe('S3ObjectStore against s3rver', () => {
  it('round-trips put, get, list and delete, and returns null for a missing key', async () => {
    const store = new S3ObjectStore(storeUrl(), { credentials: S3RVER_CREDENTIALS });
    await assertRoundTrip(store);
    store.destroy();
  });

  it('keeps every key under the URL prefix in the bucket', async () => {
    const store = new S3ObjectStore(storeUrl(), { credentials: S3RVER_CREDENTIALS });
    await store.put('a/b.txt', new Uint8Array([1]));
    const raw = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: S3RVER_CREDENTIALS,
    });
    const res = await raw.send(new ListObjectsV2Command({ Bucket: 'ownercost', Prefix: 'agents/' }));
    expect(res.Contents?.map((o) => o.Key)).toContain('agents/prod/a/b.txt');
    await store.delete('a/b.txt');
    raw.destroy();
    store.destroy();
  });

  it('lists across pages by continuation token, in lexical order, with nothing lost or repeated', async () => {
    // 1000+ keys cost s3rver ~8 s of metadata files; a small page size exercises the same path.
    const store = new S3ObjectStore(storeUrl(), { credentials: S3RVER_CREDENTIALS, pageSize: 7 });
    await assertPagination(store, 45);
    store.destroy();
  });

  it('is chosen by openObjectStore for s3:// URLs, with the SDK loaded on first use', async () => {
    const store = openObjectStore(storeUrl(), { s3: { credentials: S3RVER_CREDENTIALS } });
    expect(store.url).toBe('s3://ownercost/agents/prod');
    await store.put('lazy.txt', new Uint8Array([42]));
    expect([...((await store.get('lazy.txt')) ?? [])]).toEqual([42]);
    await store.delete('lazy.txt');
  });

  it('names the adapter, action and key on failure, and never the secret', async () => {
    const store = new S3ObjectStore(
      `s3://no-such-bucket/p?endpoint=${s3.endpoint}&forcePathStyle=true&region=us-east-1`,
      { credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER-SECRET-VALUE' }, maxAttempts: 1 },
    );
    const err = await store.put('x/y.ndjson.gz', new Uint8Array([1])).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      /^S3ObjectStore: put failed for s3:\/\/no-such-bucket\/p\/x\/y\.ndjson\.gz/,
    );
    expect((err as Error).message).toContain('NoSuchBucket');
    expect((err as Error).message).not.toContain('SECRET');
    store.destroy();
  });
});

describe('parseS3Url', () => {
  it('reads bucket, prefix and the non-secret settings', () => {
    expect(parseS3Url('s3://b/x/y/?endpoint=http://h:1&region=eu-west-1&forcePathStyle=true')).toEqual({
      bucket: 'b',
      prefix: 'x/y',
      endpoint: 'http://h:1',
      region: 'eu-west-1',
      forcePathStyle: true,
    });
    expect(parseS3Url('s3://b')).toEqual({ bucket: 'b', prefix: '' });
  });

  it.each([
    ['s3://key:secret@b/p', /credentials do not belong/],
    ['s3://b/p?accessKey=x', /unknown URL parameter "accessKey"/],
    ['s3:///p', /missing bucket/],
  ])('refuses %s', (url, message) => {
    expect(() => parseS3Url(url)).toThrow(message);
  });
});

describe('openObjectStore', () => {
  it.each([
    ['s3://b/p?secret=1', /unknown s3:\/\/ URL parameter "secret"/],
    ['gs://b/p?x=1', /unknown gs:\/\/ URL parameter "x"/],
    ['azblob://account', /expected azblob:\/\/<account>\/<container>/],
    ['ftp://host/x', /unknown store scheme "ftp:\/\/"/],
    ['gs://user:pw@b/p', /credentials do not belong/],
  ])('refuses %s at once', (url, message) => {
    expect(() => openObjectStore(url)).toThrow(message);
  });

  it('gives each store a canonical URL without settings', () => {
    expect(openObjectStore('gs://bkt/a/b/?apiEndpoint=http://x').url).toBe('gs://bkt/a/b');
    expect(openObjectStore('azblob://acct/cont/pre?endpoint=http://x').url).toBe('azblob://acct/cont/pre');
  });
});
