import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AzureBlobObjectStore, parseAzureBlobUrl } from '../../adapters/storage/azureBlob.js';
import { openObjectStore } from '../../adapters/storage/index.js';
import { assertPagination, assertRoundTrip } from './conformance.js';
import { AZURITE_ACCOUNT, type LocalAzurite, startAzurite } from './servers.js';

let az: LocalAzurite;

beforeAll(async () => {
  az = await startAzurite();
  const service = BlobServiceClient.fromConnectionString(az.connectionString);
  await service.getContainerClient('snapshots').create();
});
afterAll(async () => {
  await az.stop();
});

const url = (prefix: string) => `azblob://${AZURITE_ACCOUNT}/snapshots/${prefix}`;

describe('AzureBlobObjectStore against Azurite', () => {
  it('round-trips put, get, list and delete with a connection string, and returns null for a missing key', async () => {
    const store = new AzureBlobObjectStore(url('agents/prod'), { connectionString: az.connectionString });
    await assertRoundTrip(store);
  });

  it('resolves an env: reference to the connection string', async () => {
    const store = new AzureBlobObjectStore(url('ref'), {
      connectionString: 'env:OC_TEST_AZ_CS',
      env: { OC_TEST_AZ_CS: az.connectionString },
    });
    await store.put('k', new Uint8Array([3]));
    expect([...((await store.get('k')) ?? [])]).toEqual([3]);
    const service = BlobServiceClient.fromConnectionString(az.connectionString);
    const names: string[] = [];
    for await (const b of service.getContainerClient('snapshots').listBlobsFlat({ prefix: 'ref/' })) {
      names.push(b.name);
    }
    expect(names).toEqual(['ref/k']);
  });

  it('uses the standard AZURE_STORAGE_CONNECTION_STRING variable when no option is given', async () => {
    const store = openObjectStore(url('std'), {
      azure: { env: { AZURE_STORAGE_CONNECTION_STRING: az.connectionString } },
    });
    await store.put('k', new Uint8Array([4]));
    expect([...((await store.get('k')) ?? [])]).toEqual([4]);
  });

  it('lists across pages with a small page size', async () => {
    const store = new AzureBlobObjectStore(url('paged'), {
      connectionString: az.connectionString,
      pageSize: 6,
    });
    await assertPagination(store, 40);
  });

  it('names the adapter, action and key on failure, and never the account key', async () => {
    const store = new AzureBlobObjectStore(`azblob://${AZURITE_ACCOUNT}/no-such-container/p`, {
      connectionString: az.connectionString,
    });
    const err = (await store.put('a/b', new Uint8Array([1])).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(
      /^AzureBlobObjectStore: put failed for azblob:\/\/devstoreaccount1\/no-such-container\/p\/a\/b/,
    );
    expect(err.message).toContain('ContainerNotFound');
    expect(err.message).not.toContain('Eby8vdM02x');
  });

  it('refuses a connection string for another account', async () => {
    const store = new AzureBlobObjectStore('azblob://otheraccount/snapshots', {
      connectionString: az.connectionString,
    });
    await expect(store.get('k')).rejects.toThrow(/connection string is for account "devstoreaccount1"/);
  });

  it('parses account, container and prefix from the URL', () => {
    expect(parseAzureBlobUrl('azblob://acct/cont/a/b/?endpoint=http://h:1/acct/')).toEqual({
      account: 'acct',
      container: 'cont',
      prefix: 'a/b',
      endpoint: 'http://h:1/acct',
    });
    expect(() => parseAzureBlobUrl('azblob://acct/cont?sig=abc')).toThrow(/unknown URL parameter "sig"/);
  });
});
