/**
 * Just enough of cron to judge a CronJob's schedule: how often it fires and the shortest gap
 * between two runs. Standard five fields (minute hour day-of-month month day-of-week) with `*`,
 * lists, ranges, steps and names, the `@hourly`-style macros, and a leading `CRON_TZ=`/`TZ=`
 * (ignored: a time zone shifts runs, it does not change how often they happen). Anything else
 * (`L`, `W`, `#`) is not understood and yields null.
 */

export interface CronCadence {
  /** Runs in an average week (over four calendar weeks). */
  runsPerWeek: number;
  /** Shortest time between two consecutive runs, minutes; null when it fires at most once in four weeks. */
  minIntervalMinutes: number | null;
}

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface Field {
  values: Set<number>;
  /** The field was `*` or `?` (matters for the day-of-month / day-of-week OR rule). */
  any: boolean;
}

function parseValue(text: string, names: readonly string[] | null, offset: number): number | null {
  if (/^\d+$/.test(text)) return Number(text);
  const i = names ? names.indexOf(text.toLowerCase()) : -1;
  return i >= 0 ? i + offset : null;
}

function parseField(
  text: string,
  min: number,
  max: number,
  names: readonly string[] | null = null,
  nameOffset = 0,
): Field | null {
  if (text === '*' || text === '?') return { values: range(min, max, 1), any: true };
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(part);
    if (!m) return null;
    const [, body = '', stepText] = m;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) return null;
    let lo: number | null;
    let hi: number | null;
    if (body === '*') {
      lo = min;
      hi = max;
    } else if (body.includes('-')) {
      const [a = '', b = ''] = body.split('-');
      lo = parseValue(a, names, nameOffset);
      hi = parseValue(b, names, nameOffset);
    } else {
      lo = parseValue(body, names, nameOffset);
      hi = stepText === undefined ? lo : max;
    }
    if (lo === null || hi === null || lo < min || hi > max || lo > hi) return null;
    for (const v of range(lo, hi, step)) values.add(v);
  }
  return { values, any: false };
}

function range(lo: number, hi: number, step: number): Set<number> {
  const s = new Set<number>();
  for (let v = lo; v <= hi; v += step) s.add(v);
  return s;
}

/** The cadence of a schedule, or null when it cannot be parsed. */
export function cronCadence(schedule: string): CronCadence | null {
  let text = schedule.trim().replace(/^(CRON_TZ|TZ)=\S+\s+/, '');
  text = MACROS[text.toLowerCase()] ?? text;
  const parts = text.split(/\s+/);
  if (parts.length !== 5) return null;
  const [mi = '', ho = '', dm = '', mo = '', dw = ''] = parts;
  const minute = parseField(mi, 0, 59);
  const hour = parseField(ho, 0, 23);
  const dom = parseField(dm, 1, 31);
  const month = parseField(mo, 1, 12, MONTHS, 1);
  // Day-of-week 7 is Sunday too.
  const dowRaw = parseField(dw, 0, 7, DAYS, 0);
  if (!minute || !hour || !dom || !month || !dowRaw) return null;
  const dow: Field = {
    any: dowRaw.any,
    values: new Set([...dowRaw.values].map((d) => (d === 7 ? 0 : d))),
  };
  // Four calendar weeks from a Monday (2024-01-01), minute by minute over the matching days.
  const start = Date.UTC(2024, 0, 1);
  const fires: number[] = [];
  for (let day = 0; day < 28; day++) {
    const d = new Date(start + day * 86_400_000);
    if (!month.values.has(d.getUTCMonth() + 1)) continue;
    const domOk = dom.values.has(d.getUTCDate());
    const dowOk = dow.values.has(d.getUTCDay());
    // Cron's rule: when both day fields are restricted, either one matching is enough.
    const dayOk = dom.any || dow.any ? domOk && dowOk : domOk || dowOk;
    if (!dayOk) continue;
    for (const h of [...hour.values].sort((a, b) => a - b)) {
      for (const m of [...minute.values].sort((a, b) => a - b)) fires.push(day * 1440 + h * 60 + m);
    }
  }
  let minGap: number | null = null;
  for (let i = 1; i < fires.length; i++) {
    const gap = (fires[i] ?? 0) - (fires[i - 1] ?? 0);
    if (minGap === null || gap < minGap) minGap = gap;
  }
  // The gap across the end of the four weeks, for schedules that fire once a week or so.
  const first = fires[0];
  const last = fires[fires.length - 1];
  if (fires.length > 1 && first !== undefined && last !== undefined) {
    const wrap = first + 28 * 1440 - last;
    if (minGap === null || wrap < minGap) minGap = wrap;
  }
  return { runsPerWeek: fires.length / 4, minIntervalMinutes: minGap };
}

const NICE_INTERVALS = [5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440];

/** The shortest common interval (minutes) at or above `minutes`, and a schedule that fires at it. */
export function scheduleEvery(minutes: number): { minutes: number; schedule: string } {
  const m = NICE_INTERVALS.find((n) => n >= minutes) ?? 1440;
  if (m < 60) return { minutes: m, schedule: `*/${m} * * * *` };
  if (m < 1440) return { minutes: m, schedule: `0 */${m / 60} * * *` };
  return { minutes: m, schedule: '0 0 * * *' };
}
