import { describe, expect, it } from 'vitest';
import { cronCadence, scheduleEvery } from '../../core/findings/cron.js';
import { assessCron, detectCronJobs } from '../../core/findings/detectors/cronJobs.js';
import type { CronHistory } from '../../core/findings/facts.js';
import { DEFAULT_THRESHOLDS } from '../../core/findings/thresholds.js';
import { detectorInput, expectComplete, MONTHLY, workloadCost, workloadFact } from './helpers.js';

const T = DEFAULT_THRESHOLDS.cronJobs;

describe('cronCadence', () => {
  it.each([
    { schedule: '*/10 * * * *', runs: 1008, gap: 10 },
    { schedule: '0 */6 * * *', runs: 28, gap: 360 },
    { schedule: '15 * * * *', runs: 168, gap: 60 },
    { schedule: '0 2 * * *', runs: 7, gap: 1440 },
    { schedule: '@hourly', runs: 168, gap: 60 },
    { schedule: 'CRON_TZ=Europe/Paris 0 9 * * mon-fri', runs: 5, gap: 1440 },
    { schedule: '0,5 * * * *', runs: 336, gap: 5 },
    { schedule: '0 0 * * 0', runs: 1, gap: 10080 },
    { schedule: '0 0 1 * *', runs: 0.25, gap: null },
  ])('"$schedule" runs $runs times a week, at least $gap minutes apart', ({ schedule, runs, gap }) => {
    expect(cronCadence(schedule)).toEqual({ runsPerWeek: runs, minIntervalMinutes: gap });
  });

  it.each(['* * * *', '0 0 L * *', '61 * * * *', 'nonsense'])('does not understand "%s"', (s) => {
    expect(cronCadence(s)).toBeNull();
  });

  it.each([
    { minutes: 14, schedule: '*/15 * * * *' },
    { minutes: 30, schedule: '*/30 * * * *' },
    { minutes: 31, schedule: '0 */1 * * *' },
    { minutes: 361, schedule: '0 */8 * * *' },
    { minutes: 2000, schedule: '0 0 * * *' },
  ])('plans $minutes minutes as "$schedule"', ({ minutes, schedule }) => {
    expect(scheduleEvery(minutes).schedule).toBe(schedule);
  });
});

const history = (p: Partial<CronHistory> = {}): CronHistory => ({
  schedule: '0 * * * *',
  suspend: false,
  parallelism: 1,
  runs: 168,
  maxConcurrentRuns: 1,
  podHoursPerRun: 0.5,
  avgRunMinutes: 30,
  maxRunMinutes: 30,
  ...p,
});

describe('assessCron', () => {
  it.each([
    {
      name: 'every 14 minutes',
      h: history({ schedule: '*/14 * * * *', maxRunMinutes: 5 }),
      tooOften: true,
      overlapping: false,
    },
    {
      name: 'every 15 minutes',
      h: history({ schedule: '*/15 * * * *', maxRunMinutes: 5 }),
      tooOften: false,
      overlapping: false,
    },
    { name: 'two runs at once', h: history({ maxConcurrentRuns: 2 }), tooOften: false, overlapping: true },
    { name: 'one run at a time', h: history({ maxConcurrentRuns: 1 }), tooOften: false, overlapping: false },
  ])('$name → too often: $tooOften, overlapping: $overlapping', ({ h, tooOften, overlapping }) => {
    const a = assessCron(h, T);
    expect(a.tooOften).toBe(tooOften);
    expect(a.overlapping).toBe(overlapping);
  });

  it('recommends an interval no shorter than the longest run', () => {
    const a = assessCron(history({ schedule: '*/10 * * * *', maxRunMinutes: 30, maxConcurrentRuns: 3 }), T);
    expect(a.recommended).toEqual({ minutes: 30, schedule: '*/30 * * * *', runsPerWeek: 336 });
  });
});

describe('detectCronJobs', () => {
  const cron = workloadFact({
    kind: 'CronJob',
    name: 'backfill',
    cron: history({
      schedule: '*/10 * * * *',
      runs: 1008,
      maxConcurrentRuns: 3,
      maxRunMinutes: 30,
      avgRunMinutes: 30,
    }),
  });

  it('plans a slower schedule with concurrency forbidden, saving the runs it drops', () => {
    const cost = workloadCost({ kind: 'CronJob', name: 'backfill', cpuCost: 90, ramCost: 10.8 });
    const changes = [
      {
        cluster: 'c1',
        namespace: 'shop',
        kind: 'CronJob',
        name: 'backfill',
        field: 'schedule' as const,
        before: '0 */6 * * *',
        after: '*/10 * * * *',
        ts: '2026-11-17T09:00:00Z',
      },
    ];
    const [f] = detectCronJobs(
      detectorInput({ facts: { workloads: [cron] }, costs: { workloads: [cost] }, changes }),
    );
    expect(f).toBeDefined();
    if (!f) return;
    expectComplete(f);
    expect(f.action).toContain(
      `patch cronjob backfill --type merge -p '{"spec":{"schedule":"*/30 * * * *","concurrencyPolicy":"Forbid"}}'`,
    );
    expect(f.since).toContain('schedule changed from "0 */6 * * *" to "*/10 * * * *"');
    // 100.8 over 1008 runs = 0.1 per run; 1008 − 336 runs a week dropped.
    expect(f.monthlySavings).toBeCloseTo(0.1 * 672 * MONTHLY, 1);
    expect(f.confidence).toBe('high');
  });

  it.each([
    {
      name: 'a suspended CronJob',
      w: { ...cron, cron: history({ ...cron.cron, suspend: true }) },
      fires: false,
    },
    {
      name: 'a CronJob without runs',
      w: { ...cron, cron: history({ ...cron.cron, runs: 0 }) },
      fires: false,
    },
    { name: 'an hourly CronJob', w: { ...cron, cron: history() }, fires: false },
  ])('$name → fires: $fires', ({ w, fires }) => {
    const cost = workloadCost({ kind: 'CronJob', name: 'backfill' });
    expect(
      detectCronJobs(detectorInput({ facts: { workloads: [w] }, costs: { workloads: [cost] } })).length,
    ).toBe(fires ? 1 : 0);
  });
});
