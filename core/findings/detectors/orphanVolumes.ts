/**
 * Persistent volumes with no owner: PVs that sat Released or Available (no claim uses them), and
 * bound claims no pod mounted all week. Their cost is the `__unmounted__` cost the allocation kept
 * for the volume.
 */
import type { ClaimFact, VolumeFact } from '../facts.js';
import { buildFinding, ev, gib, hoursNumber, hoursText, money, pct, sh } from '../plan.js';
import type { Finding } from '../types.js';
import { type DetectorInput, providerOf } from './common.js';

/** Share of the window a PV spent in an unused phase (pure). */
export function unusedVolumeShare(
  v: Pick<VolumeFact, 'phaseHours'>,
  windowHours: number,
  phases: readonly string[],
): number {
  const h = phases.reduce((s, p) => s + (v.phaseHours[p] ?? 0), 0);
  return windowHours > 0 ? h / windowHours : 0;
}

/** True for a bound claim no pod mounted while it existed for most of the window (pure). */
export function isUnmountedClaim(
  c: Pick<ClaimFact, 'phase' | 'hours' | 'mountedPodHours'>,
  windowHours: number,
  minShare: number,
): boolean {
  return (
    c.phase === 'Bound' && c.mountedPodHours === 0 && windowHours > 0 && c.hours / windowHours >= minShare
  );
}

function snapshotAndDelete(handle: string): { action: string; rollback: string } {
  const h = sh(handle);
  switch (providerOf(handle)) {
    case 'aws':
      return {
        action: `aws ec2 create-snapshot --volume-id ${h} --description "ownercost: before deleting ${handle}"\naws ec2 delete-volume --volume-id ${h}`,
        rollback: `aws ec2 create-volume --snapshot-id <snapshot-id> --availability-zone <zone> --volume-type <type>\n# then create a PV with spec.csi.volumeHandle set to the new volume id`,
      };
    case 'gcp':
      return {
        action: `gcloud compute snapshots create ownercost-${handle.split('/').pop() ?? 'disk'} --source-disk ${h}\ngcloud compute disks delete ${h}`,
        rollback: `gcloud compute disks create <name> --source-snapshot ownercost-${handle.split('/').pop() ?? 'disk'} --zone <zone>\n# then create a PV pointing at the new disk`,
      };
    case 'azure':
      return {
        action: `az snapshot create --resource-group <resource-group> --name ownercost-snapshot --source ${h}\naz disk delete --ids ${h}`,
        rollback: `az disk create --resource-group <resource-group> --name <name> --source ownercost-snapshot\n# then create a PV pointing at the new disk`,
      };
    default:
      return {
        action: `# Snapshot disk ${handle} in your provider, then delete it.`,
        rollback: `# Restore a disk from the snapshot and create a PV pointing at it.`,
      };
  }
}

export function detectOrphanVolumes(input: DetectorInput): Finding[] {
  const { facts, costs, plan } = input;
  const t = input.thresholds.orphanVolumes;
  const out: Finding[] = [];
  const volumes = new Map(facts.volumes.map((v) => [`${v.cluster}/${v.name}`, v]));

  for (const v of facts.volumes) {
    const share = unusedVolumeShare(v, costs.windowHours, t.phases);
    if (share < t.minShareOfWindow || !t.phases.includes(v.lastPhase)) continue;
    const weekly = costs.unmounted.get(`${v.cluster}/${v.name}`) ?? 0;
    const monthly = weekly * costs.monthly;
    if (monthly < t.minMonthlySavings) continue;
    const cmd = snapshotAndDelete(v.volumeHandle);
    const nsTeam = v.claimNamespace
      ? (costs.namespaces.get(`${v.cluster}/${v.claimNamespace}`)?.team ?? '')
      : '';
    const f = buildFinding(
      {
        type: 'orphan-volume',
        cluster: v.cluster,
        namespace: v.claimNamespace ?? '',
        workload: `PersistentVolume/${v.name}`,
        team: nsTeam,
        title: `${v.lastPhase} volume ${v.name} (${gib(v.capacityBytes)} ${v.storageClass}) has no owner`,
        finding: `PersistentVolume ${v.name} was ${v.lastPhase} for ${pct(share)} of the week: no claim uses it${v.reclaimPolicy === 'Retain' ? ', and reclaimPolicy Retain keeps the disk until someone deletes it' : ''}.`,
        evidence: [
          ev(
            'Volume',
            `${v.name}, disk ${v.volumeHandle}, ${gib(v.capacityBytes)} ${v.storageClass}, reclaimPolicy ${v.reclaimPolicy}`,
          ),
          ev(
            'Phase over the week',
            Object.entries(v.phaseHours)
              .map(([phase, h]) => `${phase} ${hoursText(h)}`)
              .join(', '),
          ),
          ev('Claim', v.claimName ? `${v.claimNamespace}/${v.claimName} (released)` : 'none'),
          ev('Cost this week', money(weekly, plan.currency)),
        ],
        action: `${cmd.action}\nkubectl delete pv ${sh(v.name)}`,
        risk: 'The data on the disk is gone once deleted; the snapshot keeps it (and costs a fraction of the disk) until it is deleted too.',
        rollback: cmd.rollback,
        monthlySavings: monthly,
        monthlyCost: monthly,
        confidence: share >= 0.999 ? 'high' : 'medium',
      },
      plan,
    );
    if (f) out.push(f);
  }

  for (const c of facts.claims) {
    if (!isUnmountedClaim(c, costs.windowHours, t.minShareOfWindow)) continue;
    const weekly = costs.unmounted.get(`${c.cluster}/${c.volumeName}`) ?? 0;
    const monthly = weekly * costs.monthly;
    if (monthly < t.minMonthlySavings) continue;
    const v = volumes.get(`${c.cluster}/${c.volumeName}`);
    const cmd = snapshotAndDelete(v?.volumeHandle ?? c.volumeName);
    const nsCost = costs.namespaces.get(`${c.cluster}/${c.namespace}`);
    const f = buildFinding(
      {
        type: 'orphan-volume',
        cluster: c.cluster,
        namespace: c.namespace,
        workload: `PersistentVolumeClaim/${c.name}`,
        team: nsCost?.team ?? '',
        title: `Claim ${c.namespace}/${c.name} (${gib(c.capacityBytes)} ${c.storageClass}) was not mounted all week`,
        finding: `PersistentVolumeClaim ${c.name} in ${c.namespace} is Bound to a ${gib(c.capacityBytes)} ${c.storageClass} volume that no pod mounted this week.`,
        evidence: [
          ev(
            'Claim',
            `${c.namespace}/${c.name}, ${c.phase}, volume ${c.volumeName}${v ? ` (disk ${v.volumeHandle}, reclaimPolicy ${v.reclaimPolicy})` : ''}`,
          ),
          ev(
            'Mounted',
            `0 pod-hours in the ${hoursNumber(c.hours)} hours it existed (no pod referenced the claim)`,
          ),
          ev('Cost this week', money(weekly, plan.currency)),
          ev(
            'Owner',
            nsCost?.team && nsCost.team !== 'unowned'
              ? `team ${nsCost.team} (namespace)`
              : 'no team label (unowned)',
          ),
        ],
        action: `${cmd.action.split('\n')[0] ?? ''}\nkubectl -n ${sh(c.namespace)} delete pvc ${sh(c.name)}${v?.reclaimPolicy === 'Retain' ? `\nkubectl delete pv ${sh(c.volumeName)}   # Retain keeps the disk otherwise` : ''}`,
        risk: 'A job that mounts the claim rarely (monthly reports, restores) would find its data gone; the snapshot keeps it.',
        rollback: cmd.rollback,
        monthlySavings: monthly,
        monthlyCost: monthly,
        confidence: 'high',
      },
      plan,
    );
    if (f) out.push(f);
  }
  return out;
}
