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
import { type FlowDeltaOptions, FlowDeltaTable } from './delta.js';

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
    return sums;
  }

  private onDumpEntry(e: ConntrackEntry): void {
    if (this.delta.observe(e)) {
      this.moved++;
      this.attributor.attribute(e, this.delta.delta, this.agg);
    }
  }

  private onEventEntry(e: ConntrackEntry): void {
    if (e.event !== 3 /* EVENT_DESTROY */) {
      this.otherEvents++;
      return;
    }
    if (this.delta.observe(e)) {
      this.destroyEventsCounted++;
      this.attributor.attribute(e, this.delta.delta, this.agg);
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
