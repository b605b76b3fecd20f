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

/** Per-cycle sums keyed by numbers (slot, verdict, viaNat): no string per entry. */
export class FlowAggregator {
  private readonly rows = new Map<number, AggregateRow>();
  constructor(private readonly verdictCount: number) {}

  add(slot: number, verdict: number, viaNat: boolean, eb: number, ep: number, ib: number, ip: number): void {
    const key = (slot * this.verdictCount + verdict) * 2 + (viaNat ? 1 : 0);
    const row = this.rows.get(key);
    if (row) {
      row.egressBytes += eb;
      row.egressPackets += ep;
      row.ingressBytes += ib;
      row.ingressPackets += ip;
    } else {
      this.rows.set(key, {
        slot,
        verdict,
        viaNat,
        egressBytes: eb,
        egressPackets: ep,
        ingressBytes: ib,
        ingressPackets: ip,
      });
    }
  }

  get size(): number {
    return this.rows.size;
  }

  values(): IterableIterator<AggregateRow> {
    return this.rows.values();
  }

  clear(): void {
    this.rows.clear();
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

  constructor(
    readonly classifier: NetworkClassifier,
    readonly locals: LocalEndpoints,
  ) {}

  /** Adds the entry's delta to `agg`; returns false when neither end is local. */
  attribute(e: ConntrackEntry, d: FlowDelta, agg: FlowAggregator): boolean {
    const a = e.addr;
    const fam = e.family;
    const v6 = fam === 6;
    const c = this.classifier;
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
      agg.add(oLocal, verdict, viaNat, d.origBytes, d.origPackets, d.replyBytes, d.replyPackets);
      // The peer can only be local too when it is an endpoint of this node.
      if (!c.isSameNode(verdict) || same(a, ORIG_SRC, REPLY_SRC, v6)) return true;
      rLocal = this.locals.lookup(
        fam,
        a[REPLY_SRC] as number,
        a[9] as number,
        a[10] as number,
        a[11] as number,
      );
    } else {
      rLocal = this.locals.lookup(
        fam,
        a[REPLY_SRC] as number,
        a[9] as number,
        a[10] as number,
        a[11] as number,
      );
    }
    if (rLocal < 0) {
      if (oLocal < 0) {
        this.unattributedBytes += d.origBytes + d.replyBytes;
        this.unattributedEntries++;
        return false;
      }
      return true;
    }
    const verdict = c.classify(fam, a[0] as number, a[1] as number, a[2] as number, a[3] as number);
    const viaNat = !same(a, REPLY_DST, ORIG_SRC, v6);
    agg.add(rLocal, verdict, viaNat, d.replyBytes, d.replyPackets, d.origBytes, d.origPackets);
    return true;
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

  /** Adds a cycle's rows, resolved against the classifier and local endpoints of that cycle. */
  addCycle(agg: FlowAggregator, attributor: FlowAttributor): FlowSum[] {
    const resolved: FlowSum[] = [];
    for (const row of agg.values()) {
      const local = attributor.locals.slots[row.slot];
      if (!local) continue;
      const v = attributor.classifier.verdict(row.verdict);
      for (const [direction, bytes, packets] of [
        ['egress', row.egressBytes, row.egressPackets],
        ['ingress', row.ingressBytes, row.ingressPackets],
      ] as const) {
        if (bytes === 0 && packets === 0) continue;
        const sum: FlowSum = {
          namespace: local.namespace,
          pod: local.pod,
          direction,
          class: v.class,
          service: v.service,
          viaNat: row.viaNat,
          bytes,
          packets,
        };
        resolved.push(sum);
        this.add(sum);
      }
    }
    return resolved;
  }

  add(sum: FlowSum): void {
    const key = `${sum.namespace}\u0000${sum.pod}\u0000${sum.direction}\u0000${sum.class}\u0000${sum.service ?? ''}\u0000${sum.viaNat ? 1 : 0}`;
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
