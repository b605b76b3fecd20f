/** loadWorkloadFacts against sample tables filled by hand (tables.ts is the contract it reads). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DuckDb, openDuckDb, sqlString } from '../../adapters/duckdb/connection.js';
import { createSampleTables } from '../../adapters/snapshots/duckdb/tables.js';
import { loadWorkloadFacts } from '../../adapters/snapshots/duckdb/workloadFacts.js';
import type { WorkloadFacts } from '../../core/findings/facts.js';

const GIB = 1024 ** 3;
const W0 = Date.parse('2026-11-16T00:00:00Z');
const W1 = W0 + 86_400_000; // a one-day window
const STEP = 300_000;
const ts = (ms: number) => sqlString(new Date(ms).toISOString().replace('T', ' ').replace('Z', ''));
const json = (o: unknown) => sqlString(JSON.stringify(o));
const list = (xs: string[]) => `[${xs.map(sqlString).join(', ')}]::VARCHAR[]`;

interface PodRow {
  t: number;
  ns?: string;
  name: string;
  uid?: string;
  node?: string;
  kind?: string;
  owner: string;
  cpuReq?: number;
  cpuUse?: number;
  ramReq?: number;
  ramUse?: number;
  gpuReq?: number;
  claims?: string[];
  labels?: Record<string, string>;
  phase?: string;
}

function podSql(r: PodRow): string {
  return `('c1', ${ts(r.t)}, 300, ${sqlString(r.ns ?? 'shop')}, ${sqlString(r.name)}, ${sqlString(r.uid ?? r.name)}, ${sqlString(r.node ?? 'n1')}, ${sqlString(r.phase ?? 'Running')}, false, ${sqlString(r.kind ?? 'Deployment')}, ${sqlString(r.owner)}, ${json(r.labels ?? {})}, ${Math.max(r.cpuReq ?? 1, r.cpuUse ?? 0)}, ${r.cpuReq ?? 1}, ${r.cpuUse ?? 0}, ${Math.max(r.ramReq ?? GIB, r.ramUse ?? 0)}, ${r.ramReq ?? GIB}, ${r.ramUse ?? 0}, ${r.gpuReq ?? 0}, ${r.gpuReq ?? 0}, 0, ${list(r.claims ?? [])})`;
}

let db: DuckDb;
let facts: WorkloadFacts;

beforeAll(async () => {
  db = await openDuckDb({ threads: 1 });
  await createSampleTables(db);
  const pods: PodRow[] = [];
  const times: number[] = [];
  for (let t = W0 - 3_600_000; t < W1 + 3_600_000; t += STEP) times.push(t);
  const inWindow = times.filter((t) => t >= W0 && t < W1);
  // Deployment api: two pods, CPU usage 0.00…0.95 cycling, memory peak 3 GiB once.
  inWindow.forEach((t, i) => {
    for (const p of ['api-1', 'api-2']) {
      pods.push({
        t,
        name: p,
        owner: 'api',
        cpuReq: 2,
        cpuUse: (i % 20) * 0.05,
        ramReq: 4 * GIB,
        ramUse: i === 10 && p === 'api-1' ? 3 * GIB : GIB,
        claims: p === 'api-1' ? ['data'] : [],
      });
    }
  });
  // Deployment resized: its pods were replaced at 08:00 with smaller requests.
  for (const t of inWindow) {
    const late = t >= W0 + 8 * 3_600_000;
    pods.push({
      t,
      name: late ? 'resized-new' : 'resized-old',
      owner: 'resized',
      cpuReq: late ? 0.5 : 2,
      ramReq: GIB,
    });
  }
  // A sample before the window with a huge usage that must be ignored.
  pods.push({
    t: W0 - STEP,
    name: 'api-1',
    owner: 'api',
    cpuReq: 2,
    cpuUse: 50,
    ramReq: 4 * GIB,
    ramUse: 100 * GIB,
  });
  // A finished pod sample holds nothing.
  pods.push({ t: W0 + STEP, name: 'api-old', owner: 'api', phase: 'Succeeded', cpuUse: 99 });
  // CronJob nightly: runs at 00:00, 00:10 (overlapping, 30 min each) and 12:00 (10 min), 2 pods per run.
  const runs: [number, number, string][] = [
    [W0, 30, 'nightly-100'],
    [W0 + 10 * 60_000, 30, 'nightly-110'],
    [W0 + 12 * 3_600_000, 10, 'nightly-820'],
  ];
  for (const [start, minutes, job] of runs) {
    for (let t = start; t < start + minutes * 60_000; t += STEP) {
      for (const k of ['a', 'b']) {
        pods.push({
          t,
          name: `${job}-${k}xyz1`,
          kind: 'CronJob',
          owner: 'nightly',
          node: 'n2',
          labels: { 'batch.kubernetes.io/job-name': job },
        });
      }
    }
  }
  await db.conn.run(`INSERT INTO pod_samples VALUES ${pods.map(podSql).join(',\n')}`);

  const nodes: string[] = [];
  for (const t of times) {
    nodes.push(
      `('c1', ${ts(t)}, 300, 'n1', 'aws:///us-east-1a/i-1', 'm6i.2xlarge', 'us-east-1', 'us-east-1a', 'general', 'on-demand', 8, ${32 * GIB}, 0, 7.5, ${30 * GIB}, 0, ${json({ 'eks.amazonaws.com/nodegroup': 'general' })})`,
    );
    // n2 is only up the first half of the day: its pool scales to zero.
    if (t < W0 + 12 * 3_600_000 + 3_600_000) {
      nodes.push(
        `('c1', ${ts(t)}, 300, 'n2', 'aws:///us-east-1b/i-2', 'm6i.2xlarge', 'us-east-1', 'us-east-1b', 'batch', 'spot', 8, ${32 * GIB}, 0, 7.5, ${30 * GIB}, 0, '{}')`,
      );
    }
  }
  await db.conn.run(`INSERT INTO node_samples VALUES ${nodes.join(',\n')}`);

  const wl: string[] = [];
  for (const t of times) {
    const after = t >= W0 + 6 * 3_600_000;
    wl.push(
      `('c1', ${ts(t)}, 300, 'shop', 'api', 'Deployment', ${json({ app: 'api' })}, ${after ? 3 : 2}, NULL, NULL, NULL, NULL, NULL, NULL, NULL, ${after ? 4 : 3}, ${list([after ? 'api:2' : 'api:1'])})`,
    );
    wl.push(
      `('c1', ${ts(t)}, 300, 'shop', 'nightly', 'CronJob', '{}', 0, ${sqlString(after ? '*/10 * * * *' : '0 0 * * *')}, false, 2, 6, NULL, NULL, NULL, 1, ${list(['job:1'])})`,
    );
    wl.push(
      `('c1', ${ts(t)}, 300, 'shop', 'migrate', 'Job', '{}', 1, NULL, NULL, 1, 1000, 0, ${Math.floor((t - W0) / 3_600_000) + 10}, NULL, 1, ${list(['m:1'])})`,
    );
  }
  await db.conn.run(`INSERT INTO workload_samples VALUES ${wl.join(',\n')}`);

  await db.conn.run(`INSERT INTO flow_samples VALUES
    ('c1', ${ts(W0 + STEP)}, 300, 'n1', 'shop', 'api-1', 'egress', 'cross-zone', NULL, false, 1000, 1),
    ('c1', ${ts(W0 + 2 * STEP)}, 300, 'n1', 'shop', 'api-2', 'egress', 'cross-zone', NULL, false, 500, 1),
    ('c1', ${ts(W0 + 2 * STEP)}, 300, 'n1', 'shop', 'api-2', 'ingress', 'in-zone', 's3', true, 7000, 1),
    ('c1', ${ts(W0 - STEP)}, 300, 'n1', 'shop', 'api-2', 'egress', 'cross-zone', NULL, false, 99999, 1)`);

  const pvs: string[] = [];
  const pvcs: string[] = [];
  const nss: string[] = [];
  for (const t of inWindow) {
    pvs.push(
      `('c1', ${ts(t)}, 300, 'pv-data', 'vol-0a', 'gp3', ${10 * GIB}, 'Bound', 'shop', 'data', 'Delete')`,
    );
    pvs.push(
      `('c1', ${ts(t)}, 300, 'pv-old', 'vol-0b', 'io2', ${50 * GIB}, ${sqlString(t < W0 + 6 * 3_600_000 ? 'Bound' : 'Released')}, NULL, NULL, 'Retain')`,
    );
    pvcs.push(`('c1', ${ts(t)}, 300, 'shop', 'data', 'pv-data', 'gp3', ${10 * GIB}, 'Bound')`);
    pvcs.push(`('c1', ${ts(t)}, 300, 'shop', 'scratch', 'pv-s', 'gp3', ${GIB}, 'Bound')`);
    nss.push(
      `('c1', ${ts(t)}, 300, 'shop', ${json({ team: 'checkout', env: 'prod' })}, ${json({ note: 'x' })}, ${ts(Date.parse('2025-01-01T00:00:00Z'))})`,
    );
    nss.push(`('c1', ${ts(t)}, 300, 'quiet', '{}', '{}', ${ts(Date.parse('2025-01-01T00:00:00Z'))})`);
  }
  await db.conn.run(`INSERT INTO pv_samples VALUES ${pvs.join(',\n')}`);
  await db.conn.run(`INSERT INTO pvc_samples VALUES ${pvcs.join(',\n')}`);
  await db.conn.run(`INSERT INTO namespace_samples VALUES ${nss.join(',\n')}`);

  facts = await loadWorkloadFacts(db, {
    windowStart: new Date(W0).toISOString(),
    windowEnd: new Date(W1).toISOString(),
  });
});

afterAll(() => db?.close());

const find = (name: string) => facts.workloads.find((w) => w.name === name);

describe('loadWorkloadFacts', () => {
  it('computes per-pod p95 CPU, peak memory and mean requests of the window only', async () => {
    const api = find('api');
    expect(api).toBeDefined();
    if (!api) return;
    const q = await db.conn.runAndReadAll(
      `SELECT quantile_cont(cpu_use, 0.95) FROM pod_samples WHERE owner_name = 'api' AND phase = 'Running' AND ts >= ${ts(W0)} AND ts < ${ts(W1)}`,
    );
    expect(api.cpuUsageP95Cores).toBeCloseTo(Number(q.getRowsJS()[0]?.[0]), 9);
    expect(api.cpuUsageP95Cores).toBeLessThan(1);
    expect(api.ramUsagePeakBytes).toBe(3 * GIB);
    expect(api.cpuRequestCores).toBe(2);
    expect(api.ramRequestBytes).toBe(4 * GIB);
    expect(api.pods).toBe(2);
    expect(api.podHours).toBeCloseTo(48, 9);
    expect(api.claims).toEqual(['data']);
    expect(api.placement).toEqual([
      { nodePool: 'general', capacityType: 'on-demand', podHours: 48, gpuRequestHours: 0 },
    ]);
  });

  it('reads replicas, generation and images from workload records, and lists the changes', () => {
    const api = find('api');
    expect(api?.replicas).toEqual({ min: 2, max: 3, last: 3 });
    expect(api?.generation).toBe(4);
    expect(api?.images).toEqual(['api:2']);
    const changes = facts.changes
      .filter((c) => c.name === 'api')
      .map((c) => [c.field, c.before, c.after, c.ts]);
    expect(changes).toEqual([
      ['generation', '3', '4', '2026-11-16T06:00:00Z'],
      ['image', 'api:1', 'api:2', '2026-11-16T06:00:00Z'],
      ['replicas', '2', '3', '2026-11-16T06:00:00Z'],
    ]);
    expect(facts.changes.filter((c) => c.name === 'resized')).toEqual([
      {
        cluster: 'c1',
        namespace: 'shop',
        kind: 'Deployment',
        name: 'resized',
        field: 'requests',
        before: 'cpu 2000m, memory 1024Mi',
        after: 'cpu 500m, memory 1024Mi',
        ts: '2026-11-16T08:00:00Z',
      },
    ]);
    expect(facts.changes.find((c) => c.name === 'nightly' && c.field === 'schedule')).toMatchObject({
      before: '0 0 * * *',
      after: '*/10 * * * *',
    });
  });

  it('counts CronJob runs by job name, their overlap and length', () => {
    expect(find('nightly')?.cron).toEqual({
      schedule: '*/10 * * * *',
      suspend: false,
      parallelism: 2,
      runs: 3,
      maxConcurrentRuns: 2,
      podHoursPerRun: (2 * (30 + 30 + 10)) / 60 / 3,
      avgRunMinutes: (30 + 30 + 10) / 3,
      maxRunMinutes: 30,
    });
  });

  it('keeps the first and last Job counters of the window', () => {
    expect(find('migrate')?.job).toEqual({
      parallelism: 1,
      backoffLimit: 1000,
      succeededFirst: 0,
      succeededLast: 0,
      failedFirst: 10,
      failedLast: 33,
    });
  });

  it('sums network bytes per class, direction, service and NAT, inside the window', () => {
    expect(find('api')?.network).toEqual([
      { class: 'cross-zone', direction: 'egress', service: null, viaNat: false, bytes: 1500 },
      { class: 'in-zone', direction: 'ingress', service: 's3', viaNat: true, bytes: 7000 },
    ]);
  });

  it('sizes node pools: node counts, allocatable, requests and their peak', () => {
    const general = facts.nodePools.find((p) => p.nodePool === 'general');
    expect(general).toMatchObject({
      provider: 'aws',
      region: 'us-east-1',
      nodesMin: 1,
      nodesMax: 1,
      nodeHours: 24,
    });
    expect(general?.allocatable.cpuCoreHours).toBeCloseTo(7.5 * 24, 9);
    // api: 2 pods × 2 cores all day; resized: 2 cores for 8 h, then 0.5 core for 16 h
    expect(general?.requested.cpuCoreHours).toBeCloseTo(2 * 2 * 24 + 2 * 8 + 0.5 * 16, 9);
    expect(general?.peakRequested.cpuCores).toBe(6);
    const batch = facts.nodePools.find((p) => p.nodePool === 'batch');
    expect(batch?.nodesMin).toBe(0); // absent for half the day
    expect(batch?.capacityType).toBe('spot');
  });

  it('reports volume phases, claims and who mounted them', () => {
    const old = facts.volumes.find((v) => v.name === 'pv-old');
    expect(old?.phaseHours).toEqual({ Bound: 6, Released: 18 });
    expect(old?.lastPhase).toBe('Released');
    expect(old?.claimName).toBeNull();
    const data = facts.claims.find((c) => c.name === 'data');
    expect(data?.mountedBy).toEqual([{ kind: 'Deployment', name: 'api' }]);
    expect(data?.mountedPodHours).toBeCloseTo(24, 9);
    expect(facts.claims.find((c) => c.name === 'scratch')?.mountedPodHours).toBe(0);
  });

  it('gives namespaces their labels, creation time and last change', () => {
    const shop = facts.namespaces.find((n) => n.name === 'shop');
    expect(shop?.labels).toEqual({ team: 'checkout', env: 'prod' });
    expect(shop?.createdAt).toBe('2025-01-01T00:00:00Z');
    expect(shop?.lastChangeAt).toBe('2026-11-16T06:00:00Z');
    const quiet = facts.namespaces.find((n) => n.name === 'quiet');
    expect(quiet?.lastChangeAt).toBeNull();
    expect(quiet?.observedSince).toBe('2026-11-16T00:00:00Z');
  });

  it('rejects an empty window', async () => {
    await expect(
      loadWorkloadFacts(db, { windowStart: '2026-11-16T00:00:00Z', windowEnd: '2026-11-16T00:00:00Z' }),
    ).rejects.toThrow(/invalid window/);
  });
});
