/**
 * A small HTTP server speaking the subset of the Cloud Storage JSON API that
 * @google-cloud/storage uses for simple uploads, downloads, listing and deletes. No GCS emulator
 * runs on this machine, so the real client is pointed at this with `apiEndpoint`.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CRC32C } from '@google-cloud/storage';

interface StoredObject {
  data: Buffer;
  contentType: string;
  generation: number;
}

export interface FakeGcs {
  endpoint: string;
  buckets: Map<string, Map<string, StoredObject>>;
  requests: string[];
  close(): Promise<void>;
}

export async function startFakeGcs(bucketNames: readonly string[]): Promise<FakeGcs> {
  const buckets = new Map<string, Map<string, StoredObject>>(bucketNames.map((b) => [b, new Map()]));
  const requests: string[] = [];
  let generation = 1;

  const metadata = (bucket: string, name: string, o: StoredObject) => {
    const crc = new CRC32C();
    crc.update(o.data);
    return {
      kind: 'storage#object',
      id: `${bucket}/${name}/${o.generation}`,
      name,
      bucket,
      generation: String(o.generation),
      metageneration: '1',
      contentType: o.contentType,
      size: String(o.data.length),
      md5Hash: createHash('md5').update(o.data).digest('base64'),
      crc32c: crc.toString(),
      updated: new Date(0).toISOString(),
    };
  };

  const sendJson = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(text);
  };
  const notFound = (res: ServerResponse, message: string) =>
    sendJson(res, 404, { error: { code: 404, message, errors: [{ reason: 'notFound', message }] } });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);

    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (upload && req.method === 'POST') {
      const objects = buckets.get(decodeURIComponent(upload[1] ?? ''));
      if (!objects) return notFound(res, 'The specified bucket does not exist.');
      const type = url.searchParams.get('uploadType');
      let name: string | undefined;
      let data: Buffer;
      let contentType = 'application/octet-stream';
      if (type === 'media') {
        name = url.searchParams.get('name') ?? undefined;
        data = body;
        contentType = req.headers['content-type'] ?? contentType;
      } else if (type === 'multipart') {
        const boundary = /boundary="?([^";]+)"?/.exec(req.headers['content-type'] ?? '')?.[1];
        if (!boundary) return sendJson(res, 400, { error: { code: 400, message: 'no boundary' } });
        const parts = splitMultipart(body, boundary);
        const meta = JSON.parse(parts[0]?.body.toString('utf8') ?? '{}') as {
          name?: string;
          contentType?: string;
        };
        name = meta.name ?? url.searchParams.get('name') ?? undefined;
        data = parts[1]?.body ?? Buffer.alloc(0);
        contentType = meta.contentType ?? parts[1]?.headers['content-type'] ?? contentType;
      } else {
        return sendJson(res, 400, { error: { code: 400, message: `unsupported uploadType ${type}` } });
      }
      if (!name) return sendJson(res, 400, { error: { code: 400, message: 'missing name' } });
      const o = { data, contentType, generation: generation++ };
      objects.set(name, o);
      return sendJson(res, 200, metadata(decodeURIComponent(upload[1] ?? ''), name, o));
    }

    const list = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (list && req.method === 'GET') {
      const bucket = decodeURIComponent(list[1] ?? '');
      const objects = buckets.get(bucket);
      if (!objects) return notFound(res, 'The specified bucket does not exist.');
      const prefix = url.searchParams.get('prefix') ?? '';
      const max = Number(url.searchParams.get('maxResults') ?? 1000);
      const after = url.searchParams.get('pageToken');
      const names = [...objects.keys()]
        .filter((n) => n.startsWith(prefix))
        .sort()
        .filter((n) => after === null || n > Buffer.from(after, 'base64url').toString('utf8'));
      const page = names.slice(0, max);
      const out: Record<string, unknown> = {
        kind: 'storage#objects',
        items: page.map((n) => metadata(bucket, n, objects.get(n) as StoredObject)),
      };
      const last = page.at(-1);
      if (names.length > max && last !== undefined)
        out.nextPageToken = Buffer.from(last).toString('base64url');
      return sendJson(res, 200, out);
    }

    const one = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname);
    if (one) {
      const bucket = decodeURIComponent(one[1] ?? '');
      const name = decodeURIComponent(one[2] ?? '');
      const objects = buckets.get(bucket);
      const o = objects?.get(name);
      if (req.method === 'DELETE') {
        if (!o) return notFound(res, `No such object: ${bucket}/${name}`);
        objects?.delete(name);
        res.writeHead(204);
        return res.end();
      }
      if (req.method === 'GET') {
        if (!o) return notFound(res, `No such object: ${bucket}/${name}`);
        const meta = metadata(bucket, name, o);
        if (url.searchParams.get('alt') === 'media') {
          res.writeHead(200, {
            'content-type': o.contentType,
            'content-length': String(o.data.length),
            'x-goog-hash': `crc32c=${meta.crc32c},md5=${meta.md5Hash}`,
            'x-goog-generation': String(o.generation),
            'x-goog-stored-content-encoding': 'identity',
          });
          return res.end(o.data);
        }
        return sendJson(res, 200, meta);
      }
    }
    sendJson(res, 404, { error: { code: 404, message: `not implemented: ${req.method} ${url.pathname}` } });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    buckets,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function splitMultipart(body: Buffer, boundary: string): { headers: Record<string, string>; body: Buffer }[] {
  const delim = Buffer.from(`--${boundary}`);
  const parts: { headers: Record<string, string>; body: Buffer }[] = [];
  let pos = body.indexOf(delim);
  while (pos >= 0) {
    const start = pos + delim.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delim, start);
    if (next < 0) break;
    // Each part: CRLF, headers, CRLF CRLF, body, CRLF.
    const raw = body.subarray(start + 2, next - 2);
    const sep = raw.indexOf('\r\n\r\n');
    const headerText = sep >= 0 ? raw.subarray(0, sep).toString('utf8') : '';
    const headers: Record<string, string> = {};
    for (const line of headerText.split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    parts.push({ headers, body: sep >= 0 ? raw.subarray(sep + 4) : raw });
    pos = next;
  }
  return parts;
}
