/**
 * The snapshot contract `ownercost/v1` (DESIGN.md): what the agent writes, the pipeline reads,
 * and tests and the simulator produce. Fields may be added; none may be renamed.
 */
import { z } from 'zod';

export const SCHEMA_V1 = 'ownercost/v1' as const;

/** ISO-8601 UTC timestamp, e.g. `2026-11-16T00:05:00.000Z`. */
const isoTs = z.iso.datetime({ offset: false });
const labels = z.record(z.string(), z.string());

/** CPU in cores, memory in bytes, GPUs in devices. */
export const Resources = z.object({
  cpuCores: z.number().nonnegative(),
  memoryBytes: z.number().nonnegative(),
  gpus: z.number().nonnegative(),
});
export type Resources = z.infer<typeof Resources>;

const common = {
  schema: z.literal(SCHEMA_V1),
  cluster: z.string().min(1),
  ts: isoTs,
  intervalSeconds: z.number().positive(),
};

export const NodeRecord = z.object({
  ...common,
  kind: z.literal('node'),
  name: z.string().min(1),
  providerId: z.string(),
  instanceType: z.string(),
  region: z.string(),
  zone: z.string(),
  nodePool: z.string(),
  capacityType: z.enum(['on-demand', 'spot']),
  capacity: Resources,
  allocatable: Resources,
  labels,
});

export const ContainerRecord = z.object({
  name: z.string(),
  requests: Resources,
  limits: Resources,
  usage: Resources,
  restarts: z.number().int().nonnegative(),
});

export const PodRecord = z.object({
  ...common,
  kind: z.literal('pod'),
  namespace: z.string().min(1),
  name: z.string().min(1),
  uid: z.string().min(1),
  node: z.string(),
  phase: z.string(),
  ips: z.array(z.string()),
  hostNetwork: z.boolean(),
  owner: z.object({ kind: z.string(), name: z.string() }),
  labels,
  containers: z.array(ContainerRecord),
  volumes: z.array(z.object({ claim: z.string() })),
});

export const NamespaceRecord = z.object({
  ...common,
  kind: z.literal('namespace'),
  name: z.string().min(1),
  labels,
  annotations: labels,
  createdAt: isoTs,
});

export const WorkloadRecord = z.object({
  ...common,
  kind: z.literal('workload'),
  namespace: z.string().min(1),
  name: z.string().min(1),
  controllerKind: z.string(),
  labels,
  replicas: z.number().nonnegative(),
  schedule: z.string().optional(),
  suspend: z.boolean().optional(),
  parallelism: z.number().nonnegative().optional(),
  backoffLimit: z.number().nonnegative().optional(),
  succeeded: z.number().nonnegative().optional(),
  failed: z.number().nonnegative().optional(),
  lastScheduleTime: isoTs.nullable().optional(),
  generation: z.number().nonnegative().optional(),
  images: z.array(z.string()).optional(),
});

export const PvcRecord = z.object({
  ...common,
  kind: z.literal('pvc'),
  namespace: z.string().min(1),
  name: z.string().min(1),
  volumeName: z.string(),
  storageClass: z.string(),
  capacityBytes: z.number().nonnegative(),
  phase: z.string(),
});

export const PvRecord = z.object({
  ...common,
  kind: z.literal('pv'),
  name: z.string().min(1),
  volumeHandle: z.string(),
  storageClass: z.string(),
  capacityBytes: z.number().nonnegative(),
  phase: z.string(),
  claim: z.object({ namespace: z.string(), name: z.string() }).nullable(),
  reclaimPolicy: z.string(),
});

export const ServiceRecord = z.object({
  ...common,
  kind: z.literal('service'),
  namespace: z.string().min(1),
  name: z.string().min(1),
  type: z.string(),
  selector: labels,
  loadBalancer: z.object({ hostname: z.string().optional(), ip: z.string().optional() }),
});

export const TRAFFIC_CLASSES = ['in-zone', 'cross-zone', 'cross-region', 'internet', 'unknown'] as const;
export const TrafficClass = z.enum(TRAFFIC_CLASSES);
export type TrafficClass = z.infer<typeof TrafficClass>;

export const FlowRecord = z.object({
  ...common,
  kind: z.literal('flow'),
  node: z.string(),
  namespace: z.string(),
  /** The local pod, or `__host__` for host-network traffic. */
  pod: z.string(),
  direction: z.enum(['egress', 'ingress']),
  class: TrafficClass,
  service: z.string().nullable(),
  viaNat: z.boolean(),
  bytes: z.number().nonnegative(),
  packets: z.number().nonnegative(),
});

export const SnapshotRecord = z.discriminatedUnion('kind', [
  NodeRecord,
  PodRecord,
  NamespaceRecord,
  WorkloadRecord,
  PvcRecord,
  PvRecord,
  ServiceRecord,
  FlowRecord,
]);

export type NodeRecord = z.infer<typeof NodeRecord>;
export type PodRecord = z.infer<typeof PodRecord>;
export type ContainerRecord = z.infer<typeof ContainerRecord>;
export type NamespaceRecord = z.infer<typeof NamespaceRecord>;
export type WorkloadRecord = z.infer<typeof WorkloadRecord>;
export type PvcRecord = z.infer<typeof PvcRecord>;
export type PvRecord = z.infer<typeof PvRecord>;
export type ServiceRecord = z.infer<typeof ServiceRecord>;
export type FlowRecord = z.infer<typeof FlowRecord>;
export type SnapshotRecord = z.infer<typeof SnapshotRecord>;
export type RecordKind = SnapshotRecord['kind'];
export const RECORD_KINDS: readonly RecordKind[] = [
  'node',
  'pod',
  'namespace',
  'workload',
  'pvc',
  'pv',
  'service',
  'flow',
];

/** Object-key partition: network flows are shipped by node agents, the rest by the cluster agent. */
export function partitionOf(kind: RecordKind): 'cluster' | 'network' {
  return kind === 'flow' ? 'network' : 'cluster';
}
