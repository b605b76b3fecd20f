/** What every detector receives, and small helpers they share. */
import picomatch from 'picomatch/posix.js';
import type { Labels } from '../../allocation/types.js';
import type { CostIndex, WorkloadCost } from '../costs.js';
import { type NamespaceFact, type WorkloadFact, type WorkloadFacts, workloadKey } from '../facts.js';
import type { PlanContext } from '../plan.js';
import type { FindingThresholds } from '../thresholds.js';
import type { Finding } from '../types.js';

export interface DetectorInput {
  facts: WorkloadFacts;
  costs: CostIndex;
  thresholds: FindingThresholds;
  plan: PlanContext;
}

export type Detector = (input: DetectorInput) => Finding[];

/** The ledger's cost of a workload fact, if the ledger has it. */
export function costOf(costs: CostIndex, w: WorkloadFact): WorkloadCost | undefined {
  return costs.workloads.get(workloadKey(w));
}

const globCache = new Map<string, (s: string) => boolean>();

/** True when `value` matches one of the globs (`*` any characters, case-sensitive). */
export function matchesAny(value: string, globs: readonly string[]): boolean {
  return globs.some((g) => {
    let m = globCache.get(g);
    if (!m) {
      m = picomatch(g, { dot: true });
      globCache.set(g, m);
    }
    return m(value);
  });
}

/**
 * An autoscaled workload (the snapshot contract has no HPA object): a Deployment or StatefulSet
 * whose desired replicas changed during the window, or a controller carrying one of the
 * configured labels with any value but "false".
 */
export function isAutoscaled(w: WorkloadFact, labels: readonly string[]): boolean {
  for (const key of labels) {
    const v = w.labels[key];
    if (v !== undefined && v.toLowerCase() !== 'false') return true;
  }
  return (
    (w.kind === 'Deployment' || w.kind === 'StatefulSet') &&
    w.replicas !== null &&
    w.replicas.min !== w.replicas.max
  );
}

/** A namespace's environment from its labels (first configured key present), lowercased. */
export function envOf(labels: Labels | undefined, keys: readonly string[]): string | null {
  if (!labels) return null;
  for (const k of keys) {
    const v = labels[k];
    if (v) return v.toLowerCase();
  }
  return null;
}

export function namespaceIndex(facts: WorkloadFacts): Map<string, NamespaceFact> {
  return new Map(facts.namespaces.map((n) => [`${n.cluster}/${n.name}`, n]));
}

/** `general (on-demand) 100%` style summary of where a workload ran. */
export function placementText(w: WorkloadFact): string {
  const total = w.placement.reduce((s, p) => s + p.podHours, 0);
  if (total <= 0) return '';
  return [...w.placement]
    .sort((a, b) => b.podHours - a.podHours)
    .slice(0, 3)
    .map(
      (p) =>
        `${p.nodePool || '(no pool label)'} (${p.capacityType || 'unknown'}) ${Math.round((100 * p.podHours) / total)}%`,
    )
    .join(', ');
}

/** Window length in days. */
export function windowDays(facts: WorkloadFacts): number {
  return (Date.parse(facts.windowEnd) - Date.parse(facts.windowStart)) / 86_400_000;
}

/** True when the workload was seen from (about) the start to the end of the window. */
export function seenAllWindow(w: WorkloadFact, facts: WorkloadFacts, slackMs = 3_600_000): boolean {
  return (
    Date.parse(w.firstSeen) <= Date.parse(facts.windowStart) + slackMs &&
    Date.parse(w.lastSeen) >= Date.parse(facts.windowEnd) - slackMs
  );
}

/** Provider of a cloud from a provider id or volume handle. */
export function providerOf(id: string): 'aws' | 'gcp' | 'azure' | null {
  if (/^aws:\/\//.test(id) || /^vol-[0-9a-f]+$/.test(id) || /^arn:aws/.test(id)) return 'aws';
  if (/^gce:\/\//.test(id) || /^projects\//.test(id)) return 'gcp';
  if (/^azure:\/\//.test(id) || /^\/subscriptions\//i.test(id)) return 'azure';
  return null;
}
