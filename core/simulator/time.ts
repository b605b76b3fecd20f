/**
 * The simulated window and its sample grid. Everything is UTC milliseconds; the window is
 * half-open [startMs, endMs) and made of whole ISO weeks (Monday 00:00 to Monday 00:00).
 */

export const SAMPLE_SECONDS = 300;
export const SAMPLE_MS = SAMPLE_SECONDS * 1000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;
export const SAMPLES_PER_HOUR = HOUR_MS / SAMPLE_MS;
export const SAMPLES_PER_DAY = DAY_MS / SAMPLE_MS;
export const SAMPLES_PER_WEEK = WEEK_MS / SAMPLE_MS;
/**
 * Flow records count traffic over three samples (15 minutes), from samples 0, 3, 6…: network
 * agents ship counters per interval, and the pipeline needs bytes per hour, not per sample.
 */
export const FLOW_SAMPLES = 3;
export const FLOW_SECONDS = FLOW_SAMPLES * SAMPLE_SECONDS;

/** Monday 2026-11-09T00:00Z: the default first simulated week (2026-W46). */
export const DEFAULT_WEEK_START_MS = Date.UTC(2026, 10, 9);

export interface SimWindow {
  startMs: number;
  endMs: number;
  weeks: number;
  /** Number of 5-minute samples in the window. */
  samples: number;
  /** Start of the last simulated week, when the planted week-over-week changes happen. */
  changeWeekStartMs: number;
  /** ISO week labels (`2026-W46`) of the simulated weeks, in order. */
  weekLabels: string[];
}

/** The window of `weeks` ISO weeks starting at `weekStartMs`, which must be a Monday 00:00 UTC. */
export function makeWindow(weekStartMs: number, weeks: number): SimWindow {
  if (!Number.isInteger(weeks) || weeks < 1)
    throw new Error(`simulator: weeks must be a positive integer, got ${weeks}`);
  const d = new Date(weekStartMs);
  if (weekStartMs % DAY_MS !== 0 || d.getUTCDay() !== 1) {
    throw new Error(`simulator: weekStart must be a Monday 00:00 UTC, got ${d.toISOString()}`);
  }
  const weekLabels: string[] = [];
  for (let w = 0; w < weeks; w++) weekLabels.push(isoWeekLabel(weekStartMs + w * WEEK_MS));
  return {
    startMs: weekStartMs,
    endMs: weekStartMs + weeks * WEEK_MS,
    weeks,
    samples: weeks * SAMPLES_PER_WEEK,
    changeWeekStartMs: weekStartMs + (weeks - 1) * WEEK_MS,
    weekLabels,
  };
}

/** ISO-8601 week label of the week containing `ms`, e.g. `2026-W47`. */
export function isoWeekLabel(ms: number): string {
  const d = new Date(ms);
  const day = (d.getUTCDay() + 6) % 7; // Monday = 0
  const thursday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day + 3);
  const year = new Date(thursday).getUTCFullYear();
  const week = 1 + Math.floor((thursday - Date.UTC(year, 0, 1)) / WEEK_MS);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** `2026-11-16T00:05:00.000Z`. */
export function isoAt(ms: number): string {
  return new Date(ms).toISOString();
}

/** `2026-11-16T00:00:00Z`: the second-precision form used in billing exports. */
export function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** Sample index of a time in the window (floored to the 5-minute grid). */
export function sampleIndex(window: SimWindow, ms: number): number {
  return Math.floor((ms - window.startMs) / SAMPLE_MS);
}

/** Time of sample `k`. */
export function sampleMs(window: SimWindow, k: number): number {
  return window.startMs + k * SAMPLE_MS;
}

/** Billing month (`YYYY-MM`) of a time. */
export function billingMonth(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/** Diurnal load factor in [-1, 1]: peaks mid-afternoon UTC on weekdays, flatter on weekends. */
export function diurnal(ms: number): number {
  const d = new Date(ms);
  const hour = d.getUTCHours() + d.getUTCMinutes() / 60;
  const wave = Math.cos(((hour - 15) / 24) * 2 * Math.PI);
  const weekday = d.getUTCDay();
  return weekday === 0 || weekday === 6 ? wave * 0.5 - 0.3 : wave;
}
