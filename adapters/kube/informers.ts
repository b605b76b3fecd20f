/**
 * List+watch caches (client-node informers) of the API objects the cluster agent records.
 *
 * client-node's ListWatch re-lists by itself on `410 Gone` (HTTP status or an ERROR event with
 * code 410) and re-watches when the server ends a watch cleanly. On any other failure (API server
 * restart, dropped connection, 403, 5xx) it stops and reports an error; this module restarts it
 * with exponential backoff and jitter, resuming from the last resourceVersion (a too-old one then
 * gets a 410 and a fresh list). A 403 or 404 is logged once, naming the resource, and retried
 * slowly in the background; the other resources keep working.
 */
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  ListWatch,
  type ObjectCache,
  type V1ListMeta,
  Watch,
} from '@kubernetes/client-node';
import { Counter, Gauge, type Metric, type Registry } from 'prom-client';

export const RESOURCES = [
  'nodes',
  'pods',
  'namespaces',
  'persistentvolumeclaims',
  'persistentvolumes',
  'services',
  'deployments',
  'statefulsets',
  'daemonsets',
  'replicasets',
  'jobs',
  'cronjobs',
] as const;
export type ResourceName = (typeof RESOURCES)[number];

interface PageParams {
  limit: number;
  _continue?: string;
  fieldSelector?: string;
}
type Page = { metadata?: V1ListMeta; items: KubernetesObject[] };
type Lister = (p: PageParams) => Promise<Page>;

/** API path (for watches) and paged list call of each resource. */
export function resourceApi(kc: KubeConfig, resource: ResourceName): { path: string; list: Lister } {
  const core = () => kc.makeApiClient(CoreV1Api);
  const apps = () => kc.makeApiClient(AppsV1Api);
  const batch = () => kc.makeApiClient(BatchV1Api);
  switch (resource) {
    case 'nodes': {
      const api = core();
      return { path: '/api/v1/nodes', list: (p) => api.listNode(p) };
    }
    case 'pods': {
      const api = core();
      return { path: '/api/v1/pods', list: (p) => api.listPodForAllNamespaces(p) };
    }
    case 'namespaces': {
      const api = core();
      return { path: '/api/v1/namespaces', list: (p) => api.listNamespace(p) };
    }
    case 'persistentvolumeclaims': {
      const api = core();
      return {
        path: '/api/v1/persistentvolumeclaims',
        list: (p) => api.listPersistentVolumeClaimForAllNamespaces(p),
      };
    }
    case 'persistentvolumes': {
      const api = core();
      return { path: '/api/v1/persistentvolumes', list: (p) => api.listPersistentVolume(p) };
    }
    case 'services': {
      const api = core();
      return { path: '/api/v1/services', list: (p) => api.listServiceForAllNamespaces(p) };
    }
    case 'deployments': {
      const api = apps();
      return { path: '/apis/apps/v1/deployments', list: (p) => api.listDeploymentForAllNamespaces(p) };
    }
    case 'statefulsets': {
      const api = apps();
      return { path: '/apis/apps/v1/statefulsets', list: (p) => api.listStatefulSetForAllNamespaces(p) };
    }
    case 'daemonsets': {
      const api = apps();
      return { path: '/apis/apps/v1/daemonsets', list: (p) => api.listDaemonSetForAllNamespaces(p) };
    }
    case 'replicasets': {
      const api = apps();
      return { path: '/apis/apps/v1/replicasets', list: (p) => api.listReplicaSetForAllNamespaces(p) };
    }
    case 'jobs': {
      const api = batch();
      return { path: '/apis/batch/v1/jobs', list: (p) => api.listJobForAllNamespaces(p) };
    }
    case 'cronjobs': {
      const api = batch();
      return { path: '/apis/batch/v1/cronjobs', list: (p) => api.listCronJobForAllNamespaces(p) };
    }
  }
}

/** Lists every page (500 objects each) of a consistent snapshot; the first page's resourceVersion is the list's. */
export async function listAllPages<T extends KubernetesObject>(
  list: Lister,
  fieldSelector?: string,
): Promise<KubernetesListObject<T>> {
  const items: T[] = [];
  let cont: string | undefined;
  let resourceVersion: string | undefined;
  do {
    const page = await list({
      limit: 500,
      ...(cont ? { _continue: cont } : {}),
      ...(fieldSelector ? { fieldSelector } : {}),
    });
    items.push(...(page.items as T[]));
    resourceVersion ??= page.metadata?.resourceVersion;
    cont = page.metadata?._continue || undefined;
  } while (cont);
  return { metadata: { resourceVersion: resourceVersion ?? '' }, items };
}

/** HTTP status of a client-node error (ApiException.code or the watch's statusCode). */
export function statusOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e?.statusCode === 'number') return e.statusCode;
  if (typeof e?.code === 'number') return e.code;
  return undefined;
}

/** One line about an error, without the response headers and bodies client-node puts in messages. */
export function describeKubeError(err: unknown): string {
  const status = statusOf(err);
  const e = err as { body?: unknown; code?: unknown; message?: unknown; name?: string };
  let bodyMessage: string | undefined;
  if (typeof e?.body === 'string') {
    try {
      bodyMessage = (JSON.parse(e.body) as { message?: string }).message;
    } catch {
      bodyMessage = undefined;
    }
  } else if (e?.body && typeof e.body === 'object') {
    bodyMessage = (e.body as { message?: string }).message;
  }
  if (status !== undefined) return `HTTP ${status}${bodyMessage ? `: ${bodyMessage}` : ''}`;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const msg = typeof e?.message === 'string' ? e.message.split('\n')[0] : String(err);
  return [code, msg].filter(Boolean).join(': ');
}

type ErrorReason = 'forbidden' | 'not-found' | 'gone' | 'network' | 'other';

function reasonOf(err: unknown): ErrorReason {
  const status = statusOf(err);
  if (status === 403 || status === 401) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 410) return 'gone';
  if (status === undefined) return 'network';
  return 'other';
}

export interface InventoryOptions {
  kubeConfig: KubeConfig;
  log: (line: string) => void;
  registry?: Registry;
  resources?: readonly ResourceName[];
  /** First restart delay after an error (ms); doubles per consecutive error. Default 1000. */
  retryBaseMs?: number;
  /** Largest restart delay (ms). Default 30000. */
  retryMaxMs?: number;
  /** Retry period of a forbidden or missing resource (ms). Default 300000. */
  forbiddenRetryMs?: number;
  /** Field selectors per resource, e.g. `{ pods: 'spec.nodeName=node-a' }` for one node's pods. */
  fieldSelectors?: Partial<Record<ResourceName, string>>;
  /** Called after any change to a resource's cache (add, update, delete, re-list). */
  onChange?: (resource: ResourceName) => void;
}

export interface ResourceHealth {
  synced: boolean;
  /** 403/401 (RBAC) or 404 (not served). */
  unavailable: 'forbidden' | 'not-found' | null;
  lastError: string | null;
  lastErrorAt: number | null;
  lists: number;
}

interface Tracked {
  resource: ResourceName;
  informer: Informer<KubernetesObject> & ObjectCache<KubernetesObject>;
  health: ResourceHealth;
  consecutiveErrors: number;
  lastLoggedAt: number;
  timer: NodeJS.Timeout | undefined;
}

interface InventoryMetrics {
  synced: Gauge<'resource'>;
  up: Gauge<'resource'>;
  lists: Counter<'resource'>;
  errors: Counter<'resource' | 'reason'>;
  lastError: Gauge<'resource'>;
  objects: Gauge<'resource'>;
}

function reuse<T extends Metric>(
  registry: Registry | undefined,
  name: string,
  make: (r: Registry[]) => T,
): T {
  const existing = registry?.getSingleMetric(name) as T | undefined;
  return existing ?? make(registry ? [registry] : []);
}

export class KubeInventory {
  private readonly tracked = new Map<ResourceName, Tracked>();
  private readonly log: (line: string) => void;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly forbiddenRetryMs: number;
  private readonly metrics: InventoryMetrics;
  private stopped = false;
  private started = false;
  private readonly onListedHook: ((resource: ResourceName) => void) | undefined;

  constructor(options: InventoryOptions) {
    this.log = options.log;
    this.retryBaseMs = options.retryBaseMs ?? 1_000;
    this.retryMaxMs = options.retryMaxMs ?? 30_000;
    this.forbiddenRetryMs = options.forbiddenRetryMs ?? 300_000;
    // A re-list can remove objects without delete events reaching a quiet cache; report it too.
    this.onListedHook = options.onChange;
    const r = options.registry;
    this.metrics = {
      synced: reuse(
        r,
        'ownercost_kube_informer_synced',
        (registers) =>
          new Gauge({
            name: 'ownercost_kube_informer_synced',
            help: '1 once the resource was listed, 0 before.',
            labelNames: ['resource'],
            registers,
          }),
      ),
      up: reuse(
        r,
        'ownercost_kube_informer_up',
        (registers) =>
          new Gauge({
            name: 'ownercost_kube_informer_up',
            help: '1 while the list+watch of the resource is healthy, 0 after an error until it recovers.',
            labelNames: ['resource'],
            registers,
          }),
      ),
      lists: reuse(
        r,
        'ownercost_kube_informer_lists_total',
        (registers) =>
          new Counter({
            name: 'ownercost_kube_informer_lists_total',
            help: 'Successful full lists (initial, after 410 Gone, after restarts).',
            labelNames: ['resource'],
            registers,
          }),
      ),
      errors: reuse(
        r,
        'ownercost_kube_informer_errors_total',
        (registers) =>
          new Counter({
            name: 'ownercost_kube_informer_errors_total',
            help: 'List or watch errors, by reason (forbidden, not-found, network, other).',
            labelNames: ['resource', 'reason'],
            registers,
          }),
      ),
      lastError: reuse(
        r,
        'ownercost_kube_informer_last_error_timestamp_seconds',
        (registers) =>
          new Gauge({
            name: 'ownercost_kube_informer_last_error_timestamp_seconds',
            help: 'Unix time of the last list or watch error.',
            labelNames: ['resource'],
            registers,
          }),
      ),
      objects: reuse(
        r,
        'ownercost_kube_objects',
        (registers) =>
          new Gauge({
            name: 'ownercost_kube_objects',
            help: 'Objects in the informer cache.',
            labelNames: ['resource'],
            registers,
          }),
      ),
    };
    for (const resource of options.resources ?? RESOURCES) {
      const api = resourceApi(options.kubeConfig, resource);
      const fieldSelector = options.fieldSelectors?.[resource];
      const entry: Tracked = {
        resource,
        informer: undefined as unknown as Tracked['informer'],
        health: { synced: false, unavailable: null, lastError: null, lastErrorAt: null, lists: 0 },
        consecutiveErrors: 0,
        lastLoggedAt: Number.NEGATIVE_INFINITY,
        timer: undefined,
      };
      const listFn = async () => {
        const list = await listAllPages(api.list, fieldSelector);
        // Items are added to the cache right after this resolves; mark synced after that.
        setImmediate(() => this.onListed(entry));
        return list;
      };
      entry.informer = new ListWatch(
        api.path,
        new Watch(options.kubeConfig),
        listFn,
        false,
        undefined,
        fieldSelector,
      );
      entry.informer.on('error', (err) => this.onError(entry, err));
      const onChange = options.onChange;
      const onEvent = () => {
        this.onHealthy(entry);
        onChange?.(resource);
      };
      entry.informer.on('add', onEvent);
      entry.informer.on('update', onEvent);
      entry.informer.on('delete', onEvent);
      this.tracked.set(resource, entry);
      this.metrics.synced.set({ resource }, 0);
      this.metrics.up.set({ resource }, 0);
    }
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const t of this.tracked.values()) this.startOne(t);
  }

  private startOne(t: Tracked): void {
    t.timer = undefined;
    if (this.stopped) return;
    t.informer.start().catch((err) => this.onError(t, err));
  }

  private onListed(t: Tracked): void {
    this.onListedHook?.(t.resource);
    t.health.lists++;
    this.metrics.lists.inc({ resource: t.resource });
    if (!t.health.synced) {
      t.health.synced = true;
      this.metrics.synced.set({ resource: t.resource }, 1);
    }
    this.onHealthy(t);
  }

  private onHealthy(t: Tracked): void {
    if (t.health.unavailable) this.log(`kube: ${t.resource} readable again`);
    else if (t.consecutiveErrors > 0) {
      this.log(`kube: ${t.resource} list+watch recovered after ${t.consecutiveErrors} error(s)`);
    }
    t.health.unavailable = null;
    t.consecutiveErrors = 0;
    t.lastLoggedAt = Number.NEGATIVE_INFINITY;
    this.metrics.up.set({ resource: t.resource }, 1);
  }

  private onError(t: Tracked, err: unknown): void {
    if (this.stopped) return;
    const reason = reasonOf(err);
    const now = Date.now();
    t.health.lastError = describeKubeError(err);
    t.health.lastErrorAt = now;
    this.metrics.errors.inc({ resource: t.resource, reason });
    this.metrics.lastError.set({ resource: t.resource }, now / 1000);
    this.metrics.up.set({ resource: t.resource }, 0);
    if (t.timer) clearTimeout(t.timer);
    if (reason === 'forbidden' || reason === 'not-found') {
      if (!t.health.unavailable) {
        this.log(
          reason === 'forbidden'
            ? `kube: forbidden to list/watch ${t.resource} (${t.health.lastError}); grant get/list/watch on ${t.resource} in the agent's ClusterRole. Other resources keep working; retrying every ${Math.round(this.forbiddenRetryMs / 1000)} s`
            : `kube: ${t.resource} is not served by this API server (${t.health.lastError}); skipped, retrying every ${Math.round(this.forbiddenRetryMs / 1000)} s`,
        );
      }
      t.health.unavailable = reason;
      t.timer = setTimeout(() => this.startOne(t), this.forbiddenRetryMs);
      t.timer.unref();
      return;
    }
    t.consecutiveErrors++;
    const base = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** Math.min(t.consecutiveErrors - 1, 20));
    const delay = Math.round(base * (0.5 + Math.random()));
    if (now - t.lastLoggedAt >= 60_000) {
      t.lastLoggedAt = now;
      this.log(`kube: ${t.resource} list/watch failed (${t.health.lastError}); retrying in ${delay} ms`);
    }
    t.timer = setTimeout(() => this.startOne(t), delay);
    t.timer.unref();
  }

  /**
   * Resolves when every resource was listed or is unavailable (403/404), or at the timeout.
   * Never rejects.
   */
  async waitForSync(
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<{ synced: ResourceName[]; unavailable: ResourceName[]; pending: ResourceName[] }> {
    const deadline = Date.now() + timeoutMs;
    const state = () => {
      const synced: ResourceName[] = [];
      const unavailable: ResourceName[] = [];
      const pending: ResourceName[] = [];
      for (const t of this.tracked.values()) {
        if (t.health.synced) synced.push(t.resource);
        else if (t.health.unavailable) unavailable.push(t.resource);
        else pending.push(t.resource);
      }
      return { synced, unavailable, pending };
    };
    while (Date.now() < deadline && !signal?.aborted) {
      const s = state();
      if (s.pending.length === 0) return s;
      await new Promise((r) => setTimeout(r, 25));
    }
    return state();
  }

  has(resource: ResourceName): boolean {
    return this.tracked.has(resource);
  }

  isSynced(resource: ResourceName): boolean {
    return this.tracked.get(resource)?.health.synced ?? false;
  }

  health(): Record<string, ResourceHealth> {
    const out: Record<string, ResourceHealth> = {};
    for (const t of this.tracked.values()) out[t.resource] = { ...t.health };
    return out;
  }

  /** The cached objects of a resource (empty when it is not tracked or not synced). */
  list<T extends KubernetesObject>(resource: ResourceName): readonly T[] {
    const t = this.tracked.get(resource);
    if (!t) return [];
    const items = t.informer.list() as readonly T[];
    this.metrics.objects.set({ resource }, items.length);
    return items;
  }

  get<T extends KubernetesObject>(resource: ResourceName, name: string, namespace?: string): T | undefined {
    return this.tracked.get(resource)?.informer.get(name, namespace) as T | undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.tracked.values()) {
      if (t.timer) clearTimeout(t.timer);
      await t.informer.stop();
    }
  }
}
