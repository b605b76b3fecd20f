/** The seeded simulator: determinism, valid records, a bill consistent with the snapshots, planted truth. */

import { beforeAll, describe, expect, it } from 'vitest';
import { curTagKey as readerCurTagKey } from '../../adapters/billing/duckdb/tags.js';
import { classifyLine, nodeAssetId, resourceSegments } from '../../core/billing/classify.js';
import { FINDING_TYPES } from '../../core/findings/thresholds.js';
import { type SnapshotRecord, SnapshotRecord as SnapshotRecordSchema } from '../../core/schema/records.js';
import { createSimulation, curTagKey, type Simulation } from '../../core/simulator/index.js';
import { SAMPLES_PER_HOUR, SAMPLES_PER_WEEK } from '../../core/simulator/time.js';

const HOURS_PER_WEEK = SAMPLES_PER_WEEK / SAMPLES_PER_HOUR;

function parseLines(text: string): SnapshotRecord[] {
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as SnapshotRecord);
}

let sim: Simulation;

beforeAll(() => {
  sim = createSimulation({ seed: 42 });
});

describe('determinism', () => {
  it('produces byte-identical records and bills for the same seed', () => {
    const other = createSimulation({ seed: 42 });
    for (let k = 0; k < sim.window.samples; k += 97) {
      for (let c = 0; c < sim.clusters.length; c++) {
        for (const p of ['cluster', 'network'] as const) {
          expect(other.batch(c, k, p).text).toBe(sim.batch(c, k, p).text);
        }
      }
    }
    expect(JSON.stringify(other.billing().lines.map((l) => l.line))).toBe(
      JSON.stringify(sim.billing().lines.map((l) => l.line)),
    );
  });

  it('produces different records for a different seed', () => {
    const other = createSimulation({ seed: 43 });
    expect(other.batch(0, 500, 'cluster').text).not.toBe(sim.batch(0, 500, 'cluster').text);
    expect(other.batch(1, 501, 'network').text).not.toBe(sim.batch(1, 501, 'network').text);
  });

  it('does not depend on the order samples are rendered in', () => {
    const other = createSimulation({ seed: 42 });
    const k = 3000;
    expect(other.batch(0, k, 'cluster').text).toBe(sim.batch(0, k, 'cluster').text);
  });
});

describe('snapshot records', () => {
  it('validates every record of sampled batches against ownercost/v1 and covers every kind', () => {
    const kinds = new Set<string>();
    const samples = [0, sim.window.samples - 1];
    for (let k = 0; k < sim.window.samples; k += 131) samples.push(k, k - (k % 3));
    for (const k of samples) {
      for (let c = 0; c < sim.clusters.length; c++) {
        for (const p of ['cluster', 'network'] as const) {
          const batch = sim.batch(c, k, p);
          const records = parseLines(batch.text);
          expect(records.length).toBe(batch.records);
          for (const r of records) {
            const parsed = SnapshotRecordSchema.safeParse(r);
            if (!parsed.success) throw new Error(`${r.kind} at ${k}: ${parsed.error.message}`);
            expect(r.ts).toBe(sim.tsAt(k));
            // Flow records count 15 minutes from every third sample; the others hold state.
            expect(r.intervalSeconds).toBe(r.kind === 'flow' ? 900 : 300);
            if (r.kind === 'flow') expect(k % 3).toBe(0);
            kinds.add(r.kind);
          }
        }
      }
    }
    expect([...kinds].sort()).toEqual([
      'flow',
      'namespace',
      'node',
      'pod',
      'pv',
      'pvc',
      'service',
      'workload',
    ]);
  });

  it('keeps 250 to 400 pods alive at small scale', () => {
    for (let k = 0; k < sim.window.samples; k += 12) {
      const live = sim.livePods(k);
      expect(live).toBeGreaterThanOrEqual(250);
      expect(live).toBeLessThanOrEqual(400);
    }
  });

  it('places pods on nodes with room for their requests', () => {
    for (const k of [10, 1500, 3000, 3500]) {
      for (let c = 0; c < sim.clusters.length; c++) {
        const records = parseLines(sim.batch(c, k, 'cluster').text);
        const nodes = new Map(records.flatMap((r) => (r.kind === 'node' ? [[r.name, r]] : [])));
        const used = new Map<string, { cpu: number; mem: number; gpu: number }>();
        for (const r of records) {
          if (r.kind !== 'pod') continue;
          expect(nodes.has(r.node)).toBe(true);
          const u = used.get(r.node) ?? { cpu: 0, mem: 0, gpu: 0 };
          for (const ct of r.containers) {
            u.cpu += ct.requests.cpuCores;
            u.mem += ct.requests.memoryBytes;
            u.gpu += ct.requests.gpus;
          }
          used.set(r.node, u);
        }
        for (const [name, u] of used) {
          const n = nodes.get(name);
          if (n?.kind !== 'node') throw new Error(`no node ${name}`);
          expect(u.cpu).toBeLessThanOrEqual(n.allocatable.cpuCores + 1e-9);
          expect(u.mem).toBeLessThanOrEqual(n.allocatable.memoryBytes + 1);
          expect(u.gpu).toBeLessThanOrEqual(n.allocatable.gpus);
        }
      }
    }
  });

  it('uses provider-shaped ids: EC2 provider ids, GCE provider ids, EBS and PD volume handles, ELB hostnames and IPs', () => {
    const eks = parseLines(sim.batch(0, 100, 'cluster').text);
    const gke = parseLines(sim.batch(1, 100, 'cluster').text);
    for (const r of eks) {
      if (r.kind === 'node') expect(r.providerId).toMatch(/^aws:\/\/\/us-east-1[abc]\/i-[0-9a-f]{17}$/);
      if (r.kind === 'pv') expect(r.volumeHandle).toMatch(/^vol-[0-9a-f]{17}$/);
      if (r.kind === 'service' && r.type === 'LoadBalancer') {
        expect(r.loadBalancer.hostname).toMatch(/^[a-z0-9-]+-[0-9a-f]{16}\.elb\.us-east-1\.amazonaws\.com$/);
      }
    }
    for (const r of gke) {
      if (r.kind === 'node') expect(r.providerId).toMatch(/^gce:\/\/acme-ml-prod\/us-central1-[abc]\/gke-/);
      if (r.kind === 'pv')
        expect(r.volumeHandle).toMatch(/^projects\/acme-ml-prod\/zones\/us-central1-[abc]\/disks\/pvc-/);
      if (r.kind === 'service' && r.type === 'LoadBalancer')
        expect(r.loadBalancer.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    }
  });
});

describe('billing', () => {
  it('reports billed totals per cluster and week equal to the sum of the cost lines', () => {
    const { lines } = sim.billing();
    const truth = sim.truth();
    expect(truth.billed).toHaveLength(4);
    for (const t of truth.billed) {
      const w = sim.window.weekLabels.indexOf(t.week);
      const sum = lines
        .filter((l) => l.cluster === t.cluster && Math.floor(l.hour / HOURS_PER_WEEK) === w)
        .reduce((s, l) => s + l.line.BilledCost, 0);
      expect(t.billedCost).toBeCloseTo(sum, 5);
    }
  });

  it('tags every line with its cluster, covers the window hourly and prices in USD', () => {
    const start = Date.parse('2026-11-09T00:00:00Z');
    const bad: string[] = [];
    for (const { line, cluster, provider } of sim.billing().lines) {
      const key = provider === 'aws' ? 'aws:eks:cluster-name' : 'goog-k8s-cluster-name';
      const s = Date.parse(line.ChargePeriodStart);
      const ok =
        line.Tags[key] === cluster &&
        line.BillingCurrency === 'USD' &&
        /^\d{4}-\d\d-\d\dT\d\d:00:00Z$/.test(line.ChargePeriodStart) &&
        Date.parse(line.ChargePeriodEnd) - s === 3_600_000 &&
        s >= start &&
        s < start + 14 * 86_400_000 &&
        line.EffectiveCost === line.BilledCost &&
        line.ListCost >= line.BilledCost &&
        line.BilledCost > 0;
      if (!ok) bad.push(JSON.stringify(line));
    }
    expect(bad.slice(0, 3)).toEqual([]);
  });

  it('matches every compute line to a node seen in the snapshots of that hour', () => {
    const { lines } = sim.billing();
    for (let h = 3; h < 2 * HOURS_PER_WEEK; h += 17) {
      const seen = new Set<string>();
      for (let k = h * SAMPLES_PER_HOUR; k < (h + 1) * SAMPLES_PER_HOUR; k++) {
        for (let c = 0; c < sim.clusters.length; c++) {
          for (const r of parseLines(sim.batch(c, k, 'cluster').text)) {
            if (r.kind === 'node') seen.add(nodeAssetId(r.providerId));
          }
        }
      }
      const compute = lines.filter(
        (l) =>
          l.hour === h &&
          l.line.ServiceCategory === 'Compute' &&
          (l.line.ServiceName === 'Amazon Elastic Compute Cloud' || l.line.ServiceName === 'Compute Engine'),
      );
      expect(compute.length).toBeGreaterThan(0);
      const unmatched = compute.filter(
        (l) => !resourceSegments(l.line.ResourceId ?? '').some((s) => seen.has(s)),
      );
      expect(unmatched.map((l) => l.line.ResourceId)).toEqual([]);
      const billedNodes = new Set(compute.flatMap((l) => resourceSegments(l.line.ResourceId ?? '')));
      expect([...seen].filter((id) => !billedNodes.has(id))).toEqual([]);
    }
  });

  it('classifies every usage type as the kind of charge it is', () => {
    const expected: Record<string, ReturnType<typeof classifyLine>> = {
      'USE1-DataTransfer-Regional-Bytes': { kind: 'transfer', networkClass: 'cross-zone' },
      'USE1-DataTransfer-Out-Bytes': { kind: 'transfer', networkClass: 'internet' },
      'USE1-USW2-AWS-Out-Bytes': { kind: 'transfer', networkClass: 'cross-region' },
      'USE1-NatGateway-Bytes': { kind: 'transfer', networkClass: 'nat' },
      'USE1-NatGateway-Hours': { kind: 'nat-hours' },
      'USE1-AmazonEKS-Hours:perCluster': { kind: 'cluster-fee' },
      'Network Inter Zone Egress': { kind: 'transfer', networkClass: 'cross-zone' },
      'Network Internet Egress from Americas to Americas': { kind: 'transfer', networkClass: 'internet' },
      'Network Inter Region Egress from Americas to Americas': {
        kind: 'transfer',
        networkClass: 'cross-region',
      },
      'Cloud NAT Data Processing': { kind: 'transfer', networkClass: 'nat' },
      'Cloud NAT Gateway Uptime charge': { kind: 'nat-hours' },
      'Regional Kubernetes Clusters Cluster Management Fee': { kind: 'cluster-fee' },
    };
    const seen = new Map<string, ReturnType<typeof classifyLine>>();
    for (const { line } of sim.billing().lines) seen.set(line.x_UsageType ?? '', classifyLine(line));
    for (const [usageType, kind] of Object.entries(expected)) expect(seen.get(usageType)).toEqual(kind);
    for (const [usageType, kind] of seen) {
      if (!(usageType in expected)) expect(kind, usageType).toEqual({ kind: 'resource' });
    }
  });

  it('bills spot nodes below their list price and on-demand nodes at it', () => {
    const compute = sim.billing().lines.filter((l) => /^(Box|Spot)Usage:/.test(l.line.x_UsageType ?? ''));
    const spot = compute.filter((l) => l.line.x_UsageType?.startsWith('SpotUsage'));
    expect(spot.length).toBeGreaterThan(0);
    for (const l of spot) expect(l.line.ListCost).toBeGreaterThan(l.line.BilledCost);
    const full = compute.find(
      (l) => l.line.x_UsageType === 'BoxUsage:m6i.2xlarge' && l.line.ConsumedQuantity === 1,
    );
    expect(full?.line.BilledCost).toBeCloseTo(0.384, 9);
  });

  it('bills data transfer from the same bytes the flow records report', () => {
    const h = 200;
    const bytes = { 'cross-zone': 0, internet: 0 };
    for (let k = h * SAMPLES_PER_HOUR; k < (h + 1) * SAMPLES_PER_HOUR; k++) {
      for (const r of parseLines(sim.batch(0, k, 'network').text)) {
        if (r.kind !== 'flow') continue;
        if (r.class === 'cross-zone') bytes['cross-zone'] += r.bytes;
        if (r.class === 'internet' && r.direction === 'egress') bytes.internet += r.bytes;
      }
    }
    const billed = (usageType: string) =>
      sim
        .billing()
        .lines.filter((l) => l.hour === h && l.cluster === 'prod-use1' && l.line.x_UsageType === usageType)
        .reduce((s, l) => s + l.line.BilledCost, 0);
    expect(billed('USE1-DataTransfer-Regional-Bytes')).toBeCloseTo(
      (bytes['cross-zone'] / 1024 ** 3) * 0.01,
      6,
    );
    expect(billed('USE1-DataTransfer-Out-Bytes')).toBeCloseTo((bytes.internet / 1024 ** 3) * 0.09, 6);
  });

  it('splits each EKS node-hour over its pods in CUR split cost allocation rows without double counting', () => {
    const rows = sim.curRows();
    const aws = sim.billing().lines.filter((l) => l.provider === 'aws');
    const curTotal = rows.reduce((s, r) => s + r.line_item_unblended_cost, 0);
    expect(curTotal).toBeCloseTo(
      aws.reduce((s, l) => s + l.line.BilledCost, 0),
      6,
    );
    const split = rows.filter((r) => r.split_line_item_parent_resource_id !== null);
    expect(split.length).toBeGreaterThan(0);
    const badRows = split.filter(
      (r) =>
        r.line_item_unblended_cost !== 0 ||
        !/^arn:aws:eks:us-east-1:\d{12}:pod\/prod-use1\/[^/]+\/[^/]+\/[0-9a-f-]{36}$/.test(
          r.line_item_resource_id ?? '',
        ) ||
        !/^USE1-EKS-EC2-(vCPU|GB|GPU)-Hours$/.test(r.line_item_usage_type) ||
        r.resource_tags.aws_eks_cluster_name !== 'prod-use1' ||
        (r.split_line_item_split_usage_ratio ?? 2) > 1,
    );
    expect(badRows.slice(0, 3)).toEqual([]);
    // Per node-hour: split + unused cost never exceeds the instance's cost, and equals it on
    // instances without GPUs (every resource there has some allocation: DaemonSets run everywhere).
    const nodeCost = new Map<string, { cost: number; type: string }>();
    for (const l of aws) {
      const m = /^(Box|Spot)Usage:(.*)$/.exec(l.line.x_UsageType ?? '');
      if (m)
        nodeCost.set(`${l.line.ResourceId}@${l.line.ChargePeriodStart}`, {
          cost: l.line.BilledCost,
          type: m[2] ?? '',
        });
    }
    const splitSum = new Map<string, number>();
    for (const r of split) {
      const key = `${r.split_line_item_parent_resource_id}@${r.line_item_usage_start_date}`;
      splitSum.set(
        key,
        (splitSum.get(key) ?? 0) + (r.split_line_item_split_cost ?? 0) + (r.split_line_item_unused_cost ?? 0),
      );
    }
    const mismatched: string[] = [];
    for (const [key, s] of splitSum) {
      const node = nodeCost.get(key);
      if (!node) mismatched.push(`${key}: no instance line`);
      else if (s > node.cost + 1e-6) mismatched.push(`${key}: ${s} > ${node.cost}`);
      else if (!node.type.startsWith('g') && Math.abs(s - node.cost) > 1e-6)
        mismatched.push(`${key}: ${s} != ${node.cost}`);
    }
    expect(mismatched.slice(0, 3)).toEqual([]);
    expect(splitSum.size).toBeGreaterThan(1000);
  });
});

describe('CUR 2.0 tag keys', () => {
  it('spells resource_tags keys the way the CUR reader restores them', () => {
    const keys = new Set<string>();
    for (const { line } of sim.billing().lines) for (const k of Object.keys(line.Tags)) keys.add(k);
    for (const k of ['team', 'owner', 'cost_center', 'env', 'workload_type', 'aws:eks:namespace'])
      keys.add(k);
    for (const k of keys) expect(curTagKey(k), k).toBe(readerCurTagKey(k));
  });
});

describe('planted truth', () => {
  it('makes the last week cost more than the first, in both clusters', () => {
    const billed = sim.truth().billed;
    for (const cluster of ['prod-use1', 'ml-usc1']) {
      const [w1, w2] = billed.filter((b) => b.cluster === cluster);
      expect(w2?.billedCost ?? 0).toBeGreaterThan((w1?.billedCost ?? 0) * 1.1);
    }
  });

  it('lets each planted cause contribute to the increase', () => {
    const { lines } = sim.billing();
    const weekCost = (w: number, match: (resourceId: string, cluster: string) => boolean) =>
      lines
        .filter((l) => Math.floor(l.hour / HOURS_PER_WEEK) === w && match(l.line.ResourceId ?? '', l.cluster))
        .reduce((s, l) => s + l.line.BilledCost, 0);
    const causes = sim.truth().causes;
    expect(new Set(causes.map((c) => c.kind))).toEqual(
      new Set(['gpu-parallelism', 'new-preview-env', 'cronjob-frequency', 'new-training-job']),
    );
    for (const cause of causes) {
      const plan = sim.clusters.find((c) => c.spec.name === cause.cluster);
      if (!plan) throw new Error(`no cluster ${cause.cluster}`);
      let ids: Set<string>;
      if (cause.evidence.nodePool) {
        ids = new Set(
          plan.nodes.filter((n) => n.pool.name === cause.evidence.nodePool).map((n) => n.resourceId),
        );
      } else {
        ids = new Set(cause.evidence.resourceIds ?? []);
        expect(ids.size, cause.id).toBeGreaterThanOrEqual(2);
      }
      const match = (id: string, cluster: string) => cluster === cause.cluster && ids.has(id);
      const before = weekCost(0, match);
      const after = weekCost(1, match);
      if (cause.evidence.nodePool) {
        expect(after, cause.id).toBeGreaterThan(before + 50);
      } else {
        // New assets: absent in the first week, billed in the second.
        expect(before, cause.id).toBe(0);
        expect(after, cause.id).toBeGreaterThan(2);
      }
    }
  });

  it('lists causes, every waste type, and clean workloads that are not waste', () => {
    const truth = sim.truth();
    expect(truth.causes.length).toBeGreaterThanOrEqual(3);
    // Every finding type the detectors know is planted somewhere.
    expect(new Set(truth.waste.map((w) => w.type))).toEqual(new Set(FINDING_TYPES));
    expect(truth.healthy.length).toBeGreaterThanOrEqual(5);
    const wasteful = new Set(truth.waste.map((w) => `${w.cluster}/${w.namespace}/${w.workload}`));
    for (const h of truth.healthy)
      expect(wasteful.has(`${h.cluster}/${h.namespace}/${h.workload}`)).toBe(false);
    expect(truth.teams.length).toBeGreaterThanOrEqual(13);
  });

  it('shows the planted waste in the snapshots', () => {
    const k = sim.window.samples - 10;
    const eks = parseLines(sim.batch(0, k, 'cluster').text);
    const gke = parseLines(sim.batch(1, k, 'cluster').text);
    const workload = (rs: SnapshotRecord[], ns: string, name: string) =>
      rs.find((r) => r.kind === 'workload' && r.namespace === ns && r.name === name);
    const retrying = workload(eks, 'data-eng', 'migrate-user-events');
    expect(
      retrying?.kind === 'workload' && (retrying.failed ?? 0) > 100 && (retrying.backoffLimit ?? 0) >= 1000,
    ).toBe(true);
    const cron = workload(gke, 'data-pipelines', 'feature-backfill');
    expect(cron?.kind === 'workload' && cron.schedule).toBe('*/10 * * * *');
    const evals = workload(eks, 'ai-evals', 'gpu-eval-suite');
    expect(evals?.kind === 'workload' && evals.parallelism).toBe(6);
    const released = eks.find((r) => r.kind === 'pv' && r.phase === 'Released');
    expect(released?.kind === 'pv' && released.claim).toBeNull();
    const io2 = eks.find((r) => r.kind === 'pvc' && r.namespace === 'ml-staging');
    expect(io2?.kind === 'pvc' && io2.storageClass).toBe('io2');
    const unowned = eks.find((r) => r.kind === 'pod' && r.namespace === 'tmp-jsmith');
    expect(unowned?.kind === 'pod' && unowned.labels.team).toBeUndefined();
    const ns = eks.find((r) => r.kind === 'namespace' && r.name === 'tmp-jsmith');
    expect(ns?.kind === 'namespace' && ns.labels.team).toBeUndefined();
    const oldPreview = eks.find((r) => r.kind === 'namespace' && r.name === 'preview-pr-977');
    expect(oldPreview?.kind === 'namespace' && Date.parse(oldPreview.createdAt)).toBeLessThan(
      sim.window.changeWeekStartMs - 14 * 86_400_000,
    );
    const nat = parseLines(sim.batch(0, k - (k % 3), 'network').text).find(
      (r) => r.kind === 'flow' && r.namespace === 'data-eng' && r.service === 's3',
    );
    expect(nat?.kind === 'flow' && nat.viaNat).toBe(true);
  });
});
