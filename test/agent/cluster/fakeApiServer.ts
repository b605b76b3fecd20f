/**
 * A local HTTP server that speaks enough of the Kubernetes API for client-node's informers:
 * paged lists with `metadata.resourceVersion` and `continue`, chunked watch streams of
 * newline-delimited JSON events (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR), `410 Gone` for a
 * compacted resourceVersion (as an ERROR event or an HTTP status), dropped connections, 403 for
 * chosen resources, restarts on the same port, and the metrics.k8s.io PodMetrics list.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface Route {
  resource: string;
  kind: string;
  apiVersion: string;
}

const ROUTES: Record<string, Route> = {
  '/api/v1/nodes': { resource: 'nodes', kind: 'Node', apiVersion: 'v1' },
  '/api/v1/pods': { resource: 'pods', kind: 'Pod', apiVersion: 'v1' },
  '/api/v1/namespaces': { resource: 'namespaces', kind: 'Namespace', apiVersion: 'v1' },
  '/api/v1/persistentvolumeclaims': {
    resource: 'persistentvolumeclaims',
    kind: 'PersistentVolumeClaim',
    apiVersion: 'v1',
  },
  '/api/v1/persistentvolumes': { resource: 'persistentvolumes', kind: 'PersistentVolume', apiVersion: 'v1' },
  '/api/v1/services': { resource: 'services', kind: 'Service', apiVersion: 'v1' },
  '/apis/apps/v1/deployments': { resource: 'deployments', kind: 'Deployment', apiVersion: 'apps/v1' },
  '/apis/apps/v1/statefulsets': { resource: 'statefulsets', kind: 'StatefulSet', apiVersion: 'apps/v1' },
  '/apis/apps/v1/daemonsets': { resource: 'daemonsets', kind: 'DaemonSet', apiVersion: 'apps/v1' },
  '/apis/apps/v1/replicasets': { resource: 'replicasets', kind: 'ReplicaSet', apiVersion: 'apps/v1' },
  '/apis/batch/v1/jobs': { resource: 'jobs', kind: 'Job', apiVersion: 'batch/v1' },
  '/apis/batch/v1/cronjobs': { resource: 'cronjobs', kind: 'CronJob', apiVersion: 'batch/v1' },
};

const FIXTURE_FILES: Record<string, string> = {
  nodes: 'nodes.json',
  pods: 'pods.json',
  namespaces: 'namespaces.json',
  persistentvolumeclaims: 'persistentvolumeclaims.json',
  persistentvolumes: 'persistentvolumes.json',
  services: 'services.json',
  deployments: 'deployments.json',
  statefulsets: 'statefulsets.json',
  daemonsets: 'daemonsets.json',
  replicasets: 'replicasets.json',
  jobs: 'jobs.json',
  cronjobs: 'cronjobs.json',
};

export type KubeObject = {
  // biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects are free-form JSON here.
  metadata: { name: string; namespace?: string; resourceVersion?: string; [k: string]: any };
  // biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects are free-form JSON here.
  [k: string]: any;
};

interface StoredEvent {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
}

interface Watcher {
  resource: string;
  route: Route;
  res: ServerResponse;
  fieldSelector: string | null;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
}

export function fixtureDir(name = 'cluster'): string {
  return fileURLToPath(new URL(`../../fixtures/kube/${name}/`, import.meta.url));
}

/** Items of a fixture list file. */
export function readFixture(file: string, dir = fixtureDir()): KubeObject[] {
  return (JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { items: KubeObject[] }).items;
}

export class FakeKubeApiServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly collections = new Map<string, Map<string, KubeObject>>();
  private readonly events = new Map<string, StoredEvent[]>();
  private readonly watchers = new Set<Watcher>();
  private rv = 1000;
  /** Watches from a resourceVersion below this get 410 Gone. */
  private compactedBefore = 0;
  port = 0;
  /** How a too-old resourceVersion is answered. */
  goneAs: 'event' | 'http' = 'event';
  /** Resources answered with 403 Forbidden (use `metrics` for metrics.k8s.io). */
  readonly forbidden = new Set<string>();
  /** Caps list pages so clients must follow `continue` tokens. */
  maxPageSize = 3;
  /** PodMetrics items; null makes metrics.k8s.io answer 404 (no metrics-server). */
  podMetrics: unknown[] | null = [];
  readonly requests: RecordedRequest[] = [];
  /** 410 Gone answers given (HTTP status or ERROR event). */
  goneAnswers = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(options: { fixtures?: string | null } = {}): Promise<FakeKubeApiServer> {
    const s = new FakeKubeApiServer();
    for (const r of Object.values(ROUTES)) {
      s.collections.set(r.resource, new Map());
      s.events.set(r.resource, []);
    }
    if (options.fixtures !== null) {
      const dir = fixtureDir(options.fixtures ?? 'cluster');
      for (const [resource, file] of Object.entries(FIXTURE_FILES)) {
        for (const obj of readFixture(file, dir)) s.upsert(resource, obj);
      }
      s.podMetrics = readFixture('podmetrics.json', dir);
    }
    await s.listen(0);
    return s;
  }

  private listen(port: number): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        this.port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  /** Adds or replaces an object (ADDED or MODIFIED to watchers); returns its new resourceVersion. */
  upsert(resource: string, obj: KubeObject): string {
    const coll = this.collection(resource);
    const key = keyOf(obj);
    const type = coll.has(key) ? 'MODIFIED' : 'ADDED';
    const rv = ++this.rv;
    const stored: KubeObject = structuredClone(obj);
    stored.metadata.resourceVersion = String(rv);
    stored.metadata.uid ??= `uid-${resource}-${key}`;
    stored.metadata.creationTimestamp ??= '2026-11-16T00:00:00Z';
    coll.set(key, stored);
    this.record(resource, { rv, type, object: stored });
    return String(rv);
  }

  remove(resource: string, namespace: string | undefined, name: string): void {
    const coll = this.collection(resource);
    const key = namespace ? `${namespace}/${name}` : name;
    const old = coll.get(key);
    if (!old) return;
    coll.delete(key);
    const rv = ++this.rv;
    const gone = structuredClone(old);
    gone.metadata.resourceVersion = String(rv);
    this.record(resource, { rv, type: 'DELETED', object: gone });
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.collection(resource).get(namespace ? `${namespace}/${name}` : name);
  }

  openWatches(resource?: string): number {
    return [...this.watchers].filter((w) => !resource || w.resource === resource).length;
  }

  /** Cuts every open watch connection mid-stream (no final chunk), like a dropped TCP connection. */
  dropWatches(): void {
    for (const w of this.watchers) w.res.socket?.destroy();
    this.watchers.clear();
  }

  /** Ends every open watch cleanly, as the API server does when a watch times out. */
  endWatches(): void {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
  }

  /**
   * Compacts history: every resourceVersion so far becomes too old. Open watches get an ERROR
   * event with code 410 (or are cut, when `goneAs` is 'http', so the re-watch gets HTTP 410).
   */
  expire(): void {
    this.compactedBefore = this.rv + 1;
    for (const w of this.watchers) {
      if (this.goneAs === 'event') {
        this.goneAnswers++;
        w.res.write(`${JSON.stringify({ type: 'ERROR', object: goneStatus(0, this.rv) })}\n`);
        w.res.end();
      } else {
        w.res.socket?.destroy();
      }
    }
    this.watchers.clear();
  }

  /** Sends a BOOKMARK with the current resourceVersion on every open watch. */
  bookmark(): void {
    for (const w of this.watchers) {
      const object = {
        kind: w.route.kind,
        apiVersion: w.route.apiVersion,
        metadata: { resourceVersion: String(this.rv) },
      };
      w.res.write(`${JSON.stringify({ type: 'BOOKMARK', object })}\n`);
    }
  }

  /** Stops listening and cuts every connection (an API-server restart's first half). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.watchers.clear();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again on the same port. */
  async restart(): Promise<void> {
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    await this.stop();
  }

  private collection(resource: string): Map<string, KubeObject> {
    const c = this.collections.get(resource);
    if (!c) throw new Error(`fake API server: unknown resource ${resource}`);
    return c;
  }

  private record(resource: string, ev: StoredEvent): void {
    this.events.get(resource)?.push(ev);
    for (const w of this.watchers) {
      if (w.resource === resource && matchesFields(ev.object, w.fieldSelector)) writeEvent(w, ev);
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const query = Object.fromEntries(url.searchParams.entries());
    this.requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      authorization: req.headers.authorization,
    });
    if (req.method !== 'GET') {
      sendStatus(res, 405, 'MethodNotAllowed', 'only GET is served');
      return;
    }

    if (url.pathname === '/apis/metrics.k8s.io/v1beta1/pods') {
      if (this.forbidden.has('metrics')) {
        sendStatus(res, 403, 'Forbidden', forbiddenMessage('pods', 'metrics.k8s.io'));
        return;
      }
      if (this.podMetrics === null) {
        sendStatus(res, 404, 'NotFound', 'the server could not find the requested resource');
        return;
      }
      sendJson(res, 200, {
        kind: 'PodMetricsList',
        apiVersion: 'metrics.k8s.io/v1beta1',
        metadata: {},
        items: this.podMetrics,
      });
      return;
    }

    const route = ROUTES[url.pathname];
    if (!route) {
      sendStatus(res, 404, 'NotFound', 'the server could not find the requested resource');
      return;
    }
    if (this.forbidden.has(route.resource)) {
      sendStatus(
        res,
        403,
        'Forbidden',
        forbiddenMessage(
          route.resource,
          route.apiVersion.includes('/') ? (route.apiVersion.split('/')[0] ?? '') : '',
        ),
      );
      return;
    }
    const fieldSelector = query.fieldSelector ?? null;
    if (query.watch === 'true' || query.watch === '1') {
      this.watch(req, res, route, query, fieldSelector);
      return;
    }

    const all = [...this.collection(route.resource).values()]
      .filter((o) => matchesFields(o, fieldSelector))
      .sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
    const limit = Math.min(Number(query.limit ?? 0) || Number.POSITIVE_INFINITY, this.maxPageSize);
    const offset = query.continue
      ? Number(Buffer.from(query.continue, 'base64').toString('utf8').split(':')[1])
      : 0;
    const listRv = query.continue
      ? Buffer.from(query.continue, 'base64').toString('utf8').split(':')[0]
      : String(this.rv);
    const page = all.slice(offset, offset + limit);
    const metadata: Record<string, string> = { resourceVersion: listRv ?? String(this.rv) };
    if (offset + limit < all.length)
      metadata.continue = Buffer.from(`${listRv}:${offset + limit}`).toString('base64');
    sendJson(res, 200, { kind: `${route.kind}List`, apiVersion: route.apiVersion, metadata, items: page });
  }

  private watch(
    req: IncomingMessage,
    res: ServerResponse,
    route: Route,
    query: Record<string, string>,
    fieldSelector: string | null,
  ): void {
    const from = Number(query.resourceVersion || 0);
    if (from > 0 && from < this.compactedBefore) {
      this.goneAnswers++;
      if (this.goneAs === 'http') {
        sendJson(res, 410, goneStatus(from, this.rv));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify({ type: 'ERROR', object: goneStatus(from, this.rv) })}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const watcher: Watcher = { resource: route.resource, route, res, fieldSelector };
    if (from === 0) {
      // No resourceVersion: synthetic ADDED events for the current state, then live events.
      for (const o of this.collection(route.resource).values()) {
        if (matchesFields(o, fieldSelector)) writeEvent(watcher, { rv: 0, type: 'ADDED', object: o });
      }
    } else {
      for (const ev of this.events.get(route.resource) ?? []) {
        if (ev.rv > from && matchesFields(ev.object, fieldSelector)) writeEvent(watcher, ev);
      }
    }
    this.watchers.add(watcher);
    const done = () => this.watchers.delete(watcher);
    req.on('close', done);
    res.on('close', done);
  }
}

function writeEvent(w: Watcher, ev: StoredEvent): void {
  const object = { kind: w.route.kind, apiVersion: w.route.apiVersion, ...ev.object };
  w.res.write(`${JSON.stringify({ type: ev.type, object })}\n`);
}

function keyOf(o: KubeObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}

/** `a.b=value,c=d` field selectors (equality only), as the API server supports for pods. */
function matchesFields(o: KubeObject, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [field = '', value = ''] = term.split('=');
    // biome-ignore lint/suspicious/noExplicitAny: walking free-form JSON.
    const actual = field.split('.').reduce<any>((acc, k) => (acc == null ? undefined : acc[k]), o);
    return String(actual ?? '') === value;
  });
}

function goneStatus(from: number, current: number) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `too old resource version: ${from} (${current})`,
    reason: 'Expired',
    code: 410,
  };
}

function forbiddenMessage(resource: string, group: string): string {
  return `${resource}${group ? `.${group}` : ''} is forbidden: User "system:serviceaccount:ownercost:ownercost-cluster-agent" cannot list resource "${resource}" in API group "${group}" at the cluster scope`;
}

function sendStatus(res: ServerResponse, code: number, reason: string, message: string): void {
  sendJson(res, code, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  });
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** A kubeconfig for the fake server: plain http needs `insecure-skip-tls-verify` with client-node 1.4. */
export function kubeconfigYaml(server: string, token = 'test-token'): string {
  return `apiVersion: v1
kind: Config
clusters:
  - name: fake
    cluster:
      server: ${server}
      insecure-skip-tls-verify: true
users:
  - name: agent
    user:
      token: ${token}
contexts:
  - name: fake
    context:
      cluster: fake
      user: agent
current-context: fake
`;
}
