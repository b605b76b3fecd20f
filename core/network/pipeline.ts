/**
 * The node collector's pure core: conntrack bytes in, per-pod sums out.
 *
 *   dump chunks ─► parser ─► delta table ─► attributor (local pod, remote class, NAT) ─► cycle sums
 *   DESTROY lines ─► parser ─┘
 *
 * The caller owns the I/O and the clock: it calls `beginDump`, pushes the table's bytes, calls
 * `endDump`, feeds DESTROY event lines whenever they arrive, and `flushCycle`s into a
 * {@link FlowWindow} per ship interval.
 */
import { FlowAggregator, type FlowAttributor, type FlowSum, FlowWindow } from './attribute.js';
import { type ConntrackEntry, ConntrackStreamParser, type ParseReason, R_NO_COUNTERS } from './conntrack.js';
import { FLOW_TAG_MAX, type FlowDeltaOptions, FlowDeltaTable } from './delta.js';

function grown(a: Int32Array, length: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(length);
  b.set(a);
  return b;
}

/**
 * Routes (pairs of aggregator rows, see {@link FlowAttributor.route}) numbered from 1, so that a
 * flow's record in the delta table can hold its route as a tag: a flow seen again is credited
 * without classifying its addresses again. Valid for one attributor and its aggregator.
 */
class RouteTags {
  /** Tags of routes with no reply side (nearly all), by orig row + 1. */
  private byOrig = new Int32Array(256);
  /** Tags of routes with a reply side, by `origRow + 1` then `replyRow`. */
  private readonly byPair = new Map<number, Map<number, number>>();
  private orig = new Int32Array(256);
  private reply = new Int32Array(256);
  private count = 1; // tag 0 = none

  /** The tag of a route, or 0 when all FLOW_TAG_MAX are taken (the flow is then routed each time). */
  tagFor(routeOrig: number, routeReply: number): number {
    let tag: number | undefined;
    let pairs: Map<number, number> | undefined;
    if (routeReply < 0) {
      tag = routeOrig + 1 < this.byOrig.length ? (this.byOrig[routeOrig + 1] as number) : 0;
      if (tag !== 0) return tag;
    } else {
      pairs = this.byPair.get(routeOrig + 1);
      tag = pairs?.get(routeReply);
      if (tag !== undefined) return tag;
    }
    if (this.count > FLOW_TAG_MAX) return 0;
    tag = this.count++;
    if (tag === this.orig.length) {
      this.orig = grown(this.orig, tag * 2);
      this.reply = grown(this.reply, tag * 2);
    }
    this.orig[tag] = routeOrig;
    this.reply[tag] = routeReply;
    if (routeReply < 0) {
      if (routeOrig + 1 >= this.byOrig.length) this.byOrig = grown(this.byOrig, (routeOrig + 1) * 2);
      this.byOrig[routeOrig + 1] = tag;
    } else {
      if (!pairs) {
        pairs = new Map();
        this.byPair.set(routeOrig + 1, pairs);
      }
      pairs.set(routeReply, tag);
    }
    return tag;
  }

  origOf(tag: number): number {
    return this.orig[tag] as number;
  }

  replyOf(tag: number): number {
    return this.reply[tag] as number;
  }
}

export interface DumpStats {
  /** Entries parsed in this dump. */
  parsed: number;
  /** Lines skipped in this dump, by reason. */
  errors: Partial<Record<ParseReason, number>>;
  /** Entries with counters that moved (or new entries, once primed). */
  moved: number;
  /** Flows forgotten at the end of the dump. */
  dropped: number;
  /** Flows remembered after the dump. */
  remembered: number;
  /** True when no entry carried counters: `net.netfilter.nf_conntrack_acct` is 0. */
  acctDisabled: boolean;
}

export class ConntrackPipeline {
  readonly delta: FlowDeltaTable;
  readonly window = new FlowWindow();
  private attributor: FlowAttributor;
  private agg: FlowAggregator;
  private tags = new RouteTags();
  private readonly dumpParser: ConntrackStreamParser;
  private readonly eventParser: ConntrackStreamParser;
  private moved = 0;
  /** DESTROY events that moved counters, since construction. */
  destroyEventsCounted = 0;
  /** Event lines that were not DESTROY events (ignored). */
  otherEvents = 0;

  constructor(attributor: FlowAttributor, options: FlowDeltaOptions = {}) {
    this.attributor = attributor;
    this.agg = new FlowAggregator(attributor.classifier.verdictCount);
    this.delta = new FlowDeltaTable(options);
    this.dumpParser = new ConntrackStreamParser((e) => this.onDumpEntry(e));
    this.eventParser = new ConntrackStreamParser((e) => this.onEventEntry(e));
  }

  get currentAttributor(): FlowAttributor {
    return this.attributor;
  }

  /** Swaps classification and local pods (topology changed); pending sums are resolved first. */
  setAttributor(attributor: FlowAttributor): FlowSum[] {
    const sums = this.flushCycle();
    this.attributor = attributor;
    this.agg = new FlowAggregator(attributor.classifier.verdictCount);
    // Routes are rows of the old aggregator, from the old classification.
    this.tags = new RouteTags();
    this.delta.clearTags();
    return sums;
  }

  private onDumpEntry(e: ConntrackEntry): void {
    if (this.delta.observe(e)) {
      this.moved++;
      this.credit(e);
    }
  }

  /** Attributes the last observation's delta, routing the flow only the first time it moves. */
  private credit(e: ConntrackEntry): boolean {
    const delta = this.delta;
    const tags = this.tags;
    const attributor = this.attributor;
    const tag = delta.lastTag;
    if (tag !== 0) return attributor.credit(tags.origOf(tag), tags.replyOf(tag), delta.delta, this.agg);
    attributor.route(e, this.agg);
    const routeOrig = attributor.routeOrig;
    const routeReply = attributor.routeReply;
    delta.lastTag = tags.tagFor(routeOrig, routeReply);
    return attributor.credit(routeOrig, routeReply, delta.delta, this.agg);
  }

  private onEventEntry(e: ConntrackEntry): void {
    if (e.event !== 3 /* EVENT_DESTROY */) {
      this.otherEvents++;
      return;
    }
    if (this.delta.observe(e)) {
      this.destroyEventsCounted++;
      this.credit(e);
    }
  }

  beginDump(): void {
    this.dumpParser.reset();
    this.moved = 0;
    this.delta.beginDump();
  }

  /** Bytes of the table (any chunking). */
  pushDump(chunk: Uint8Array): void {
    this.dumpParser.push(chunk);
  }

  endDump(): DumpStats {
    this.dumpParser.end();
    const { dropped, remembered } = this.delta.endDump();
    const noCounters = this.dumpParser.errors[R_NO_COUNTERS - 1] as number;
    return {
      parsed: this.dumpParser.parsed,
      errors: this.dumpParser.errorsByReason(),
      moved: this.moved,
      dropped,
      remembered,
      acctDisabled: this.dumpParser.parsed === 0 && noCounters > 0,
    };
  }

  /** Bytes of `conntrack -E -e DESTROY -o extended,id` output (any chunking). */
  pushEvents(chunk: Uint8Array): void {
    this.eventParser.push(chunk);
  }

  /** Event lines skipped since construction, by reason. */
  eventErrors(): Partial<Record<ParseReason, number>> {
    return this.eventParser.errorsByReason();
  }

  /** Resolves the sums since the last flush into the ship window; returns them (for metrics). */
  flushCycle(): FlowSum[] {
    const sums = this.window.addCycle(this.agg, this.attributor);
    this.agg.clear();
    return sums;
  }
}
