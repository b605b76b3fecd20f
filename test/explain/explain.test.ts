import { describe, expect, it } from 'vitest';
import { allocateWindows, withPolicy } from '../../core/allocation/index.js';
import { explainChange } from '../../core/explain/explain.js';
import { H0, H1, H2, hour, line, node, noOwners, pod } from '../core/helpers.js';

/** Week "before" is hour H0, week "now" is hour H1: one hour each is enough to test the decomposition. */
async function ledgers() {
  const gpuNode = (h: string) =>
    node({ name: 'g1', hourStart: h, cpuCores: 8, ramGiB: 0, gpus: 4, nodePool: 'gpu' });
  const spot = (h: string) =>
    node({ name: 's1', hourStart: h, ramGiB: 0, nodePool: 'spot', capacityType: 'spot' });
  const od = (h: string) => node({ name: 'o1', hourStart: h, ramGiB: 0, nodePool: 'general' });
  const facts = [
    hour(H0, {
      nodes: [gpuNode(H0), spot(H0), od(H0)],
      pods: [
        pod({
          name: 'eval-1',
          namespace: 'ai-evals',
          node: 'g1',
          ownerKind: 'Job',
          ownerName: 'eval',
          gpuHours: 1,
        }),
        pod({
          name: 'batch-1',
          namespace: 'batch',
          node: 's1',
          ownerName: 'batch',
          cpuCoreHours: 2,
          seconds: 3600,
        }),
        pod({ name: 'web-1', namespace: 'web', node: 'o1', ownerName: 'web', cpuCoreHours: 1 }),
      ],
    }),
    hour(H1, {
      nodes: [gpuNode(H1), spot(H1), od(H1)],
      pods: [
        ...[1, 2, 3].map((i) =>
          pod({
            name: `eval-${i}`,
            uid: `e${i}`,
            hourStart: H1,
            namespace: 'ai-evals',
            node: 'g1',
            ownerKind: 'Job',
            ownerName: 'eval',
            gpuHours: 1,
          }),
        ),
        pod({
          name: 'batch-2',
          hourStart: H1,
          namespace: 'batch',
          node: 'o1',
          ownerName: 'batch',
          cpuCoreHours: 2,
        }),
        pod({
          name: 'web-1',
          hourStart: H1,
          namespace: 'web',
          node: 'o1',
          ownerName: 'web',
          cpuCoreHours: 1,
        }),
        pod({
          name: 'pr-1',
          hourStart: H1,
          namespace: 'preview-pr-42',
          node: 'o1',
          ownerName: 'app',
          cpuCoreHours: 1,
        }),
      ],
    }),
  ];
  const lines = [H0, H1].flatMap((h) => {
    const end = h === H0 ? H1 : H2;
    return [
      line({ cost: 4, ResourceId: 'i-g1', ChargePeriodStart: h, ChargePeriodEnd: end }),
      line({ cost: 0.4, ResourceId: 'i-s1', ChargePeriodStart: h, ChargePeriodEnd: end }),
      line({ cost: 1.2, ResourceId: 'i-o1', ChargePeriodStart: h, ChargePeriodEnd: end }),
    ];
  });
  const [previous, current] = await allocateWindows({
    policy: withPolicy({
      weights: { cpu: 1, ramGiB: 0, gpu: 1 },
      shared: { namespaces: [], labels: {}, split: 'weighted' },
    }),
    windows: [
      { start: H0, end: H1 },
      { start: H1, end: H2 },
    ],
    ownerContext: noOwners,
    hours: facts,
    costLines: lines,
  });
  if (!previous || !current) throw new Error('no ledgers');
  return { previous, current };
}

describe('explain a change', () => {
  it('ranks the workloads that explain the increase, each with its drivers, until 80% is explained', async () => {
    const { previous, current } = await ledgers();
    const ex = explainChange({ previous, current, currency: 'USD', scope: { cluster: 'c1' } });
    // Billed cost is equal in both hours; the change here is in allocation (idle shrinks as pods grow).
    const byWorkload = new Map(
      [...ex.namespaces.flatMap((n) => n.workloads)].map((w) => [`${w.namespace}/${w.workload}`, w]),
    );
    const evals = byWorkload.get('ai-evals/Job/eval');
    // GPU share of the node: 4 × 4/12 per hour for 4 GPUs; two more GPU-hours.
    expect(evals?.delta).toBeCloseTo((2 * (4 * 4)) / 12 / 4, 9);
    expect(evals?.drivers[0]?.kind).toBe('gpu-hours');
    expect(evals?.drivers[0]?.description).toContain('GPU-hours 1 → 3');
    const preview = byWorkload.get('preview-pr-42/Deployment/app');
    expect(preview?.drivers.map((d) => d.kind)).toEqual(['new']);
    const batch = byWorkload.get('batch/Deployment/batch');
    expect(batch?.drivers.some((d) => d.kind === 'capacity-type')).toBe(true);
    expect(batch?.drivers.find((d) => d.kind === 'capacity-type')?.description).toContain('0% → 100%');
    // Drivers sum to each workload's delta.
    for (const w of byWorkload.values()) {
      expect(w.drivers.reduce((s, d) => s + d.delta, 0)).toBeCloseTo(w.delta, 9);
    }
  });

  it('explains a team’s change and reaches the target share with the fewest workloads', async () => {
    const { previous, current } = await ledgers();
    const ex = explainChange({ previous, current, currency: 'USD', scope: { team: 'unowned' }, target: 0.8 });
    expect(ex.delta).toBeGreaterThan(0);
    expect(ex.explainedShare).toBeGreaterThanOrEqual(0.8);
    expect(ex.items[0]?.workload).toBe('Job/eval');
    const withoutLast = ex.items.slice(0, -1).reduce((s, i) => s + i.delta, 0) / ex.delta;
    expect(withoutLast).toBeLessThan(0.8);
  });

  it('attaches the snapshot changes of a workload as evidence', async () => {
    const { previous, current } = await ledgers();
    const ex = explainChange({
      previous,
      current,
      currency: 'USD',
      scope: { cluster: 'c1' },
      changes: [
        {
          cluster: 'c1',
          namespace: 'ai-evals',
          kind: 'Job',
          name: 'eval',
          field: 'parallelism',
          before: '1',
          after: '3',
          at: H1,
        },
      ],
    });
    const evals = ex.namespaces.find((n) => n.namespace === 'ai-evals')?.workloads[0];
    expect(evals?.evidence).toContain(`parallelism 1 → 3 at ${H1}`);
  });
});
