/** Time windows: half-open [start, end), UTC; ISO weeks run Monday 00:00 to Monday 00:00. */
import { UsageError } from '../schema/errors.js';

const DAY_MS = 86_400_000;

export interface Window {
  start: string;
  end: string;
}

/** Parses `2026-W47` into its window. */
export function isoWeekWindow(week: string): Window {
  const m = /^(\d{4})-W(\d{2})$/.exec(week);
  if (!m) throw new UsageError(`week: "${week}" is not an ISO week such as 2026-W47`);
  const year = Number(m[1]);
  const w = Number(m[2]);
  // ISO week 1 contains January 4th.
  const jan4 = Date.UTC(year, 0, 4);
  const jan4Dow = (new Date(jan4).getUTCDay() + 6) % 7; // Monday = 0
  const week1Monday = jan4 - jan4Dow * DAY_MS;
  const start = week1Monday + (w - 1) * 7 * DAY_MS;
  if (w < 1 || w > 53 || isoWeekOf(start) !== week) throw new UsageError(`week: ${week} does not exist`);
  return { start: new Date(start).toISOString(), end: new Date(start + 7 * DAY_MS).toISOString() };
}

/** The ISO week (`2026-W47`) that contains the instant `ms`. */
export function isoWeekOf(ms: number): string {
  const d = new Date(ms);
  const dow = (d.getUTCDay() + 6) % 7;
  const thursday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - dow * DAY_MS + 3 * DAY_MS;
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The week before `week`. */
export function previousIsoWeek(week: string): string {
  return isoWeekOf(Date.parse(isoWeekWindow(week).start) - DAY_MS);
}

/** Parses an ISO-8601 instant (date or date-time, UTC if no offset) into a canonical UTC string. */
export function parseInstant(value: string, what: string): string {
  const text = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  const withZone = /[zZ]|[+-]\d{2}:?\d{2}$/.test(text) ? text : `${text}Z`;
  const ms = Date.parse(withZone);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) {
    throw new UsageError(
      `${what}: "${value}" is not an ISO-8601 date or time (e.g. 2026-11-16 or 2026-11-16T00:00:00Z)`,
    );
  }
  return new Date(ms).toISOString();
}

/** A window from --from/--to, checked to be non-empty and hour-aligned. */
export function parseWindow(from: string, to: string): Window {
  const start = parseInstant(from, '--from');
  const end = parseInstant(to, '--to');
  if (Date.parse(end) <= Date.parse(start))
    throw new UsageError(`--to (${end}) must be after --from (${start})`);
  if (Date.parse(start) % 3_600_000 !== 0 || Date.parse(end) % 3_600_000 !== 0) {
    throw new UsageError('--from and --to must fall on whole hours (allocation is hourly)');
  }
  return { start, end };
}
