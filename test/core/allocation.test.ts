import { describe, expect, it } from 'vitest';
import {
  type AllocationPolicy,
  allocateWindow,
  allocateWindows,
  withPolicy,
} from '../../core/allocation/index.js';
import { type Dimension, summarize } from '../../core/allocation/summarize.js';
import type { HourFacts, OwnerContext } from '../../core/allocation/types.js';
import type { CostLine } from '../../core/schema/costLine.js';
import { flow, H0, H1, H2, hour, line, node, noOwners, pod, service, volume } from './helpers.js';

const W9_1 = { cpu: 9, ramGiB: 1, gpu: 0 };

async function run(
  hours: HourFacts[],
  lines: CostLine[],
  policy: Partial<AllocationPolicy> = {},
  by: Dimension[] = ['namespace', 'pod'],
  owners: OwnerContext = noOwners,
  windowEnd = H1,
) {
  const ledger = await allocateWindow({
    policy: withPolicy({ shared: { namespaces: [], labels: {}, split: 'weighted' }, ...policy }),
    windowStart: H0,
    windowEnd,
    ownerContext: owners,
    hours,
    costLines: lines,
  });
  const result = summarize(ledger, by, 'USD');
  const row = (pod: string) => result.rows.find((r) => r.key.pod === pod);
  return { ledger, result, row };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('node cost split and pod allocation', () => {
  it('splits node cost into CPU and RAM by the weights and charges pods max(request, usage) of each', async () => {
    // 4 cores, 16 GiB, weights 9:1 → CPU 36/52 and RAM 16/52 of 1.04 USD.
    const { row, result } = await run(
      [
        hour(H0, {
          nodes: [node({ name: 'n1' })],
          pods: [pod({ name: 'a', cpuCoreHours: 2, ramGiBHours: 4 })],
        }),
      ],
      [line({ cost: 1.04, ResourceId: 'i-n1' })],
      { weights: W9_1 },
    );
    const a = row('app/a');
    expect(a?.cpuCost).toBeCloseTo(0.72 * 0.5, 12);
    expect(a?.ramCost).toBeCloseTo(0.32 * 0.25, 12);
    const idle = result.rows.find((r) => r.key.pod === '__idle__');
    expect(idle?.idleCost).toBeCloseTo(1.04 - 0.36 - 0.08, 12);
    expect(result.totals.billed).toBeCloseTo(1.04, 12);
  });

  it('scales pods down to the node capacity so idle is never negative', async () => {
    const { row, result } = await run(
      [
        hour(H0, {
          nodes: [node({ name: 'n1', ramGiB: 0 })],
          pods: [pod({ name: 'a', cpuCoreHours: 3 }), pod({ name: 'b', cpuCoreHours: 3 })],
        }),
      ],
      [line({ cost: 2, ResourceId: 'arn:aws:ec2:us-east-1:1:instance/i-n1' })],
      { weights: W9_1 },
    );
    expect(row('app/a')?.cpuCost).toBeCloseTo(1, 12);
    expect(row('app/b')?.cpuCost).toBeCloseTo(1, 12);
    expect(result.totals.idle).toBeCloseTo(0, 12);
  });

  it('charges GPU cost only to pods that hold GPUs', async () => {
    const { row, result } = await run(
      [
        hour(H0, {
          nodes: [node({ name: 'g1', cpuCores: 8, ramGiB: 0, gpus: 1 })],
          pods: [
            pod({ name: 'train', node: 'g1', gpuHours: 1 }),
            pod({ name: 'web', node: 'g1', cpuCoreHours: 8 }),
          ],
        }),
      ],
      [line({ cost: 10, ResourceId: 'i-g1' })],
      { weights: { cpu: 1, ramGiB: 0, gpu: 2 } },
    );
    // CPU: 8/(8+2) of 10 = 8; GPU: 2.
    expect(row('app/train')?.gpuCost).toBeCloseTo(2, 12);
    expect(row('app/web')?.cpuCost).toBeCloseTo(8, 12);
    expect(result.totals.idle).toBeCloseTo(0, 12);
  });
});

describe('idle', () => {
  const facts = [
    hour(H0, {
      nodes: [node({ name: 'n1', ramGiB: 0 })],
      pods: [pod({ name: 'a', cpuCoreHours: 1 }), pod({ name: 'b', cpuCoreHours: 0.5 })],
    }),
  ];
  const lines = [line({ cost: 4, ResourceId: 'i-n1' })];

  it('keeps idle as an __idle__ row under the separate policy', async () => {
    const { row, result } = await run(facts, lines, { weights: W9_1, idle: 'separate' });
    expect(row('app/a')?.totalCost).toBeCloseTo(1, 12);
    expect(row('app/b')?.totalCost).toBeCloseTo(0.5, 12);
    expect(result.totals.idle).toBeCloseTo(2.5, 12);
    expect(result.rows.find((r) => r.key.namespace === '__idle__')?.totalCost).toBeCloseTo(2.5, 12);
  });

  it("spreads idle over the node's pods by their allocation under the share policy", async () => {
    const { row, result } = await run(facts, lines, { weights: W9_1, idle: 'share' });
    expect(row('app/a')?.idleCost).toBeCloseTo(2.5 * (2 / 3), 12);
    expect(row('app/a')?.totalCost).toBeCloseTo(4 * (2 / 3), 12);
    expect(row('app/b')?.totalCost).toBeCloseTo(4 / 3, 12);
    expect(result.totals.idle).toBe(0);
  });

  it('leaves a node without pods fully idle even under the share policy', async () => {
    const { result } = await run(
      [hour(H0, { nodes: [node({ name: 'n1' })] })],
      [line({ cost: 3, ResourceId: 'i-n1' })],
      { idle: 'share' },
    );
    expect(result.totals.idle).toBeCloseTo(3, 12);
  });

  it('puts node cost of unobserved time into idle and reports coverage', async () => {
    const { result } = await run(
      [
        hour(H0, {
          nodes: [node({ name: 'n1', ramGiB: 0, observedSeconds: 1800 })],
          pods: [pod({ name: 'a', cpuCoreHours: 2, seconds: 1800 })],
        }),
      ],
      [line({ cost: 4, ResourceId: 'i-n1' })],
      { weights: W9_1 },
    );
    expect(result.coverage.observedRatio).toBeCloseTo(0.5, 12);
    expect(result.coverage.unobservedCost).toBeCloseTo(2, 12);
    expect(result.totals.idle).toBeCloseTo(2, 12);
  });
});

describe('assets and estimates', () => {
  it('prices a node-hour without a billing row at the last billed rate of its instance type, flagged estimated', async () => {
    const facts = [
      hour(H0, { nodes: [node({ name: 'n1', ramGiB: 0 })], pods: [pod({ name: 'a', cpuCoreHours: 4 })] }),
      hour(H1, {
        nodes: [node({ name: 'n1', ramGiB: 0, hourStart: H1 })],
        pods: [pod({ name: 'a', cpuCoreHours: 4, hourStart: H1 })],
      }),
    ];
    const { row, result } = await run(
      facts,
      [line({ cost: 2, ResourceId: 'i-n1' })],
      { weights: W9_1 },
      ['pod'],
      noOwners,
      H2,
    );
    expect(row('app/a')?.totalCost).toBeCloseTo(4, 12);
    expect(row('app/a')?.estimated).toBe(true);
    expect(result.totals.billed).toBeCloseTo(2, 12);
    expect(result.totals.estimated).toBeCloseTo(2, 12);
    expect(result.coverage.nodeHoursEstimated).toBe(1);
  });

  it('keeps cluster-tagged cost that matches no asset visible as shared cost', async () => {
    const { result } = await run(
      [hour(H0, { nodes: [node({ name: 'n1' })], pods: [pod({ name: 'a', cpuCoreHours: 1 })] })],
      [line({ cost: 1, ResourceId: 'i-n1' }), line({ cost: 0.5, ResourceId: 'snap-123' })],
      {},
    );
    expect(result.totals.shared).toBeCloseTo(0.5, 12);
    expect(result.totals.billed).toBeCloseTo(1.5, 12);
  });

  it('ignores untagged lines of assets that are not the clusters', async () => {
    const { result } = await run(
      [hour(H0, { nodes: [node({ name: 'n1' })] })],
      [line({ cost: 1, ResourceId: 'i-n1' }), line({ cost: 7, ResourceId: 'i-other', Tags: {} })],
    );
    expect(result.totals.billed).toBeCloseTo(1, 12);
  });

  it('attributes a node line of an hour without samples to idle once the node is seen later', async () => {
    const { result } = await run(
      [hour(H1, { nodes: [node({ name: 'n1', hourStart: H1 })] })],
      [
        line({ cost: 1, ResourceId: 'i-n1', Tags: {} }),
        line({ cost: 1, ResourceId: 'i-n1', Tags: {}, ChargePeriodStart: H1, ChargePeriodEnd: H2 }),
      ],
      {},
      ['namespace'],
      noOwners,
      H2,
    );
    expect(result.totals.billed).toBeCloseTo(2, 12);
    expect(result.totals.idle).toBeCloseTo(2, 12);
    expect(result.coverage.unobservedCost).toBeCloseTo(1, 12);
  });

  it('prorates a daily billing line over the hours it covers', async () => {
    const { result } = await run(
      [hour(H0, { nodes: [node({ name: 'n1' })] })],
      [
        line({
          cost: 24,
          ResourceId: 'i-n1',
          ChargePeriodStart: H0,
          ChargePeriodEnd: '2026-11-17T00:00:00.000Z',
        }),
      ],
    );
    expect(result.totals.billed).toBeCloseTo(1, 12);
  });
});

describe('volumes', () => {
  it('splits a disk evenly among concurrent mounters and leaves unmounted time in the claim namespace', async () => {
    const { row, result } = await run(
      [
        hour(H0, {
          volumes: [volume({ pvName: 'pv1' })],
          pods: [
            pod({ name: 'a', claims: [{ claim: 'claim-pv1', shareHours: 0.25 }] }),
            pod({ name: 'b', claims: [{ claim: 'claim-pv1', shareHours: 0.25 }] }),
          ],
        }),
      ],
      [line({ cost: 1, ResourceId: 'vol-pv1' })],
    );
    expect(row('app/a')?.pvCost).toBeCloseTo(0.25, 12);
    expect(row('app/b')?.pvCost).toBeCloseTo(0.25, 12);
    const unmounted = result.rows.find((r) => r.key.pod === '__unmounted__');
    expect(unmounted?.key.namespace).toBe('app');
    expect(unmounted?.pvCost).toBeCloseTo(0.5, 12);
    expect(result.totals.unmounted).toBeCloseTo(0.5, 12);
  });

  it('gives a released volume with no claim to __unmounted__', async () => {
    const { result } = await run(
      [hour(H0, { volumes: [volume({ pvName: 'old', claimNamespace: null, claimName: null })] })],
      [line({ cost: 2, ResourceId: 'arn:aws:ec2:us-east-1:1:volume/vol-old' })],
    );
    expect(result.rows[0]?.key).toEqual({ namespace: '__unmounted__', pod: '__unmounted__' });
    expect(result.totals.unmounted).toBeCloseTo(2, 12);
  });
});

describe('load balancers', () => {
  it("charges a load balancer to the service's selected pods in proportion to pod-hours", async () => {
    const { row } = await run(
      [
        hour(H0, {
          services: [service({ name: 'web' })],
          pods: [
            pod({ name: 'w1', labels: { app: 'web' }, seconds: 3600 }),
            pod({ name: 'w2', labels: { app: 'web' }, seconds: 1200 }),
            pod({ name: 'other', labels: { app: 'db' } }),
          ],
        }),
      ],
      [
        line({
          cost: 0.4,
          ResourceId: 'arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/weblb/abc',
        }),
      ],
    );
    expect(row('app/w1')?.lbCost).toBeCloseTo(0.3, 12);
    expect(row('app/w2')?.lbCost).toBeCloseTo(0.1, 12);
    expect(row('app/other')?.lbCost ?? 0).toBe(0);
  });

  it('matches a load balancer by IP when it has no hostname', async () => {
    const { row } = await run(
      [
        hour(H0, {
          services: [service({ name: 'web', lbHostname: null, lbIp: '34.1.2.3' })],
          pods: [pod({ name: 'w1', labels: { app: 'web' } })],
        }),
      ],
      [
        line({
          cost: 0.4,
          ResourceId: '//compute.googleapis.com/projects/p/regions/r/forwardingRules/34.1.2.3',
        }),
      ],
    );
    expect(row('app/w1')?.lbCost).toBeCloseTo(0.4, 12);
  });
});

describe('network', () => {
  it('spreads billed transfer cost of a class over pods by their bytes of that class', async () => {
    const { row, result } = await run(
      [
        hour(H0, {
          pods: [pod({ name: 'a' }), pod({ name: 'b' })],
          flows: [
            flow({ pod: 'a', bytes: 3e9 }),
            flow({ pod: 'b', bytes: 1e9, direction: 'ingress' }),
            flow({ pod: 'b', bytes: 5e9, class: 'internet', direction: 'ingress' }),
          ],
        }),
      ],
      [line({ cost: 0.08, x_UsageType: 'USE1-DataTransfer-Regional-Bytes', ResourceId: 'i-n1' })],
    );
    expect(row('app/a')?.networkCost).toBeCloseTo(0.06, 12);
    expect(row('app/b')?.networkCost).toBeCloseTo(0.02, 12);
    expect(result.totals.estimated).toBe(0);
  });

  it('prices bytes with the configured list when the bill has no transfer lines, flagged estimated', async () => {
    const { row, result } = await run(
      [
        hour(H0, {
          pods: [pod({ name: 'a' })],
          flows: [flow({ pod: 'a', bytes: 2 * 1024 ** 3, class: 'internet' })],
        }),
      ],
      [],
    );
    expect(row('app/a')?.networkCost).toBeCloseTo(0.18, 12);
    expect(row('app/a')?.estimated).toBe(true);
    expect(result.totals.estimated).toBeCloseTo(0.18, 12);
  });

  it('sends host-network and unmeasured transfer cost to the shared pool', async () => {
    const { result } = await run(
      [
        hour(H0, {
          nodes: [node({ name: 'n1', ramGiB: 0 })],
          pods: [pod({ name: 'a', cpuCoreHours: 4 })],
          flows: [flow({ pod: '__host__', namespace: '', bytes: 1e9, viaNat: true, class: 'in-zone' })],
        }),
      ],
      [
        line({ cost: 1, ResourceId: 'i-n1' }),
        line({ cost: 0.05, x_UsageType: 'USE1-NatGateway-Bytes' }),
        line({ cost: 0.02, x_UsageType: 'USE1-DataTransfer-Out-Bytes' }),
      ],
      { weights: W9_1 },
    );
    expect(result.totals.shared).toBeCloseTo(0.07, 12);
    expect(result.rows.find((r) => r.key.pod === 'app/a')?.sharedCost).toBeCloseTo(0.07, 12);
  });
});

describe('shared costs', () => {
  const facts = [
    hour(H0, {
      nodes: [node({ name: 'n1', ramGiB: 0, cpuCores: 10 })],
      pods: [
        pod({ name: 'dns', namespace: 'kube-system', cpuCoreHours: 1 }),
        pod({ name: 'a', cpuCoreHours: 3, labels: { team: 'red' } }),
        pod({ name: 'b', cpuCoreHours: 1, labels: { team: 'blue' } }),
        pod({ name: 'c', cpuCoreHours: 1, labels: { team: 'blue' } }),
      ],
    }),
  ];
  const lines = [
    line({ cost: 10, ResourceId: 'i-n1' }),
    line({ cost: 1, x_UsageType: 'USE1-AmazonEKS-Hours:perCluster', ServiceName: 'Amazon EKS' }),
  ];
  const shared = (split: AllocationPolicy['shared']['split']) => ({
    weights: W9_1,
    shared: { namespaces: ['kube-system'], labels: {}, split },
  });

  it('spreads shared namespaces and cluster fees over the other pods by cost (weighted)', async () => {
    const { result } = await run(facts, lines, shared('weighted'), ['team']);
    // pool = dns 1 + fee 1 = 2; red 3, blue 2 → red 1.2, blue 0.8
    expect(result.rows.find((r) => r.key.team === 'red')?.sharedCost).toBeCloseTo(1.2, 12);
    expect(result.rows.find((r) => r.key.team === 'blue')?.sharedCost).toBeCloseTo(0.8, 12);
    expect(result.totals.shared).toBeCloseTo(2, 12);
    expect(result.rows.some((r) => r.key.team === 'kube-system')).toBe(false);
  });

  it('spreads shared cost evenly over the groups of the report (even)', async () => {
    const { result } = await run(facts, lines, shared('even'), ['team']);
    expect(result.rows.find((r) => r.key.team === 'red')?.sharedCost).toBeCloseTo(1, 12);
    expect(result.rows.find((r) => r.key.team === 'blue')?.sharedCost).toBeCloseTo(1, 12);
  });

  it('spreads shared cost by fixed team percentages and keeps the rest as __shared__', async () => {
    const { result } = await run(facts, lines, shared({ red: 60, blue: 30 }), ['team']);
    expect(result.rows.find((r) => r.key.team === 'red')?.sharedCost).toBeCloseTo(1.2, 12);
    expect(result.rows.find((r) => r.key.team === 'blue')?.sharedCost).toBeCloseTo(0.6, 12);
    expect(result.rows.find((r) => r.key.team === '__shared__')?.totalCost).toBeCloseTo(0.2, 12);
    expect(result.totals.unallocated).toBeCloseTo(0.2, 12);
  });

  it('treats pods carrying a shared label as shared', async () => {
    const { result } = await run(
      facts,
      lines,
      { weights: W9_1, shared: { namespaces: [], labels: { team: 'blue' }, split: 'weighted' } },
      ['team'],
    );
    expect(result.rows.map((r) => r.key.team).sort()).toEqual(['__idle__', 'red', 'unowned']);
  });
});

describe('owners', () => {
  it('resolves each attribute from pod, then controller, then namespace labels, then namespace globs, else unowned', async () => {
    const owners: OwnerContext = {
      namespaceLabels: new Map([['c1/ai-evals', { team: 'ns-team', env: 'dev' }]]),
      workloadLabels: new Map([['c1/ai-evals/Job/eval', { team: 'ctl-team', owner: 'ctl-owner' }]]),
    };
    const { result } = await run(
      [
        hour(H0, {
          pods: [
            pod({
              name: 'e1',
              namespace: 'ai-evals',
              ownerKind: 'Job',
              ownerName: 'eval',
              labels: { owner: 'pod-owner' },
            }),
          ],
        }),
      ],
      [],
      {
        owners: {
          labels: {
            owner: ['owner'],
            team: ['team'],
            service: ['service'],
            env: ['env'],
            cost_center: ['cost_center'],
            workload_type: ['workload_type'],
          },
          namespaces: [{ match: 'ai-*', attributes: { cost_center: 'CC-42', team: 'glob-team' } }],
          platformTeam: 'platform',
        },
      },
      ['owner', 'team', 'env', 'cost_center', 'service'],
      owners,
    );
    expect(result.rows[0]?.key).toEqual({
      owner: 'pod-owner',
      team: 'ctl-team',
      env: 'dev',
      cost_center: 'CC-42',
      service: 'unowned',
    });
  });
});

describe('efficiency', () => {
  it('reports usage over request, 1 for usage without request, null for neither', async () => {
    const { row } = await run(
      [
        hour(H0, {
          pods: [
            pod({
              name: 'a',
              cpuRequestCoreHours: 2,
              cpuUsageCoreHours: 0.5,
              ramRequestGiBHours: 4,
              ramUsageGiBHours: 1,
            }),
            pod({ name: 'b', cpuUsageCoreHours: 0.5 }),
            pod({ name: 'c' }),
          ],
        }),
      ],
      [],
    );
    expect(row('app/a')?.cpuEfficiency).toBeCloseTo(0.25, 12);
    expect(row('app/a')?.ramEfficiency).toBeCloseTo(0.25, 12);
    expect(row('app/b')?.cpuEfficiency).toBe(1);
    expect(row('app/c')?.cpuEfficiency).toBeNull();
  });
});

describe('conservation on a small cluster', () => {
  it.each(['separate', 'share'] as const)('rows sum to billed + estimated with idle %s', async (idle) => {
    const { result } = await run(
      [
        hour(H0, {
          nodes: [node({ name: 'n1' }), node({ name: 'n2', gpus: 1 })],
          volumes: [volume({ pvName: 'pv1' })],
          services: [service({ name: 'web' })],
          pods: [
            pod({
              name: 'a',
              cpuCoreHours: 1,
              ramGiBHours: 2,
              labels: { app: 'web' },
              claims: [{ claim: 'claim-pv1', shareHours: 1 }],
            }),
            pod({ name: 'g', node: 'n2', gpuHours: 1 }),
            pod({ name: 'dns', namespace: 'kube-system', cpuCoreHours: 0.1 }),
          ],
          flows: [flow({ pod: 'a', bytes: 1e9 })],
        }),
      ],
      [
        line({ cost: 1, ResourceId: 'i-n1' }),
        line({ cost: 3, ResourceId: 'i-n2' }),
        line({ cost: 0.2, ResourceId: 'vol-pv1' }),
        line({ cost: 0.03, ResourceId: 'arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/weblb/x' }),
        line({ cost: 0.1, x_UsageType: 'USE1-AmazonEKS-Hours:perCluster' }),
        line({ cost: 0.01, x_UsageType: 'USE1-DataTransfer-Regional-Bytes' }),
      ],
      { idle, shared: { namespaces: ['kube-system'], labels: {}, split: 'weighted' } },
    );
    expect(sum(result.rows.map((r) => r.totalCost))).toBeCloseTo(4.34, 10);
    expect(result.totals.billed).toBeCloseTo(4.34, 10);
  });
});

describe('several windows in one pass', () => {
  it('gives each window the ledger it would get alone', async () => {
    const facts = [
      hour(H0, { nodes: [node({ name: 'n1' })], pods: [pod({ name: 'a', cpuCoreHours: 2 })] }),
      hour(H1, {
        nodes: [node({ name: 'n1', hourStart: H1 })],
        pods: [pod({ name: 'a', cpuCoreHours: 1, hourStart: H1 })],
      }),
    ];
    const lines = [
      line({ cost: 1, ResourceId: 'i-n1' }),
      line({ cost: 3, ResourceId: 'i-n1', ChargePeriodStart: H1, ChargePeriodEnd: H2 }),
    ];
    const policy = withPolicy({});
    const [first, second] = await allocateWindows({
      policy,
      windows: [
        { start: H0, end: H1 },
        { start: H1, end: H2 },
      ],
      ownerContext: noOwners,
      hours: facts,
      costLines: lines,
    });
    const alone = await allocateWindow({
      policy,
      windowStart: H1,
      windowEnd: H2,
      ownerContext: noOwners,
      hours: facts,
      costLines: lines,
    });
    expect(first?.clusters[0]?.billed).toBeCloseTo(1, 12);
    expect(second?.clusters[0]?.billed).toBeCloseTo(3, 12);
    expect(summarize(second as typeof alone, ['pod'], 'USD')).toEqual(summarize(alone, ['pod'], 'USD'));
  });
});
