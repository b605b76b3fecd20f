import { afterEach, describe, expect, it } from 'vitest';
import { type NodePod, watchNodePods } from '../../../adapters/kube/nodePods.js';
import { startCluster, until } from './helpers.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('watchNodePods', () => {
  it("keeps the node's pods (IPs, host network) from a list+watch filtered by spec.nodeName", async () => {
    const { api, kubeconfigPath } = await startCluster();
    let latest: NodePod[] = [];
    const watch = watchNodePods(
      kubeconfigPath,
      'ip-10-0-2-45.ec2.internal',
      (pods) => {
        latest = pods;
      },
      { debounceMs: 10, retryBaseMs: 50 },
    );
    cleanup.push(
      () => api.close(),
      () => watch.stop(),
    );
    await watch.ready;
    await until(() => latest.length === 2, 5_000, 'initial pods');
    expect(latest.map((p) => p.name).sort()).toEqual([
      'inference-api-7c9d8f6b5d-9hq4m',
      'node-exporter-q9m4t',
    ]);
    expect(latest.find((p) => p.name === 'node-exporter-q9m4t')).toMatchObject({
      namespace: 'kube-system',
      ips: ['10.0.2.45'],
      hostNetwork: true,
      phase: 'Running',
    });
    const selectors = api.requests.filter((r) => r.path === '/api/v1/pods').map((r) => r.query.fieldSelector);
    expect(selectors.length).toBeGreaterThanOrEqual(2);
    expect(selectors.every((s) => s === 'spec.nodeName=ip-10-0-2-45.ec2.internal')).toBe(true);

    const newPod = (name: string, node: string) => ({
      metadata: { name, namespace: 'ml-serving' },
      spec: { nodeName: node, containers: [{ name: 'c', image: 'x' }] },
      status: { phase: 'Running', podIP: '10.0.2.200', podIPs: [{ ip: '10.0.2.200' }, { ip: 'fd00::c8' }] },
    });
    api.upsert('pods', newPod('elsewhere', 'ip-10-0-1-23.ec2.internal'));
    api.upsert('pods', newPod('here', 'ip-10-0-2-45.ec2.internal'));
    await until(() => latest.some((p) => p.name === 'here'), 5_000, 'pod added on the node');
    expect(latest.some((p) => p.name === 'elsewhere')).toBe(false);
    expect(latest.find((p) => p.name === 'here')?.ips).toEqual(['10.0.2.200', 'fd00::c8']);

    // A dropped watch is resumed; deletes arrive.
    api.dropWatches();
    api.remove('pods', 'ml-serving', 'here');
    await until(() => !latest.some((p) => p.name === 'here'), 5_000, 'pod deleted after reconnect');
    expect(watch.current()).toHaveLength(2);
  });
});
