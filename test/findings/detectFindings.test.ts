import { describe, expect, it } from 'vitest';
import type { Ledger, Unit } from '../../core/allocation/engine.js';
import { DEFAULT_POLICY } from '../../core/allocation/policy.js';
import { ConfigSchema } from '../../core/config/schema.js';
import { detectFindings, indexLedger, reviewersFromConfig } from '../../core/findings/index.js';
import { withThresholds } from '../../core/findings/thresholds.js';
import {
  expectComplete,
  facts,
  GIB,
  namespaceFact,
  owners,
  WEEK_END,
  WEEK_START,
  workloadFact,
} from './helpers.js';

/** A pod unit of the ledger (one pod of a week), cost split as CPU 0.03/core-hour and RAM 0.004/GiB-hour. */
function podUnit(p: Partial<Unit> & { controllerName: string; cores: number; ramGiB: number }): Unit {
  const { cores, ramGiB, ...rest } = p;
  const hours = 168;
  return {
    kind: 'pod',
    cluster: 'c1',
    namespace: 'shop',
    pod: `${p.controllerName}-abc12`,
    uid: `uid-${p.controllerName}-${Math.random()}`,
    controllerKind: 'Deployment',
    node: 'n1',
    nodePool: '',
    capacityType: '',
    labels: {},
    owners: owners('checkout'),
    isShared: false,
    cpuCost: cores * hours * 0.03,
    ramCost: ramGiB * hours * 0.004,
    gpuCost: 0,
    pvCost: 0,
    lbCost: 0,
    networkCost: 0,
    networkByClass: { 'cross-zone': 0, 'cross-region': 0, internet: 0, nat: 0 },
    computeByPool: { 'general/on-demand': cores * hours * 0.03 + ramGiB * hours * 0.004 },
    idleCost: 0,
    idleByResource: { cpu: 0, ram: 0, gpu: 0, unobserved: 0 },
    sharedBySource: { clusterFee: 0, unmatched: 0 },
    cpuCoreHours: cores * hours,
    ramGiBHours: ramGiB * hours,
    gpuHours: 0,
    cpuRequestCoreHours: cores * hours,
    cpuUsageCoreHours: 0,
    ramRequestGiBHours: ramGiB * hours,
    ramUsageGiBHours: 0,
    podHours: hours,
    estimatedCost: 0,
    dailyCost: new Array(7).fill(0),
    firstHour: WEEK_START,
    lastHour: WEEK_END,
    ...rest,
  };
}

function ledger(units: Unit[]): Ledger {
  return {
    windowStart: WEEK_START,
    windowEnd: WEEK_END,
    days: 7,
    units,
    clusters: [],
    policy: DEFAULT_POLICY,
  };
}

const base = { reviewers: () => 'r@example.com', platformTeam: 'platform', currency: 'USD' };

describe('detectFindings', () => {
  const idle = workloadFact({
    name: 'legacy',
    cpuRequestCores: 2,
    cpuUsageP95Cores: 0.001,
    ramRequestBytes: 4 * GIB,
    ramUsagePeakBytes: 0.2 * GIB,
  });
  const big = workloadFact({
    name: 'ranker',
    cpuRequestCores: 4,
    cpuUsageP95Cores: 0.2,
    ramRequestBytes: 12 * GIB,
    ramUsagePeakBytes: GIB,
    network: [{ class: 'in-zone', direction: 'ingress', service: null, viaNat: false, bytes: 1e12 }],
  });
  const small = workloadFact({
    name: 'web',
    cpuRequestCores: 1,
    cpuUsageP95Cores: 0.2,
    ramRequestBytes: 2 * GIB,
    ramUsagePeakBytes: 0.5 * GIB,
    network: big.network,
  });
  const units = [
    ...[1, 2].map(() => podUnit({ controllerName: 'legacy', cores: 2, ramGiB: 4 })),
    ...[1, 2].map(() => podUnit({ controllerName: 'ranker', cores: 4, ramGiB: 12 })),
    ...[1, 2].map(() => podUnit({ controllerName: 'web', cores: 1, ramGiB: 2 })),
  ];

  it('sorts plans by monthly saving and never reports an idle workload as over-requesting too', () => {
    const found = detectFindings({
      ...base,
      ledger: ledger(units),
      facts: facts({ workloads: [idle, big, small] }),
    });
    expect(found.map((f) => `${f.type} ${f.workload}`)).toEqual([
      'overprovisioned-requests Deployment/ranker',
      'idle-workload Deployment/legacy',
      'overprovisioned-requests Deployment/web',
    ]);
    for (const f of found) expectComplete(f);
    const savings = found.map((f) => f.monthlySavings);
    expect(savings).toEqual([...savings].sort((a, b) => b - a));
  });

  it('switches off disabled detectors', () => {
    const found = detectFindings({
      ...base,
      ledger: ledger(units),
      facts: facts({ workloads: [idle, big, small] }),
      thresholds: withThresholds({ disabled: ['overprovisioned-requests'] }),
    });
    expect(found.map((f) => f.type)).toEqual(['idle-workload']);
  });

  it('reports an old preview environment instead of the workloads inside it', () => {
    const preview = { ...small, namespace: 'preview-pr-1' };
    const found = detectFindings({
      ...base,
      ledger: ledger(
        [1, 2].map(() => podUnit({ namespace: 'preview-pr-1', controllerName: 'web', cores: 1, ramGiB: 2 })),
      ),
      facts: facts({
        workloads: [preview],
        namespaces: [namespaceFact({ name: 'preview-pr-1', createdAt: '2026-10-01T00:00:00Z' })],
      }),
    });
    expect(found.map((f) => f.type)).toEqual(['old-preview-env']);
    expect(found[0]?.workloads).toEqual(['Deployment/web']);
  });

  it('routes unowned cost to the platform team', () => {
    const found = detectFindings({
      ...base,
      ledger: ledger([
        podUnit({
          namespace: 'tmp',
          controllerName: 'x',
          cores: 0.1,
          ramGiB: 0.1,
          owners: owners('unowned'),
        }),
      ]),
      facts: facts(),
    });
    expect(found.map((f) => [f.type, f.team])).toEqual([['unowned', 'platform']]);
  });
});

describe('indexLedger', () => {
  it('sums pod units per workload and names the team with the most cost', () => {
    const idx = indexLedger(
      ledger([
        podUnit({ controllerName: 'api', cores: 1, ramGiB: 1 }),
        podUnit({ controllerName: 'api', cores: 1, ramGiB: 1, owners: owners('unowned') }),
      ]),
    );
    const w = idx.workloads.get('c1/shop/Deployment/api');
    expect(w?.pods).toBe(2);
    expect(w?.team).toBe('checkout');
    expect(w?.cpuCoreHours).toBe(336);
    expect(idx.monthly).toBeCloseTo(730 / 168, 12);
  });
});

describe('indexLedger under idle policy share', () => {
  it('counts idle cost spread onto pods back into their node pools', () => {
    const idx = indexLedger(
      ledger([
        podUnit({
          controllerName: 'api',
          cores: 1,
          ramGiB: 1,
          idleCost: 30,
          computeByPool: { 'general/on-demand': 10, 'spot/spot': 30 },
        }),
      ]),
    );
    expect(idx.pools.get('c1/general')?.idleCost).toBeCloseTo(7.5, 12);
    expect(idx.pools.get('c1/spot')?.idleCost).toBeCloseTo(22.5, 12);
    expect(idx.pools.get('c1/spot')?.allocatedCost).toBe(30);
  });
});

describe('reviewersFromConfig', () => {
  it("uses the team's reviewer, else the platform team's", () => {
    const config = ConfigSchema.parse({
      teams: { search: { reviewer: 'sam@example.com' }, platform: { reviewer: 'ops@example.com' } },
    });
    const r = reviewersFromConfig(config);
    expect(r('search')).toBe('sam@example.com');
    expect(r('web')).toBe('ops@example.com');
  });
});
