/**
 * Idle replicas and abandoned workloads: near-zero CPU (p95 of every pod at or below the floor)
 * and near-zero network over the window. Scaling to zero saves the workload's cost except its
 * volumes, which stay.
 */
import type { WorkloadFact } from '../facts.js';
import {
  buildFinding,
  bytesText,
  changeEvidence,
  cores,
  ev,
  hoursNumber,
  hoursText,
  kubectlRef,
  money,
  ownerEvidence,
  sh,
} from '../plan.js';
import type { FindingThresholds } from '../thresholds.js';
import type { Finding } from '../types.js';
import { costOf, type DetectorInput, placementText, seenAllWindow } from './common.js';

export interface IdleAssessment {
  idle: boolean;
  networkBytes: number;
  networkBytesPerPodDay: number;
  observedHours: number;
}

/** Whether a workload is idle by the thresholds (pure numbers; cost is checked by the detector). */
export function assessIdle(
  w: Pick<WorkloadFact, 'cpuUsageP95Cores' | 'network' | 'podHours' | 'firstSeen' | 'lastSeen'>,
  t: FindingThresholds['idleWorkloads'],
): IdleAssessment {
  const networkBytes = w.network.reduce((s, n) => s + n.bytes, 0);
  const podDays = w.podHours / 24;
  const perPodDay = podDays > 0 ? networkBytes / podDays : Number.POSITIVE_INFINITY;
  const observedHours = Math.max(0, (Date.parse(w.lastSeen) - Date.parse(w.firstSeen)) / 3_600_000);
  return {
    idle:
      podDays > 0 &&
      w.cpuUsageP95Cores <= t.maxCpuP95Cores &&
      perPodDay <= t.maxNetworkBytesPerPodDay &&
      observedHours >= t.minObservedHours,
    networkBytes,
    networkBytesPerPodDay: perPodDay,
    observedHours,
  };
}

export function detectIdleWorkloads(input: DetectorInput): Finding[] {
  const { facts, costs, plan } = input;
  const t = input.thresholds.idleWorkloads;
  const out: Finding[] = [];
  for (const w of facts.workloads) {
    if (!t.kinds.includes(w.kind)) continue;
    const a = assessIdle(w, t);
    if (!a.idle) continue;
    const cost = costOf(costs, w);
    if (!cost) continue;
    // Scaled to zero, the pods' volumes stay (and keep costing).
    const monthly = (cost.total - cost.pvCost) * costs.monthly;
    if (monthly < t.minMonthlyCost) continue;
    const ns = sh(w.namespace);
    const ref = kubectlRef(w.kind, w.name);
    const replicas = w.replicas?.last ?? w.pods;
    const f = buildFinding(
      {
        type: 'idle-workload',
        cluster: w.cluster,
        namespace: w.namespace,
        workload: `${w.kind}/${w.name}`,
        team: cost.team,
        title: `${w.kind}/${w.name} in ${w.namespace} did nothing this week`,
        finding: `${w.kind}/${w.name} ran ${replicas} replica${replicas === 1 ? '' : 's'} all week with near-zero CPU and ${a.networkBytes === 0 ? 'no' : 'almost no'} network traffic: it looks abandoned or no longer called.`,
        evidence: [
          ev(
            'CPU usage',
            `p95 ${cores(w.cpuUsageP95Cores)} per pod (idle at or below ${cores(t.maxCpuP95Cores)}), ${cores(w.cpuRequestCores)} requested`,
          ),
          ev(
            'Network',
            `${bytesText(a.networkBytes)} in ${hoursNumber(w.podHours)} pod-hours (${bytesText(a.networkBytesPerPodDay)} per pod-day)`,
          ),
          ev('Observed', `${hoursText(a.observedHours)} from ${w.firstSeen} to ${w.lastSeen}`),
          placementText(w) ? ev('Node pool', placementText(w)) : null,
          ev('Cost this week', money(cost.total, plan.currency)),
          ownerEvidence(cost.team, cost.owners?.owner),
          changeEvidence(plan.changesOf(w), []),
        ],
        action: `kubectl -n ${ns} scale ${ref} --replicas=0\n# If nobody misses it within two weeks, delete it (and its Service, Ingress and volumes) from the manifests.`,
        risk: `Something may call it rarely (month-end jobs, failover, a forgotten client); such callers fail while it is scaled to zero. ${cost.pvCost > 0 ? 'Its volumes are kept and still cost money until deleted.' : ''}`.trim(),
        rollback: `kubectl -n ${ns} scale ${ref} --replicas=${replicas}`,
        monthlySavings: monthly,
        monthlyCost: cost.total * costs.monthly,
        confidence: seenAllWindow(w, facts) && a.networkBytes === 0 ? 'high' : 'medium',
      },
      plan,
    );
    if (f) out.push(f);
  }
  return out;
}
