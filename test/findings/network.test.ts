import { describe, expect, it } from 'vitest';
import {
  detectCrossZoneTraffic,
  detectNatStorageTraffic,
  heavyCrossZone,
} from '../../core/findings/detectors/network.js';
import type { NetworkBytes } from '../../core/findings/facts.js';
import {
  detectorInput,
  expectComplete,
  GIB,
  MONTHLY,
  nodePoolFact,
  workloadCost,
  workloadFact,
} from './helpers.js';

const nb = (p: Partial<NetworkBytes>): NetworkBytes => ({
  class: 'in-zone',
  direction: 'egress',
  service: null,
  viaNat: false,
  bytes: GIB,
  ...p,
});

describe('heavyCrossZone', () => {
  it.each([
    { monthly: 100, share: 0.1, heavy: true },
    { monthly: 99.99, share: 0.5, heavy: false },
    { monthly: 500, share: 0.099, heavy: false },
  ])('$monthly a month at $share of cost → heavy: $heavy', ({ monthly, share, heavy }) => {
    expect(heavyCrossZone(monthly, share, 100, 0.1)).toBe(heavy);
  });
});

describe('detectCrossZoneTraffic', () => {
  const w = workloadFact({
    name: 'embedder',
    network: [
      nb({ class: 'cross-zone', bytes: 16 * 1024 * GIB }),
      nb({ class: 'cross-zone', direction: 'ingress', bytes: 4 * 1024 * GIB }),
    ],
  });
  const withXz = (xz: number) =>
    workloadCost({
      name: 'embedder',
      networkCost: xz,
      networkByClass: { 'cross-zone': xz, 'cross-region': 0, internet: 0, nat: 0 },
    });

  it.each([
    { weekly: 100 / MONTHLY, fires: true },
    { weekly: 99 / MONTHLY, fires: false },
  ])('$weekly a week of cross-zone cost → fires: $fires', ({ weekly, fires }) => {
    expect(
      detectCrossZoneTraffic(
        detectorInput({ facts: { workloads: [w] }, costs: { workloads: [withXz(weekly)] } }),
      ).length,
    ).toBe(fires ? 1 : 0);
  });

  it('plans topology-aware routing with the bytes as evidence', () => {
    const [f] = detectCrossZoneTraffic(
      detectorInput({ facts: { workloads: [w] }, costs: { workloads: [withXz(200)] } }),
    );
    expect(f).toBeDefined();
    if (!f) return;
    expectComplete(f);
    expect(f.action).toContain('service.kubernetes.io/topology-mode=Auto');
    expect(f.evidence[0]?.value).toContain('16.0 TiB out, 4.0 TiB in');
    expect(f.monthlySavings).toBeCloseTo(200 * 0.7 * MONTHLY, 1);
  });
});

describe('detectNatStorageTraffic', () => {
  const sync = workloadFact({
    name: 'sync',
    network: [
      nb({ service: 's3', viaNat: true, direction: 'ingress', bytes: 900 * GIB }),
      nb({ class: 'internet', viaNat: true, bytes: 100 * GIB }),
    ],
  });
  const natCost = (nat: number) =>
    workloadCost({
      name: 'sync',
      networkCost: nat,
      networkByClass: { 'cross-zone': 0, 'cross-region': 0, internet: 0, nat },
    });

  it('plans an S3 gateway endpoint and saves the storage share of NAT processing', () => {
    const [f] = detectNatStorageTraffic(
      detectorInput({
        facts: { workloads: [sync], nodePools: [nodePoolFact()] },
        costs: { workloads: [natCost(50)] },
      }),
    );
    expect(f).toBeDefined();
    if (!f) return;
    expectComplete(f);
    expect(f.action).toContain('aws ec2 create-vpc-endpoint --vpc-endpoint-type Gateway');
    expect(f.action).toContain('com.amazonaws.us-east-1.s3');
    expect(f.monthlySavings).toBeCloseTo(50 * 0.9 * MONTHLY, 1);
  });

  it.each([
    {
      name: 'storage not through NAT',
      w: { ...sync, network: [nb({ service: 's3', bytes: 900 * GIB })] },
      nat: 50,
      fires: false,
    },
    {
      name: 'only internet through NAT',
      w: { ...sync, network: [nb({ class: 'internet', viaNat: true })] },
      nat: 50,
      fires: false,
    },
    {
      name: 'GCS through NAT',
      w: { ...sync, network: [nb({ service: 'gcs', viaNat: true })] },
      nat: 50,
      fires: true,
    },
    { name: 'a NAT cost under the minimum', w: sync, nat: 2, fires: false },
  ])('$name → fires: $fires', ({ w, nat, fires }) => {
    expect(
      detectNatStorageTraffic(
        detectorInput({ facts: { workloads: [w] }, costs: { workloads: [natCost(nat)] } }),
      ).length,
    ).toBe(fires ? 1 : 0);
  });
});
