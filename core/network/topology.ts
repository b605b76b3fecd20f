/**
 * From `ownercost/v1` inventory records to what network classification needs: the cluster's
 * endpoints with their zone and region, this node's local pods, and `flow` records out.
 *
 * Node records carry no addresses in `ownercost/v1`; node addresses come from host-network pods
 * (which share them) and from an optional `addresses` field on node records (an addition).
 * Services carry no cluster IP either; an optional `clusterIPs` field is read when present, and
 * `loadBalancer.ip` always.
 */
import {
  type FlowRecord,
  type NodeRecord,
  type PodRecord,
  SCHEMA_V1,
  type ServiceRecord,
} from '../schema/records.js';
import type { FlowSum } from './attribute.js';
import type { ClusterEndpoint } from './classify.js';

/** A node record as the agent may receive it: optionally with its addresses. */
export type TopologyNode = NodeRecord & { addresses?: string[] };
/** A service record, optionally with its cluster IPs. */
export type TopologyService = ServiceRecord & { clusterIPs?: string[] };

export interface TopologyRecords {
  nodes: readonly TopologyNode[];
  pods: readonly PodRecord[];
  services: readonly TopologyService[];
}

const ZONE_LABELS = ['topology.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/zone'];
const REGION_LABELS = ['topology.kubernetes.io/region', 'failure-domain.beta.kubernetes.io/region'];

function fromLabels(labels: Record<string, string>, keys: readonly string[]): string | null {
  for (const k of keys) {
    const v = labels[k];
    if (v) return v;
  }
  return null;
}

/** A node's zone and region: its record fields, else its topology labels. */
export function nodePlacement(node: NodeRecord): { zone: string | null; region: string | null } {
  return {
    zone: node.zone || fromLabels(node.labels, ZONE_LABELS),
    region: node.region || fromLabels(node.labels, REGION_LABELS),
  };
}

/** Every pod, node and service address of the cluster, placed by its node's zone and region. */
export function clusterEndpoints(t: TopologyRecords): ClusterEndpoint[] {
  const placement = new Map<string, { zone: string | null; region: string | null }>();
  for (const n of t.nodes) placement.set(n.name, nodePlacement(n));
  const out: ClusterEndpoint[] = [];
  for (const n of t.nodes) {
    const p = placement.get(n.name) ?? { zone: null, region: null };
    for (const ip of n.addresses ?? []) out.push({ ip, kind: 'node', node: n.name, ...p });
  }
  for (const pod of t.pods) {
    const p = placement.get(pod.node) ?? { zone: null, region: null };
    // A host-network pod's addresses are its node's.
    const kind = pod.hostNetwork ? 'node' : 'pod';
    for (const ip of pod.ips) out.push({ ip, kind, node: pod.node || null, ...p });
  }
  for (const s of t.services) {
    const ips = [...(s.clusterIPs ?? []), ...(s.loadBalancer.ip ? [s.loadBalancer.ip] : [])];
    for (const ip of ips) {
      if (ip === 'None' || ip === '') continue;
      out.push({ ip, kind: 'service', node: null, zone: null, region: null });
    }
  }
  return out;
}

/** This node's pods and its own addresses (host-network pods' addresses and `addresses`). */
export function localPods(
  t: TopologyRecords,
  nodeName: string,
): { pods: PodRecord[]; hostAddresses: string[]; placement: { zone: string | null; region: string | null } } {
  const node = t.nodes.find((n) => n.name === nodeName);
  const pods = t.pods.filter((p) => p.node === nodeName && p.phase !== 'Succeeded' && p.phase !== 'Failed');
  const hostAddresses = [...(node?.addresses ?? [])];
  for (const p of pods) if (p.hostNetwork) hostAddresses.push(...p.ips);
  return { pods, hostAddresses, placement: node ? nodePlacement(node) : { zone: null, region: null } };
}

/** `flow` records of one ship interval. */
export function flowRecords(
  sums: readonly FlowSum[],
  meta: { cluster: string; node: string; ts: string; intervalSeconds: number },
): FlowRecord[] {
  return sums.map((s) => ({
    schema: SCHEMA_V1,
    kind: 'flow',
    cluster: meta.cluster,
    ts: meta.ts,
    intervalSeconds: meta.intervalSeconds,
    node: meta.node,
    namespace: s.namespace,
    pod: s.pod,
    direction: s.direction,
    class: s.class,
    service: s.service,
    viaNat: s.viaNat,
    bytes: s.bytes,
    packets: s.packets,
  }));
}
