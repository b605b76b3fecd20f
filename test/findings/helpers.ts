/** Hand-built detector inputs: facts, ledger costs and a plan context, each with sane defaults. */
import {
  type CostIndex,
  emptyCostIndex,
  type PoolCost,
  type WorkloadCost,
} from '../../core/findings/costs.js';
import type { DetectorInput } from '../../core/findings/detectors/common.js';
import {
  type ClaimFact,
  emptyFacts,
  type NamespaceFact,
  type NodePoolFact,
  type VolumeFact,
  type WorkloadChange,
  type WorkloadFact,
  type WorkloadFacts,
  workloadKey,
} from '../../core/findings/facts.js';
import type { PlanContext } from '../../core/findings/plan.js';
import {
  DEFAULT_THRESHOLDS,
  type FindingThresholds,
  withThresholds,
} from '../../core/findings/thresholds.js';
import type { Finding } from '../../core/findings/types.js';
import type { Owners } from '../../core/owners/resolve.js';

export const WEEK_START = '2026-11-16T00:00:00Z';
export const WEEK_END = '2026-11-23T00:00:00Z';
export const GIB = 1024 ** 3;
export const MIB = 1024 ** 2;
/** A week → a month. */
export const MONTHLY = 730 / 168;

export function owners(team: string, extra: Partial<Owners> = {}): Owners {
  return {
    owner: 'unowned',
    team,
    service: 'unowned',
    env: 'unowned',
    cost_center: 'unowned',
    workload_type: 'unowned',
    ...extra,
  };
}

export function workloadFact(p: Partial<WorkloadFact> = {}): WorkloadFact {
  return {
    cluster: 'c1',
    namespace: 'shop',
    kind: 'Deployment',
    name: 'api',
    labels: { app: 'api' },
    pods: 2,
    podHours: 336,
    cpuRequestCores: 1,
    cpuUsageP95Cores: 0.8,
    cpuUsageAvgCores: 0.6,
    ramRequestBytes: 2 * GIB,
    ramUsagePeakBytes: 1.8 * GIB,
    ramUsageAvgBytes: 1.5 * GIB,
    gpuRequest: 0,
    replicas: { min: 2, max: 2, last: 2 },
    generation: 3,
    images: ['registry.example.com/api:1.0.0'],
    network: [],
    placement: [
      { nodePool: 'general', capacityType: 'on-demand', podHours: p.podHours ?? 336, gpuRequestHours: 0 },
    ],
    claims: [],
    job: null,
    cron: null,
    firstSeen: WEEK_START,
    lastSeen: '2026-11-22T23:55:00Z',
    ...p,
  };
}

/** The ledger's view of a workload; rates default to 0.03/core-hour and 0.004/GiB-hour. */
export function workloadCost(p: Partial<WorkloadCost> & { cluster?: string } = {}): WorkloadCost {
  const podHours = p.podHours ?? 336;
  const cpuCoreHours = p.cpuCoreHours ?? podHours * 1;
  const ramGiBHours = p.ramGiBHours ?? podHours * 2;
  const cpuCost = p.cpuCost ?? cpuCoreHours * 0.03;
  const ramCost = p.ramCost ?? ramGiBHours * 0.004;
  const base: WorkloadCost = {
    cluster: 'c1',
    namespace: 'shop',
    kind: 'Deployment',
    name: 'api',
    team: 'checkout',
    owners: owners('checkout'),
    isShared: false,
    pods: 2,
    cpuCost,
    ramCost,
    gpuCost: 0,
    pvCost: 0,
    lbCost: 0,
    networkCost: 0,
    idleCost: 0,
    total: 0,
    networkByClass: { 'cross-zone': 0, 'cross-region': 0, internet: 0, nat: 0 },
    computeByPool: { 'general/on-demand': cpuCost + ramCost },
    cpuCoreHours,
    ramGiBHours,
    gpuHours: 0,
    cpuRequestCoreHours: cpuCoreHours,
    ramRequestGiBHours: ramGiBHours,
    podHours,
    ...p,
  };
  if (p.total === undefined) {
    base.total =
      base.cpuCost +
      base.ramCost +
      base.gpuCost +
      base.pvCost +
      base.lbCost +
      base.networkCost +
      base.idleCost;
  }
  return base;
}

export function nodePoolFact(p: Partial<NodePoolFact> = {}): NodePoolFact {
  return {
    cluster: 'c1',
    nodePool: 'general',
    provider: 'aws',
    region: 'us-east-1',
    nodeLabels: { 'eks.amazonaws.com/nodegroup': p.nodePool ?? 'general' },
    capacityType: 'on-demand',
    instanceTypes: ['m6i.2xlarge'],
    nodesMin: 4,
    nodesMax: 4,
    nodeHours: 4 * 168,
    allocatable: { cpuCoreHours: 4 * 168 * 8, ramGiBHours: 4 * 168 * 30, gpuHours: 0 },
    requested: { cpuCoreHours: 4 * 168 * 8 * 0.8, ramGiBHours: 4 * 168 * 30 * 0.7, gpuHours: 0 },
    peakRequested: { cpuCores: 4 * 8 * 0.85, ramBytes: 4 * 30 * GIB * 0.75, gpus: 0 },
    allocatablePerNode: { cpuCores: 8, ramBytes: 30 * GIB, gpus: 0 },
    gpuNodeHours: 0,
    ...p,
  };
}

export function namespaceFact(p: Partial<NamespaceFact> = {}): NamespaceFact {
  return {
    cluster: 'c1',
    name: 'shop',
    labels: { team: 'checkout' },
    annotations: {},
    createdAt: '2025-03-03T00:00:00Z',
    lastChangeAt: null,
    observedSince: '2026-11-15T23:00:00Z',
    workloads: 1,
    ...p,
  };
}

export function volumeFact(p: Partial<VolumeFact> = {}): VolumeFact {
  return {
    cluster: 'c1',
    name: 'pvc-0001',
    volumeHandle: 'vol-0123456789abcdef0',
    storageClass: 'gp3',
    capacityBytes: 100 * GIB,
    reclaimPolicy: 'Delete',
    claimNamespace: 'shop',
    claimName: 'data-db-0',
    phaseHours: { Bound: 168 },
    lastPhase: 'Bound',
    hours: 168,
    ...p,
  };
}

export function claimFact(p: Partial<ClaimFact> = {}): ClaimFact {
  return {
    cluster: 'c1',
    namespace: 'shop',
    name: 'data-db-0',
    volumeName: 'pvc-0001',
    storageClass: 'gp3',
    capacityBytes: 100 * GIB,
    phase: 'Bound',
    hours: 168,
    mountedPodHours: 168,
    mountedBy: [{ kind: 'StatefulSet', name: 'db' }],
    ...p,
  };
}

export function facts(p: Partial<WorkloadFacts> = {}): WorkloadFacts {
  return { ...emptyFacts(WEEK_START, WEEK_END), ...p };
}

export interface CostsInput {
  workloads?: WorkloadCost[];
  pools?: Partial<PoolCost>[];
  unmounted?: Record<string, number>;
  namespaces?: { cluster?: string; namespace: string; total: number; team?: string }[];
}

export function costIndex(p: CostsInput = {}): CostIndex {
  const c = emptyCostIndex(168);
  for (const w of p.workloads ?? []) c.workloads.set(workloadKey(w), w);
  for (const pool of p.pools ?? []) {
    const full: PoolCost = {
      cluster: 'c1',
      nodePool: 'general',
      idleCost: 0,
      idleByResource: { cpu: 0, ram: 0, gpu: 0, unobserved: 0 },
      allocatedCost: 0,
      ...pool,
    };
    c.pools.set(`${full.cluster}/${full.nodePool}`, full);
  }
  for (const [k, v] of Object.entries(p.unmounted ?? {})) c.unmounted.set(k, v);
  for (const n of p.namespaces ?? []) {
    const cluster = n.cluster ?? 'c1';
    c.namespaces.set(`${cluster}/${n.namespace}`, {
      cluster,
      namespace: n.namespace,
      total: n.total,
      team: n.team ?? 'checkout',
    });
  }
  return c;
}

export function planContext(p: Partial<PlanContext> & { changes?: WorkloadChange[] } = {}): PlanContext {
  const changes = p.changes ?? [];
  return {
    currency: 'USD',
    platformTeam: 'platform',
    reviewers: (team) => (team === 'platform' ? 'ops@example.com' : `${team}-lead@example.com`),
    windowStart: WEEK_START,
    windowEnd: WEEK_END,
    monthly: MONTHLY,
    changesOf: (ref) => changes.filter((c) => workloadKey(c) === workloadKey(ref)),
    teamLabelKeys: ['team', 'app.kubernetes.io/team'],
    ...p,
  };
}

export function detectorInput(
  p: {
    facts?: Partial<WorkloadFacts>;
    costs?: CostsInput;
    thresholds?: Parameters<typeof withThresholds>[0];
    changes?: WorkloadChange[];
  } = {},
): DetectorInput {
  const thresholds: FindingThresholds = p.thresholds ? withThresholds(p.thresholds) : DEFAULT_THRESHOLDS;
  return {
    facts: facts(p.facts),
    costs: costIndex(p.costs),
    thresholds,
    plan: planContext({ changes: p.changes ?? [] }),
  };
}

/** Every plan field is filled and evidence is present. */
export function expectComplete(f: Finding): void {
  for (const field of ['finding', 'action', 'risk', 'rollback', 'reviewer', 'title'] as const) {
    if (f[field].trim().length === 0) throw new Error(`${f.type} ${f.workload}: empty ${field}`);
  }
  if (f.evidence.length === 0) throw new Error(`${f.type} ${f.workload}: no evidence`);
  if (!/^[0-9a-f]{16}$/.test(f.fingerprint)) throw new Error(`${f.type}: bad fingerprint ${f.fingerprint}`);
}
