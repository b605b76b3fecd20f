/**
 * CPU and memory requests far above usage. Recommends per-pod requests from the week's usage
 * (CPU: the 95th percentile; memory: the peak plus headroom; with floors) and prices the
 * difference at the rates the allocation used for this workload (its CPU cost ÷ its allocated
 * core-hours, its RAM cost ÷ its allocated GiB-hours).
 */
import type { WorkloadCost } from '../costs.js';
import type { WorkloadFact } from '../facts.js';
import {
  buildFinding,
  changeEvidence,
  cores,
  cpuQuantity,
  ev,
  gib,
  hoursNumber,
  kubectlRef,
  memoryQuantity,
  money,
  ownerEvidence,
  pct,
  rate,
  sh,
  sinceOf,
} from '../plan.js';
import type { FindingThresholds } from '../thresholds.js';
import type { Finding } from '../types.js';
import { costOf, type DetectorInput, isAutoscaled, placementText, seenAllWindow } from './common.js';

const GIB = 1024 ** 3;

export interface Rightsizing {
  cpu: { requestCores: number; p95Cores: number; recommendedCores: number; share: number };
  memory: { requestBytes: number; peakBytes: number; recommendedBytes: number; share: number };
  /** True when either recommendation is at most `maxRecommendedShare` of its request. */
  far: boolean;
}

/**
 * Per-pod recommendations for one workload. A recommendation never exceeds the current request
 * (this detector only lowers requests); a resource without a request gets share 1.
 */
export function rightsize(
  w: Pick<WorkloadFact, 'cpuRequestCores' | 'cpuUsageP95Cores' | 'ramRequestBytes' | 'ramUsagePeakBytes'>,
  t: FindingThresholds['overprovisionedRequests'],
): Rightsizing {
  const cpuRec = Math.min(
    w.cpuRequestCores,
    Math.ceil(Math.max(w.cpuUsageP95Cores, t.cpuFloorCores) * 1000 - 1e-9) / 1000,
  );
  const memRec = Math.min(
    w.ramRequestBytes,
    Math.ceil(Math.max(w.ramUsagePeakBytes * (1 + t.memoryHeadroom), t.memoryFloorBytes) / 1024 ** 2 - 1e-9) *
      1024 ** 2,
  );
  const cpuShare = w.cpuRequestCores > 0 ? cpuRec / w.cpuRequestCores : 1;
  const memShare = w.ramRequestBytes > 0 ? memRec / w.ramRequestBytes : 1;
  return {
    cpu: {
      requestCores: w.cpuRequestCores,
      p95Cores: w.cpuUsageP95Cores,
      recommendedCores: cpuRec,
      share: cpuShare,
    },
    memory: {
      requestBytes: w.ramRequestBytes,
      peakBytes: w.ramUsagePeakBytes,
      recommendedBytes: memRec,
      share: memShare,
    },
    far: cpuShare <= t.maxRecommendedShare || memShare <= t.maxRecommendedShare,
  };
}

/**
 * Saving over the window at the workload's own allocation rates: requested core-hours and
 * GiB-hours above the recommendation × pod-hours.
 */
export function rightsizingSaving(r: Rightsizing, cost: WorkloadCost): { cpu: number; ram: number } {
  const cpuRate = cost.cpuCoreHours > 0 ? cost.cpuCost / cost.cpuCoreHours : 0;
  const ramRate = cost.ramGiBHours > 0 ? cost.ramCost / cost.ramGiBHours : 0;
  const cpu = Math.max(0, cost.cpuRequestCoreHours - r.cpu.recommendedCores * cost.podHours) * cpuRate;
  const ram =
    Math.max(0, cost.ramRequestGiBHours - (r.memory.recommendedBytes / GIB) * cost.podHours) * ramRate;
  return { cpu, ram };
}

export function detectOverprovisionedRequests(input: DetectorInput): Finding[] {
  const { facts, costs, plan } = input;
  const t = input.thresholds.overprovisionedRequests;
  const out: Finding[] = [];
  for (const w of facts.workloads) {
    if (!t.kinds.includes(w.kind) || w.podHours < t.minPodHours) continue;
    if (!t.includeHpaScaled && isAutoscaled(w, input.thresholds.autoscaledLabels)) continue;
    const cost = costOf(costs, w);
    if (!cost || cost.podHours <= 0) continue;
    const r = rightsize(w, t);
    if (!r.far) continue;
    const saving = rightsizingSaving(r, cost);
    const monthly = (saving.cpu + saving.ram) * costs.monthly;
    if (monthly < t.minMonthlySavings) continue;

    const ns = sh(w.namespace);
    const ref = kubectlRef(w.kind, w.name);
    const lowerCpu = r.cpu.recommendedCores < r.cpu.requestCores;
    const lowerMem = r.memory.recommendedBytes < r.memory.requestBytes;
    const newReq = [
      lowerCpu ? `cpu=${cpuQuantity(r.cpu.recommendedCores)}` : null,
      lowerMem ? `memory=${memoryQuantity(r.memory.recommendedBytes)}` : null,
    ].filter((x): x is string => x !== null);
    const oldReq = [
      lowerCpu ? `cpu=${cpuQuantity(r.cpu.requestCores)}` : null,
      lowerMem ? `memory=${memoryQuantity(r.memory.requestBytes)}` : null,
    ].filter((x): x is string => x !== null);
    const cpuRate = cost.cpuCoreHours > 0 ? cost.cpuCost / cost.cpuCoreHours : 0;
    const ramRate = cost.ramGiBHours > 0 ? cost.ramCost / cost.ramGiBHours : 0;
    const autoscaled = isAutoscaled(w, input.thresholds.autoscaledLabels);
    const whole = seenAllWindow(w, facts);
    const confidence: Finding['confidence'] =
      w.podHours < 72 ? 'low' : whole && !autoscaled ? 'high' : 'medium';
    const replicas = w.replicas
      ? w.replicas.min === w.replicas.max
        ? `${w.replicas.last} all window`
        : `${w.replicas.min}–${w.replicas.max} (autoscaled)`
      : `${w.pods} pods`;
    const f = buildFinding(
      {
        type: 'overprovisioned-requests',
        cluster: w.cluster,
        namespace: w.namespace,
        workload: `${w.kind}/${w.name}`,
        team: cost.team,
        title: `Right-size requests of ${w.kind}/${w.name} in ${w.namespace}`,
        finding: `${w.kind}/${w.name} requests ${cores(r.cpu.requestCores)} and ${gib(r.memory.requestBytes)} per pod but used at most ${cores(r.cpu.p95Cores)} (p95) and ${gib(r.memory.peakBytes)} (peak) this week; the unused requests hold node capacity nobody else can schedule on.`,
        evidence: [
          ev(
            'CPU request vs p95 usage',
            `${cores(r.cpu.requestCores)} requested per pod, p95 ${cores(r.cpu.p95Cores)} (${pct(r.cpu.p95Cores / Math.max(r.cpu.requestCores, 1e-9))} of the request); recommended ${cpuQuantity(r.cpu.recommendedCores)}`,
          ),
          ev(
            'Memory request vs peak usage',
            `${gib(r.memory.requestBytes)} requested per pod, peak ${gib(r.memory.peakBytes)}; recommended ${memoryQuantity(r.memory.recommendedBytes)} (peak + ${pct(t.memoryHeadroom)})`,
          ),
          ev('Replicas', `${replicas}, ${hoursNumber(w.podHours)} pod-hours sampled`),
          placementText(w) ? ev('Node pool', placementText(w)) : null,
          ev(
            'Rates used',
            `${rate(cpuRate, plan.currency)} per core-hour and ${rate(ramRate, plan.currency)} per GiB-hour (this week's allocation of the workload)`,
          ),
          ev(
            'Saving this week',
            `${money(saving.cpu, plan.currency)} CPU + ${money(saving.ram, plan.currency)} memory`,
          ),
          ownerEvidence(cost.team, cost.owners?.owner),
          autoscaled
            ? ev('Autoscaling', 'replicas changed this week: an HPA scales on these requests')
            : null,
          changeEvidence(plan.changesOf(w), ['requests']),
        ],
        action: `kubectl -n ${ns} set resources ${ref} --requests=${newReq.join(',')}\n# Values are per pod; with several containers, split them per container with -c <name>. Commit the same change to the manifest (Helm values, Kustomize, GitOps) or it is reverted.`,
        risk: `Peaks above the week's p95 CPU (${cpuQuantity(r.cpu.recommendedCores)}) compete for CPU with the pods packed next to it; memory keeps ${pct(t.memoryHeadroom)} above the week's peak, and a pod growing past its request is the first evicted under node memory pressure. The saving shows once the cluster autoscaler removes the nodes this frees.${autoscaled ? ' An HPA targeting CPU utilisation will scale differently against the new requests.' : ''}`,
        rollback: `kubectl -n ${ns} set resources ${ref} --requests=${oldReq.join(',')}\n# or: kubectl -n ${ns} rollout undo ${ref}`,
        monthlySavings: monthly,
        monthlyCost: cost.total * costs.monthly,
        confidence,
        since: sinceOf(plan.changesOf(w), ['requests']),
      },
      plan,
    );
    if (f) out.push(f);
  }
  return out;
}
