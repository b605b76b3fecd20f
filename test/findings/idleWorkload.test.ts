import { describe, expect, it } from 'vitest';
import { assessIdle, detectIdleWorkloads } from '../../core/findings/detectors/idleWorkload.js';
import { DEFAULT_THRESHOLDS } from '../../core/findings/thresholds.js';
import { detectorInput, expectComplete, MIB, MONTHLY, workloadCost, workloadFact } from './helpers.js';

const T = DEFAULT_THRESHOLDS.idleWorkloads;
const net = (bytes: number) => [
  { class: 'in-zone' as const, direction: 'ingress' as const, service: null, viaNat: false, bytes },
];

describe('assessIdle', () => {
  // 336 pod-hours = 14 pod-days; the default limit is 16 MiB per pod-day.
  it.each([
    { name: 'p95 at the 10m limit, no traffic', p95: 0.01, bytes: 0, idle: true },
    { name: 'p95 just above the limit', p95: 0.0101, bytes: 0, idle: false },
    { name: 'traffic at the limit', p95: 0.002, bytes: 14 * 16 * MIB, idle: true },
    { name: 'traffic just above the limit', p95: 0.002, bytes: 14 * 16 * MIB + 14, idle: false },
  ])('$name → idle: $idle', ({ p95, bytes, idle }) => {
    const a = assessIdle(workloadFact({ cpuUsageP95Cores: p95, network: net(bytes) }), T);
    expect(a.idle).toBe(idle);
  });

  it.each([
    { hours: 71.9, idle: false },
    { hours: 72, idle: true },
  ])('needs 72 hours observed: $hours h → idle: $idle', ({ hours, idle }) => {
    const w = workloadFact({
      cpuUsageP95Cores: 0.001,
      firstSeen: '2026-11-16T00:00:00Z',
      lastSeen: new Date(Date.parse('2026-11-16T00:00:00Z') + hours * 3_600_000).toISOString(),
    });
    expect(assessIdle(w, T).idle).toBe(idle);
  });
});

describe('detectIdleWorkloads', () => {
  const idle = workloadFact({ name: 'legacy', cpuUsageP95Cores: 0.002 });

  it('plans a scale to zero that saves all but the volumes', () => {
    const cost = workloadCost({ name: 'legacy', pvCost: 2 });
    const [f] = detectIdleWorkloads(
      detectorInput({ facts: { workloads: [idle] }, costs: { workloads: [cost] } }),
    );
    expect(f).toBeDefined();
    if (!f) return;
    expectComplete(f);
    expect(f.action).toContain('kubectl -n shop scale deployment/legacy --replicas=0');
    expect(f.rollback).toBe('kubectl -n shop scale deployment/legacy --replicas=2');
    expect(f.monthlySavings).toBeCloseTo((cost.total - 2) * MONTHLY, 1);
    expect(f.confidence).toBe('high');
  });

  it.each([
    { name: 'a Job', w: { ...idle, kind: 'Job' }, min: 5, fires: false },
    { name: 'a cost under the minimum', w: idle, min: 1_000_000, fires: false },
    { name: 'a Deployment', w: idle, min: 5, fires: true },
  ])('$name → fires: $fires', ({ w, min, fires }) => {
    const cost = workloadCost({ name: 'legacy', kind: w.kind });
    const found = detectIdleWorkloads(
      detectorInput({
        facts: { workloads: [w] },
        costs: { workloads: [cost] },
        thresholds: { idleWorkloads: { minMonthlyCost: min } },
      }),
    );
    expect(found.length).toBe(fires ? 1 : 0);
  });
});
