import { describe, expect, it } from 'vitest';
import {
  assessPreview,
  detectOldPreviewEnvironments,
} from '../../core/findings/detectors/previewEnvironments.js';
import { DEFAULT_THRESHOLDS } from '../../core/findings/thresholds.js';
import { detectorInput, expectComplete, namespaceFact, WEEK_END, workloadCost } from './helpers.js';

const T = DEFAULT_THRESHOLDS.previewEnvironments;
const daysBeforeEnd = (d: number) => new Date(Date.parse(WEEK_END) - d * 86_400_000).toISOString();

describe('assessPreview', () => {
  it.each([
    {
      name: 'preview-pr-1, 40 days old, no change seen',
      ns: { name: 'preview-pr-1', createdAt: daysBeforeEnd(40) },
      old: true,
      proven: false,
    },
    {
      name: 'pr-7, 14 days old, changed 14 days ago',
      ns: { name: 'pr-7', createdAt: daysBeforeEnd(14), lastChangeAt: daysBeforeEnd(14) },
      old: true,
      proven: true,
    },
    {
      name: 'pr-7, 13.9 days old',
      ns: { name: 'pr-7', createdAt: daysBeforeEnd(13.9) },
      old: false,
      proven: false,
    },
    {
      name: 'pr-7, 30 days old, changed 13.9 days ago',
      ns: { name: 'pr-7', createdAt: daysBeforeEnd(30), lastChangeAt: daysBeforeEnd(13.9) },
      old: false,
      proven: true,
    },
    {
      name: 'labelled env=preview',
      ns: { name: 'feature-x', labels: { env: 'preview' }, createdAt: daysBeforeEnd(30) },
      old: true,
      proven: false,
    },
    { name: 'not a preview', ns: { name: 'shop', createdAt: daysBeforeEnd(300) }, old: false, proven: false },
    {
      name: 'history covering creation, no change',
      ns: { name: 'pr-9', createdAt: daysBeforeEnd(20), observedSince: daysBeforeEnd(21) },
      old: true,
      proven: true,
    },
  ])('$name → old: $old', ({ ns, old, proven }) => {
    const a = assessPreview(namespaceFact(ns), WEEK_END, T);
    expect(a.old).toBe(old);
    if (old) expect(a.quietProven).toBe(proven);
  });
});

describe('detectOldPreviewEnvironments', () => {
  it('plans to delete the namespace, naming its workloads and pull request', () => {
    const ns = namespaceFact({
      name: 'preview-pr-977',
      labels: { team: 'web', env: 'preview' },
      annotations: { 'preview.acme.io/pull-request': '977', unrelated: 'x' },
      createdAt: daysBeforeEnd(46),
    });
    const input = detectorInput({
      facts: { namespaces: [ns] },
      costs: {
        workloads: [workloadCost({ namespace: 'preview-pr-977', name: 'web' })],
        namespaces: [{ namespace: 'preview-pr-977', total: 20, team: 'web' }],
      },
    });
    const [f] = detectOldPreviewEnvironments(input);
    expect(f).toBeDefined();
    if (!f) return;
    expectComplete(f);
    expect(f.action).toContain('kubectl delete namespace preview-pr-977');
    expect(f.workloads).toEqual(['Deployment/web']);
    expect(f.team).toBe('web');
    expect(f.confidence).toBe('medium');
    expect(f.evidence.find((e) => e.label === 'Annotations')?.value).toBe('preview.acme.io/pull-request=977');
  });

  it('skips an environment cheaper than the minimum', () => {
    const input = detectorInput({
      facts: { namespaces: [namespaceFact({ name: 'pr-1', createdAt: daysBeforeEnd(40) })] },
      costs: { namespaces: [{ namespace: 'pr-1', total: 1 }] },
    });
    expect(detectOldPreviewEnvironments(input)).toEqual([]);
  });
});
