/**
 * The ground truth of a simulation (`truth.json`): the organisation's clusters and teams, the
 * planted week-over-week causes, the planted waste, the workloads known to be clean, and the
 * billed totals per cluster and week, so later features can be tested against it.
 */
import type { SimBillingLine } from './billing.js';
import type { HealthyWorkload, Organisation, PlantedCause, PlantedWaste, Scale } from './org.js';
import type { ClusterPlan } from './plan.js';
import { isoSeconds, SAMPLES_PER_HOUR, SAMPLES_PER_WEEK, type SimWindow } from './time.js';
import type { Provider } from './types.js';

export interface BilledTotal {
  cluster: string;
  /** ISO week label, e.g. `2026-W47`. */
  week: string;
  billedCost: number;
  effectiveCost: number;
  listCost: number;
  lines: number;
}

export interface Truth {
  schema: 'ownercost-sim-truth/v1';
  seed: number;
  scale: Scale;
  window: { start: string; end: string; weeks: string[] };
  currency: 'USD';
  clusters: {
    name: string;
    provider: Provider;
    region: string;
    zones: string[];
    account: string;
    clusterTag: { key: string; value: string };
    nodePools: {
      name: string;
      instanceType: string;
      capacityType: string;
      min: number;
      max: number;
      autoscale: boolean;
    }[];
  }[];
  teams: string[];
  causes: PlantedCause[];
  waste: PlantedWaste[];
  healthy: HealthyWorkload[];
  billed: BilledTotal[];
}

/** Billed totals per cluster and ISO week, summed from the lines. */
export function billedTotals(lines: readonly SimBillingLine[], window: SimWindow): BilledTotal[] {
  const hoursPerWeek = SAMPLES_PER_WEEK / SAMPLES_PER_HOUR;
  const map = new Map<string, BilledTotal>();
  for (const l of lines) {
    const w = Math.floor(l.hour / hoursPerWeek);
    const week = window.weekLabels[w] ?? `week-${w}`;
    const key = `${l.cluster}\u0000${week}`;
    let t = map.get(key);
    if (!t) {
      t = { cluster: l.cluster, week, billedCost: 0, effectiveCost: 0, listCost: 0, lines: 0 };
      map.set(key, t);
    }
    t.billedCost += l.line.BilledCost;
    t.effectiveCost += l.line.EffectiveCost;
    t.listCost += l.line.ListCost;
    t.lines++;
  }
  return [...map.values()]
    .map((t) => ({
      ...t,
      billedCost: round6(t.billedCost),
      effectiveCost: round6(t.effectiveCost),
      listCost: round6(t.listCost),
    }))
    .sort((a, b) => a.cluster.localeCompare(b.cluster) || a.week.localeCompare(b.week));
}

/** Assembles the truth document, filling in ids that only exist once the plan is built. */
export function buildTruth(
  org: Organisation,
  plans: ClusterPlan[],
  window: SimWindow,
  seed: number,
  scale: Scale,
  billed: BilledTotal[],
): Truth {
  const causes = org.causes.map((cause) => {
    if (cause.kind !== 'new-preview-env') return cause;
    const plan = plans.find((p) => p.spec.name === cause.cluster);
    const resourceIds = [
      ...(plan?.services ?? [])
        .filter((s) => s.namespace === cause.namespace && s.resourceId)
        .map((s) => s.resourceId as string),
      ...(plan?.volumes ?? []).filter((v) => v.claim?.namespace === cause.namespace).map((v) => v.resourceId),
    ];
    return { ...cause, evidence: { ...cause.evidence, resourceIds } };
  });
  const waste: PlantedWaste[] = [...org.waste];
  for (const plan of plans) {
    for (const v of plan.volumes) {
      if (v.claim) continue;
      waste.push({
        type: 'orphan-volume',
        cluster: plan.spec.name,
        namespace: '',
        workload: v.pvName,
        scope: 'volume',
        detail: `Released ${v.storageClass} volume ${v.volumeHandle} (${v.sizeGiB} GiB) with no claim`,
      });
    }
  }
  return {
    schema: 'ownercost-sim-truth/v1',
    seed,
    scale,
    window: { start: isoSeconds(window.startMs), end: isoSeconds(window.endMs), weeks: window.weekLabels },
    currency: 'USD',
    clusters: plans.map((p) => ({
      name: p.spec.name,
      provider: p.spec.provider,
      region: p.spec.region,
      zones: p.spec.zones,
      account: p.spec.account,
      clusterTag: {
        key: p.spec.provider === 'aws' ? 'aws:eks:cluster-name' : 'goog-k8s-cluster-name',
        value: p.spec.name,
      },
      nodePools: p.spec.pools.map((pool) => ({
        name: pool.name,
        instanceType: pool.instanceType,
        capacityType: pool.capacityType,
        min: pool.min,
        max: pool.max,
        autoscale: pool.autoscale,
      })),
    })),
    teams: org.teams,
    causes,
    waste,
    healthy: org.healthy,
    billed,
  };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
