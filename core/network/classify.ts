/**
 * Classification of the remote end of a connection (DESIGN.md, "Network classification").
 *
 * Precedence:
 * 1. CIDRs from configuration: direct classifications (CIDR → region and/or zone, longest prefix
 *    among them), then `internet`, `inZone`, `inRegion` (= cross-zone), `crossRegion`;
 * 2. in-cluster endpoints (pod, node and service addresses) by their node's zone and region;
 * 3. provider IP ranges (AWS, GCP, Azure) by service priority then longest prefix, which tag the
 *    service and give the region;
 * 4. otherwise internet.
 *
 * A classification is a small integer (a verdict id) so the per-entry path allocates nothing.
 */
import type { TrafficClass } from '../schema/records.js';
import { type IpAddress, type IpFamily, parseCidr, parseIp } from './ip.js';
import { IpTable } from './ipTable.js';
import type { ProviderPrefix } from './providers.js';
import { PrefixTrie } from './trie.js';

/** CIDR classifications from configuration (the names follow Kubecost's network-costs config). */
export interface NetworkOverrides {
  directClassification?: readonly { region?: string; zone?: string; cidrs: readonly string[] }[];
  internet?: readonly string[];
  inZone?: readonly string[];
  inRegion?: readonly string[];
  crossRegion?: readonly string[];
}

export interface ClusterEndpoint {
  ip: string;
  kind: 'pod' | 'node' | 'service';
  /** The node the endpoint runs on (pods, nodes); null for services. */
  node: string | null;
  region: string | null;
  zone: string | null;
}

export interface ClassifierInput {
  /** Where the local node is: the reference for in-zone / cross-zone / cross-region. */
  local: { node: string | null; region: string | null; zone: string | null };
  overrides?: NetworkOverrides;
  endpoints?: readonly ClusterEndpoint[];
  providerPrefixes?: readonly ProviderPrefix[];
}

export type VerdictSource = 'config' | 'cluster' | 'provider' | 'default';

export interface Verdict {
  id: number;
  class: TrafficClass;
  service: string | null;
  region: string | null;
  zone: string | null;
  source: VerdictSource;
  /** An endpoint on the local node (so possibly one of its local pods). */
  sameNode: boolean;
}

/** Kubecost's label values of `kubecost_pod_network_{egress,ingress}_bytes_total` for a class. */
export function kubecostLabels(cls: TrafficClass): {
  internet: 'true' | 'false';
  same_region: 'true' | 'false';
  same_zone: 'true' | 'false';
} {
  switch (cls) {
    case 'in-zone':
      return { internet: 'false', same_region: 'true', same_zone: 'true' };
    case 'cross-zone':
      return { internet: 'false', same_region: 'true', same_zone: 'false' };
    case 'cross-region':
      return { internet: 'false', same_region: 'false', same_zone: 'false' };
    case 'internet':
      return { internet: 'true', same_region: 'false', same_zone: 'false' };
    default:
      // An in-cluster endpoint whose zone is not known: inside the region, zone unknown.
      return { internet: 'false', same_region: 'true', same_zone: 'false' };
  }
}

export const ENDPOINT_NONE = 0;
export const ENDPOINT_POD = 1;
export const ENDPOINT_NODE = 2;
export const ENDPOINT_SERVICE = 3;
const KIND_CODE = { pod: ENDPOINT_POD, node: ENDPOINT_NODE, service: ENDPOINT_SERVICE } as const;

const norm = (s: string | null | undefined): string | null => {
  const t = s?.trim().toLowerCase();
  return t ? t : null;
};

/** Storage services whose same-region transfer is free at every provider (S3, GCS, Azure Storage). */
const STORAGE_SERVICES = new Set(['s3', 'gcs', 'azure-storage']);

export class NetworkClassifier {
  private readonly verdicts: Verdict[] = [];
  /** 1 for verdicts of endpoints on this node (hot path: no object access). */
  private sameNodeFlags = new Uint8Array(64);
  private readonly verdictKeys = new Map<string, number>();
  private readonly configTrie = new PrefixTrie(256);
  private readonly providerTrie: PrefixTrie;
  private readonly endpoints: IpTable;
  private readonly internetId: number;
  private readonly local: { node: string | null; region: string | null; zone: string | null };
  /** Configured or published CIDRs that did not parse (reported by the caller). */
  readonly invalidCidrs: string[] = [];

  constructor(input: ClassifierInput) {
    this.local = { node: input.local.node, region: norm(input.local.region), zone: norm(input.local.zone) };
    this.internetId = this.intern('internet', null, null, null, 'default');

    const o = input.overrides ?? {};
    const addConfig = (cidrs: readonly string[] | undefined, rank: number, verdict: number) => {
      for (const c of cidrs ?? []) {
        const cidr = parseCidr(c);
        if (!cidr) this.invalidCidrs.push(c);
        else this.configTrie.insert(cidr, verdict, rank);
      }
    };
    for (const d of o.directClassification ?? []) {
      const cls = this.relate(d.region ?? null, d.zone ?? null, false, 'cross-zone');
      addConfig(d.cidrs, 5, this.intern(cls, null, norm(d.region), norm(d.zone), 'config'));
    }
    addConfig(o.internet, 4, this.intern('internet', null, null, null, 'config'));
    addConfig(o.inZone, 3, this.intern('in-zone', null, null, null, 'config'));
    addConfig(o.inRegion, 2, this.intern('cross-zone', null, null, null, 'config'));
    addConfig(o.crossRegion, 1, this.intern('cross-region', null, null, null, 'config'));

    const eps = input.endpoints ?? [];
    this.endpoints = new IpTable(eps.length);
    for (const ep of eps) {
      const a = parseIp(ep.ip);
      if (!a) {
        this.invalidCidrs.push(ep.ip);
        continue;
      }
      const sameNode = ep.node !== null && ep.node === this.local.node;
      const region = ep.kind === 'service' ? (norm(ep.region) ?? this.local.region) : norm(ep.region);
      const cls = this.relate(region, ep.zone, sameNode, ep.kind === 'service' ? 'cross-zone' : 'unknown');
      const id = this.intern(cls, null, region, norm(ep.zone), 'cluster', sameNode);
      // Pods win over services and nodes when an address is listed twice (host-network pods share the node's).
      const existing = this.endpoints.getIp(a);
      if (existing >= 0 && (existing & 3) === ENDPOINT_POD) continue;
      this.endpoints.set(a, id * 4 + KIND_CODE[ep.kind]);
    }

    const prefixes = input.providerPrefixes ?? [];
    this.providerTrie = new PrefixTrie(Math.max(1024, prefixes.length * 8));
    for (const p of prefixes) {
      const cidr = parseCidr(p.cidr);
      if (!cidr) {
        this.invalidCidrs.push(p.cidr);
        continue;
      }
      const region = norm(p.region);
      let cls: TrafficClass;
      if (!region || !this.local.region) cls = 'internet';
      else if (region !== this.local.region) cls = 'cross-region';
      else cls = STORAGE_SERVICES.has(p.service) ? 'in-zone' : 'cross-zone';
      this.providerTrie.insert(cidr, this.intern(cls, p.service, region, null, 'provider'), p.priority);
    }
  }

  /** Class of a remote at (region, zone) seen from the local node. */
  private relate(
    region: string | null,
    zone: string | null,
    sameNode: boolean,
    sameRegionUnknownZone: TrafficClass,
  ): TrafficClass {
    if (sameNode) return 'in-zone';
    const r = norm(region);
    const z = norm(zone);
    const { region: lr, zone: lz } = this.local;
    if (r && lr && r !== lr) return 'cross-region';
    if (z && lz) return z === lz ? 'in-zone' : 'cross-zone';
    if (r && lr) return sameRegionUnknownZone;
    return 'unknown';
  }

  private intern(
    cls: TrafficClass,
    service: string | null,
    region: string | null,
    zone: string | null,
    source: VerdictSource,
    sameNode = false,
  ): number {
    const key = `${cls}|${service ?? ''}|${region ?? ''}|${zone ?? ''}|${source}|${sameNode ? 1 : 0}`;
    let id = this.verdictKeys.get(key);
    if (id === undefined) {
      id = this.verdicts.length;
      this.verdicts.push({ id, class: cls, service, region, zone, source, sameNode });
      this.verdictKeys.set(key, id);
      if (id >= this.sameNodeFlags.length) {
        const bigger = new Uint8Array(this.sameNodeFlags.length * 2);
        bigger.set(this.sameNodeFlags);
        this.sameNodeFlags = bigger;
      }
      this.sameNodeFlags[id] = sameNode ? 1 : 0;
    }
    return id;
  }

  /** Whether a verdict is that of an endpoint on the local node. */
  isSameNode(verdict: number): boolean {
    return this.sameNodeFlags[verdict] === 1;
  }

  /** How many distinct verdicts exist (ids are 0 … count−1). */
  get verdictCount(): number {
    return this.verdicts.length;
  }

  verdict(id: number): Verdict {
    const v = this.verdicts[id];
    if (!v) throw new RangeError(`NetworkClassifier: no verdict ${id}`);
    return v;
  }

  /** Verdict id of an address (IPv4: w0 only). */
  classify(family: IpFamily, w0: number, w1: number, w2: number, w3: number): number {
    const c = this.configTrie.lookup(family, w0, w1, w2, w3);
    if (c >= 0) return c;
    const e = this.endpoints.get(family, w0, w1, w2, w3);
    if (e >= 0) return e >>> 2;
    const p = this.providerTrie.lookup(family, w0, w1, w2, w3);
    if (p >= 0) return p;
    return this.internetId;
  }

  /** ENDPOINT_POD, ENDPOINT_NODE, ENDPOINT_SERVICE, or ENDPOINT_NONE when not in the cluster. */
  endpointKind(family: IpFamily, w0: number, w1: number, w2: number, w3: number): number {
    const e = this.endpoints.get(family, w0, w1, w2, w3);
    return e >= 0 ? e & 3 : ENDPOINT_NONE;
  }

  /** Convenience for tests and tools: classify an address given as text. */
  classifyIp(text: string): Verdict {
    const a: IpAddress | null = parseIp(text);
    if (!a) throw new TypeError(`NetworkClassifier: not an IP address: ${JSON.stringify(text)}`);
    return this.verdict(this.classify(a.family, a.words[0], a.words[1], a.words[2], a.words[3]));
  }

  get stats(): { providerPrefixes: number; providerTrieNodes: number; endpoints: number; invalid: number } {
    return {
      providerPrefixes: this.providerTrie.size,
      providerTrieNodes: this.providerTrie.nodes,
      endpoints: this.endpoints.size,
      invalid: this.invalidCidrs.length,
    };
  }
}
