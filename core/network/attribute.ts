/**
 * Attribution of conntrack deltas to the local pods of one node, and their aggregation per
 * (namespace, pod, direction, class, service, viaNat).
 *
 * Which end is local, which is remote
 * - Locally originated (orig src is a local pod): the remote end is the REPLY source, i.e. the
 *   real peer after any DNAT (a Service VIP resolves to its backend pod). Egress = orig-direction
 *   bytes (sent by the pod), ingress = reply-direction bytes.
 * - Remotely originated (reply src is a local pod, i.e. the connection was accepted by it, maybe
 *   after a NodePort/LoadBalancer DNAT): the remote end is the ORIG source, the peer as it
 *   arrived, before any masquerade this node applied. Egress = reply-direction bytes, ingress =
 *   orig-direction bytes.
 * - Both ends local (pod to pod on this node): both pods get their side.
 * - Neither end local (transit through the node, e.g. NodePort forwarded to another node):
 *   not attributed here; the receiving node attributes it. Reported as unattributed.
 *
 * viaNat
 * - SNAT / masquerade: reply dst ≠ orig src (the node rewrote the source) → viaNat.
 * - DNAT: orig dst ≠ reply src. It is Service DNAT (kube-proxy; not NAT for cost purposes) when
 *   the real peer (reply src) is an in-cluster pod or node, or the original destination is a
 *   known Service address; any other DNAT → viaNat.
 * - For remotely originated flows only SNAT counts: DNAT to a local pod is the Service path.
 */
import type { TrafficClass } from '../schema/records.js';
import { ENDPOINT_NONE, ENDPOINT_SERVICE, type NetworkClassifier } from './classify.js';
import { type ConntrackEntry, ORIG_DST, ORIG_SRC, REPLY_DST, REPLY_SRC } from './conntrack.js';
import type { FlowDelta } from './delta.js';
import { type IpAddress, parseIp } from './ip.js';
import { IpTable } from './ipTable.js';

export const HOST_POD = '__host__';

export interface LocalPod {
  namespace: string;
  pod: string;
}

/** The addresses of this node's pods; host-network pods and the node's own addresses are `__host__`. */
export class LocalEndpoints {
  /** Slot 0 is `__host__` (namespace ''). */
  readonly slots: LocalPod[] = [{ namespace: '', pod: HOST_POD }];
  private readonly table = new IpTable(64);
  readonly invalid: string[] = [];

  constructor(
    pods: readonly { namespace: string; name: string; ips: readonly string[]; hostNetwork: boolean }[],
    hostAddresses: readonly string[],
  ) {
    for (const ip of hostAddresses) this.put(ip, 0);
    for (const p of pods) {
      if (p.hostNetwork) {
        for (const ip of p.ips) this.put(ip, 0);
        continue;
      }
      const slot = this.slots.length;
      this.slots.push({ namespace: p.namespace, pod: p.name });
      for (const ip of p.ips) this.put(ip, slot);
    }
  }

  private put(ip: string, slot: number): void {
    const a: IpAddress | null = parseIp(ip);
    if (!a) this.invalid.push(ip);
    else this.table.set(a, slot);
  }

  /** Slot of a local address, or −1. */
  lookup(family: 4 | 6, w0: number, w1: number, w2: number, w3: number): number {
    return this.table.get(family, w0, w1, w2, w3);
  }

  get size(): number {
    return this.table.size;
  }
}

/** One aggregated row of a cycle: both directions of one (local pod, remote verdict, NAT). */
export interface AggregateRow {
  slot: number;
  verdict: number;
  viaNat: boolean;
  egressBytes: number;
  egressPackets: number;
  ingressBytes: number;
  ingressPackets: number;
}

/**
 * Per-cycle sums keyed by numbers (slot, verdict, viaNat): no string per entry. Each key gets a
 * row number once and keeps it for the aggregator's life, so a caller may remember the row of a
 * flow ({@link FlowAttributor.route}) and add to it with {@link addRow}, without a map lookup. A
 * cycle lists the rows it touched in the order it first touched them.
 */
export class FlowAggregator {
  private readonly rowOf = new Map<number, number>();
  private rowCount = 0;
  private slots = new Int32Array(64);
  private verdicts = new Int32Array(64);
  private nat = new Uint8Array(64);
  /** egress bytes, egress packets, ingress bytes, ingress packets per row. */
  private sums = new Float64Array(64 * 4);
  /** 1 for rows touched this cycle. */
  private touchedFlag = new Uint8Array(64);
  private touched: number[] = [];
  constructor(private readonly verdictCount: number) {}

  /** The row of (slot, verdict, viaNat), created empty when new. */
  row(slot: number, verdict: number, viaNat: boolean): number {
    const key = (slot * this.verdictCount + verdict) * 2 + (viaNat ? 1 : 0);
    let r = this.rowOf.get(key);
    if (r === undefined) {
      r = this.rowCount++;
      if (r === this.slots.length) this.grow();
      this.slots[r] = slot;
      this.verdicts[r] = verdict;
      this.nat[r] = viaNat ? 1 : 0;
      this.rowOf.set(key, r);
    }
    return r;
  }

  private grow(): void {
    const n = this.slots.length * 2;
    const slots = new Int32Array(n);
    slots.set(this.slots);
    this.slots = slots;
    const verdicts = new Int32Array(n);
    verdicts.set(this.verdicts);
    this.verdicts = verdicts;
    const nat = new Uint8Array(n);
    nat.set(this.nat);
    this.nat = nat;
    const sums = new Float64Array(n * 4);
    sums.set(this.sums);
    this.sums = sums;
    const touchedFlag = new Uint8Array(n);
    touchedFlag.set(this.touchedFlag);
    this.touchedFlag = touchedFlag;
  }

  /** Adds to a row from {@link row}. */
  addRow(r: number, eb: number, ep: number, ib: number, ip: number): void {
    if (this.touchedFlag[r] === 0) {
      this.touchedFlag[r] = 1;
      this.touched.push(r);
    }
    const s = this.sums;
    const o = r * 4;
    s[o] = (s[o] as number) + eb;
    s[o + 1] = (s[o + 1] as number) + ep;
    s[o + 2] = (s[o + 2] as number) + ib;
    s[o + 3] = (s[o + 3] as number) + ip;
  }

  /**
   * Adds a flow delta to a row: egress is the orig direction, or the reply direction when
   * `replySide`. (The object, not its four doubles, crosses the call: doubles passed to a call
   * the compiler leaves out of line are boxed on the heap.)
   */
  addDelta(r: number, d: FlowDelta, replySide: boolean): void {
    if (this.touchedFlag[r] === 0) {
      this.touchedFlag[r] = 1;
      this.touched.push(r);
    }
    const s = this.sums;
    const o = r * 4;
    if (replySide) {
      s[o] = (s[o] as number) + d.replyBytes;
      s[o + 1] = (s[o + 1] as number) + d.replyPackets;
      s[o + 2] = (s[o + 2] as number) + d.origBytes;
      s[o + 3] = (s[o + 3] as number) + d.origPackets;
    } else {
      s[o] = (s[o] as number) + d.origBytes;
      s[o + 1] = (s[o + 1] as number) + d.origPackets;
      s[o + 2] = (s[o + 2] as number) + d.replyBytes;
      s[o + 3] = (s[o + 3] as number) + d.replyPackets;
    }
  }

  add(slot: number, verdict: number, viaNat: boolean, eb: number, ep: number, ib: number, ip: number): void {
    this.addRow(this.row(slot, verdict, viaNat), eb, ep, ib, ip);
  }

  /** Rows touched this cycle. */
  get size(): number {
    return this.touched.length;
  }

  /** Calls `fn` with each of this cycle's rows (row number and sums), in the order of {@link values}. */
  forEachRow(
    fn: (
      row: number,
      slot: number,
      verdict: number,
      viaNat: boolean,
      eb: number,
      ep: number,
      ib: number,
      ip: number,
    ) => void,
  ): void {
    const s = this.sums;
    for (const r of this.touched) {
      const o = r * 4;
      fn(
        r,
        this.slots[r] as number,
        this.verdicts[r] as number,
        this.nat[r] === 1,
        s[o] as number,
        s[o + 1] as number,
        s[o + 2] as number,
        s[o + 3] as number,
      );
    }
  }

  /** This cycle's rows, in the order they were first added to. */
  *values(): IterableIterator<AggregateRow> {
    const s = this.sums;
    for (const r of this.touched) {
      yield {
        slot: this.slots[r] as number,
        verdict: this.verdicts[r] as number,
        viaNat: this.nat[r] === 1,
        egressBytes: s[r * 4] as number,
        egressPackets: s[r * 4 + 1] as number,
        ingressBytes: s[r * 4 + 2] as number,
        ingressPackets: s[r * 4 + 3] as number,
      };
    }
  }

  /** Ends a cycle: the sums go back to zero (rows keep their numbers). */
  clear(): void {
    const s = this.sums;
    for (const r of this.touched) {
      this.touchedFlag[r] = 0;
      s.fill(0, r * 4, r * 4 + 4);
    }
    this.touched = [];
  }
}

function same(a: Uint32Array, x: number, y: number, v6: boolean): boolean {
  if (a[x] !== a[y]) return false;
  return !v6 || (a[x + 1] === a[y + 1] && a[x + 2] === a[y + 2] && a[x + 3] === a[y + 3]);
}

export class FlowAttributor {
  /** Bytes of entries with no local end (transit), since construction. */
  unattributedBytes = 0;
  unattributedEntries = 0;
  /**
   * Set by {@link route}: the aggregator row of the locally originating pod's side (its egress is
   * the orig direction), and of the accepting pod's side (its egress is the reply direction);
   * −1 when that end is not local.
   */
  routeOrig = -1;
  routeReply = -1;

  constructor(
    readonly classifier: NetworkClassifier,
    readonly locals: LocalEndpoints,
  ) {}

  /** Adds the entry's delta to `agg`; returns false when neither end is local. */
  attribute(e: ConntrackEntry, d: FlowDelta, agg: FlowAggregator): boolean {
    this.route(e, agg);
    return this.credit(this.routeOrig, this.routeReply, d, agg);
  }

  /**
   * Adds a delta along a route from {@link route} (which depends on the entry's four addresses
   * only, so a caller may keep it per flow); returns false when neither end is local.
   */
  credit(routeOrig: number, routeReply: number, d: FlowDelta, agg: FlowAggregator): boolean {
    if (routeOrig >= 0) agg.addDelta(routeOrig, d, false);
    if (routeReply >= 0) agg.addDelta(routeReply, d, true);
    if (routeOrig < 0 && routeReply < 0) {
      this.unattributedBytes += d.origBytes + d.replyBytes;
      this.unattributedEntries++;
      return false;
    }
    return true;
  }

  /** Which rows of `agg` the entry's bytes go to: sets {@link routeOrig} and {@link routeReply}. */
  route(e: ConntrackEntry, agg: FlowAggregator): void {
    const a = e.addr;
    const fam = e.family;
    const v6 = fam === 6;
    const c = this.classifier;
    this.routeOrig = -1;
    this.routeReply = -1;
    const oLocal = this.locals.lookup(
      fam,
      a[ORIG_SRC] as number,
      a[1] as number,
      a[2] as number,
      a[3] as number,
    );
    let rLocal = -1;
    if (oLocal >= 0) {
      const verdict = c.classify(fam, a[8] as number, a[9] as number, a[10] as number, a[11] as number);
      let viaNat = !same(a, REPLY_DST, ORIG_SRC, v6);
      if (!viaNat && !same(a, ORIG_DST, REPLY_SRC, v6)) {
        viaNat =
          c.endpointKind(fam, a[8] as number, a[9] as number, a[10] as number, a[11] as number) ===
            ENDPOINT_NONE &&
          c.endpointKind(fam, a[4] as number, a[5] as number, a[6] as number, a[7] as number) !==
            ENDPOINT_SERVICE;
      }
      this.routeOrig = agg.row(oLocal, verdict, viaNat);
      // The peer can only be local too when it is an endpoint of this node.
      if (!c.isSameNode(verdict) || same(a, ORIG_SRC, REPLY_SRC, v6)) return;
    }
    rLocal = this.locals.lookup(
      fam,
      a[REPLY_SRC] as number,
      a[9] as number,
      a[10] as number,
      a[11] as number,
    );
    if (rLocal < 0) return;
    const verdict = c.classify(fam, a[0] as number, a[1] as number, a[2] as number, a[3] as number);
    const viaNat = !same(a, REPLY_DST, ORIG_SRC, v6);
    this.routeReply = agg.row(rLocal, verdict, viaNat);
  }
}

/** A resolved row, ready to become a `flow` record or a metric sample. */
export interface FlowSum {
  namespace: string;
  pod: string;
  direction: 'egress' | 'ingress';
  class: TrafficClass;
  service: string | null;
  viaNat: boolean;
  bytes: number;
  packets: number;
}

/** Sums over a ship interval, keyed by their resolved labels (they outlive topology changes). */
export class FlowWindow {
  private readonly sums = new Map<string, FlowSum>();
  /**
   * The keys of an aggregator's rows (row × 2 + direction), built once per aggregator: its rows
   * keep their labels, and a cycle then allocates no key strings (they were most of the
   * collector's garbage, and so of its resident memory between full collections).
   */
  private keysOf: FlowAggregator | null = null;
  private keysFor: FlowAttributor | null = null;
  private rowKeys: (string | undefined)[] = [];

  /** Adds a cycle's rows, resolved against the classifier and local endpoints of that cycle. */
  addCycle(agg: FlowAggregator, attributor: FlowAttributor): FlowSum[] {
    const resolved: FlowSum[] = [];
    if (this.keysOf !== agg || this.keysFor !== attributor) {
      this.keysOf = agg;
      this.keysFor = attributor;
      this.rowKeys = [];
    }
    const keys = this.rowKeys;
    agg.forEachRow((row, slot, verdict, viaNat, eb, ep, ib, ip) => {
      const local = attributor.locals.slots[slot];
      if (!local) return;
      const v = attributor.classifier.verdict(verdict);
      for (let dir = 0; dir < 2; dir++) {
        const bytes = dir === 0 ? eb : ib;
        const packets = dir === 0 ? ep : ip;
        if (bytes === 0 && packets === 0) continue;
        const sum: FlowSum = {
          namespace: local.namespace,
          pod: local.pod,
          direction: dir === 0 ? 'egress' : 'ingress',
          class: v.class,
          service: v.service,
          viaNat,
          bytes,
          packets,
        };
        resolved.push(sum);
        let key = keys[row * 2 + dir];
        if (key === undefined) {
          key = FlowWindow.keyOf(sum);
          keys[row * 2 + dir] = key;
        }
        this.addKeyed(key, sum);
      }
    });
    return resolved;
  }

  private static keyOf(sum: FlowSum): string {
    return `${sum.namespace}\u0000${sum.pod}\u0000${sum.direction}\u0000${sum.class}\u0000${sum.service ?? ''}\u0000${sum.viaNat ? 1 : 0}`;
  }

  add(sum: FlowSum): void {
    this.addKeyed(FlowWindow.keyOf(sum), sum);
  }

  private addKeyed(key: string, sum: FlowSum): void {
    const cur = this.sums.get(key);
    if (cur) {
      cur.bytes += sum.bytes;
      cur.packets += sum.packets;
    } else {
      this.sums.set(key, { ...sum });
    }
  }

  get size(): number {
    return this.sums.size;
  }

  /** The sums, sorted (namespace, pod, direction, class, service, viaNat) for stable output. */
  drain(): FlowSum[] {
    const out = [...this.sums.values()];
    this.sums.clear();
    out.sort(
      (x, y) =>
        cmp(x.namespace, y.namespace) ||
        cmp(x.pod, y.pod) ||
        cmp(x.direction, y.direction) ||
        cmp(x.class, y.class) ||
        cmp(x.service ?? '', y.service ?? '') ||
        Number(x.viaNat) - Number(y.viaNat),
    );
    return out;
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
