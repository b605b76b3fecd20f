import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GcsObjectStore, parseGcsUrl } from '../../adapters/storage/gcs.js';
import { openObjectStore } from '../../adapters/storage/index.js';
import { assertPagination, assertRoundTrip } from './conformance.js';
import { type FakeGcs, startFakeGcs } from './fakeGcsServer.js';

// No GCS emulator runs here: the real @google-cloud/storage client talks HTTP to a local server
// implementing the JSON API subset it uses (multipart upload, list with pageToken, alt=media, delete).
let gcs: FakeGcs;

beforeAll(async () => {
  gcs = await startFakeGcs(['ownercost']);
});
afterAll(async () => {
  await gcs.close();
});

describe('GcsObjectStore against a local JSON API server', () => {
  it('round-trips put, get, list and delete, and returns null for a missing key', async () => {
    const store = new GcsObjectStore(`gs://ownercost/agents/prod?apiEndpoint=${gcs.endpoint}`);
    await assertRoundTrip(store);
    // One simple (multipart) request per put, no resumable session.
    expect(
      gcs.requests.some((r) => r.startsWith('POST /upload/storage/v1/b/ownercost/o?uploadType=multipart')),
    ).toBe(true);
    expect(gcs.requests.some((r) => r.includes('uploadType=resumable'))).toBe(false);
  });

  it('keeps keys under the URL prefix', async () => {
    const store = new GcsObjectStore(`gs://ownercost/agents/prod?apiEndpoint=${gcs.endpoint}`);
    await store.put('x.bin', new Uint8Array([1]));
    expect([...(gcs.buckets.get('ownercost')?.keys() ?? [])]).toContain('agents/prod/x.bin');
    await store.delete('x.bin');
  });

  it('lists across pages by pageToken', async () => {
    const store = new GcsObjectStore(`gs://ownercost/paged?apiEndpoint=${gcs.endpoint}`, { pageSize: 6 });
    await assertPagination(store, 40);
    expect(gcs.requests.some((r) => r.includes('pageToken='))).toBe(true);
  });

  it('is chosen by openObjectStore for gs:// URLs', async () => {
    const store = openObjectStore(`gs://ownercost/lazy?apiEndpoint=${gcs.endpoint}`);
    await store.put('k', new Uint8Array([9]));
    expect([...((await store.get('k')) ?? [])]).toEqual([9]);
  });

  it('names the adapter, action and key on failure', async () => {
    const store = new GcsObjectStore(`gs://missing-bucket/p?apiEndpoint=${gcs.endpoint}`);
    await expect(store.put('a/b', new Uint8Array([1]))).rejects.toThrow(
      /^GcsObjectStore: put failed for gs:\/\/missing-bucket\/p\/a\/b/,
    );
  });

  it('parses bucket, prefix and settings from the URL', () => {
    expect(parseGcsUrl('gs://b/x/y/?apiEndpoint=http://h:1&projectId=p')).toEqual({
      bucket: 'b',
      prefix: 'x/y',
      apiEndpoint: 'http://h:1',
      projectId: 'p',
    });
    expect(() => parseGcsUrl('gs://b/p?key=1')).toThrow(/unknown URL parameter "key"/);
  });
});
