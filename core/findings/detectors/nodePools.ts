/**
 * Overprovisioned node pools and pools without autoscaling: what pods requested over the week
 * against what the nodes could allocate, for the binding resource (CPU or memory), and whether
 * the node count ever moved. GPU pools are judged by the GPU detector instead (one plan per pool).
 */
import type { NodePoolFact } from '../facts.js';
import { buildFinding, cores, ev, gib, hoursNumber, money, pct } from '../plan.js';
import type { FindingThresholds } from '../thresholds.js';
import type { Finding } from '../types.js';
import { poolFixedSizeCommand, poolScalingCommand } from './cloud.js';
import type { DetectorInput } from './common.js';

export interface PoolAssessment {
  cpuShare: number;
  ramShare: number;
  /** The binding resource's requested share. */
  requestedShare: number;
  fixedSize: boolean;
  /** Nodes the week's peak requests need at the target packing. */
  recommendedNodes: number;
  averageNodes: number;
  overprovisioned: boolean;
}

/** Judges one pool (pure). */
export function assessPool(
  p: Pick<
    NodePoolFact,
    | 'allocatable'
    | 'requested'
    | 'peakRequested'
    | 'allocatablePerNode'
    | 'nodesMin'
    | 'nodesMax'
    | 'nodeHours'
  >,
  windowHours: number,
  t: FindingThresholds['nodePools'],
): PoolAssessment {
  const cpuShare = p.allocatable.cpuCoreHours > 0 ? p.requested.cpuCoreHours / p.allocatable.cpuCoreHours : 0;
  const ramShare = p.allocatable.ramGiBHours > 0 ? p.requested.ramGiBHours / p.allocatable.ramGiBHours : 0;
  const requestedShare = Math.max(cpuShare, ramShare);
  const needCpu =
    p.allocatablePerNode.cpuCores > 0
      ? p.peakRequested.cpuCores / (p.allocatablePerNode.cpuCores * t.targetRequestedShare)
      : 0;
  const needRam =
    p.allocatablePerNode.ramBytes > 0
      ? p.peakRequested.ramBytes / (p.allocatablePerNode.ramBytes * t.targetRequestedShare)
      : 0;
  const recommendedNodes = Math.max(1, Math.ceil(Math.max(needCpu, needRam) - 1e-9));
  const averageNodes = windowHours > 0 ? p.nodeHours / windowHours : 0;
  return {
    cpuShare,
    ramShare,
    requestedShare,
    fixedSize: p.nodesMin === p.nodesMax && p.nodesMax > 0,
    recommendedNodes,
    averageNodes,
    overprovisioned: requestedShare <= t.maxRequestedShare && recommendedNodes < averageNodes,
  };
}

export function detectNodePools(input: DetectorInput): Finding[] {
  const { facts, costs, plan } = input;
  const t = input.thresholds.nodePools;
  const out: Finding[] = [];
  for (const p of facts.nodePools) {
    if (p.gpuNodeHours > 0 || p.allocatablePerNode.gpus > 0) continue;
    const a = assessPool(p, costs.windowHours, t);
    if (!a.overprovisioned) continue;
    const pool = costs.pools.get(`${p.cluster}/${p.nodePool}`);
    const idle = pool?.idleCost ?? 0;
    const poolCost = idle + (pool?.allocatedCost ?? 0);
    // Removing nodes saves their share of the pool's cost, but never more than what sat idle.
    const weekly = Math.min(idle, poolCost * (1 - a.recommendedNodes / a.averageNodes));
    const monthly = weekly * costs.monthly;
    if (monthly < t.minMonthlySavings) continue;
    const users = facts.workloads
      .map((w) => ({ w, h: w.placement.find((x) => x.nodePool === p.nodePool)?.podHours ?? 0 }))
      .filter((x) => x.w.cluster === p.cluster && x.h > 0 && x.w.kind !== 'DaemonSet')
      .sort((x, y) => y.h - x.h)
      .slice(0, 4)
      .map((x) => `${x.w.namespace}/${x.w.kind}/${x.w.name} ${hoursNumber(x.h)} pod-hours`);
    const binding = a.cpuShare >= a.ramShare ? 'CPU' : 'memory';
    const maxNodes = Math.max(p.nodesMax, a.recommendedNodes);
    const f = buildFinding(
      {
        type: 'nodepool-overprovisioned',
        cluster: p.cluster,
        namespace: '',
        workload: `NodePool/${p.nodePool}`,
        team: plan.platformTeam,
        title: `Node pool ${p.nodePool} in ${p.cluster} is ${pct(a.requestedShare)} requested${a.fixedSize ? ' and never scales' : ''}`,
        finding: `Pods requested ${pct(a.cpuShare)} of the CPU and ${pct(a.ramShare)} of the memory node pool ${p.nodePool} could allocate this week${a.fixedSize ? `, and the pool stayed at ${p.nodesMax} nodes the whole time (no autoscaling)` : ''}; its peak fits on ${a.recommendedNodes} node${a.recommendedNodes === 1 ? '' : 's'}.`,
        evidence: [
          ev('Node pool', `${p.nodePool} (${p.capacityType}, ${p.instanceTypes.join(', ')})`),
          ev(
            'Node count',
            a.fixedSize
              ? `${p.nodesMax} all week`
              : `${p.nodesMin}–${p.nodesMax}, ${a.averageNodes.toFixed(1)} on average`,
          ),
          ev(
            'Requested vs allocatable',
            `CPU ${pct(a.cpuShare)}, memory ${pct(a.ramShare)} (${binding} binds)`,
          ),
          ev(
            'Peak requests',
            `${cores(p.peakRequested.cpuCores)} and ${gib(p.peakRequested.ramBytes)}; one node allocates ${cores(p.allocatablePerNode.cpuCores)} and ${gib(p.allocatablePerNode.ramBytes)}`,
          ),
          ev('Idle cost this week', `${money(idle, plan.currency)} of ${money(poolCost, plan.currency)}`),
          users.length > 0 ? ev('Largest workloads on it', users.join(', ')) : null,
        ],
        action: `${poolScalingCommand(p, { min: Math.min(a.recommendedNodes, 1), max: maxNodes, desired: a.recommendedNodes })}\n# Size for the peak at ${pct(t.targetRequestedShare)} packing: ${a.recommendedNodes} node${a.recommendedNodes === 1 ? '' : 's'}; the autoscaler adds nodes when pods do not fit.`,
        risk: 'Pods pinned to this pool (nodeSelector, affinity, taints) must fit on fewer nodes; draining moves them, so check PodDisruptionBudgets and single-replica workloads first.',
        rollback: a.fixedSize
          ? `${poolFixedSizeCommand(p, p.nodesMax)}\n# restores the previous fixed size of ${p.nodesMax} nodes`
          : `${poolScalingCommand(p, { min: p.nodesMin, max: p.nodesMax, desired: p.nodesMax })}\n# restores the previous bounds (${p.nodesMin}–${p.nodesMax} nodes)`,
        monthlySavings: monthly,
        monthlyCost: poolCost * costs.monthly,
        confidence: a.fixedSize ? 'high' : 'medium',
      },
      plan,
    );
    if (f) out.push(f);
  }
  return out;
}
