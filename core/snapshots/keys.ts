/**
 * The Hive-style object key layout of snapshots (DESIGN.md), so Athena, BigQuery external tables
 * and DuckDB prune by day:
 * `snapshots/v1/kind=<cluster|network>/cluster=<name>/dt=<YYYY-MM-DD>/hour=<HH>/<ts>-<source>.ndjson.gz`.
 */
import { partitionOf, type RecordKind } from '../schema/records.js';

export const SNAPSHOT_PREFIX = 'snapshots/v1/';

/** Key-safe form of a name that came from a cluster: never used raw in a key or path. */
export function keySafe(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return cleaned.length > 0 ? cleaned.slice(0, 200) : '_';
}

/** Key of one batch. The same (partition, cluster, ts, source) always maps to the same key. */
export function snapshotKey(kind: RecordKind, cluster: string, ts: string, source: string): string {
  const dt = ts.slice(0, 10);
  const hour = ts.slice(11, 13);
  const compactTs = ts.replace(/[-:]/g, '').replace(/\.\d+/, '');
  return `${SNAPSHOT_PREFIX}kind=${partitionOf(kind)}/cluster=${keySafe(cluster)}/dt=${dt}/hour=${hour}/${compactTs}-${keySafe(source)}.ndjson.gz`;
}

export interface ParsedSnapshotKey {
  partition: 'cluster' | 'network';
  cluster: string;
  dt: string;
  hour: number;
}

export function parseSnapshotKey(key: string): ParsedSnapshotKey | null {
  const m =
    /^snapshots\/v1\/kind=(cluster|network)\/cluster=([^/]+)\/dt=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\//.exec(
      key,
    );
  if (!m) return null;
  return {
    partition: m[1] as 'cluster' | 'network',
    cluster: m[2] as string,
    dt: m[3] as string,
    hour: Number(m[4]),
  };
}

/**
 * Day prefixes to list for a window [from, to), widened by `padHours` before `from` so samples
 * carried forward into the window are seen.
 */
export function dayPrefixesForWindow(fromMs: number, toMs: number, padHours = 1): string[] {
  const days: string[] = [];
  const dayMs = 86_400_000;
  let d = Math.floor((fromMs - padHours * 3_600_000) / dayMs) * dayMs;
  for (; d < toMs; d += dayMs) days.push(new Date(d).toISOString().slice(0, 10));
  return days;
}

/** FNV-1a 32-bit hash, hex: short, stable ids for names and fingerprints. */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * A file-system and object-key safe name for an untrusted value (a team name from a label):
 * the value itself when it is already safe, else its cleaned form plus a hash so two different
 * values never share a folder.
 */
export function safeName(value: string): string {
  const cleaned = keySafe(value);
  return cleaned === value && value !== '_' ? value : `${cleaned.slice(0, 60)}-${fnv1a(value)}`;
}
