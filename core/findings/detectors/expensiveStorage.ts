/**
 * Expensive storage classes used outside production: a claim of a premium class (io1, io2,
 * pd-extreme, premium-rwo, …) in a namespace whose environment label says it is not production.
 * A namespace without an environment label is not judged (it may be production).
 */
import type { ClaimFact, VolumeFact } from '../facts.js';
import { buildFinding, ev, gib, money, pct, sh } from '../plan.js';
import type { Finding } from '../types.js';
import { type DetectorInput, envOf, matchesAny, namespaceIndex, providerOf } from './common.js';

/** The claim's share of what its mounting workloads paid for volumes, plus its unmounted cost. */
function claimCost(input: DetectorInput, c: ClaimFact): number {
  const { facts, costs } = input;
  let cost = costs.unmounted.get(`${c.cluster}/${c.volumeName}`) ?? 0;
  const capacityOf = new Map(
    facts.claims
      .filter((x) => x.cluster === c.cluster && x.namespace === c.namespace)
      .map((x) => [x.name, x.capacityBytes]),
  );
  for (const m of c.mountedBy) {
    const w = facts.workloads.find(
      (x) => x.cluster === c.cluster && x.namespace === c.namespace && x.kind === m.kind && x.name === m.name,
    );
    const wc = costs.workloads.get(`${c.cluster}/${c.namespace}/${m.kind}/${m.name}`);
    if (!w || !wc) continue;
    const total = w.claims.reduce((s, name) => s + (capacityOf.get(name) ?? 0), 0);
    cost += total > 0 ? wc.pvCost * (c.capacityBytes / total) : 0;
  }
  return cost;
}

function migration(c: ClaimFact, v: VolumeFact | undefined): { action: string; rollback: string } {
  const handle = v?.volumeHandle ?? '';
  if (providerOf(handle) === 'aws') {
    return {
      action: `aws ec2 modify-volume --volume-id ${sh(handle)} --volume-type gp3 --iops 3000 --throughput 125\n# EBS changes the type in place, without detaching; raise --iops (up to 16000 on gp3) if the workload needs it. Then point the StatefulSet's volumeClaimTemplates at a gp3 class for new replicas.`,
      rollback: `aws ec2 modify-volume --volume-id ${sh(handle)} --volume-type ${sh(c.storageClass)} --iops <previous IOPS>\n# the previous IOPS are in: aws ec2 describe-volumes-modifications --volume-ids ${sh(handle)}`,
    };
  }
  return {
    action: `# Snapshot the volume, restore it into a new claim of a general-purpose class (pd-balanced / standard-rwo, StandardSSD), and switch the workload to it:\nkubectl -n ${sh(c.namespace)} get pvc ${sh(c.name)} -o yaml   # copy, set storageClassName and dataSource (VolumeSnapshot)`,
    rollback: `Switch the workload back to claim ${c.name}; keep it (and its ${c.storageClass} volume) until the new one has been verified.`,
  };
}

export function detectExpensiveStorage(input: DetectorInput): Finding[] {
  const { facts, costs, plan, thresholds } = input;
  const t = thresholds.expensiveStorage;
  const namespaces = namespaceIndex(facts);
  const volumes = new Map(facts.volumes.map((v) => [`${v.cluster}/${v.name}`, v]));
  const out: Finding[] = [];
  for (const c of facts.claims) {
    if (!matchesAny(c.storageClass, t.storageClasses)) continue;
    const ns = namespaces.get(`${c.cluster}/${c.namespace}`);
    const env = envOf(ns?.labels, thresholds.envLabelKeys);
    if (env === null || thresholds.productionEnvs.includes(env)) continue;
    const weekly = claimCost(input, c);
    const monthly = weekly * t.expectedSavingShare * costs.monthly;
    if (monthly < t.minMonthlySavings) continue;
    const owner = c.mountedBy[0];
    const workload = owner ? `${owner.kind}/${owner.name}` : `PersistentVolumeClaim/${c.name}`;
    const wc = owner
      ? costs.workloads.get(`${c.cluster}/${c.namespace}/${owner.kind}/${owner.name}`)
      : undefined;
    const team = wc?.team ?? costs.namespaces.get(`${c.cluster}/${c.namespace}`)?.team ?? '';
    const v = volumes.get(`${c.cluster}/${c.volumeName}`);
    const m = migration(c, v);
    const f = buildFinding(
      {
        type: 'expensive-storage-class',
        cluster: c.cluster,
        namespace: c.namespace,
        workload,
        team,
        title: `${c.storageClass} volume of ${workload} in ${env} namespace ${c.namespace}`,
        finding: `Claim ${c.name} (${gib(c.capacityBytes)}) uses the premium storage class ${c.storageClass} in namespace ${c.namespace}, whose environment is ${env}, not production; a general-purpose class costs far less.`,
        evidence: [
          ev(
            'Claim',
            `${c.namespace}/${c.name}, ${gib(c.capacityBytes)} ${c.storageClass}${v ? `, disk ${v.volumeHandle}` : ''}`,
          ),
          ev(
            'Environment',
            `namespace label ${thresholds.envLabelKeys.find((k) => ns?.labels[k]) ?? 'env'}=${env}`,
          ),
          ev(
            'Mounted by',
            c.mountedBy.length > 0
              ? c.mountedBy.map((x) => `${x.kind}/${x.name}`).join(', ')
              : 'no pod this week',
          ),
          ev('Volume cost this week', money(weekly, plan.currency)),
          ev(
            'Saving estimate',
            `${pct(t.expectedSavingShare)} of the volume cost (configurable: findings.expensiveStorage.expectedSavingShare)`,
          ),
          ev('Owner', team && team !== 'unowned' ? `team ${team}` : 'no team label (unowned)'),
        ],
        action: m.action,
        risk: `Lower IOPS and higher latency than ${c.storageClass}: performance tests run in ${env} stop reflecting production storage.`,
        rollback: m.rollback,
        monthlySavings: monthly,
        monthlyCost: weekly * costs.monthly,
        confidence: 'medium',
      },
      plan,
    );
    if (f) out.push(f);
  }
  return out;
}
