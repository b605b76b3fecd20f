import { describe, expect, it } from 'vitest';
import { assessRetries, detectJobRetries } from '../../core/findings/detectors/jobRetrying.js';
import type { JobHistory } from '../../core/findings/facts.js';
import { DEFAULT_THRESHOLDS } from '../../core/findings/thresholds.js';
import { detectorInput, expectComplete, MONTHLY, workloadCost, workloadFact } from './helpers.js';

const T = DEFAULT_THRESHOLDS.jobRetries;
const job = (p: Partial<JobHistory> = {}): JobHistory => ({
  parallelism: 1,
  backoffLimit: 10000,
  succeededFirst: 0,
  succeededLast: 0,
  failedFirst: 100,
  failedLast: 110,
  ...p,
});

describe('assessRetries', () => {
  it.each([
    { name: '10 failures, none succeeded', j: job(), retrying: true },
    { name: '9 failures', j: job({ failedLast: 109 }), retrying: false },
    {
      name: '90 failures, 10 successes (10% success)',
      j: job({ failedLast: 190, succeededLast: 10 }),
      retrying: true,
    },
    {
      name: '89 failures, 11 successes (11% success)',
      j: job({ failedLast: 189, succeededLast: 11 }),
      retrying: false,
    },
    { name: 'counters missing', j: job({ failedFirst: null, failedLast: null }), retrying: false },
  ])('$name → retrying: $retrying', ({ j, retrying }) => {
    expect(assessRetries(j, T).retrying).toBe(retrying);
  });

  it('counts from zero for a Job that started in the window', () => {
    expect(assessRetries(job({ failedFirst: 3, failedLast: 12 }), T, true).failed).toBe(12);
  });
});

describe('detectJobRetries', () => {
  it('plans to suspend the Job and prices the failed attempts', () => {
    const w = workloadFact({ kind: 'Job', name: 'migrate', job: job({ failedFirst: 367, failedLast: 733 }) });
    const cost = workloadCost({ kind: 'Job', name: 'migrate', cpuCost: 1.5, ramCost: 0.5 });
    const [f] = detectJobRetries(detectorInput({ facts: { workloads: [w] }, costs: { workloads: [cost] } }));
    expect(f).toBeDefined();
    if (!f) return;
    expectComplete(f);
    expect(f.action).toContain(
      `kubectl -n shop patch job migrate --type merge -p '{"spec":{"suspend":true}}'`,
    );
    expect(f.rollback).toContain('"suspend":false');
    expect(f.evidence.find((e) => e.label === 'backoffLimit')?.value).toBe('10000');
    expect(f.evidence.find((e) => e.label === 'Job history')?.value).toContain('failed 367 → 733');
    expect(f.monthlySavings).toBeCloseTo(2 * MONTHLY, 1);
  });

  it('ignores Deployments and Jobs without status', () => {
    const input = detectorInput({
      facts: {
        workloads: [workloadFact({ kind: 'Job', name: 'x', job: null }), workloadFact({ job: job() })],
      },
    });
    expect(detectJobRetries(input)).toEqual([]);
  });
});
