/**
 * Unowned cost: workloads whose team resolved to nothing (no label on pod, controller or
 * namespace, no owners rule), grouped by namespace and addressed to the platform team. It saves
 * nothing by itself; it makes the cost someone's. Shared namespaces are the platform's already.
 */
import { UNOWNED } from '../../owners/resolve.js';
import type { WorkloadCost } from '../costs.js';
import { buildFinding, ev, money, sh } from '../plan.js';
import type { Finding } from '../types.js';
import type { DetectorInput } from './common.js';

/** Unowned, non-shared workloads by `cluster/namespace` (pure). */
export function unownedByNamespace(workloads: Iterable<WorkloadCost>): Map<string, WorkloadCost[]> {
  const out = new Map<string, WorkloadCost[]>();
  for (const w of workloads) {
    if (w.isShared || w.team !== UNOWNED) continue;
    const key = `${w.cluster}/${w.namespace}`;
    const list = out.get(key);
    if (list) list.push(w);
    else out.set(key, [w]);
  }
  return out;
}

export function detectUnowned(input: DetectorInput): Finding[] {
  const { facts, costs, plan } = input;
  const t = input.thresholds.unowned;
  const out: Finding[] = [];
  const teamKeys = plan.teamLabelKeys;
  for (const list of unownedByNamespace(costs.workloads.values()).values()) {
    const first = list[0];
    if (!first) continue;
    list.sort((a, b) => b.total - a.total || a.name.localeCompare(b.name));
    const weekly = list.reduce((s, w) => s + w.total, 0);
    const monthly = weekly * costs.monthly;
    if (monthly < t.minMonthlyCost) continue;
    const ns = first.namespace;
    const nsFact = facts.namespaces.find((n) => n.cluster === first.cluster && n.name === ns);
    const nsLabels = nsFact ? Object.keys(nsFact.labels).filter((k) => !k.startsWith('kubernetes.io/')) : [];
    const f = buildFinding(
      {
        type: 'unowned',
        cluster: first.cluster,
        namespace: ns,
        workload: `Namespace/${ns}`,
        team: plan.platformTeam,
        title: `${money(monthly, plan.currency)}/month in namespace ${ns} has no owner`,
        finding: `${list.length} workload${list.length === 1 ? '' : 's'} in namespace ${ns} of ${first.cluster} ${list.length === 1 ? 'carries' : 'carry'} no team label on the pod, the controller or the namespace, and no owners rule matches: nobody sees ${money(weekly, plan.currency)} a week.`,
        evidence: [
          ...list
            .slice(0, 8)
            .map((w) =>
              ev(
                `${w.kind}/${w.name}`,
                `${money(w.total, plan.currency)} this week, ${w.pods} pod${w.pods === 1 ? '' : 's'}`,
              ),
            ),
          ev(
            'Owner labels checked',
            `${teamKeys.join(', ')} on pods, controllers and namespace ${ns}${nsLabels.length > 0 ? ` (namespace labels: ${nsLabels.join(', ')})` : ' (the namespace has no labels)'}`,
          ),
        ],
        action: `kubectl label namespace ${sh(ns)} team=<owning-team>\n# or map it in ownercost.yaml: owners.namespaces: [{ match: "${ns}", team: <owning-team> }]\n# If nobody claims it within two weeks: kubectl -n ${sh(ns)} scale ${
          list
            .filter((w) => w.kind === 'Deployment' || w.kind === 'StatefulSet')
            .map((w) => `${w.kind.toLowerCase()}/${w.name}`)
            .join(' ') || '<workload>'
        } --replicas=0`,
        risk: 'Labelling moves the cost to the team named; get its agreement first. Scaling down an unclaimed workload breaks whoever still uses it.',
        rollback: `kubectl label namespace ${sh(ns)} team-`,
        monthlySavings: 0,
        monthlyCost: monthly,
        confidence: 'high',
        workloads: list.map((w) => `${w.kind}/${w.name}`),
      },
      plan,
    );
    if (f) out.push(f);
  }
  return out;
}
