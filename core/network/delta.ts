/**
 * Per-flow delta engine: turns conntrack's cumulative per-flow counters into bytes and packets
 * moved since the previous read, without ever producing a negative count or counting a byte twice.
 *
 * Storage is compact and cache-friendly: each flow is one 40-byte record (a 64-bit fingerprint
 * of the tuple, the conntrack id when known, epoch, flags and a caller's tag, last-seen bytes as
 * f64 and packets as u32 per direction) in pages of 16,384 records (640 KiB ArrayBuffers: growing
 * never copies, and the last page wastes little), indexed by an open-addressing table of u32
 * (linear probing, load ≤ ¾). No JS object per flow. Packets are kept modulo 2³²: a flow's packet delta is exact as long as it sends fewer
 * than 4·10⁹ packets between two reads.
 *
 * Rules
 * - A dump (`beginDump` … `observe` × n … `endDump`) reports each listed flow's counters. The
 *   first dump is a baseline (nothing counted) unless the table was created `primed`, as for a
 *   saved file whose full counters should count.
 * - A flow seen before counts `current − last`. If any counter went down, the tuple belongs to a
 *   new flow (conntrack reused it) and the new flow's full counters count. With conntrack ids
 *   on both sides, a different id also means a new flow.
 * - A flow not seen before counts its full counters (it was created since the previous read).
 * - A DESTROY event (which carries final counters) counts `final − last`, or the full final
 *   counters for a flow never dumped, and leaves a tombstone so that a dump line read before the
 *   destroy but parsed after it counts nothing more.
 * - Flows missing from a dump are kept for one more dump (so a late DESTROY still counts only
 *   `final − last`), then dropped. Tombstones are dropped at the end of the first dump that
 *   started after the destroy.
 *
 * The fingerprint covers the original tuple (family, protocol, zone, addresses, ports) and the
 * reply tuple's addresses. The kernel fixes a connection's reply tuple (after any NAT) before it
 * confirms the connection, so the reply addresses never change during a flow's life; a flow on a
 * reused original tuple with other reply addresses is another connection, and counts as a new
 * flow. So everything that decides where a flow's bytes go (its four addresses) is the same for
 * every observation of a record, and a caller may keep what it derived from them in the record's
 * tag ({@link FlowDeltaTable.lastTag}): 21 bits, 0 = none, kept until `clearTags`.
 *
 * The fingerprint is 64 bits: two distinct tuples collide with probability ~n²/2⁶⁵ (3·10⁻⁸ at a
 * million flows), which would merge their counters for one interval.
 */
import { type ConntrackEntry, EVENT_DESTROY } from './conntrack.js';

const F_DESTROYED = 1;
const F_MISSING = 2;
const F_HAS_ID = 4;
/** Record meta word: epoch in bits 0–7, flags in 8–10, the caller's tag in 11–31. */
const FLAGS_SHIFT = 8;
const FLAGS_MASK = 7;
const TAG_SHIFT = 11;
const TAG_BITS = ~0x7ff; // bits 11–31
/** Largest tag a record holds. */
export const FLOW_TAG_MAX = (1 << 21) - 1;

/** Result of one observation: the counts to attribute (never negative). */
export interface FlowDelta {
  origBytes: number;
  origPackets: number;
  replyBytes: number;
  replyPackets: number;
}

export interface FlowDeltaOptions {
  /** Count the full counters of flows in the first dump (saved files); default false (baseline). */
  primed?: boolean;
  /** Keep flows missing from a dump one more dump for late DESTROY events; default true. */
  graceForLateDestroy?: boolean;
  /** Expected number of flows (initial capacity). */
  expectedFlows?: number;
}

const PAGE_BITS = 14;
const PAGE_SIZE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_SIZE - 1;
/**
 * Record layout (40 bytes): i32 [0] fpA, [1] fpB, [2] ctid, [3] epoch | flags << 8,
 * f64 [2] origBytes, [3] replyBytes (byte offsets 16, 24), u32 [8] origPackets, [9] replyPackets.
 */
const REC_BYTES = 40;
const REC_I32 = 10;
const REC_F64 = 5;
const TWO32 = 4294967296;

export class FlowDeltaTable {
  private count = 0;
  private readonly ints: Int32Array[] = [];
  private readonly floats: Float64Array[] = [];
  private index: Int32Array; // record number + 1, 0 = empty
  private mask: number;
  private epoch = 0;
  private primed: boolean;
  private readonly grace: boolean;
  private inDump = false;
  /** The counts of the last observation (reused: copy what you keep). */
  readonly delta: FlowDelta = { origBytes: 0, origPackets: 0, replyBytes: 0, replyPackets: 0 };
  private hA = 0;
  private hB = 0;
  /**
   * The record expected next. The kernel lists its table in hash-bucket order, the same from one
   * dump to the next, and records keep the order they were first seen in: so the next line is
   * usually the next record, found without touching the index (sequential memory, no miss).
   */
  private cursor = 0;
  /** The record of the last observation (for its tag). */
  private last = -1;

  constructor(options: FlowDeltaOptions = {}) {
    this.primed = options.primed ?? false;
    this.grace = options.graceForLateDestroy ?? true;
    const slots = FlowDeltaTable.slotsFor(options.expectedFlows ?? 0);
    this.index = new Int32Array(slots);
    this.mask = slots - 1;
  }

  /** Index size for n flows: load ≤ 0.6 after a dump, so churn between dumps rarely grows it. */
  private static slotsFor(n: number): number {
    let slots = 2048;
    while (slots * 0.6 < n) slots *= 2;
    return slots;
  }

  /** Flows currently remembered (tombstones and missing flows included). */
  get size(): number {
    return this.count;
  }

  /** Whether deltas are being counted (false during the baseline dump). */
  get isPrimed(): boolean {
    return this.primed;
  }

  /** Bytes held by the typed arrays (for memory reports). */
  get memoryBytes(): number {
    return this.ints.length * PAGE_SIZE * REC_BYTES + this.index.length * 4;
  }

  /** True between beginDump and endDump. */
  get dumping(): boolean {
    return this.inDump;
  }

  beginDump(): void {
    this.epoch = (this.epoch + 1) & 255;
    this.inDump = true;
    this.cursor = 0;
  }

  /**
   * Two 32-bit hashes of the tuple with different multipliers, rotations and word orders: per
   * word an XOR, a multiply by an odd constant and a rotation (each step a bijection of the
   * state, so tuples differing in one word never collide in either), then murmur3's final mix.
   * Half the work of murmur3's per-word mix, which showed at a million entries per cycle.
   */
  private fingerprint(e: ConntrackEntry): void {
    const a = e.addr;
    const n = e.family === 4 ? 1 : 4;
    const k0 = e.family | (e.proto << 8) | (e.zone << 16);
    const k1 = (e.origSport << 16) | e.origDport;
    let h = Math.imul(0x2f1e3d4c ^ k0, 0x9e3779b1);
    h = Math.imul(((h << 15) | (h >>> 17)) ^ k1, 0xcc9e2d51);
    let g = Math.imul(0x7a5b3c19 ^ k1, 0x85ebca77);
    g = Math.imul(((g << 13) | (g >>> 19)) ^ k0, 0x27d4eb2f);
    for (let i = 0; i < n; i++) {
      const os = a[i] as number;
      const od = a[4 + i] as number;
      const rs = a[8 + i] as number;
      const rd = a[12 + i] as number;
      h = Math.imul(h ^ os, 0xcc9e2d51);
      h = (h << 15) | (h >>> 17);
      h = Math.imul(h ^ od, 0x1b873593);
      h = (h << 13) | (h >>> 19);
      h = Math.imul(h ^ rs, 0xcc9e2d51);
      h = (h << 15) | (h >>> 17);
      h = Math.imul(h ^ rd, 0x1b873593);
      h = (h << 13) | (h >>> 19);
      g = Math.imul(g ^ od, 0x27d4eb2f);
      g = (g << 11) | (g >>> 21);
      g = Math.imul(g ^ os, 0x165667b1);
      g = (g << 17) | (g >>> 15);
      g = Math.imul(g ^ rd, 0x27d4eb2f);
      g = (g << 11) | (g >>> 21);
      g = Math.imul(g ^ rs, 0x165667b1);
      g = (g << 17) | (g >>> 15);
    }
    h ^= n;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    this.hA = h ^ (h >>> 16);
    g ^= n << 3;
    g ^= g >>> 16;
    g = Math.imul(g, 0x85ebca6b);
    g ^= g >>> 13;
    g = Math.imul(g, 0xc2b2ae35);
    this.hB = g ^ (g >>> 16);
  }

  /** Record number, or −1 − slot of the empty slot where it would go. */
  private find(): number {
    const hA = this.hA;
    const hB = this.hB;
    const c = this.cursor;
    if (c < this.count) {
      const ci = this.ints[c >>> PAGE_BITS] as Int32Array;
      const co = (c & PAGE_MASK) * REC_I32;
      if (ci[co] === hA && ci[co + 1] === hB) {
        this.cursor = c + 1;
        return c;
      }
    }
    const index = this.index;
    const mask = this.mask;
    let slot = hA & mask;
    for (;;) {
      const v = index[slot] as number;
      if (v === 0) return -1 - slot;
      const r = v - 1;
      const ints = this.ints[r >>> PAGE_BITS] as Int32Array;
      const o = (r & PAGE_MASK) * REC_I32;
      if (ints[o] === hA && ints[o + 1] === hB) {
        this.cursor = r + 1;
        return r;
      }
      slot = (slot + 1) & mask;
    }
  }

  private insertAt(slot: number, e: ConntrackEntry, flags: number): void {
    const r = this.count++;
    const page = r >>> PAGE_BITS;
    if (page === this.ints.length) {
      const buf = new ArrayBuffer(PAGE_SIZE * REC_BYTES);
      this.ints.push(new Int32Array(buf));
      this.floats.push(new Float64Array(buf));
    }
    const ints = this.ints[page] as Int32Array;
    const floats = this.floats[page] as Float64Array;
    const o = (r & PAGE_MASK) * REC_I32;
    const f = (r & PAGE_MASK) * REC_F64 + 2;
    ints[o] = this.hA;
    ints[o + 1] = this.hB;
    ints[o + 2] = e.hasId ? e.id : 0;
    ints[o + 3] = this.epoch | ((flags | (e.hasId ? F_HAS_ID : 0)) << FLAGS_SHIFT);
    floats[f] = e.origBytes;
    floats[f + 1] = e.replyBytes;
    ints[o + 8] = e.origPackets; // an Int32Array store keeps it modulo 2³²
    ints[o + 9] = e.replyPackets;
    this.index[slot] = r + 1;
    this.last = r;
    // Load ≤ ¾ between dumps.
    if (this.count * 4 > this.index.length * 3) this.rebuildIndex(this.index.length * 2);
  }

  private setDelta(ob: number, op: number, rb: number, rp: number): void {
    const d = this.delta;
    d.origBytes = ob;
    d.origPackets = op;
    d.replyBytes = rb;
    d.replyPackets = rp;
  }

  private setFull(e: ConntrackEntry): void {
    if (this.primed) this.setDelta(e.origBytes, e.origPackets, e.replyBytes, e.replyPackets);
    else this.setDelta(0, 0, 0, 0);
  }

  /**
   * Observes one parsed entry: a dump line, or a DESTROY event (`e.event === EVENT_DESTROY`).
   * The counts to attribute are left in `this.delta`; returns true when any is non-zero.
   */
  observe(e: ConntrackEntry): boolean {
    const destroyEvent = e.event === EVENT_DESTROY;
    this.fingerprint(e);
    const found = this.find();
    if (found < 0) {
      this.insertAt(-1 - found, e, destroyEvent ? F_DESTROYED : 0);
      this.setFull(e);
      return this.anyDelta();
    }
    const r = found;
    this.last = r;
    const ints = this.ints[r >>> PAGE_BITS] as Int32Array;
    const floats = this.floats[r >>> PAGE_BITS] as Float64Array;
    const o = (r & PAGE_MASK) * REC_I32;
    const f = (r & PAGE_MASK) * REC_F64 + 2;
    const lob = floats[f] as number;
    const lrb = floats[f + 1] as number;
    const lop = (ints[o + 8] as number) >>> 0;
    const lrp = (ints[o + 9] as number) >>> 0;
    const meta = ints[o + 3] as number;
    const flags = (meta >>> FLAGS_SHIFT) & FLAGS_MASK;
    const recEpoch = meta & 255;
    const otherFlow = e.hasId && (flags & F_HAS_ID) !== 0 && (ints[o + 2] as number) >>> 0 !== e.id;
    const dob = e.origBytes - lob;
    const drb = e.replyBytes - lrb;
    // Packet deltas modulo 2³² (the record keeps packets modulo 2³²; `>>> 0` is that modulo for
    // the parser's integers). Written out here: a helper returning a double out of line boxes it
    // on the heap, twice per entry.
    let dop = (e.origPackets >>> 0) - lop;
    if (dop < 0) dop += TWO32;
    let drp = (e.replyPackets >>> 0) - lrp;
    if (drp < 0) drp += TWO32;
    // Counters went down: another flow on this tuple. (Every packet carries at least one byte, so
    // more new packets than new bytes also means the packet counter went down.)
    const down = dob < 0 || drb < 0 || dop > dob || drp > drb;
    const destroyed = (flags & F_DESTROYED) !== 0;
    let fresh: boolean;
    let nextFlags: number;
    if (destroyEvent) {
      // final − last, or all of it for a flow on this tuple that was never dumped; a repeated
      // DESTROY counts nothing.
      fresh = otherFlow || down;
      nextFlags = F_DESTROYED | (e.hasId || (flags & F_HAS_ID) !== 0 ? F_HAS_ID : 0);
    } else {
      // A tombstone from a destroy counted during this very dump: the line may predate the destroy.
      const stale = destroyed && this.inDump && recEpoch === this.epoch;
      fresh = otherFlow || (destroyed && !stale) || (down && !destroyed);
      nextFlags = fresh ? (e.hasId ? F_HAS_ID : 0) : (flags & ~F_MISSING) | (e.hasId ? F_HAS_ID : 0);
    }
    if (fresh) {
      this.setDelta(e.origBytes, e.origPackets, e.replyBytes, e.replyPackets);
      floats[f] = e.origBytes;
      floats[f + 1] = e.replyBytes;
      ints[o + 8] = e.origPackets; // an Int32Array store keeps it modulo 2³²
      ints[o + 9] = e.replyPackets;
    } else if (down) {
      // A stale line (or a repeated DESTROY) with lower counters: nothing new, keep the highest.
      this.setDelta(Math.max(0, dob), dop > dob ? 0 : dop, Math.max(0, drb), drp > drb ? 0 : drp);
      if (dob > 0) floats[f] = e.origBytes;
      if (drb > 0) floats[f + 1] = e.replyBytes;
    } else {
      // Only growth counts, so a counter never goes back and no byte counts twice.
      this.setDelta(dob, dop, drb, drp);
      floats[f] = e.origBytes;
      floats[f + 1] = e.replyBytes;
      ints[o + 8] = e.origPackets; // an Int32Array store keeps it modulo 2³²
      ints[o + 9] = e.replyPackets;
    }
    if (e.hasId) ints[o + 2] = e.id;
    ints[o + 3] = this.epoch | (nextFlags << FLAGS_SHIFT) | (meta & TAG_BITS);
    if (!this.primed) this.setDelta(0, 0, 0, 0);
    return this.anyDelta();
  }

  /** The tag of the last observed flow's record (0 = none). */
  get lastTag(): number {
    const r = this.last;
    if (r < 0) return 0;
    return (
      ((this.ints[r >>> PAGE_BITS] as Int32Array)[(r & PAGE_MASK) * REC_I32 + 3] as number) >>> TAG_SHIFT
    );
  }

  /** Tags the last observed flow's record (0 ≤ tag ≤ FLOW_TAG_MAX). */
  set lastTag(tag: number) {
    const r = this.last;
    if (r < 0 || tag < 0 || tag > FLOW_TAG_MAX) return;
    const ints = this.ints[r >>> PAGE_BITS] as Int32Array;
    const o = (r & PAGE_MASK) * REC_I32 + 3;
    ints[o] = ((ints[o] as number) & ~TAG_BITS) | (tag << TAG_SHIFT);
  }

  /** Forgets every record's tag (what the caller derived from the addresses no longer holds). */
  clearTags(): void {
    for (let r = 0; r < this.count; r++) {
      const ints = this.ints[r >>> PAGE_BITS] as Int32Array;
      const o = (r & PAGE_MASK) * REC_I32 + 3;
      ints[o] = (ints[o] as number) & ~TAG_BITS;
    }
  }

  private anyDelta(): boolean {
    const d = this.delta;
    return d.origBytes > 0 || d.replyBytes > 0 || d.origPackets > 0 || d.replyPackets > 0;
  }

  /**
   * Ends a dump: forgets flows not listed (after one grace dump) and tombstones of earlier
   * epochs. Returns how many flows were dropped. The first dump ends the baseline.
   */
  endDump(): { dropped: number; remembered: number } {
    const epoch = this.epoch;
    const n = this.count;
    let w = 0;
    for (let r = 0; r < n; r++) {
      const ints = this.ints[r >>> PAGE_BITS] as Int32Array;
      const o = (r & PAGE_MASK) * REC_I32;
      const meta = ints[o + 3] as number;
      let flags = (meta >>> FLAGS_SHIFT) & FLAGS_MASK;
      let keep: boolean;
      if ((meta & 255) === epoch) keep = true;
      else if ((flags & F_DESTROYED) !== 0) keep = false;
      else if (this.grace && (flags & F_MISSING) === 0) {
        keep = true;
        flags |= F_MISSING;
      } else keep = false;
      if (!keep) continue;
      if (w !== r) {
        const wi = this.ints[w >>> PAGE_BITS] as Int32Array;
        const wo = (w & PAGE_MASK) * REC_I32;
        // Move the whole 40-byte record (10 i32) down.
        for (let k = 0; k < REC_I32; k++) wi[wo + k] = ints[o + k] as number;
        wi[wo + 3] = (meta & 255) | (flags << FLAGS_SHIFT) | (meta & TAG_BITS);
      } else {
        ints[o + 3] = (meta & 255) | (flags << FLAGS_SHIFT) | (meta & TAG_BITS);
      }
      w++;
    }
    this.count = w;
    this.last = -1;
    // Free whole pages past the last record, keeping one spare against churn.
    const pagesKept = Math.ceil(w / PAGE_SIZE) + 1;
    if (this.ints.length > pagesKept) {
      this.ints.length = pagesKept;
      this.floats.length = pagesKept;
    }
    const slots = FlowDeltaTable.slotsFor(w);
    // Keep a larger index unless it is four times too big (avoids reallocating every cycle).
    const keep = this.index.length >= slots && this.index.length <= slots * 4;
    // With no record dropped none moved: the index still holds every record where it is.
    if (w !== n || !keep) this.rebuildIndex(keep ? this.index.length : slots);
    this.inDump = false;
    this.primed = true;
    return { dropped: n - w, remembered: w };
  }

  private rebuildIndex(slots: number): void {
    if (this.index.length === slots) this.index.fill(0);
    else this.index = new Int32Array(slots);
    this.mask = slots - 1;
    const index = this.index;
    const mask = this.mask;
    for (let r = 0; r < this.count; r++) {
      const ints = this.ints[r >>> PAGE_BITS] as Int32Array;
      let slot = (ints[(r & PAGE_MASK) * REC_I32] as number) & mask;
      while (index[slot] !== 0) slot = (slot + 1) & mask;
      index[slot] = r + 1;
    }
  }
}
