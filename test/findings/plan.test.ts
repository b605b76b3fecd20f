import { describe, expect, it } from 'vitest';
import { fingerprintOf, fnv1a64 } from '../../core/findings/fingerprint.js';
import {
  buildFinding,
  cpuQuantity,
  type Draft,
  memoryQuantity,
  routeTeam,
  sh,
} from '../../core/findings/plan.js';
import { MIB, planContext } from './helpers.js';

const draft = (p: Partial<Draft> = {}): Draft => ({
  type: 'idle-workload',
  cluster: 'c1',
  namespace: 'shop',
  workload: 'Deployment/api',
  team: 'checkout',
  title: 't',
  finding: 'f',
  evidence: [{ label: 'CPU', value: '0 cores' }],
  action: 'a',
  risk: 'r',
  rollback: 'b',
  monthlySavings: 12.345,
  confidence: 'high',
  ...p,
});

describe('buildFinding', () => {
  it('fills the fingerprint and reviewer and rounds the saving to cents', () => {
    const f = buildFinding(draft(), planContext());
    expect(f?.fingerprint).toBe(fingerprintOf('idle-workload', 'c1', 'shop', 'Deployment/api'));
    expect(f?.reviewer).toBe('checkout-lead@example.com');
    expect(f?.monthlySavings).toBe(12.35);
  });

  it.each([
    ['no evidence', { evidence: [] }],
    ['only empty evidence', { evidence: [null, false, { label: 'x', value: ' ' }] }],
    ['an empty action', { action: ' ' }],
    ['an empty risk', { risk: '' }],
    ['an empty rollback', { rollback: '' }],
    ['a saving that is not a number', { monthlySavings: Number.NaN }],
  ] as [string, Partial<Draft>][])('emits nothing with %s', (_, p) => {
    expect(buildFinding(draft(p), planContext())).toBeNull();
  });

  it('routes unowned and special teams to the platform team and its reviewer', () => {
    expect(routeTeam('unowned', { platformTeam: 'platform' })).toBe('platform');
    expect(routeTeam('__idle__', { platformTeam: 'platform' })).toBe('platform');
    expect(buildFinding(draft({ team: 'unowned' }), planContext())?.reviewer).toBe('ops@example.com');
  });

  it('falls back to the platform reviewer, then to a named role, when none is configured', () => {
    const onlyPlatform = planContext({ reviewers: (t) => (t === 'platform' ? 'ops@example.com' : '') });
    expect(buildFinding(draft(), onlyPlatform)?.reviewer).toBe('ops@example.com');
    expect(buildFinding(draft(), planContext({ reviewers: () => '' }))?.reviewer).toBe(
      'a lead of team checkout',
    );
  });
});

describe('fingerprints', () => {
  it('are stable 16-digit hashes of type, cluster, namespace and workload', () => {
    // FNV-1a 64 reference values
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    const a = fingerprintOf('unowned', 'c1', 'ns', 'Namespace/ns');
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(fingerprintOf('unowned', 'c1', 'ns', 'Namespace/ns')).toBe(a);
    expect(fingerprintOf('unowned', 'c1', 'nsN', 'amespace/ns')).not.toBe(a);
    expect(fingerprintOf('idle-workload', 'c1', 'ns', 'Namespace/ns')).not.toBe(a);
  });
});

describe('quantities and quoting', () => {
  it.each([
    [0.2234, '224m'],
    [4, '4000m'],
    [0.0001, '1m'],
  ])('%d cores → %s', (c, q) => expect(cpuQuantity(c)).toBe(q));

  it.each([
    [1274.2 * MIB, '1275Mi'],
    [100 * MIB, '100Mi'],
  ])('%d bytes → %s', (b, q) => expect(memoryQuantity(b)).toBe(q));

  it.each([
    ['shop', 'shop'],
    ['deployment/api-v2', 'deployment/api-v2'],
    ["it's; rm -rf /", `'it'\\''s; rm -rf /'`],
  ])('quotes %s as %s', (v, q) => expect(sh(v)).toBe(q));
});
