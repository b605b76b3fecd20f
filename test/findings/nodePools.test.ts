import { describe, expect, it } from 'vitest';
import { assessPool, detectNodePools } from '../../core/findings/detectors/nodePools.js';
import { DEFAULT_THRESHOLDS } from '../../core/findings/thresholds.js';
import { detectorInput, expectComplete, GIB, MONTHLY, nodePoolFact } from './helpers.js';

const T = DEFAULT_THRESHOLDS.nodePools;
/** A fixed 4-node pool where pods requested `cpu` and `ram` shares, with a peak of the same share. */
const pool = (cpu: number, ram: number, extra = {}) =>
  nodePoolFact({
    nodePool: 'legacy',
    requested: { cpuCoreHours: 4 * 168 * 8 * cpu, ramGiBHours: 4 * 168 * 30 * ram, gpuHours: 0 },
    peakRequested: { cpuCores: 4 * 8 * cpu, ramBytes: 4 * 30 * GIB * ram, gpus: 0 },
    ...extra,
  });

describe('assessPool', () => {
  it.each([
    { cpu: 0.23, ram: 0.22, over: true, nodes: 2 },
    { cpu: 0.5, ram: 0.3, over: true, nodes: 3 },
    { cpu: 0.51, ram: 0.3, over: false, nodes: 3 },
    { cpu: 0.3, ram: 0.51, over: false, nodes: 3 },
    { cpu: 0.05, ram: 0.05, over: true, nodes: 1 },
  ])(
    'CPU $cpu and memory $ram requested → overprovisioned: $over, $nodes nodes',
    ({ cpu, ram, over, nodes }) => {
      const a = assessPool(pool(cpu, ram), 168, T);
      expect(a.overprovisioned).toBe(over);
      expect(a.recommendedNodes).toBe(nodes);
      expect(a.fixedSize).toBe(true);
    },
  );

  it('does not plan a pool whose peak needs every node it has', () => {
    const p = pool(0.3, 0.3, { peakRequested: { cpuCores: 30, ramBytes: 0, gpus: 0 } });
    expect(assessPool(p, 168, T).overprovisioned).toBe(false);
  });
});

describe('detectNodePools', () => {
  it('plans an autoscaling pool sized for the peak, saving at most the idle cost', () => {
    const input = detectorInput({
      facts: { nodePools: [pool(0.23, 0.22)] },
      costs: { pools: [{ nodePool: 'legacy', idleCost: 200, allocatedCost: 60 }] },
    });
    const [f] = detectNodePools(input);
    expect(f).toBeDefined();
    if (!f) return;
    expectComplete(f);
    expect(f.workload).toBe('NodePool/legacy');
    expect(f.team).toBe('platform');
    expect(f.action).toContain(
      'aws eks update-nodegroup-config --cluster-name c1 --nodegroup-name legacy --scaling-config minSize=1,maxSize=4,desiredSize=2',
    );
    expect(f.rollback).toContain('minSize=4,maxSize=4,desiredSize=4');
    // 260 × (1 − 2/4) = 130 < 200 idle
    expect(f.monthlySavings).toBeCloseTo(130 * MONTHLY, 1);
    expect(f.confidence).toBe('high');
  });

  it.each([
    {
      name: 'a GPU pool (the GPU detector judges it)',
      p: pool(0.1, 0.1, { gpuNodeHours: 672 }),
      fires: false,
    },
    { name: 'a well-packed pool', p: pool(0.8, 0.7), fires: false },
    { name: 'a sparse pool', p: pool(0.1, 0.1), fires: true },
  ])('$name → fires: $fires', ({ p, fires }) => {
    const input = detectorInput({
      facts: { nodePools: [p] },
      costs: { pools: [{ nodePool: 'legacy', idleCost: 200, allocatedCost: 60 }] },
    });
    expect(detectNodePools(input).length).toBe(fires ? 1 : 0);
  });

  it('uses gcloud for a GKE pool', () => {
    const p = pool(0.2, 0.2, { provider: 'gce', nodeLabels: { 'cloud.google.com/gke-nodepool': 'legacy' } });
    const [f] = detectNodePools(
      detectorInput({
        facts: { nodePools: [p] },
        costs: { pools: [{ nodePool: 'legacy', idleCost: 200, allocatedCost: 60 }] },
      }),
    );
    expect(f?.action).toContain(
      'gcloud container clusters update c1 --node-pool legacy --enable-autoscaling --min-nodes 1 --max-nodes 4',
    );
    expect(f?.rollback).toContain('--no-enable-autoscaling');
    expect(f?.rollback).toContain('gcloud container clusters resize c1 --node-pool legacy --num-nodes 4');
  });
});
