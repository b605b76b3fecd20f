import { describe, expect, it } from 'vitest';
import { detectUnowned, unownedByNamespace } from '../../core/findings/detectors/unowned.js';
import { detectorInput, expectComplete, MONTHLY, owners, workloadCost } from './helpers.js';

const unowned = (name: string, namespace = 'tmp', extra = {}) =>
  workloadCost({ name, namespace, team: 'unowned', owners: owners('unowned'), ...extra });

describe('unownedByNamespace', () => {
  it('groups unowned workloads by namespace and leaves shared and owned ones out', () => {
    const groups = unownedByNamespace([
      unowned('a'),
      unowned('b'),
      unowned('c', 'default'),
      unowned('kube-proxy', 'kube-system', { isShared: true }),
      workloadCost({ name: 'owned' }),
    ]);
    expect([...groups.keys()]).toEqual(['c1/tmp', 'c1/default']);
    expect(groups.get('c1/tmp')?.map((w) => w.name)).toEqual(['a', 'b']);
  });
});

describe('detectUnowned', () => {
  it('addresses one finding per namespace to the platform team, listing its workloads', () => {
    const [f] = detectUnowned(
      detectorInput({ costs: { workloads: [unowned('a'), unowned('b', 'tmp', { cpuCost: 50 })] } }),
    );
    expect(f).toBeDefined();
    if (!f) return;
    expectComplete(f);
    expect(f.team).toBe('platform');
    expect(f.reviewer).toBe('ops@example.com');
    expect(f.workload).toBe('Namespace/tmp');
    expect(f.workloads).toEqual(['Deployment/b', 'Deployment/a']);
    expect(f.monthlySavings).toBe(0);
    expect(f.monthlyCost).toBeGreaterThan(50 * MONTHLY);
    expect(f.action).toContain('kubectl label namespace tmp team=<owning-team>');
  });

  it.each([
    { min: 1, fires: true },
    { min: 1_000_000, fires: false },
  ])('with a minimum of $min a month → fires: $fires', ({ min, fires }) => {
    const found = detectUnowned(
      detectorInput({
        costs: { workloads: [unowned('a')] },
        thresholds: { unowned: { minMonthlyCost: min } },
      }),
    );
    expect(found.length).toBe(fires ? 1 : 0);
  });
});
