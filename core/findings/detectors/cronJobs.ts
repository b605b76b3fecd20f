/**
 * CronJobs that run too often or overlap, and their cost per run. A schedule that fires more
 * often than the minimum interval, or runs that overlap (more Jobs alive at once than allowed),
 * is planned down to an interval that is at least the longest run, with concurrency forbidden.
 */

import { cronCadence, scheduleEvery } from '../cron.js';
import type { CronHistory } from '../facts.js';
import { buildFinding, ev, hoursNumber, money, ownerEvidence, rate, sh, sinceOf } from '../plan.js';
import type { FindingThresholds } from '../thresholds.js';
import type { Finding } from '../types.js';
import { costOf, type DetectorInput, placementText } from './common.js';

export interface CronAssessment {
  tooOften: boolean;
  overlapping: boolean;
  /** Minutes between runs of the current schedule (null when unparsable or rarer than 4 weeks). */
  intervalMinutes: number | null;
  currentRunsPerWeek: number | null;
  recommended: { minutes: number; schedule: string; runsPerWeek: number };
}

/** Judges a CronJob's cadence against its runs (pure). */
export function assessCron(
  c: Pick<CronHistory, 'schedule' | 'maxConcurrentRuns' | 'maxRunMinutes' | 'runs'>,
  t: FindingThresholds['cronJobs'],
): CronAssessment {
  const cadence = c.schedule ? cronCadence(c.schedule) : null;
  const interval = cadence?.minIntervalMinutes ?? null;
  const tooOften = interval !== null && interval < t.minIntervalMinutes;
  const overlapping = c.runs > 0 && c.maxConcurrentRuns > t.maxConcurrentRuns;
  const rec = scheduleEvery(Math.max(t.minIntervalMinutes, Math.ceil(c.maxRunMinutes), interval ?? 0));
  const recCadence = cronCadence(rec.schedule);
  return {
    tooOften,
    overlapping,
    intervalMinutes: interval,
    currentRunsPerWeek: cadence?.runsPerWeek ?? null,
    recommended: { ...rec, runsPerWeek: recCadence?.runsPerWeek ?? 0 },
  };
}

export function detectCronJobs(input: DetectorInput): Finding[] {
  const { facts, costs, plan } = input;
  const t = input.thresholds.cronJobs;
  const out: Finding[] = [];
  for (const w of facts.workloads) {
    const c = w.cron;
    if (w.kind !== 'CronJob' || !c || c.suspend === true || c.runs === 0) continue;
    const a = assessCron(c, t);
    if (!a.tooOften && !a.overlapping) continue;
    const cost = costOf(costs, w);
    if (!cost) continue;
    const weeks = costs.windowHours / 168;
    const costPerRun = cost.total / c.runs;
    // Runs the current schedule makes per week against the recommended one, at this week's cost per run.
    const currentPerWeek = a.currentRunsPerWeek ?? c.runs / weeks;
    const savedPerWeek = Math.max(0, currentPerWeek - a.recommended.runsPerWeek);
    const monthly = costPerRun * savedPerWeek * (costs.monthly * weeks);
    if (monthly < t.minMonthlySavings) continue;
    const ns = sh(w.namespace);
    const name = sh(w.name);
    const changes = plan.changesOf(w);
    const schedChange = [...changes].reverse().find((x) => x.field === 'schedule');
    const previousSchedule = schedChange?.before ?? c.schedule ?? '';
    const why = [
      a.tooOften ? `fires every ${a.intervalMinutes} minutes` : null,
      a.overlapping
        ? `up to ${c.maxConcurrentRuns} runs at once (each runs about ${Math.round(c.avgRunMinutes)} minutes)`
        : null,
    ]
      .filter(Boolean)
      .join(' and ');
    const f = buildFinding(
      {
        type: 'cronjob-too-often',
        cluster: w.cluster,
        namespace: w.namespace,
        workload: `CronJob/${w.name}`,
        team: cost.team,
        title: `CronJob/${w.name} in ${w.namespace} ${a.overlapping ? 'overlaps its own runs' : 'runs too often'}`,
        finding: `CronJob/${w.name} (schedule "${c.schedule ?? '?'}") ${why}; it ran ${c.runs} times this week at ${rate(costPerRun, plan.currency)} per run.`,
        evidence: [
          ev(
            'Schedule',
            `"${c.schedule ?? '?'}"${a.intervalMinutes !== null ? `: every ${a.intervalMinutes} min, ${a.currentRunsPerWeek ?? '?'} runs per week` : ''}`,
          ),
          ev(
            'Runs this week',
            `${c.runs} runs, ${hoursNumber(c.podHoursPerRun)} pod-hours and ${rate(costPerRun, plan.currency)} per run, ${money(cost.total, plan.currency)} in total`,
          ),
          ev(
            'Run length',
            `${Math.round(c.avgRunMinutes)} min on average, ${Math.round(c.maxRunMinutes)} min at most`,
          ),
          ev(
            'Concurrent runs',
            `up to ${c.maxConcurrentRuns} at once (parallelism ${c.parallelism ?? '?'} pods per run)`,
          ),
          placementText(w) ? ev('Node pool', placementText(w)) : null,
          ownerEvidence(cost.team, cost.owners?.owner),
          schedChange
            ? ev(
                'Change that started it',
                `schedule "${schedChange.before}" → "${schedChange.after}" at ${schedChange.ts}`,
              )
            : null,
        ],
        action: `kubectl -n ${ns} patch cronjob ${name} --type merge -p '{"spec":{"schedule":"${a.recommended.schedule}","concurrencyPolicy":"Forbid"}}'\n# Every ${a.recommended.minutes} min (no shorter than the longest run, ${Math.round(c.maxRunMinutes)} min); Forbid skips a run while the previous one is still going.`,
        risk: `Data refreshed by this job gets up to ${a.recommended.minutes} minutes older between runs; consumers that expect fresher data must agree. With Forbid, a run that hangs blocks the next ones (set activeDeadlineSeconds).`,
        rollback: `kubectl -n ${ns} patch cronjob ${name} --type merge -p '{"spec":{"schedule":"${(schedChange ? c.schedule : previousSchedule) ?? ''}","concurrencyPolicy":"Allow"}}'${schedChange ? `\n# the schedule before this week's change was "${schedChange.before}"` : ''}`,
        monthlySavings: monthly,
        monthlyCost: cost.total * costs.monthly,
        confidence: a.overlapping ? 'high' : 'medium',
        since: schedChange
          ? sinceOf([schedChange], ['schedule'])
          : sinceOf(changes, ['parallelism', 'image']),
      },
      plan,
    );
    if (f) out.push(f);
  }
  return out;
}
