import { describe, expect, it } from 'vitest';
import {
  assessWarmGpu,
  detectEvalOnDemand,
  detectWarmGpuPools,
  isEvaluation,
  onDemandShare,
} from '../../core/findings/detectors/gpu.js';
import { DEFAULT_THRESHOLDS } from '../../core/findings/thresholds.js';
import {
  detectorInput,
  expectComplete,
  GIB,
  MONTHLY,
  nodePoolFact,
  owners,
  workloadCost,
  workloadFact,
} from './helpers.js';

const T = DEFAULT_THRESHOLDS.gpuPools;
const gpuPool = (requestedGpuHours: number, extra = {}) =>
  nodePoolFact({
    nodePool: 'gpu-warm',
    instanceTypes: ['g5.xlarge'],
    nodesMin: 2,
    nodesMax: 2,
    nodeHours: 336,
    gpuNodeHours: 336,
    allocatablePerNode: { cpuCores: 4, ramBytes: 15 * GIB, gpus: 1 },
    requested: { cpuCoreHours: 30, ramGiBHours: 100, gpuHours: requestedGpuHours },
    ...extra,
  });

describe('assessWarmGpu', () => {
  it.each([
    { req: 10.5, nodesMin: 2, warm: true },
    { req: 336 * 0.3, nodesMin: 2, warm: true },
    { req: 336 * 0.31, nodesMin: 2, warm: false },
    { req: 10.5, nodesMin: 0, warm: false }, // scales to zero already
  ])('$req GPU-hours requested of 336, min $nodesMin nodes → warm: $warm', ({ req, nodesMin, warm }) => {
    expect(assessWarmGpu(gpuPool(req, { nodesMin }), T).warm).toBe(warm);
  });

  it('needs a day of GPU node-hours', () => {
    expect(assessWarmGpu(gpuPool(0, { gpuNodeHours: 23 }), T).warm).toBe(false);
  });
});

describe('detectWarmGpuPools', () => {
  it('plans scale-to-zero and names the sporadic work', () => {
    const runs = ['a1b2c', 'd3e4f'].map((s) =>
      workloadFact({
        namespace: 'research',
        kind: 'Job',
        name: `adhoc-finetune-${s}`,
        placement: [
          { nodePool: 'gpu-warm', capacityType: 'on-demand', podHours: 0.75, gpuRequestHours: 0.75 },
        ],
      }),
    );
    const [f] = detectWarmGpuPools(
      detectorInput({
        facts: { nodePools: [gpuPool(1.5)], workloads: runs },
        costs: { pools: [{ nodePool: 'gpu-warm', idleCost: 300, allocatedCost: 5 }] },
      }),
    );
    expect(f).toBeDefined();
    if (!f) return;
    expectComplete(f);
    expect(f.workload).toBe('NodePool/gpu-warm');
    expect(f.action).toContain('minSize=0,maxSize=2,desiredSize=0');
    expect(f.evidence.find((e) => e.label === 'Work on it')?.value).toContain(
      'research/Job/adhoc-finetune-* (2 runs',
    );
    expect(f.monthlySavings).toBeCloseTo(300 * MONTHLY, 1);
  });
});

describe('evaluation placement', () => {
  const E = DEFAULT_THRESHOLDS.evalPlacement;

  it.each([
    { name: 'cpu-eval-harness', type: undefined, is: true },
    { name: 'nightly-evals', type: undefined, is: true },
    { name: 'retrieval-api', type: undefined, is: false },
    { name: 'export-svc', type: undefined, is: false },
    { name: 'runner', type: 'evaluation', is: true },
    { name: 'runner', type: 'Experiment', is: true },
  ])('$name (workload_type $type) is evaluation: $is', ({ name, type, is }) => {
    expect(isEvaluation(name, type, E)).toBe(is);
  });

  it.each([
    { placement: [['general', 'on-demand', 10]], share: 1 },
    {
      placement: [
        ['general', 'on-demand', 5],
        ['spot', 'spot', 5],
      ],
      share: 0.5,
    },
    { placement: [['prod-spot', 'spot', 10]], share: 1 }, // a production pool
    { placement: [['spot', 'spot', 10]], share: 0 },
  ] as { placement: [string, string, number][]; share: number }[])(
    '$placement → on-demand share $share',
    ({ placement, share }) => {
      const w = workloadFact({
        placement: placement.map(([nodePool, capacityType, podHours]) => ({
          nodePool,
          capacityType,
          podHours,
          gpuRequestHours: 0,
        })),
      });
      expect(onDemandShare(w, E.productionPools)).toBe(share);
    },
  );

  const harness = workloadFact({
    namespace: 'ai-evals',
    kind: 'CronJob',
    name: 'harness',
    cpuRequestCores: 3,
    ramRequestBytes: 8 * GIB,
  });
  const cost = workloadCost({
    namespace: 'ai-evals',
    kind: 'CronJob',
    name: 'harness',
    owners: owners('ai-evals', { workload_type: 'evaluation' }),
    team: 'ai-evals',
    computeByPool: { 'general/on-demand': 20 },
  });
  const spot = nodePoolFact({ nodePool: 'spot', capacityType: 'spot' });

  it.each([
    { name: 'with a spot pool that fits', pools: [spot], w: harness, fires: true },
    { name: 'without a spot pool', pools: [], w: harness, fires: false },
    {
      name: 'needing a GPU the spot pool lacks',
      pools: [spot],
      w: { ...harness, gpuRequest: 1 },
      fires: false,
    },
    {
      name: 'needing more CPU than a spot node has',
      pools: [spot],
      w: { ...harness, cpuRequestCores: 16 },
      fires: false,
    },
  ])('an evaluation CronJob on on-demand $name → fires: $fires', ({ pools, w, fires }) => {
    const found = detectEvalOnDemand(
      detectorInput({ facts: { workloads: [w], nodePools: pools }, costs: { workloads: [cost] } }),
    );
    expect(found.length).toBe(fires ? 1 : 0);
  });

  it('patches the CronJob pod template onto the spot pool', () => {
    const [f] = detectEvalOnDemand(
      detectorInput({ facts: { workloads: [harness], nodePools: [spot] }, costs: { workloads: [cost] } }),
    );
    expect(f).toBeDefined();
    if (!f) return;
    expectComplete(f);
    expect(f.action).toContain(
      `kubectl -n ai-evals patch cronjob harness --type merge -p '{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"nodeSelector":{"eks.amazonaws.com/nodegroup":"spot"}}}}}}}'`,
    );
    expect(f.monthlySavings).toBeCloseTo(20 * 0.6 * MONTHLY, 1);
  });
});
