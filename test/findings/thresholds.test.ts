import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../core/config/schema.js';
import { DEFAULT_THRESHOLDS, parseFindingThresholds } from '../../core/findings/thresholds.js';
import { UsageError } from '../../core/schema/errors.js';

describe('parseFindingThresholds', () => {
  it('gives every default for an empty or missing findings object', () => {
    expect(parseFindingThresholds({})).toEqual(DEFAULT_THRESHOLDS);
    expect(parseFindingThresholds(undefined)).toEqual(DEFAULT_THRESHOLDS);
    expect(DEFAULT_THRESHOLDS.previewEnvironments.maxAgeDays).toBe(14);
    expect(DEFAULT_THRESHOLDS.previewEnvironments.namespacePatterns).toEqual(['preview-*', 'pr-*']);
    expect(DEFAULT_THRESHOLDS.overprovisionedRequests.memoryHeadroom).toBe(0.15);
  });

  it('parses the findings object of a config, keeping defaults for what it leaves out', () => {
    const config = ConfigSchema.parse({
      findings: { cronJobs: { minIntervalMinutes: 30 }, disabled: ['unowned'] },
    });
    const t = parseFindingThresholds(config.findings);
    expect(t.cronJobs.minIntervalMinutes).toBe(30);
    expect(t.cronJobs.maxConcurrentRuns).toBe(1);
    expect(t.disabled).toEqual(['unowned']);
  });

  it.each([
    [{ cronJob: {} }, 'findings.cronJob: unknown key'],
    [{ cronJobs: { minIntervalMinuts: 5 } }, 'findings.cronJobs.minIntervalMinuts: unknown key'],
    [{ nodePools: { maxRequestedShare: 1.5 } }, 'findings.nodePools.maxRequestedShare'],
    [{ disabled: ['not-a-type'] }, 'findings.disabled.0'],
    [
      { evalPlacement: { namePattern: '(' } },
      'findings.evalPlacement.namePattern: must be a valid regular expression',
    ],
  ])('rejects %j naming the key', (input, message) => {
    expect(() => parseFindingThresholds(input)).toThrow(UsageError);
    expect(() => parseFindingThresholds(input)).toThrow(message);
  });
});
