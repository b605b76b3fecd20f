/**
 * GPU nodes kept warm for sporadic work (GPU node-hours against GPU-requested hours, in a pool
 * that never scaled to zero), and evaluation/experiment work running on on-demand or production
 * pools while the cluster has a spot pool it fits on.
 */
import type { NodePoolFact, WorkloadFact } from '../facts.js';
import { buildFinding, changeEvidence, ev, hoursNumber, money, pct, sh } from '../plan.js';
import type { FindingThresholds } from '../thresholds.js';
import type { Finding } from '../types.js';
import { poolFixedSizeCommand, poolScalingCommand, poolSelector } from './cloud.js';
import { costOf, type DetectorInput, matchesAny } from './common.js';

export interface WarmGpuAssessment {
  gpuNodeHours: number;
  gpuRequestedHours: number;
  requestedShare: number;
  warm: boolean;
}

/** Judges a pool's GPU use (pure). */
export function assessWarmGpu(
  p: Pick<NodePoolFact, 'gpuNodeHours' | 'requested' | 'nodesMin'>,
  t: FindingThresholds['gpuPools'],
): WarmGpuAssessment {
  const share = p.gpuNodeHours > 0 ? p.requested.gpuHours / p.gpuNodeHours : 0;
  return {
    gpuNodeHours: p.gpuNodeHours,
    gpuRequestedHours: p.requested.gpuHours,
    requestedShare: share,
    warm: p.gpuNodeHours >= t.minGpuNodeHours && share <= t.maxRequestedShare && p.nodesMin > 0,
  };
}

/** `adhoc-finetune-5lt6c` → `adhoc-finetune-*`: Jobs created per run share one name. */
function runFamily(name: string): string {
  return name.replace(/-[a-z0-9]{5}$/, '-*');
}

export function detectWarmGpuPools(input: DetectorInput): Finding[] {
  const { facts, costs, plan } = input;
  const t = input.thresholds.gpuPools;
  const out: Finding[] = [];
  for (const p of facts.nodePools) {
    const a = assessWarmGpu(p, t);
    if (!a.warm) continue;
    const pool = costs.pools.get(`${p.cluster}/${p.nodePool}`);
    const idle = pool?.idleCost ?? 0;
    const monthly = idle * costs.monthly;
    if (monthly < t.minMonthlySavings) continue;
    const families = new Map<string, { runs: number; gpuHours: number }>();
    for (const w of facts.workloads) {
      if (w.cluster !== p.cluster) continue;
      const place = w.placement.find((x) => x.nodePool === p.nodePool);
      if (!place || place.gpuRequestHours <= 0) continue;
      const key = `${w.namespace}/${w.kind}/${runFamily(w.name)}`;
      const f = families.get(key) ?? { runs: 0, gpuHours: 0 };
      f.runs += 1;
      f.gpuHours += place.gpuRequestHours;
      families.set(key, f);
    }
    const users = [...families.entries()]
      .sort((x, y) => y[1].gpuHours - x[1].gpuHours)
      .slice(0, 4)
      .map(([k, v]) => `${k} (${v.runs > 1 ? `${v.runs} runs, ` : ''}${hoursNumber(v.gpuHours)} GPU-hours)`);
    const maxNodes = Math.max(p.nodesMax, 1);
    const f = buildFinding(
      {
        type: 'gpu-warm-idle',
        cluster: p.cluster,
        namespace: '',
        workload: `NodePool/${p.nodePool}`,
        team: plan.platformTeam,
        title: `GPU pool ${p.nodePool} in ${p.cluster} is kept warm for ${pct(a.requestedShare)} GPU use`,
        finding: `GPU node pool ${p.nodePool} kept at least ${p.nodesMin} node${p.nodesMin === 1 ? '' : 's'} up all week (${hoursNumber(a.gpuNodeHours)} GPU node-hours) for ${hoursNumber(a.gpuRequestedHours)} GPU-hours of requests: the GPUs sat idle ${pct(1 - a.requestedShare)} of the time.`,
        evidence: [
          ev(
            'Node pool',
            `${p.nodePool} (${p.capacityType}, ${p.instanceTypes.join(', ')}), ${p.nodesMin === p.nodesMax ? `${p.nodesMax} nodes all week` : `${p.nodesMin}–${p.nodesMax} nodes`}`,
          ),
          ev(
            'GPU node-hours vs GPU-requested hours',
            `${hoursNumber(a.gpuNodeHours)} GPU node-hours vs ${hoursNumber(a.gpuRequestedHours)} GPU-hours requested (${pct(a.requestedShare)})`,
          ),
          ev('Idle cost this week', money(idle, plan.currency)),
          users.length > 0
            ? ev('Work on it', users.join(', '))
            : ev('Work on it', 'no pod requested a GPU on it this week'),
        ],
        action: `${poolScalingCommand(p, { min: 0, max: maxNodes, desired: 0 })}\n# Let the pool scale to zero between runs; the cluster autoscaler starts a node when a GPU pod is pending.`,
        risk: 'The first GPU pod after an idle spell waits for a node to boot and pull its image (typically 3–10 minutes); latency-sensitive serving must not rely on this pool.',
        rollback:
          p.nodesMin === p.nodesMax
            ? poolFixedSizeCommand(p, p.nodesMax)
            : poolScalingCommand(p, { min: p.nodesMin, max: maxNodes, desired: p.nodesMin }),
        monthlySavings: monthly,
        monthlyCost: (idle + (pool?.allocatedCost ?? 0)) * costs.monthly,
        confidence: p.nodesMin === p.nodesMax ? 'high' : 'medium',
      },
      plan,
    );
    if (f) out.push(f);
  }
  return out;
}

/** True for evaluation or experiment work by its `workload_type` owner or its name (pure). */
export function isEvaluation(
  name: string,
  workloadType: string | undefined,
  t: FindingThresholds['evalPlacement'],
): boolean {
  if (workloadType && t.workloadTypes.includes(workloadType.toLowerCase())) return true;
  return new RegExp(t.namePattern, 'i').test(name);
}

/** Pod-hours share on on-demand or production pools (pure). */
export function onDemandShare(
  w: Pick<WorkloadFact, 'placement'>,
  productionPools: readonly string[],
): number {
  const total = w.placement.reduce((s, p) => s + p.podHours, 0);
  if (total <= 0) return 0;
  const od = w.placement
    .filter((p) => p.capacityType !== 'spot' || matchesAny(p.nodePool, productionPools))
    .reduce((s, p) => s + p.podHours, 0);
  return od / total;
}

export function detectEvalOnDemand(input: DetectorInput): Finding[] {
  const { facts, costs, plan } = input;
  const t = input.thresholds.evalPlacement;
  const out: Finding[] = [];
  for (const w of facts.workloads) {
    const cost = costOf(costs, w);
    if (!cost || cost.isShared) continue;
    if (!isEvaluation(w.name, cost.owners?.workload_type ?? w.labels.workload_type, t)) continue;
    const share = onDemandShare(w, t.productionPools);
    if (share < t.minShare) continue;
    const needsGpu = w.gpuRequest > 0;
    // A spot pool of the same cluster it fits on: GPUs if it needs them, not a production pool.
    const target = facts.nodePools
      .filter(
        (p) =>
          p.cluster === w.cluster &&
          p.capacityType === 'spot' &&
          !matchesAny(p.nodePool, t.productionPools) &&
          (!needsGpu || p.allocatablePerNode.gpus >= w.gpuRequest) &&
          p.allocatablePerNode.cpuCores >= w.cpuRequestCores &&
          p.allocatablePerNode.ramBytes >= w.ramRequestBytes,
      )
      .sort((a, b) => b.nodeHours - a.nodeHours)[0];
    if (!target) continue;
    const onDemandCost = Object.entries(cost.computeByPool)
      .filter(([k]) => {
        const slash = k.lastIndexOf('/');
        const pool = k.slice(0, slash);
        return k.slice(slash + 1) !== 'spot' || matchesAny(pool, t.productionPools);
      })
      .reduce((s, [, v]) => s + v, 0);
    const monthly = onDemandCost * t.spotDiscount * costs.monthly;
    if (monthly < t.minMonthlySavings) continue;
    const sel = poolSelector(target);
    const selector = sel ? `{"${sel.key}":"${sel.value}"}` : `{"<pool-label>":"${target.nodePool}"}`;
    const templatePath =
      w.kind === 'CronJob'
        ? (inner: string) => `{"spec":{"jobTemplate":{"spec":{"template":{"spec":${inner}}}}}}`
        : (inner: string) => `{"spec":{"template":{"spec":${inner}}}}`;
    const ns = sh(w.namespace);
    const kind = w.kind.toLowerCase();
    const patchable = w.kind !== 'Job' && w.kind !== 'Pod';
    const action = patchable
      ? `kubectl -n ${ns} patch ${kind} ${sh(w.name)} --type merge -p '${templatePath(`{"nodeSelector":${selector}}`)}'\n# Add a toleration too if the spot pool is tainted.`
      : `# Jobs cannot change their pod template: set nodeSelector ${selector} in the manifest that creates ${w.kind}/${w.name} before its next run.`;
    const rollback = patchable
      ? `kubectl -n ${ns} patch ${kind} ${sh(w.name)} --type merge -p '${templatePath(`{"nodeSelector":null}`)}'`
      : `Remove the nodeSelector from the manifest before the next run.`;
    const pools = w.placement
      .map((p) => `${p.nodePool} (${p.capacityType}) ${hoursNumber(p.podHours)} pod-hours`)
      .join(', ');
    const f = buildFinding(
      {
        type: 'eval-on-ondemand',
        cluster: w.cluster,
        namespace: w.namespace,
        workload: `${w.kind}/${w.name}`,
        team: cost.team,
        title: `Evaluation ${w.kind}/${w.name} runs on on-demand nodes`,
        finding: `${w.kind}/${w.name} is evaluation/experiment work and ran ${pct(share)} of its pod-hours on on-demand or production pools, while spot pool ${target.nodePool} in the same cluster fits it.`,
        evidence: [
          ev(
            'Workload type',
            cost.owners?.workload_type && cost.owners.workload_type !== 'unowned'
              ? `workload_type=${cost.owners.workload_type}`
              : `name ${w.name}`,
          ),
          ev('Node pools', pools),
          ev(
            'Spot pool that fits',
            `${target.nodePool} (${target.instanceTypes.join(', ')})${needsGpu ? `, ${target.allocatablePerNode.gpus} GPU per node` : ''}`,
          ),
          ev('On-demand compute this week', money(onDemandCost, plan.currency)),
          ev('Requests per pod', `${w.cpuRequestCores} cores${needsGpu ? `, ${w.gpuRequest} GPU` : ''}`),
          ev('Owner', cost.team !== 'unowned' ? `team ${cost.team}` : 'no team label (unowned)'),
          changeEvidence(plan.changesOf(w), []),
        ],
        action,
        risk: 'Spot nodes can be reclaimed with two minutes notice: runs must retry (backoffLimit) and resume or restart cheaply; deadline-bound evaluations may finish later.',
        rollback,
        monthlySavings: monthly,
        monthlyCost: cost.total * costs.monthly,
        confidence: 'medium',
      },
      plan,
    );
    if (f) out.push(f);
  }
  return out;
}
