import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDuckDb } from '../../adapters/duckdb/connection.js';
import {
  createHourFactsReader,
  createSampleTables,
  openSnapshotWarehouse,
  type SnapshotWarehouse,
} from '../../adapters/snapshots/duckdb/index.js';
import type { HourFacts } from '../../core/allocation/types.js';
import {
  CLUSTER,
  every,
  flow,
  HOUR,
  iso,
  MIN,
  namespace,
  node,
  pod,
  putByTs,
  pv,
  service,
  T0,
  type TempStore,
  tempStore,
  workload,
} from './fixtures.js';

let t: TempStore;
const open: SnapshotWarehouse[] = [];

beforeEach(async () => {
  t = await tempStore();
});
afterEach(async () => {
  for (const w of open.splice(0)) await w.close();
  await t.cleanup();
});

async function facts(hours = 1, extra: { clusters?: string[] } = {}): Promise<HourFacts[]> {
  const w = await openSnapshotWarehouse({
    store: t.store,
    windowStart: iso(T0),
    windowEnd: iso(T0 + hours * HOUR),
    ...extra,
  });
  open.push(w);
  const out: HourFacts[] = [];
  for await (const h of w.hourFacts()) out.push(h);
  return out;
}

const only = <T>(xs: readonly T[]): T => {
  expect(xs).toHaveLength(1);
  return xs[0] as T;
};

describe('pod-hours', () => {
  it('charges max(request, usage): request 0.5 and usage 0.2 for 12 five-minute samples is 0.5 core-hours', async () => {
    await putByTs(
      t,
      every(T0, 5, 12).map((ts) => pod(ts, { containers: [{ req: 0.5, use: 0.2 }] })),
    );
    const [h0] = await facts();
    const p = only(h0?.pods ?? []);
    expect(p.seconds).toBe(3600);
    expect(p.cpuCoreHours).toBeCloseTo(0.5, 12);
    expect(p.cpuRequestCoreHours).toBeCloseTo(0.5, 12);
    expect(p.cpuUsageCoreHours).toBeCloseTo(0.2, 12);
    expect(p).toMatchObject({
      cluster: CLUSTER,
      hourStart: iso(T0),
      namespace: 'shop',
      name: 'api-7d9f8c-abcde',
      node: 'ip-10-0-1-23.ec2.internal',
      ownerKind: 'Deployment',
      ownerName: 'api',
      labels: { app: 'api', team: 'checkout', 'pod-template-hash': '7d9f8c' },
      claims: [],
    });
  });

  it('charges usage when it is above the request', async () => {
    await putByTs(
      t,
      every(T0, 5, 12).map((ts) => pod(ts, { containers: [{ req: 0.5, use: 0.8 }] })),
    );
    const [h0] = await facts();
    expect(only(h0?.pods ?? []).cpuCoreHours).toBeCloseTo(0.8, 12);
  });

  it('takes max(request, usage) per container and sums the containers', async () => {
    const containers = [
      { req: 0.5, use: 0.2 },
      { req: 0.1, use: 0.3 },
    ];
    await putByTs(
      t,
      every(T0, 5, 12).map((ts) => pod(ts, { containers })),
    );
    const [h0] = await facts();
    const p = only(h0?.pods ?? []);
    expect(p.cpuCoreHours).toBeCloseTo(0.8, 12); // not max(0.6, 0.5)
    expect(p.cpuRequestCoreHours).toBeCloseTo(0.6, 12);
    expect(p.cpuUsageCoreHours).toBeCloseTo(0.5, 12);
  });

  it('integrates memory in GiB-hours and GPUs in GPU-hours', async () => {
    const GiB = 1024 ** 3;
    const containers = [{ req: 1, use: 1, reqRam: 2 * GiB, useRam: 1 * GiB, reqGpu: 1, useGpu: 0 }];
    await putByTs(
      t,
      every(T0, 5, 6).map((ts) => pod(ts, { containers })),
    );
    const [h0] = await facts();
    const p = only(h0?.pods ?? []);
    expect(p.seconds).toBe(1800);
    expect(p.ramGiBHours).toBeCloseTo(1, 12);
    expect(p.ramRequestGiBHours).toBeCloseTo(1, 12);
    expect(p.ramUsageGiBHours).toBeCloseTo(0.5, 12);
    expect(p.gpuHours).toBeCloseTo(0.5, 12);
  });

  it('carries a 10-minute gap forward', async () => {
    const ts = every(T0, 5, 12).filter((_, i) => i !== 2 && i !== 3); // 00:10 and 00:15 missing
    await putByTs(
      t,
      ts.map((x) => pod(x)),
    );
    const [h0] = await facts();
    const p = only(h0?.pods ?? []);
    expect(p.seconds).toBe(3600);
    expect(p.cpuCoreHours).toBeCloseTo(0.5, 12);
  });

  it('carries a 1-hour gap forward for three intervals only, into the next hour', async () => {
    const ts = [...every(T0, 5, 12), ...every(T0 + 2 * HOUR, 5, 12)];
    await putByTs(
      t,
      ts.map((x) => pod(x)),
    );
    const [h0, h1, h2] = await facts(3);
    expect(only(h0?.pods ?? []).seconds).toBe(3600);
    // The 00:55 sample stands for 00:55–01:00 and is carried to 01:15.
    expect(only(h1?.pods ?? []).seconds).toBe(15 * 60);
    expect(only(h2?.pods ?? []).seconds).toBe(3600);
  });

  it('does not carry the last sample beyond its own interval', async () => {
    await putByTs(
      t,
      every(T0, 5, 6).map((x) => pod(x)),
    );
    const [h0] = await facts();
    expect(only(h0?.pods ?? []).seconds).toBe(1800);
  });

  it('splits a span that crosses the hour boundary between both hours', async () => {
    await putByTs(t, [pod(iso(T0 + 30 * MIN), { intervalSeconds: 3600, containers: [{ req: 1, use: 0 }] })]);
    const [h0, h1] = await facts(2);
    const a = only(h0?.pods ?? []);
    const b = only(h1?.pods ?? []);
    expect([a.seconds, b.seconds]).toEqual([1800, 1800]);
    expect(a.cpuCoreHours).toBeCloseTo(0.5, 12);
    expect(b.cpuCoreHours).toBeCloseTo(0.5, 12);
    expect(b.hourStart).toBe(iso(T0 + HOUR));
  });

  it('counts time carried into the window from the hour before it, and clips at the window', async () => {
    // 23:55 the day before is in the padding hour; it stands for 23:55–00:05.
    const ts = [iso(T0 - 5 * MIN), ...every(T0 + 5 * MIN, 5, 11), iso(T0 + HOUR)];
    await putByTs(
      t,
      ts.map((x) => pod(x, { intervalSeconds: 300 })),
    );
    const all = await facts(1);
    expect(all).toHaveLength(1);
    expect(only(all[0]?.pods ?? []).seconds).toBe(3600);
  });

  it('takes node, labels and owner from the latest sample of the hour', async () => {
    const ts = every(T0, 5, 12);
    await putByTs(
      t,
      ts.map((x, i) =>
        pod(x, i < 11 ? {} : { node: 'ip-10-0-2-99.ec2.internal', labels: { app: 'api', team: 'payments' } }),
      ),
    );
    const [h0] = await facts();
    const p = only(h0?.pods ?? []);
    expect(p.node).toBe('ip-10-0-2-99.ec2.internal');
    expect(p.labels).toEqual({ app: 'api', team: 'payments' });
  });

  it('ends a pod at its Succeeded sample and charges nothing for the finished pod', async () => {
    const ts = every(T0, 5, 12);
    await putByTs(
      t,
      ts.map((x, i) => pod(x, { phase: i < 6 ? 'Running' : 'Succeeded' })),
    );
    const [h0] = await facts();
    const p = only(h0?.pods ?? []);
    expect(p.seconds).toBe(1800);
    expect(p.cpuCoreHours).toBeCloseTo(0.25, 12);
  });

  it('splits a claim evenly among the pods mounting it at the same time', async () => {
    const recs = every(T0, 5, 12).flatMap((x) => [
      pod(x, { name: 'db-0', claims: ['data'] }),
      pod(x, { name: 'db-1', claims: ['data'] }),
      pod(x, { name: 'cache-0', claims: ['cache', 'data-other'] }),
    ]);
    await putByTs(t, recs);
    const [h0] = await facts();
    const byName = new Map((h0?.pods ?? []).map((p) => [p.name, p]));
    expect(byName.get('db-0')?.claims).toEqual([{ claim: 'data', shareHours: expect.closeTo(0.5, 12) }]);
    expect(byName.get('db-1')?.claims).toEqual([{ claim: 'data', shareHours: expect.closeTo(0.5, 12) }]);
    expect(byName.get('cache-0')?.claims).toEqual([
      { claim: 'cache', shareHours: expect.closeTo(1, 12) },
      { claim: 'data-other', shareHours: expect.closeTo(1, 12) },
    ]);
  });

  it('does not share a claim across namespaces or with a pod that mounts it for part of the hour only', async () => {
    const ts = every(T0, 5, 12);
    const recs = ts.flatMap((x, i) => [
      pod(x, { name: 'a-0', claims: ['data'] }),
      pod(x, { name: 'b-0', namespace: 'other', claims: ['data'] }),
      ...(i < 6 ? [pod(x, { name: 'a-1', claims: ['data'] })] : []),
    ]);
    await putByTs(t, recs);
    const [h0] = await facts();
    const byName = new Map((h0?.pods ?? []).map((p) => [p.name, p]));
    expect(byName.get('b-0')?.claims[0]?.shareHours).toBeCloseTo(1, 12);
    expect(byName.get('a-1')?.claims[0]?.shareHours).toBeCloseTo(0.25, 12);
    expect(byName.get('a-0')?.claims[0]?.shareHours).toBeCloseTo(0.25 + 0.5, 12);
  });
});

describe('node-hours', () => {
  it('reports capacity and the observed seconds of the hour', async () => {
    await putByTs(t, [
      ...every(T0, 5, 12).map((x) => node(x)),
      ...every(T0, 5, 6).map((x) =>
        node(x, { name: 'gpu-1', providerId: 'aws:///us-east-1a/i-0gpu', gpus: 4 }),
      ),
    ]);
    const [h0] = await facts();
    const byName = new Map((h0?.nodes ?? []).map((n) => [n.name, n]));
    expect(byName.get('ip-10-0-1-23.ec2.internal')).toEqual({
      cluster: CLUSTER,
      hourStart: iso(T0),
      name: 'ip-10-0-1-23.ec2.internal',
      providerId: 'aws:///us-east-1a/i-0abc123def4567890',
      instanceType: 'm6i.xlarge',
      nodePool: 'general',
      capacityType: 'on-demand',
      region: 'us-east-1',
      zone: 'us-east-1a',
      cpuCores: 4,
      ramGiB: 16,
      gpus: 0,
      observedSeconds: 3600,
      labels: {
        'topology.kubernetes.io/zone': 'us-east-1a',
        'node.kubernetes.io/instance-type': 'm6i.xlarge',
      },
    });
    expect(byName.get('gpu-1')).toMatchObject({ gpus: 4, observedSeconds: 1800 });
  });

  it('carries node gaps like pod gaps, and splits them over hours', async () => {
    await putByTs(
      t,
      [...every(T0, 5, 12), ...every(T0 + 2 * HOUR, 5, 1)].map((x) => node(x)),
    );
    const [h0, h1, h2] = await facts(3);
    expect(only(h0?.nodes ?? []).observedSeconds).toBe(3600);
    expect(only(h1?.nodes ?? []).observedSeconds).toBe(900);
    expect(only(h2?.nodes ?? []).observedSeconds).toBe(300);
  });
});

describe('volumes, services and flows', () => {
  it('lists the PVs seen in the hour with their claim and size', async () => {
    await putByTs(t, [
      ...every(T0, 5, 12).map((x) => pv(x)),
      pv(iso(T0), { name: 'pvc-unbound', claim: null }),
    ]);
    const [h0] = await facts();
    const byName = new Map((h0?.volumes ?? []).map((v) => [v.pvName, v]));
    expect(byName.get('pvc-1f2e3d4c')).toEqual({
      cluster: CLUSTER,
      hourStart: iso(T0),
      pvName: 'pvc-1f2e3d4c',
      volumeHandle: 'aws://us-east-1a/vol-0123456789abcdef0',
      storageClass: 'gp3',
      capacityGiB: 100,
      claimNamespace: 'shop',
      claimName: 'data-db-0',
    });
    expect(byName.get('pvc-unbound')).toMatchObject({ claimNamespace: null, claimName: null });
  });

  it('lists services with selector and load balancer', async () => {
    await putByTs(
      t,
      every(T0, 5, 12).map((x) => service(x)),
    );
    const [h0] = await facts();
    expect(h0?.services).toEqual([
      {
        cluster: CLUSTER,
        hourStart: iso(T0),
        namespace: 'shop',
        name: 'api',
        type: 'LoadBalancer',
        selector: { app: 'api' },
        lbHostname: 'a1b2c3d4e5f6-1234567890.us-east-1.elb.amazonaws.com',
        lbIp: null,
      },
    ]);
  });

  it('sums flow bytes per pod, direction, class, service and NAT, and splits a flow over hours', async () => {
    await putByTs(t, [
      ...every(T0, 5, 12).map((x) => flow(x, { bytes: 1000 })),
      ...every(T0, 5, 12).map((x) => flow(x, { bytes: 7, class: 'internet', service: 's3' })),
      flow(iso(T0 + 55 * MIN), { pod: 'batch-1', bytes: 600, intervalSeconds: 600 }),
    ]);
    const [h0, h1] = await facts(2);
    const key = (f: { pod: string; class: string }) => `${f.pod}/${f.class}`;
    const m0 = new Map((h0?.flows ?? []).map((f) => [key(f), f]));
    expect(m0.get('api-7d9f8c-abcde/cross-zone')).toEqual({
      cluster: CLUSTER,
      hourStart: iso(T0),
      namespace: 'shop',
      pod: 'api-7d9f8c-abcde',
      direction: 'egress',
      class: 'cross-zone',
      service: null,
      viaNat: false,
      bytes: 12_000,
    });
    expect(m0.get('api-7d9f8c-abcde/internet')).toMatchObject({ service: 's3', bytes: 84 });
    expect(m0.get('batch-1/cross-zone')?.bytes).toBeCloseTo(300, 9);
    expect(h1?.flows.map((f) => [f.pod, f.bytes])).toEqual([['batch-1', 300]]);
  });
});

describe('the window', () => {
  it('yields every hour of the window, empty ones too', async () => {
    await putByTs(
      t,
      every(T0 + HOUR, 5, 12).map((x) => pod(x)),
    );
    const all = await facts(3);
    expect(all.map((h) => h.hourStart)).toEqual([iso(T0), iso(T0 + HOUR), iso(T0 + 2 * HOUR)]);
    expect(all.map((h) => h.pods.length)).toEqual([0, 1, 0]);
    expect(all[0]).toEqual({ hourStart: iso(T0), nodes: [], pods: [], volumes: [], services: [], flows: [] });
  });

  it('yields empty hours for an empty store', async () => {
    const all = await facts(2);
    expect(all).toHaveLength(2);
    expect(all.every((h) => h.pods.length === 0 && h.nodes.length === 0)).toBe(true);
  });

  it('keeps only the requested clusters', async () => {
    await putByTs(t, [
      ...every(T0, 5, 12).map((x) => pod(x)),
      ...every(T0, 5, 12).map((x) => pod(x, { cluster: 'staging-euw1', name: 'web-1' })),
    ]);
    const [h0] = await facts(1, { clusters: ['staging-euw1'] });
    expect(h0?.pods.map((p) => [p.cluster, p.name])).toEqual([['staging-euw1', 'web-1']]);
  });
});

describe('hour facts over sample tables filled directly', () => {
  it('reduces pod_samples and node_samples written with SQL, as a benchmark does', async () => {
    const db = await openDuckDb();
    try {
      await createSampleTables(db);
      await db.conn.run(`INSERT INTO pod_samples
        SELECT 'c1', TIMESTAMP '2026-11-16 00:00:00' + to_seconds(s * 300), 300, 'ns', 'p' || p, 'uid-' || p, 'n1',
          'Running', false, 'Deployment', 'd', '{"team":"t' || p || '"}', 0.5, 0.5, 0.2, 2147483648, 2147483648,
          1073741824, 0, 0, 0, ['data']
        FROM range(2) r(p), range(24) q(s)`);
      await db.conn.run(`INSERT INTO node_samples
        SELECT 'c1', TIMESTAMP '2026-11-16 00:00:00' + to_seconds(s * 300), 300, 'n1', 'aws:///us-east-1a/i-1',
          'm6i.xlarge', 'us-east-1', 'us-east-1a', 'general', 'spot', 4, 17179869184, 0, 3.9, 16106127360, 0, '{}'
        FROM range(24) q(s)`);
      const reader = createHourFactsReader(db, { windowStart: iso(T0), windowEnd: iso(T0 + 3 * HOUR) });
      const hours: HourFacts[] = [];
      for await (const h of reader.hourFacts()) hours.push(h);
      expect(hours.map((h) => h.pods.length)).toEqual([2, 2, 0]);
      const p = hours[1]?.pods[1];
      expect(p).toMatchObject({
        cluster: 'c1',
        uid: 'uid-1',
        name: 'p1',
        labels: { team: 't1' },
        seconds: 3600,
      });
      expect(p?.cpuCoreHours).toBeCloseTo(0.5, 12);
      expect(p?.ramGiBHours).toBeCloseTo(2, 12);
      expect(p?.ramUsageGiBHours).toBeCloseTo(1, 12);
      expect(p?.claims).toEqual([{ claim: 'data', shareHours: expect.closeTo(0.5, 12) }]);
      expect(hours[0]?.nodes[0]).toMatchObject({
        name: 'n1',
        capacityType: 'spot',
        ramGiB: 16,
        observedSeconds: 3600,
      });
      expect(await reader.clusters()).toEqual(['c1']);
      await reader.close();
    } finally {
      db.close();
    }
  });

  it('covers a window that does not start on the hour', async () => {
    await putByTs(
      t,
      every(T0, 5, 24).map((x) => pod(x)),
    );
    const w = await openSnapshotWarehouse({
      store: t.store,
      windowStart: iso(T0 + 30 * MIN),
      windowEnd: iso(T0 + 90 * MIN),
    });
    open.push(w);
    const out: HourFacts[] = [];
    for await (const h of w.hourFacts()) out.push(h);
    expect(out.map((h) => h.hourStart)).toEqual([iso(T0), iso(T0 + HOUR)]);
    expect(out.map((h) => h.pods[0]?.seconds)).toEqual([1800, 1800]);
  });
});

describe('owner context, asset ids and clusters', () => {
  it('returns the latest namespace and workload labels, the asset ids and the clusters', async () => {
    await putByTs(t, [
      namespace(iso(T0 - 10 * MIN), 'shop', { team: 'old' }),
      namespace(iso(T0 + 10 * MIN), 'shop', { team: 'checkout' }),
      workload(iso(T0 + 10 * MIN), 'api', { service: 'api' }),
      ...every(T0, 5, 12).map((x) => node(x)),
      ...every(T0, 5, 12).map((x) => pv(x)),
      ...every(T0, 5, 12).map((x) => service(x)),
      service(iso(T0), { name: 'internal', hostname: 'internal.example.com' }),
      pod(iso(T0)),
    ]);
    const w = await openSnapshotWarehouse({
      store: t.store,
      windowStart: iso(T0),
      windowEnd: iso(T0 + HOUR),
    });
    open.push(w);
    const ctx = await w.ownerContext();
    expect(ctx.namespaceLabels.get(`${CLUSTER}/shop`)).toEqual({ team: 'checkout' });
    expect(ctx.workloadLabels.get(`${CLUSTER}/shop/Deployment/api`)).toEqual({ service: 'api' });
    expect(await w.assetIds()).toEqual(
      [
        'i-0abc123def4567890',
        'vol-0123456789abcdef0',
        'a1b2c3d4e5f6-1234567890',
        'a1b2c3d4e5f6',
        'internal',
      ].sort(),
    );
    expect(await w.clusters()).toEqual([CLUSTER]);
    expect(w.badInputCount).toBe(0);
    expect(w.stats.records).toMatchObject({ namespace: 2, workload: 1, node: 12, pv: 12, pod: 1 });
  });
});
