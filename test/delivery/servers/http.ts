/** A tiny JSON/form HTTP server on 127.0.0.1 for the fake Slack, Jira, GitHub, Linear and SES APIs. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Request {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  raw: string;
  /** JSON or form body, parsed by content type. */
  body: unknown;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
}

export interface LocalServer {
  url: string;
  port: number;
  requests: Request[];
  close(): Promise<void>;
}

function parseBody(raw: string, type: string | undefined): unknown {
  if (!raw) return undefined;
  if (type?.includes('application/json')) return JSON.parse(raw);
  if (type?.includes('application/x-www-form-urlencoded'))
    return Object.fromEntries(new URLSearchParams(raw));
  return raw;
}

export async function startServer(handler: (req: Request) => Reply | Promise<Reply>): Promise<LocalServer> {
  const requests: Request[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      let reply: Reply;
      try {
        const request: Request = {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          raw,
          body: parseBody(raw, req.headers['content-type']),
        };
        requests.push(request);
        reply = await handler(request);
      } catch (err) {
        reply = { status: 500, json: { message: err instanceof Error ? err.message : String(err) } };
      }
      const headers: Record<string, string> = { ...reply.headers };
      let payload = '';
      if (reply.json !== undefined) {
        headers['content-type'] ??= 'application/json; charset=utf-8';
        payload = JSON.stringify(reply.json);
      } else if (reply.text !== undefined) {
        payload = reply.text;
      }
      res.writeHead(reply.status ?? 200, headers);
      res.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
