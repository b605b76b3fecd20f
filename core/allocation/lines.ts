/**
 * Billing lines spread over the hours of a window: a line covering several hours (daily exports)
 * is prorated by overlap; lines are classified once (transfer, fee, resource).
 */
import { classifyLine, clusterOfTags, type LineKind, resourceSegments } from '../billing/classify.js';
import type { CostLine, CostMetric } from '../schema/costLine.js';

export const HOUR_MS = 3_600_000;

export interface HourLine {
  cost: number;
  kind: LineKind;
  /** Id segments of the line's ResourceId, for asset matching. */
  segments: string[];
  /** Cluster named by the line's tags, if any. */
  taggedCluster: string | null;
}

/** Buckets lines by hour start (ms) within [windowStartMs, windowEndMs). */
export function bucketLinesByHour(
  lines: Iterable<CostLine>,
  windowStartMs: number,
  windowEndMs: number,
  metric: CostMetric,
  clusterTagKeys: readonly string[],
): Map<number, HourLine[]> {
  const buckets = new Map<number, HourLine[]>();
  for (const line of lines) {
    const cost = line[metric];
    if (!Number.isFinite(cost) || cost === 0) continue;
    const start = Date.parse(line.ChargePeriodStart);
    const end = Date.parse(line.ChargePeriodEnd);
    if (!(end > start)) continue;
    const from = Math.max(start, windowStartMs);
    const to = Math.min(end, windowEndMs);
    if (!(to > from)) continue;
    const base = {
      kind: classifyLine(line),
      segments: line.ResourceId ? resourceSegments(line.ResourceId) : [],
      taggedCluster: clusterOfTags(line.Tags, clusterTagKeys),
    };
    for (let h = Math.floor(from / HOUR_MS) * HOUR_MS; h < to; h += HOUR_MS) {
      const overlap = Math.min(to, h + HOUR_MS) - Math.max(from, h);
      if (overlap <= 0) continue;
      let bucket = buckets.get(h);
      if (!bucket) {
        bucket = [];
        buckets.set(h, bucket);
      }
      bucket.push({ ...base, cost: (cost * overlap) / (end - start) });
    }
  }
  return buckets;
}
