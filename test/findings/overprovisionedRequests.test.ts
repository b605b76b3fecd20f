import { describe, expect, it } from 'vitest';
import {
  detectOverprovisionedRequests,
  rightsize,
  rightsizingSaving,
} from '../../core/findings/detectors/overprovisionedRequests.js';
import { DEFAULT_THRESHOLDS } from '../../core/findings/thresholds.js';
import { detectorInput, expectComplete, GIB, MIB, MONTHLY, workloadCost, workloadFact } from './helpers.js';

const T = DEFAULT_THRESHOLDS.overprovisionedRequests;

describe('rightsize', () => {
  it.each([
    // request, p95 → recommended, far (share ≤ 0.5 on CPU; memory held at its request)
    { req: 1, p95: 0.5, rec: 0.5, far: true },
    { req: 1, p95: 0.501, rec: 0.501, far: false },
    { req: 4, p95: 0.22, rec: 0.22, far: true },
    { req: 1, p95: 0, rec: 0.01, far: true }, // floor 10m
    { req: 0.01, p95: 0, rec: 0.01, far: false }, // never above the request, floor reached
    { req: 0.5, p95: 0.9, rec: 0.5, far: false }, // uses more than requested: nothing to lower
  ])('CPU request $req, p95 $p95 → $rec cores (far: $far)', ({ req, p95, rec, far }) => {
    const r = rightsize(
      { cpuRequestCores: req, cpuUsageP95Cores: p95, ramRequestBytes: 2 * GIB, ramUsagePeakBytes: 2 * GIB },
      T,
    );
    expect(r.cpu.recommendedCores).toBeCloseTo(rec, 9);
    expect(r.far).toBe(far);
  });

  it.each([
    // peak × 1.15, rounded up to MiB, against a 4 GiB request: share 0.5 is exactly 2048 MiB
    { peakMiB: 1780, recMiB: 2047, far: true },
    { peakMiB: 1781.5, recMiB: 2049, far: false },
    { peakMiB: 0, recMiB: 100, far: true }, // floor 100 MiB
    { peakMiB: 5000, recMiB: 4096, far: false }, // capped at the request
  ])('memory peak $peakMiB MiB against 4 GiB → $recMiB MiB (far: $far)', ({ peakMiB, recMiB, far }) => {
    const r = rightsize(
      { cpuRequestCores: 1, cpuUsageP95Cores: 1, ramRequestBytes: 4 * GIB, ramUsagePeakBytes: peakMiB * MIB },
      T,
    );
    expect(r.memory.recommendedBytes / MIB).toBe(recMiB);
    expect(r.far).toBe(far);
  });

  it('prices the difference at the workload own allocation rates', () => {
    const r = rightsize(
      { cpuRequestCores: 2, cpuUsageP95Cores: 0.5, ramRequestBytes: 4 * GIB, ramUsagePeakBytes: 1 * GIB },
      T,
    );
    // 100 pod-hours at 2 cores / 4 GiB; 0.05 per core-hour, 0.01 per GiB-hour
    const cost = workloadCost({
      podHours: 100,
      cpuCoreHours: 200,
      cpuCost: 10,
      cpuRequestCoreHours: 200,
      ramGiBHours: 400,
      ramCost: 4,
      ramRequestGiBHours: 400,
    });
    const s = rightsizingSaving(r, cost);
    expect(s.cpu).toBeCloseTo((200 - 0.5 * 100) * 0.05, 9);
    expect(s.ram).toBeCloseTo((400 - (r.memory.recommendedBytes / GIB) * 100) * 0.01, 9);
  });
});

describe('detectOverprovisionedRequests', () => {
  const over = workloadFact({
    cpuRequestCores: 4,
    cpuUsageP95Cores: 0.2,
    ramRequestBytes: 12 * GIB,
    ramUsagePeakBytes: GIB,
  });
  const overCost = workloadCost({
    cpuCoreHours: 336 * 4,
    cpuRequestCoreHours: 336 * 4,
    ramGiBHours: 336 * 12,
    ramRequestGiBHours: 336 * 12,
  });

  it.each([
    { name: 'a workload far above its usage', w: over, t: {}, fires: true },
    { name: 'a workload near its usage', w: workloadFact(), t: {}, fires: false },
    {
      name: 'an autoscaled workload (replicas moved)',
      w: { ...over, replicas: { min: 2, max: 6, last: 3 } },
      t: {},
      fires: false,
    },
    {
      name: 'an autoscaled workload when configured to include them',
      w: { ...over, replicas: { min: 2, max: 6, last: 3 } },
      t: { overprovisionedRequests: { includeHpaScaled: true } },
      fires: true,
    },
    {
      name: 'a workload labelled as autoscaled',
      w: { ...over, labels: { 'ownercost.io/autoscaled': 'true' } },
      t: {},
      fires: false,
    },
    { name: 'a workload with too few pod-hours (23.9)', w: { ...over, podHours: 23.9 }, t: {}, fires: false },
    { name: 'a workload with enough pod-hours (24)', w: { ...over, podHours: 24 }, t: {}, fires: true },
    { name: 'a CronJob (not a kind it right-sizes)', w: { ...over, kind: 'CronJob' }, t: {}, fires: false },
    {
      name: 'a saving under the configured minimum',
      w: over,
      t: { overprovisionedRequests: { minMonthlySavings: 100_000 } },
      fires: false,
    },
  ])('$name → fires: $fires', ({ w, t, fires }) => {
    const cost = { ...overCost, kind: w.kind };
    const found = detectOverprovisionedRequests(
      detectorInput({ facts: { workloads: [w] }, costs: { workloads: [cost] }, thresholds: t }),
    );
    expect(found.length).toBe(fires ? 1 : 0);
  });

  it('writes a kubectl set resources plan with the saving at the allocation rates', () => {
    const [f] = detectOverprovisionedRequests(
      detectorInput({ facts: { workloads: [over] }, costs: { workloads: [overCost] } }),
    );
    expect(f).toBeDefined();
    if (!f) return;
    expectComplete(f);
    expect(f.workload).toBe('Deployment/api');
    expect(f.action).toContain(
      'kubectl -n shop set resources deployment/api --requests=cpu=200m,memory=1178Mi',
    );
    expect(f.rollback).toContain('--requests=cpu=4000m,memory=12288Mi');
    expect(f.reviewer).toBe('checkout-lead@example.com');
    // (4 − 0.2) cores × 336 h × 0.03 + (12 − 1178/1024) GiB × 336 h × 0.004, per month
    const expected = ((4 - 0.2) * 336 * 0.03 + (12 - 1178 / 1024) * 336 * 0.004) * MONTHLY;
    expect(f.monthlySavings).toBeCloseTo(expected, 1);
    expect(f.evidence.map((e) => e.label)).toEqual(
      expect.arrayContaining([
        'CPU request vs p95 usage',
        'Memory request vs peak usage',
        'Node pool',
        'Owner',
      ]),
    );
  });

  it('names the requests change that started it, or else the latest change', () => {
    const change = (field: 'requests' | 'image', before: string, after: string) => ({
      cluster: 'c1',
      namespace: 'shop',
      kind: 'Deployment',
      name: 'api',
      field,
      before,
      after,
      ts: '2026-11-18T10:00:00Z',
    });
    const run = (changes: ReturnType<typeof change>[]) =>
      detectOverprovisionedRequests(
        detectorInput({ facts: { workloads: [over] }, costs: { workloads: [overCost] }, changes }),
      )[0];
    const raised = run([change('requests', 'cpu 500m, memory 2048Mi', 'cpu 4000m, memory 12288Mi')]);
    expect(raised?.since).toBe(
      '2026-11-18T10:00:00Z: requests changed from "cpu 500m, memory 2048Mi" to "cpu 4000m, memory 12288Mi"',
    );
    expect(raised?.evidence.find((e) => e.label === 'Change that started it')).toBeDefined();
    const rolled = run([change('image', 'api:1', 'api:2')]);
    expect(rolled?.since).toBeUndefined();
    expect(rolled?.evidence.find((e) => e.label === 'Latest change')?.value).toContain('image changed');
  });
});
