/**
 * Old preview environments: namespaces named like previews (or labelled `env: preview`) that are
 * older than N days and had no workload change in N days. When the loaded history is shorter than
 * N days and shows no change at all, the finding is kept at medium confidence and says how many
 * days were actually observed.
 */
import type { NamespaceFact } from '../facts.js';
import { buildFinding, ev, money, sh } from '../plan.js';
import type { FindingThresholds } from '../thresholds.js';
import type { Finding } from '../types.js';
import { type DetectorInput, matchesAny } from './common.js';

const DAY_MS = 86_400_000;

export interface PreviewAssessment {
  preview: boolean;
  ageDays: number;
  /** Days without a change, as far as the loaded history shows. */
  quietDays: number;
  /** True when the quiet period is proven; false when it only covers the loaded history. */
  quietProven: boolean;
  old: boolean;
}

/** Judges one namespace at `windowEnd` (pure). */
export function assessPreview(
  n: Pick<NamespaceFact, 'name' | 'labels' | 'createdAt' | 'lastChangeAt' | 'observedSince'>,
  windowEnd: string,
  t: FindingThresholds['previewEnvironments'],
): PreviewAssessment {
  const end = Date.parse(windowEnd);
  const labelled = Object.entries(t.labels).some(([k, v]) => n.labels[k] === v);
  const preview = labelled || matchesAny(n.name, t.namespacePatterns);
  const ageDays = (end - Date.parse(n.createdAt)) / DAY_MS;
  const since = n.lastChangeAt ?? n.observedSince;
  const quietDays = Math.max(0, (end - Date.parse(since)) / DAY_MS);
  // No change seen and nothing before the loaded history: quiet at least since the namespace was
  // observed, and at most since it was created.
  const quietProven = n.lastChangeAt !== null || Date.parse(n.observedSince) <= Date.parse(n.createdAt);
  const old = preview && ageDays >= t.maxAgeDays && (quietDays >= t.quietDays || !quietProven);
  return { preview, ageDays, quietDays, quietProven, old };
}

const NOTABLE_ANNOTATION = /pull|(^|[./-])pr([./-]|$)|branch|review|commit|ticket/i;

export function detectOldPreviewEnvironments(input: DetectorInput): Finding[] {
  const { facts, costs, plan } = input;
  const t = input.thresholds.previewEnvironments;
  const out: Finding[] = [];
  for (const n of facts.namespaces) {
    const a = assessPreview(n, facts.windowEnd, t);
    if (!a.old) continue;
    const nsCost = costs.namespaces.get(`${n.cluster}/${n.name}`);
    const weekly = nsCost?.total ?? 0;
    const monthly = weekly * costs.monthly;
    if (monthly < t.minMonthlyCost) continue;
    const workloads = [...costs.workloads.values()]
      .filter((w) => w.cluster === n.cluster && w.namespace === n.name)
      .sort((x, y) => y.total - x.total);
    const notes = Object.entries(n.annotations).filter(([k]) => NOTABLE_ANNOTATION.test(k));
    const quiet = a.quietProven
      ? `no workload change for ${Math.floor(a.quietDays)} days`
      : `no workload change in the ${Math.floor(a.quietDays)} days observed`;
    const f = buildFinding(
      {
        type: 'old-preview-env',
        cluster: n.cluster,
        namespace: n.name,
        workload: `Namespace/${n.name}`,
        team: nsCost?.team ?? '',
        title: `Preview environment ${n.name} is ${Math.floor(a.ageDays)} days old and unused`,
        finding: `Namespace ${n.name} looks like a preview environment, was created ${Math.floor(a.ageDays)} days ago and shows ${quiet}; it still costs ${money(monthly, plan.currency)} a month.`,
        evidence: [
          ev(
            'Namespace',
            `created ${n.createdAt} (${Math.floor(a.ageDays)} days before the end of the week)`,
          ),
          ev(
            'Last change',
            n.lastChangeAt
              ? `${n.lastChangeAt} (${Math.floor(a.quietDays)} days ago)`
              : `none since ${n.observedSince}, the start of the loaded history`,
          ),
          ev(
            'Why it counts as a preview',
            Object.entries(t.labels).some(([k, v]) => n.labels[k] === v)
              ? `label ${Object.entries(t.labels)
                  .filter(([k, v]) => n.labels[k] === v)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(', ')}`
              : `name matches ${t.namespacePatterns.join(' or ')}`,
          ),
          notes.length > 0 ? ev('Annotations', notes.map(([k, v]) => `${k}=${v}`).join(', ')) : null,
          ev(
            'Workloads',
            workloads.length > 0
              ? workloads
                  .slice(0, 6)
                  .map((w) => `${w.kind}/${w.name} ${money(w.total, plan.currency)}`)
                  .join(', ')
              : `${n.workloads} workloads`,
          ),
          ev('Cost this week', money(weekly, plan.currency)),
          ev(
            'Owner',
            nsCost?.team && nsCost.team !== 'unowned' ? `team ${nsCost.team}` : 'no team label (unowned)',
          ),
        ],
        action: `kubectl delete namespace ${sh(n.name)}\n# First check the pull request or branch behind it is closed; snapshot any volume worth keeping.`,
        risk: 'Deleting the namespace deletes its volumes (with reclaimPolicy Delete) and load balancers for good; a reviewer still using the environment loses it.',
        rollback: `Re-deploy the environment from its pipeline (re-run the preview job for the pull request); restore data from the snapshots taken before deleting.`,
        monthlySavings: monthly,
        monthlyCost: monthly,
        confidence: a.quietProven ? 'high' : 'medium',
        since: `${n.createdAt}: namespace created`,
        workloads: workloads.map((w) => `${w.kind}/${w.name}`),
      },
      plan,
    );
    if (f) out.push(f);
  }
  return out;
}
