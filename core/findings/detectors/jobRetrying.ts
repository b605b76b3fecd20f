/**
 * Jobs that retry endlessly: many failed attempts in the window, hardly any success, and a
 * backoffLimit high enough to keep going. The cost of the failed pods is the Job's cost in
 * proportion of failed attempts.
 */
import type { JobHistory } from '../facts.js';
import { buildFinding, changeEvidence, ev, hoursNumber, money, ownerEvidence, sh, sinceOf } from '../plan.js';
import type { FindingThresholds } from '../thresholds.js';
import type { Finding } from '../types.js';
import { costOf, type DetectorInput, placementText } from './common.js';

export interface RetryAssessment {
  retrying: boolean;
  failed: number;
  succeeded: number;
  /** Failed attempts ÷ all finished attempts in the window. */
  failedShare: number;
}

/** Judges a Job's counters over the window (pure). A Job first seen in the window starts from zero. */
export function assessRetries(
  j: JobHistory,
  t: FindingThresholds['jobRetries'],
  startedInWindow = false,
): RetryAssessment {
  const failedFirst = startedInWindow ? 0 : (j.failedFirst ?? 0);
  const succeededFirst = startedInWindow ? 0 : (j.succeededFirst ?? 0);
  const failed = Math.max(0, (j.failedLast ?? 0) - failedFirst);
  const succeeded = Math.max(0, (j.succeededLast ?? 0) - succeededFirst);
  const finished = failed + succeeded;
  const failedShare = finished > 0 ? failed / finished : 0;
  return {
    retrying: failed >= t.minFailedAttempts && 1 - failedShare <= t.maxSuccessShare,
    failed,
    succeeded,
    failedShare,
  };
}

export function detectJobRetries(input: DetectorInput): Finding[] {
  const { facts, costs, plan } = input;
  const t = input.thresholds.jobRetries;
  const out: Finding[] = [];
  for (const w of facts.workloads) {
    if (w.kind !== 'Job' || !w.job) continue;
    const startedInWindow = Date.parse(w.firstSeen) > Date.parse(facts.windowStart) + 3_600_000;
    const a = assessRetries(w.job, t, startedInWindow);
    if (!a.retrying) continue;
    const cost = costOf(costs, w);
    const weekly = (cost?.total ?? 0) * a.failedShare;
    const monthly = weekly * costs.monthly;
    if (monthly < t.minMonthlySavings) continue;
    const ns = sh(w.namespace);
    const name = sh(w.name);
    const team = cost?.team ?? '';
    const backoff = w.job.backoffLimit;
    const f = buildFinding(
      {
        type: 'job-retrying',
        cluster: w.cluster,
        namespace: w.namespace,
        workload: `Job/${w.name}`,
        team,
        title: `Job/${w.name} in ${w.namespace} keeps failing and retrying`,
        finding: `Job/${w.name} failed ${a.failed} times this week and succeeded ${a.succeeded} times${backoff !== null ? `; with backoffLimit ${backoff} it will keep retrying` : ''}. Every attempt schedules a pod that does no useful work.`,
        evidence: [
          ev(
            'Job history',
            `failed ${w.job.failedFirst ?? 0} → ${w.job.failedLast ?? 0}, succeeded ${w.job.succeededFirst ?? 0} → ${w.job.succeededLast ?? 0} over the week`,
          ),
          ev('backoffLimit', backoff === null ? 'not reported' : String(backoff)),
          ev(
            'Attempts',
            `${w.pods} pods, ${hoursNumber(w.podHours)} pod-hours, parallelism ${w.job.parallelism ?? '?'}`,
          ),
          ev(
            'Cost of failed pods',
            `${money(weekly, plan.currency)} this week (${Math.round(a.failedShare * 100)}% of attempts failed)`,
          ),
          w.images.length > 0 ? ev('Image', w.images.join(', ')) : null,
          placementText(w) ? ev('Node pool', placementText(w)) : null,
          ownerEvidence(team, cost?.owners?.owner),
          changeEvidence(plan.changesOf(w), ['image', 'parallelism']),
        ],
        action: `kubectl -n ${ns} patch job ${name} --type merge -p '{"spec":{"suspend":true}}'\nkubectl -n ${ns} logs job/${name} --tail=100   # why it fails\n# Fix the cause, then re-create the Job with a small backoffLimit (e.g. 6) and an activeDeadlineSeconds.`,
        risk: 'Suspending stops the work the Job was meant to do (it was not getting done either); a Job owned by a pipeline or operator may be re-created.',
        rollback: `kubectl -n ${ns} patch job ${name} --type merge -p '{"spec":{"suspend":false}}'`,
        monthlySavings: monthly,
        monthlyCost: (cost?.total ?? 0) * costs.monthly,
        confidence: a.succeeded === 0 ? 'high' : 'medium',
        since:
          sinceOf(plan.changesOf(w), ['image', 'parallelism']) ??
          (startedInWindow ? `${w.firstSeen}: Job started` : undefined),
      },
      plan,
    );
    if (f) out.push(f);
  }
  return out;
}
