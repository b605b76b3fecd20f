import { describe, expect, it } from 'vitest';
import { detectExpensiveStorage } from '../../core/findings/detectors/expensiveStorage.js';
import {
  claimFact,
  detectorInput,
  expectComplete,
  MONTHLY,
  namespaceFact,
  volumeFact,
  workloadCost,
  workloadFact,
} from './helpers.js';

function input(storageClass: string, labels: Record<string, string>, extra = {}) {
  return detectorInput({
    facts: {
      workloads: [workloadFact({ kind: 'StatefulSet', name: 'db', claims: ['data-db-0'] })],
      claims: [claimFact({ storageClass })],
      volumes: [volumeFact({ storageClass })],
      namespaces: [namespaceFact({ labels })],
    },
    costs: { workloads: [workloadCost({ kind: 'StatefulSet', name: 'db', pvCost: 100 })] },
    ...extra,
  });
}

describe('detectExpensiveStorage', () => {
  it.each<{ cls: string; labels: Record<string, string>; fires: boolean }>([
    { cls: 'io2', labels: { env: 'staging' }, fires: true },
    { cls: 'io2', labels: { environment: 'Dev' }, fires: true },
    { cls: 'pd-extreme', labels: { env: 'dev' }, fires: true },
    { cls: 'premium-rwo', labels: { env: 'qa' }, fires: true },
    { cls: 'io2', labels: { env: 'prod' }, fires: false },
    { cls: 'io2', labels: { env: 'production' }, fires: false },
    { cls: 'io2', labels: {}, fires: false }, // unknown environment: not judged
    { cls: 'gp3', labels: { env: 'staging' }, fires: false },
  ])('$cls in a namespace labelled $labels → fires: $fires', ({ cls, labels, fires }) => {
    expect(detectExpensiveStorage(input(cls, labels)).length).toBe(fires ? 1 : 0);
  });

  it('names the StatefulSet and changes an EBS volume type in place', () => {
    const [f] = detectExpensiveStorage(input('io2', { env: 'staging' }));
    expect(f).toBeDefined();
    if (!f) return;
    expectComplete(f);
    expect(f.workload).toBe('StatefulSet/db');
    expect(f.action).toContain('aws ec2 modify-volume --volume-id vol-0123456789abcdef0 --volume-type gp3');
    expect(f.monthlySavings).toBeCloseTo(100 * 0.6 * MONTHLY, 1);
  });

  it('honours a configured class list', () => {
    const found = detectExpensiveStorage(
      input('fast-ssd', { env: 'dev' }, { thresholds: { expensiveStorage: { storageClasses: ['fast-*'] } } }),
    );
    expect(found.length).toBe(1);
  });
});
