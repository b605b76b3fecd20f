/** The allocation use-case over a window: hour facts in order, billing lines bucketed by hour. */
import type { CostLine } from '../schema/costLine.js';
import { Allocator, type Ledger } from './engine.js';
import { bucketLinesByHour, HOUR_MS } from './lines.js';
import type { AllocationPolicy } from './policy.js';
import type { HourFacts, OwnerContext } from './types.js';

export interface AllocateInput {
  policy: AllocationPolicy;
  windowStart: string;
  windowEnd: string;
  ownerContext: OwnerContext;
  /** Hour facts in ascending hour order; hours without facts may be omitted. */
  hours: AsyncIterable<HourFacts> | Iterable<HourFacts>;
  /** Billing lines of the clusters overlapping the window. */
  costLines: Iterable<CostLine>;
  onHour?: (hourStart: string) => void;
}

/**
 * Allocates a window. Billing lines are held per hour (they grow with assets, not samples);
 * hours of billing with no facts still count (their node cost becomes unobserved idle).
 */
export async function allocateWindow(input: AllocateInput): Promise<Ledger> {
  const { policy, windowStart, windowEnd } = input;
  const startMs = Date.parse(windowStart);
  const endMs = Date.parse(windowEnd);
  const buckets = bucketLinesByHour(
    input.costLines,
    startMs,
    endMs,
    policy.costMetric,
    policy.clusterTagKeys,
  );
  const allocator = new Allocator(policy, windowStart, windowEnd, input.ownerContext);
  const empty = (hourStart: string): HourFacts => ({
    hourStart,
    nodes: [],
    pods: [],
    volumes: [],
    services: [],
    flows: [],
  });
  let next = startMs;
  const flushUntil = (ms: number): void => {
    for (; next < ms; next += HOUR_MS) {
      const lines = buckets.get(next);
      if (lines) allocator.addHour(empty(new Date(next).toISOString()), lines);
      buckets.delete(next);
    }
  };
  for await (const facts of input.hours) {
    const h = Date.parse(facts.hourStart);
    if (h < startMs || h >= endMs) continue;
    flushUntil(h);
    allocator.addHour(facts, buckets.get(h) ?? []);
    buckets.delete(h);
    next = Math.max(next, h + HOUR_MS);
    input.onHour?.(facts.hourStart);
  }
  flushUntil(endMs);
  return allocator.finish();
}

export { Allocator, type Ledger, type Unit } from './engine.js';
export { type AllocationPolicy, DEFAULT_POLICY, withPolicy } from './policy.js';
export { type AllocationResult, type AllocationRow, parseDimensions, summarize } from './summarize.js';
