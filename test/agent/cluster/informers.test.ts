import type { V1Pod } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeInventory } from '../../../adapters/kube/informers.js';
import type { FakeKubeApiServer } from './fakeApiServer.js';
import { startCluster, until } from './helpers.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup() {
  const { api, kc } = await startCluster();
  const lines: string[] = [];
  const registry = new Registry();
  const inventory = new KubeInventory({
    kubeConfig: kc,
    log: (l) => lines.push(l),
    registry,
    retryBaseMs: 50,
    retryMaxMs: 200,
    forbiddenRetryMs: 100,
  });
  cleanup.push(
    () => inventory.stop(),
    () => api.close(),
  );
  return { api, inventory, lines, registry };
}

const podNames = (inv: KubeInventory) =>
  inv
    .list<V1Pod>('pods')
    .map((p) => p.metadata?.name)
    .sort();

async function lists(registry: Registry, resource: string): Promise<number> {
  const m = await registry.getSingleMetric('ownercost_kube_informer_lists_total')?.get();
  return m?.values.find((v) => v.labels.resource === resource)?.value ?? 0;
}

function addPod(api: FakeKubeApiServer, name: string) {
  api.upsert('pods', {
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: { nodeName: 'ip-10-0-1-23.ec2.internal', containers: [{ name: 'c', image: 'busybox' }] },
    status: { phase: 'Running' },
  });
}

describe('KubeInventory against a local API server', () => {
  it('lists every resource through paged lists, then follows watch events', async () => {
    const { api, inventory } = await setup();
    inventory.start();
    const sync = await inventory.waitForSync(10_000);
    expect(sync.pending).toEqual([]);
    expect(sync.unavailable).toEqual([]);
    expect(podNames(inventory)).toHaveLength(8);
    // 8 pods in pages of 3: the client followed `continue` tokens.
    expect(api.requests.filter((r) => r.path === '/api/v1/pods' && r.query.continue).length).toBe(2);
    expect(api.requests.every((r) => r.authorization === 'Bearer test-token')).toBe(true);
    await until(() => api.openWatches('pods') === 1, 5_000, 'pod watch');

    addPod(api, 'new-pod');
    await until(() => podNames(inventory).includes('new-pod'), 5_000, 'ADDED event');
    api.remove('pods', 'default', 'new-pod');
    await until(() => !podNames(inventory).includes('new-pod'), 5_000, 'DELETED event');
    api.bookmark();
  });

  it('resumes the watch after a dropped connection and after a clean server-side end', async () => {
    const { api, inventory, registry } = await setup();
    inventory.start();
    await inventory.waitForSync(10_000);
    await until(() => api.openWatches() === 12, 5_000, 'all watches');
    const listsBefore = await lists(registry, 'pods');

    api.dropWatches();
    addPod(api, 'after-drop');
    await until(() => podNames(inventory).includes('after-drop'), 5_000, 'event after drop');

    await until(() => api.openWatches('pods') === 1, 5_000, 'pod re-watch');
    api.endWatches();
    addPod(api, 'after-end');
    await until(() => podNames(inventory).includes('after-end'), 5_000, 'event after end');
    // Resumed from the last resourceVersion: no re-list was needed.
    expect(await lists(registry, 'pods')).toBe(listsBefore);
  });

  it.each(['event', 'http'] as const)(
    're-lists after 410 Gone (%s) and sees changes made while the watch was away',
    async (goneAs) => {
      const { api, inventory, registry } = await setup();
      api.goneAs = goneAs;
      inventory.start();
      await inventory.waitForSync(10_000);
      await until(() => api.openWatches('pods') === 1, 5_000, 'pod watch');
      const listsBefore = await lists(registry, 'pods');

      // The watch is cut, changes happen, and history is compacted past them.
      api.dropWatches();
      api.remove('pods', 'default', 'debug-shell');
      addPod(api, 'while-away');
      api.expire();

      await until(async () => (await lists(registry, 'pods')) > listsBefore, 5_000, 're-list');
      expect(api.goneAnswers).toBeGreaterThan(0);
      await until(
        () => podNames(inventory).includes('while-away') && !podNames(inventory).includes('debug-shell'),
        5_000,
        'state after re-list',
      );
    },
  );

  it('re-lists when an open watch receives an ERROR event with code 410', async () => {
    const { api, inventory, registry } = await setup();
    inventory.start();
    await inventory.waitForSync(10_000);
    await until(() => api.openWatches() === 12, 5_000, 'all watches');
    const listsBefore = await lists(registry, 'namespaces');
    api.expire();
    await until(async () => (await lists(registry, 'namespaces')) > listsBefore, 5_000, 're-list');
    // Each watch got its ERROR 410 (a re-watch racing the event may get a second one).
    expect(api.goneAnswers).toBeGreaterThanOrEqual(12);
    addPod(api, 'after-gone');
    await until(() => podNames(inventory).includes('after-gone'), 5_000, 'watch after re-list');
  });

  it('survives an API-server restart', async () => {
    const { api, inventory, lines } = await setup();
    inventory.start();
    await inventory.waitForSync(10_000);
    await api.stop();
    await new Promise((r) => setTimeout(r, 300));
    addPod(api, 'after-restart');
    await api.restart();
    await until(() => podNames(inventory).includes('after-restart'), 8_000, 'recovery after restart');
    expect(lines.some((l) => /^kube: \w+ list\/watch failed/.test(l))).toBe(true);
    await until(() => lines.some((l) => l.includes('recovered after')), 5_000, 'recovery log');
  });

  it('logs one line naming a forbidden resource and keeps the others working', async () => {
    const { api, inventory, lines, registry } = await setup();
    api.forbidden.add('services');
    inventory.start();
    const sync = await inventory.waitForSync(10_000);
    expect(sync.unavailable).toEqual(['services']);
    expect(sync.pending).toEqual([]);
    expect(sync.synced).toHaveLength(11);
    // Retried several times (every 100 ms here), still one line.
    await until(
      () => api.requests.filter((r) => r.path === '/api/v1/services').length >= 3,
      5_000,
      'retries',
    );
    const forbiddenLines = lines.filter((l) => l.includes('forbidden'));
    expect(forbiddenLines).toHaveLength(1);
    expect(forbiddenLines[0]).toMatch(
      /^kube: forbidden to list\/watch services \(HTTP 403: services is forbidden/,
    );
    const errors = await registry.getSingleMetric('ownercost_kube_informer_errors_total')?.get();
    expect(errors?.values.find((v) => v.labels.resource === 'services')?.labels.reason).toBe('forbidden');

    addPod(api, 'still-watched');
    await until(() => podNames(inventory).includes('still-watched'), 5_000, 'pods still watched');

    // Once RBAC is fixed, the resource comes back.
    api.forbidden.delete('services');
    await until(() => inventory.isSynced('services'), 5_000, 'services after grant');
    expect(lines.some((l) => l === 'kube: services readable again')).toBe(true);
  });
});
