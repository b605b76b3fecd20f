/**
 * How billing lines map to cluster assets (DESIGN.md, allocation rule 1). Shared by the allocation
 * engine, the billing adapters and the simulator so the three agree on one convention.
 */
import type { CostLine } from '../schema/costLine.js';

/** Tag keys that name a line's cluster, tried in order (AWS EKS, GKE, AKS, our own). */
export const DEFAULT_CLUSTER_TAG_KEYS = [
  'aws:eks:cluster-name',
  'eks:cluster-name',
  'goog-k8s-cluster-name',
  'aks-managed-cluster-name',
  'ownercost:cluster',
] as const;

/** Billed network classes: the flow traffic classes that cost money, plus NAT processing. */
export type BilledNetworkClass = 'cross-zone' | 'cross-region' | 'internet' | 'nat';

export type LineKind =
  | { kind: 'transfer'; networkClass: BilledNetworkClass }
  | { kind: 'cluster-fee' }
  | { kind: 'nat-hours' }
  | { kind: 'resource' };

/**
 * Identifier segments of a provider resource id: the id itself and its `/`-separated parts, so
 * `arn:aws:ec2:us-east-1:123:instance/i-0abc` and `i-0abc` both yield `i-0abc`, and
 * `//compute.googleapis.com/projects/p/zones/z/disks/pvc-1` yields `pvc-1`.
 */
export function resourceSegments(resourceId: string): string[] {
  const parts = resourceId.split('/').filter((p) => p.length > 0);
  return parts.includes(resourceId) ? parts : [resourceId, ...parts];
}

/** The asset id of a node: the last segment of its `providerId` (`aws:///us-east-1a/i-0abc` → `i-0abc`). */
export function nodeAssetId(providerId: string): string {
  const parts = providerId.split('/').filter((p) => p.length > 0);
  return parts[parts.length - 1] ?? providerId;
}

/** The asset id of a disk: the last segment of the PV's `volumeHandle`. */
export function volumeAssetId(volumeHandle: string): string {
  return nodeAssetId(volumeHandle);
}

/**
 * Asset ids of a load balancer: its name (the first DNS label of the hostname without the
 * trailing `-<hash>`, as AWS names ELBs) and its IP (GCP and Azure forwarding rules).
 */
export function loadBalancerAssetIds(hostname: string | null, ip: string | null): string[] {
  const ids: string[] = [];
  if (hostname) {
    const label = hostname.split('.')[0] ?? '';
    ids.push(label);
    const m = /^(.*)-[0-9a-f]{6,}$/i.exec(label);
    if (m?.[1]) ids.push(m[1]);
  }
  if (ip) ids.push(ip);
  return ids;
}

const TRANSFER_PATTERNS: [RegExp, BilledNetworkClass][] = [
  // AWS usage types
  [/NatGateway-Bytes/i, 'nat'],
  [/DataTransfer-Regional-Bytes/i, 'cross-zone'],
  [/-AWS-(Out|In)-Bytes/i, 'cross-region'],
  [/DataTransfer-Out-Bytes/i, 'internet'],
  // GCP and Azure SKU descriptions
  [/NAT.*Data Processing/i, 'nat'],
  [/Inter[- ]?Zone|Inter-Availability Zone/i, 'cross-zone'],
  [/Inter[- ]?Region|Inter-Continental/i, 'cross-region'],
  [/Internet (Data Transfer|Egress)|Egress.*Internet/i, 'internet'],
];

/** What a cluster-attributed billing line is: transfer of a class, a cluster fee, NAT hours, or a resource. */
export function classifyLine(line: Pick<CostLine, 'x_UsageType' | 'SkuId' | 'ServiceName'>): LineKind {
  const usage = `${line.x_UsageType ?? ''} ${line.SkuId ?? ''}`;
  for (const [re, networkClass] of TRANSFER_PATTERNS) {
    if (re.test(usage)) return { kind: 'transfer', networkClass };
  }
  if (
    /AmazonEKS-Hours|EKS-Hours:perCluster|Cluster Management Fee|Kubernetes Clusters? (fee|Uptime)/i.test(
      usage,
    )
  )
    return { kind: 'cluster-fee' };
  if (/NatGateway-Hours|NAT Gateway.*(Uptime|Hours)/i.test(usage)) return { kind: 'nat-hours' };
  return { kind: 'resource' };
}

/** The cluster a line is tagged with, by the first matching tag key, or null. */
export function clusterOfTags(tags: Record<string, string>, tagKeys: readonly string[]): string | null {
  for (const k of tagKeys) {
    const v = tags[k];
    if (v) return v;
  }
  return null;
}
