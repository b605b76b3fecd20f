import { describe, expect, it } from 'vitest';
import {
  detectOrphanVolumes,
  isUnmountedClaim,
  unusedVolumeShare,
} from '../../core/findings/detectors/orphanVolumes.js';
import { DEFAULT_THRESHOLDS } from '../../core/findings/thresholds.js';
import { claimFact, detectorInput, expectComplete, MONTHLY, volumeFact } from './helpers.js';

const T = DEFAULT_THRESHOLDS.orphanVolumes;

describe('unusedVolumeShare and isUnmountedClaim', () => {
  it.each<{ phases: Record<string, number>; share: number }>([
    { phases: { Released: 168 }, share: 1 },
    { phases: { Bound: 17, Released: 151 }, share: 151 / 168 },
    { phases: { Available: 100, Failed: 68 }, share: 1 },
    { phases: { Bound: 168 }, share: 0 },
  ])('$phases → $share of the week unused', ({ phases, share }) => {
    expect(unusedVolumeShare({ phaseHours: phases }, 168, T.phases)).toBeCloseTo(share, 9);
  });

  it.each([
    { c: { mountedPodHours: 0, hours: 168 }, orphan: true },
    { c: { mountedPodHours: 0, hours: 151.25 }, orphan: true }, // just over 90% of the week
    { c: { mountedPodHours: 0, hours: 151 }, orphan: false },
    { c: { mountedPodHours: 0.1, hours: 168 }, orphan: false },
    { c: { mountedPodHours: 0, hours: 168, phase: 'Pending' }, orphan: false },
  ])('claim $c → orphan: $orphan', ({ c, orphan }) => {
    expect(isUnmountedClaim(claimFact(c), 168, T.minShareOfWindow)).toBe(orphan);
  });
});

describe('detectOrphanVolumes', () => {
  it('plans a snapshot and delete of a released EBS volume, routed to the platform team', () => {
    const v = volumeFact({
      name: 'pvc-old',
      claimNamespace: null,
      claimName: null,
      phaseHours: { Released: 168 },
      lastPhase: 'Released',
      reclaimPolicy: 'Retain',
    });
    const [f] = detectOrphanVolumes(
      detectorInput({ facts: { volumes: [v] }, costs: { unmounted: { 'c1/pvc-old': 2 } } }),
    );
    expect(f).toBeDefined();
    if (!f) return;
    expectComplete(f);
    expect(f.workload).toBe('PersistentVolume/pvc-old');
    expect(f.namespace).toBe('');
    expect(f.team).toBe('platform');
    expect(f.action).toContain('aws ec2 create-snapshot --volume-id vol-0123456789abcdef0');
    expect(f.action).toContain('kubectl delete pv pvc-old');
    expect(f.monthlySavings).toBeCloseTo(2 * MONTHLY, 2);
  });

  it('plans to delete a bound claim nobody mounted, for the namespace team', () => {
    const c = claimFact({
      namespace: 'analytics',
      name: 'scratch',
      volumeName: 'pvc-s',
      mountedPodHours: 0,
      mountedBy: [],
    });
    const v = volumeFact({
      name: 'pvc-s',
      volumeHandle: 'projects/p/zones/z/disks/pvc-s',
      claimNamespace: 'analytics',
      claimName: 'scratch',
    });
    const [f] = detectOrphanVolumes(
      detectorInput({
        facts: { volumes: [v], claims: [c] },
        costs: {
          unmounted: { 'c1/pvc-s': 20 },
          namespaces: [{ namespace: 'analytics', total: 20, team: 'analytics' }],
        },
      }),
    );
    expect(f?.workload).toBe('PersistentVolumeClaim/scratch');
    expect(f?.team).toBe('analytics');
    expect(f?.action).toContain('gcloud compute snapshots create');
    expect(f?.action).toContain('kubectl -n analytics delete pvc scratch');
  });
});
