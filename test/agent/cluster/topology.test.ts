import { afterEach, describe, expect, it } from 'vitest';
import { KubeTopologyProvider } from '../../../adapters/kube/topology.js';
import type { TopologyProvider } from '../../../agent/node/topology.js';
import { clusterEndpoints, localPods } from '../../../core/network/topology.js';
import { startCluster, until } from './helpers.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('KubeTopologyProvider (node mode topology from the API server)', () => {
  it("implements the node agent's TopologyProvider with this node's pods, all nodes and services", async () => {
    const { api, kc } = await startCluster();
    // Nodes report their addresses in status; the fixture has them.
    const provider: TopologyProvider = new KubeTopologyProvider({
      kubeConfig: kc,
      nodeName: 'ip-10-0-2-45.ec2.internal',
      cluster: 'prod-use1',
      retryBaseMs: 50,
    });
    cleanup.push(
      () => api.close(),
      () => provider.close(),
    );
    await provider.start();
    const t = provider.current();
    expect(t.pods.map((p) => p.name).sort()).toEqual([
      'inference-api-7c9d8f6b5d-9hq4m',
      'node-exporter-q9m4t',
    ]);
    expect(t.nodes.map((n) => [n.name, n.zone, n.addresses])).toEqual(
      expect.arrayContaining([
        ['ip-10-0-1-23.ec2.internal', 'us-east-1a', ['10.0.1.23']],
        ['ip-10-0-2-45.ec2.internal', 'us-east-1b', ['10.0.2.45']],
      ]),
    );
    expect(t.services.find((s) => s.name === 'inference-api')?.clusterIPs).toEqual(['172.20.91.14']);
    expect(
      api.requests
        .filter((r) => r.path === '/api/v1/pods')
        .every((r) => r.query.fieldSelector === 'spec.nodeName=ip-10-0-2-45.ec2.internal'),
    ).toBe(true);

    // The core functions of node mode accept the view as it is.
    const local = localPods(t, 'ip-10-0-2-45.ec2.internal');
    expect(local.placement).toEqual({ zone: 'us-east-1b', region: 'us-east-1' });
    expect(local.hostAddresses).toEqual(expect.arrayContaining(['10.0.2.45']));
    expect(clusterEndpoints(t).find((e) => e.ip === '10.0.2.81')).toMatchObject({
      kind: 'pod',
      zone: 'us-east-1b',
    });

    // Changes bump the version; an unchanged view is reused.
    expect(provider.current()).toBe(t);
    api.upsert('pods', {
      metadata: { name: 'fresh', namespace: 'ml-serving' },
      spec: { nodeName: 'ip-10-0-2-45.ec2.internal', containers: [{ name: 'c', image: 'x' }] },
      status: { phase: 'Running', podIP: '10.0.2.99', podIPs: [{ ip: '10.0.2.99' }] },
    });
    await until(() => provider.current().version > t.version, 5_000, 'version bump');
    expect(provider.current().pods.some((p) => p.name === 'fresh')).toBe(true);
    expect(provider.badInputs()).toEqual({ count: 0, sample: [] });
  });
});
