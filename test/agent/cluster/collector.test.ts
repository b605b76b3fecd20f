import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeInventory } from '../../../adapters/kube/informers.js';
import { listPodMetrics } from '../../../adapters/kube/usage.js';
import { ClusterCollector } from '../../../agent/cluster/collector.js';
import type { PodRecord, SnapshotRecord } from '../../../core/schema/records.js';
import { startCluster } from './helpers.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

const START = Date.parse('2026-11-16T00:05:00.000Z');
const TS = '2026-11-16T00:05:00.000Z';
const GiB = 2 ** 30;
const MiB = 2 ** 20;

async function setup() {
  const { api, kc } = await startCluster();
  const lines: string[] = [];
  const registry = new Registry();
  const inventory = new KubeInventory({
    kubeConfig: kc,
    log: (l) => lines.push(l),
    registry,
    retryBaseMs: 50,
  });
  const shipped: SnapshotRecord[][] = [];
  const collector = new ClusterCollector({
    cluster: 'prod-use1',
    intervalSeconds: 300,
    inventory,
    samplePodMetrics: () => listPodMetrics(kc),
    shipper: {
      enqueue: async (records) => {
        shipped.push([...records]);
      },
    },
    log: (l) => lines.push(l),
    registry,
  });
  cleanup.push(
    () => inventory.stop(),
    () => api.close(),
  );
  inventory.start();
  await inventory.waitForSync(10_000);
  return { api, inventory, collector, shipped, lines, registry };
}

function find<K extends SnapshotRecord['kind']>(records: SnapshotRecord[], kind: K, name: string) {
  const r = records.find((x) => x.kind === kind && 'name' in x && x.name === name);
  if (!r) throw new Error(`no ${kind} ${name}`);
  return r as Extract<SnapshotRecord, { kind: K }>;
}

describe('ClusterCollector over informers fed by a local API server', () => {
  it('writes node, pod, namespace, workload, pvc, pv and service records of one interval', async () => {
    const { collector, shipped, api } = await setup();
    // Two minute samples in the interval; the second with different usage for one pod.
    expect(await collector.sampleUsage(START + 1_000)).toBe(true);
    const metrics = api.podMetrics as {
      metadata: { name: string };
      containers: { name: string; usage: { cpu: string; memory: string } }[];
    }[];
    const x2x9k = metrics.find((m) => m.metadata.name === 'inference-api-7c9d8f6b5d-x2x9k');
    (x2x9k?.containers[0] as { usage: { cpu: string; memory: string } }).usage = {
      cpu: '400m',
      memory: '600Mi',
    };
    // A sample from the next interval must not leak into this one.
    await collector.sampleUsage(START + 61_000);
    await collector.sampleUsage(START + 300_000 + 1_000);

    const result = await collector.writeInterval(START);
    expect(result).toMatchObject({ ts: TS, missing: [], invalid: 0, usageSamples: 2 });
    expect(result?.byKind).toEqual({ node: 2, pod: 8, namespace: 4, workload: 6, pvc: 2, pv: 2, service: 2 });
    const records = shipped[0] ?? [];
    expect(records.every((r) => r.cluster === 'prod-use1' && r.ts === TS && r.intervalSeconds === 300)).toBe(
      true,
    );

    // Nodes: pool, capacity type, quantities, provider id.
    expect(find(records, 'node', 'ip-10-0-1-23.ec2.internal')).toMatchObject({
      providerId: 'aws:///us-east-1a/i-0abc123def4567890',
      instanceType: 'm6i.2xlarge',
      region: 'us-east-1',
      zone: 'us-east-1a',
      nodePool: 'general',
      capacityType: 'on-demand',
      capacity: { cpuCores: 8, memoryBytes: 32386544 * 1024, gpus: 0 },
      allocatable: { cpuCores: 7.91, memoryBytes: 31369712 * 1024, gpus: 0 },
    });
    expect(find(records, 'node', 'ip-10-0-2-45.ec2.internal')).toMatchObject({
      nodePool: 'gpu',
      capacityType: 'spot',
      capacity: { cpuCores: 4, memoryBytes: 16005468 * 1024, gpus: 1 },
    });

    // Pods: top controllers.
    const owner = (name: string) => find(records, 'pod', name).owner;
    expect(owner('inference-api-7c9d8f6b5d-x2x9k')).toEqual({ kind: 'Deployment', name: 'inference-api' });
    expect(owner('nightly-report-29384520-q8zlv')).toEqual({ kind: 'CronJob', name: 'nightly-report' });
    expect(owner('vector-db-0')).toEqual({ kind: 'StatefulSet', name: 'vector-db' });
    expect(owner('node-exporter-7xk2p')).toEqual({ kind: 'DaemonSet', name: 'node-exporter' });
    expect(owner('legacy-worker-8kq2z')).toEqual({ kind: 'ReplicaSet', name: 'legacy-worker' });
    expect(owner('debug-shell')).toEqual({ kind: 'Pod', name: 'debug-shell' });

    // Requests, limits, sidecars, restarts and averaged usage.
    const web = find(records, 'pod', 'inference-api-7c9d8f6b5d-x2x9k') as PodRecord;
    expect(web).toMatchObject({
      namespace: 'ml-serving',
      node: 'ip-10-0-1-23.ec2.internal',
      phase: 'Running',
      ips: ['10.0.1.57'],
      hostNetwork: false,
    });
    expect(web.containers.map((c) => c.name)).toEqual(['log-shipper', 'api']);
    const api0 = web.containers[1];
    expect(api0?.requests).toEqual({ cpuCores: 0.5, memoryBytes: 512 * MiB, gpus: 0 });
    expect(api0?.limits).toEqual({ cpuCores: 1, memoryBytes: GiB, gpus: 0 });
    expect(api0?.restarts).toBe(2);
    expect(api0?.usage.cpuCores).toBeCloseTo((0.212345678 + 0.4) / 2, 9);
    expect(api0?.usage.memoryBytes).toBe((402012 * 1024 + 600 * MiB) / 2);
    expect(web.containers[0]?.usage.cpuCores).toBeCloseTo(0.0031, 9);
    const gpuPod = find(records, 'pod', 'inference-api-7c9d8f6b5d-9hq4m');
    expect(gpuPod.containers[0]?.requests).toEqual({ cpuCores: 0.5, memoryBytes: 1.5 * GiB, gpus: 1 });
    const report = find(records, 'pod', 'nightly-report-29384520-q8zlv');
    expect(report.phase).toBe('Succeeded');
    expect(report.containers[0]?.requests).toEqual({ cpuCores: 0.25, memoryBytes: 1e9, gpus: 0 });
    expect(report.containers[0]?.limits.memoryBytes).toBe(1e9);
    expect(report.containers[0]?.usage).toEqual({ cpuCores: 0, memoryBytes: 0, gpus: 0 });
    expect(find(records, 'pod', 'vector-db-0').volumes).toEqual([{ claim: 'data-vector-db-0' }]);
    expect(find(records, 'pod', 'node-exporter-q9m4t')).toMatchObject({
      hostNetwork: true,
      ips: ['10.0.2.45'],
    });

    // Namespaces: labels; the last-applied annotation is not copied.
    expect(find(records, 'namespace', 'ml-serving')).toMatchObject({
      labels: { team: 'ml-platform', cost_center: 'CC-42' },
      annotations: { owner: 'jane.doe@example.com' },
      createdAt: '2026-11-03T10:20:00.000Z',
    });

    // Workloads: top controllers only (a Deployment's ReplicaSets are not).
    const workloads = records.filter((r) => r.kind === 'workload');
    expect(workloads.map((w) => `${w.controllerKind}/${w.name}`).sort()).toEqual([
      'CronJob/nightly-report',
      'DaemonSet/node-exporter',
      'Deployment/inference-api',
      'Job/nightly-report-29384520',
      'ReplicaSet/legacy-worker',
      'StatefulSet/vector-db',
    ]);
    expect(find(records, 'workload', 'nightly-report')).toMatchObject({
      controllerKind: 'CronJob',
      schedule: '0 2 * * *',
      suspend: false,
      parallelism: 2,
      backoffLimit: 3,
      lastScheduleTime: '2026-11-16T02:00:00.000Z',
      images: ['ghcr.io/example/report-builder:2026.11.1'],
    });
    expect(find(records, 'workload', 'nightly-report-29384520')).toMatchObject({ succeeded: 2, failed: 0 });
    expect(find(records, 'workload', 'inference-api')).toMatchObject({ replicas: 2, generation: 7 });
    expect(find(records, 'workload', 'node-exporter').replicas).toBe(2);

    // Volumes and services.
    expect(find(records, 'pvc', 'data-vector-db-0')).toMatchObject({
      namespace: 'ml-serving',
      volumeName: 'pvc-3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a60',
      storageClass: 'gp3',
      capacityBytes: 100 * GiB,
      phase: 'Bound',
    });
    expect(find(records, 'pvc', 'scratch')).toMatchObject({
      volumeName: '',
      capacityBytes: 20 * GiB,
      phase: 'Pending',
    });
    expect(find(records, 'pv', 'pvc-3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a60')).toMatchObject({
      volumeHandle: 'vol-0a1b2c3d4e5f67890',
      claim: { namespace: 'ml-serving', name: 'data-vector-db-0' },
      reclaimPolicy: 'Delete',
      phase: 'Bound',
    });
    expect(find(records, 'pv', 'legacy-archive')).toMatchObject({
      volumeHandle: 'aws://us-east-1a/vol-0fedcba9876543210',
      claim: null,
      capacityBytes: 500 * GiB,
    });
    expect(find(records, 'service', 'inference-api')).toMatchObject({
      type: 'LoadBalancer',
      selector: { app: 'inference-api' },
      loadBalancer: {
        hostname: 'k8s-mlservin-inferenc-4f1b2c3d4e-0123456789abcdef.elb.us-east-1.amazonaws.com',
      },
    });
    expect(find(records, 'service', 'kubernetes')).toMatchObject({ type: 'ClusterIP', loadBalancer: {} });
  });

  it('maps objects that arrived by watch event (string timestamps) like listed ones', async () => {
    const { collector, shipped, api, inventory } = await setup();
    api.upsert('namespaces', {
      metadata: { name: 'late', creationTimestamp: '2026-11-16T00:06:30Z', labels: { team: 'x' } },
    });
    const start = Date.now();
    while (!inventory.get('namespaces', 'late') && Date.now() - start < 5_000)
      await new Promise((r) => setTimeout(r, 20));
    await collector.writeInterval(START);
    expect(find(shipped[0] ?? [], 'namespace', 'late').createdAt).toBe('2026-11-16T00:06:30.000Z');
  });

  it('records zero usage and logs once when metrics.k8s.io is forbidden', async () => {
    const { collector, shipped, api, lines } = await setup();
    api.forbidden.add('metrics');
    expect(await collector.sampleUsage(START + 1_000)).toBe(false);
    expect(await collector.sampleUsage(START + 61_000)).toBe(false);
    await collector.writeInterval(START);
    const metricLines = lines.filter((l) => l.includes('metrics.k8s.io'));
    expect(metricLines).toHaveLength(1);
    expect(metricLines[0]).toContain('HTTP 403');
    const web = find(shipped[0] ?? [], 'pod', 'vector-db-0');
    expect(web.containers[0]?.usage).toEqual({ cpuCores: 0, memoryBytes: 0, gpus: 0 });

    api.forbidden.delete('metrics');
    expect(await collector.sampleUsage(START + 121_000)).toBe(true);
    expect(lines.at(-1)).toBe('cluster-agent: metrics.k8s.io pod metrics available again');
  });
});
