/**
 * Labels and the body marker that tie tickets to findings. Fingerprints and team names are
 * untrusted (they derive from cluster labels), so labels carry a lowercase form or a hash, never
 * the raw value. Every label here is valid in all three trackers: lowercase `[a-z0-9-]`, no
 * spaces, at most 50 characters (GitHub's limit; Jira allows 255, Linear more).
 */
import { fnv1a } from '../snapshots/keys.js';
import type { TicketMarker } from './ports.js';

/** Put on every ticket ownercost files. */
export const OWNERCOST_LABEL = 'ownercost';
export const FINGERPRINT_LABEL_PREFIX = 'ownercost-fp-';
export const TEAM_LABEL_PREFIX = 'ownercost-team-';
export const MAX_LABEL_LENGTH = 50;

/** 64-bit-ish stable hash (two FNV-1a passes), 16 hex digits. */
export function hash64(value: string): string {
  return `${fnv1a(value)}${fnv1a(`ownercost\u0000${value}`)}`;
}

/**
 * The label a finding's tickets are deduplicated on: `ownercost-fp-<fingerprint>` when the
 * fingerprint is already short lowercase hex/alphanumerics, else `ownercost-fp-<hash>`.
 */
export function fingerprintLabel(fingerprint: string): string {
  const body = /^[a-z0-9]{1,32}$/.test(fingerprint) ? fingerprint : hash64(fingerprint);
  return `${FINGERPRINT_LABEL_PREFIX}${body}`;
}

/** The label of all tickets filed for a team: `ownercost-team-<hash of the name>`. */
export function teamLabel(team: string): string {
  return `${TEAM_LABEL_PREFIX}${hash64(team)}`;
}

/** True for a label this module could have produced (used to pick ours out of a ticket's labels). */
export function isFingerprintLabel(label: string): boolean {
  return /^ownercost-fp-[a-z0-9]{1,32}$/.test(label);
}

/** Source of the marker pattern (for adapters that search structured bodies). */
export const MARKER_PATTERN =
  'ownercost:v1 week=(\\d{4}-W\\d{2}) saving=(-?\\d+(?:\\.\\d+)?) status=(active|resolved)';
const MARKER_RE = new RegExp(MARKER_PATTERN, 'g');

/**
 * The machine-readable line ownercost keeps in each ticket body, so the tracker itself records
 * which week last updated the ticket and the saving the team saw (what a won't-do is compared to).
 */
export function ticketMarker(marker: TicketMarker): string {
  const saving = Number.isFinite(marker.monthlySavings) ? marker.monthlySavings.toFixed(2) : '0.00';
  return `ownercost:v1 week=${marker.week} saving=${saving} status=${marker.status}`;
}

/** The last marker in a body (Markdown or text extracted from ADF); null when there is none. */
export function parseTicketMarker(text: string | null | undefined): TicketMarker | null {
  if (!text) return null;
  let last: RegExpExecArray | null = null;
  for (const m of text.matchAll(MARKER_RE)) last = m;
  if (!last) return null;
  return {
    week: last[1] as string,
    monthlySavings: Number(last[2]),
    status: last[3] as TicketMarker['status'],
  };
}

/**
 * Replaces the marker text inside a Markdown or plain-text body, or appends it (as inline code)
 * when a person removed it. Everything else in the body stays as it was.
 */
export function replaceMarker(body: string | null | undefined, marker: TicketMarker): string {
  const text = body ?? '';
  const next = ticketMarker(marker);
  let lastIndex = -1;
  let lastLength = 0;
  for (const m of text.matchAll(MARKER_RE)) {
    lastIndex = m.index ?? -1;
    lastLength = m[0].length;
  }
  if (lastIndex < 0) return `${text.replace(/\s+$/, '')}${text.trim() ? '\n\n' : ''}\`${next}\`\n`;
  return `${text.slice(0, lastIndex)}${next}${text.slice(lastIndex + lastLength)}`;
}
