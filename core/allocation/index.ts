/** The allocation use-case over windows: hour facts in order, billing lines bucketed by hour. */
import type { CostLine } from '../schema/costLine.js';
import { Allocator, type Ledger } from './engine.js';
import { bucketLinesByHour, HOUR_MS } from './lines.js';
import type { AllocationPolicy } from './policy.js';
import { emptyHourFacts, type HourFacts, type OwnerContext } from './types.js';

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

export interface AllocateWindowsInput extends Omit<AllocateInput, 'windowStart' | 'windowEnd'> {
  /** Disjoint windows; each gets its own ledger. Facts outside every window are ignored. */
  windows: readonly { start: string; end: string }[];
}

/** Allocates one window. */
export async function allocateWindow(input: AllocateInput): Promise<Ledger> {
  const [ledger] = await allocateWindows({
    ...input,
    windows: [{ start: input.windowStart, end: input.windowEnd }],
  });
  return ledger as Ledger;
}

/**
 * Allocates several windows in one pass over the hour facts (e.g. this week and the week before).
 * Billing lines are held per hour (they grow with assets, not samples); billed hours with no
 * facts still count (their node cost becomes unobserved idle).
 */
export async function allocateWindows(input: AllocateWindowsInput): Promise<Ledger[]> {
  const { policy } = input;
  const slots = input.windows.map((w) => {
    const startMs = Date.parse(w.start);
    const endMs = Date.parse(w.end);
    return {
      startMs,
      endMs,
      next: startMs,
      allocator: new Allocator(policy, w.start, w.end, input.ownerContext),
    };
  });
  const minStart = Math.min(...slots.map((s) => s.startMs));
  const maxEnd = Math.max(...slots.map((s) => s.endMs));
  const buckets = bucketLinesByHour(
    input.costLines,
    minStart,
    maxEnd,
    policy.costMetric,
    policy.clusterTagKeys,
  );
  /** Feeds billed hours of a slot that had no facts, up to `ms`. */
  const flushUntil = (slot: (typeof slots)[number], ms: number): void => {
    for (; slot.next < Math.min(ms, slot.endMs); slot.next += HOUR_MS) {
      const lines = buckets.get(slot.next);
      if (lines) slot.allocator.addHour(emptyHourFacts(new Date(slot.next).toISOString()), lines);
      buckets.delete(slot.next);
    }
  };
  for await (const facts of input.hours) {
    const h = Date.parse(facts.hourStart);
    const slot = slots.find((s) => h >= s.startMs && h < s.endMs);
    if (!slot || h < slot.next) continue;
    flushUntil(slot, h);
    slot.allocator.addHour(facts, buckets.get(h) ?? []);
    buckets.delete(h);
    slot.next = h + HOUR_MS;
    input.onHour?.(facts.hourStart);
  }
  return slots.map((slot) => {
    flushUntil(slot, slot.endMs);
    return slot.allocator.finish();
  });
}

export { Allocator, type Ledger, type Unit } from './engine.js';
export { type AllocationPolicy, DEFAULT_POLICY, withPolicy } from './policy.js';
export { type AllocationResult, type AllocationRow, parseDimensions, summarize } from './summarize.js';
