/**
 * Kubernetes API objects → `ownercost/v1` records.
 *
 * Objects arrive two ways: from list calls (deserialized by client-node, timestamps as Date) and
 * from watch events (raw JSON, timestamps as strings); every timestamp goes through `isoOf`.
 */
import type {
  KubernetesObject,
  V1Container,
  V1CronJob,
  V1DaemonSet,
  V1Deployment,
  V1Job,
  V1Namespace,
  V1Node,
  V1OwnerReference,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1PodTemplateSpec,
  V1ReplicaSet,
  V1Service,
  V1StatefulSet,
} from '@kubernetes/client-node';
import {
  type NamespaceRecord,
  type NodeRecord,
  type PodRecord,
  type PvcRecord,
  type PvRecord,
  type Resources,
  SCHEMA_V1,
  type ServiceRecord,
  type WorkloadRecord,
} from '../../core/schema/records.js';
import { quantityOrZero } from './quantity.js';

/** What every record of one sample shares. */
export interface SampleHeader {
  cluster: string;
  /** ISO-8601 UTC start of the interval the sample stands for. */
  ts: string;
  intervalSeconds: number;
}

const ZERO: Resources = { cpuCores: 0, memoryBytes: 0, gpus: 0 };

/** Extended resources counted as GPUs. */
export const GPU_RESOURCES = ['nvidia.com/gpu', 'amd.com/gpu'] as const;

/** Node pool labels, most specific first. */
export const NODE_POOL_LABELS = [
  'eks.amazonaws.com/nodegroup',
  'karpenter.sh/nodepool',
  'karpenter.sh/provisioner-name',
  'cloud.google.com/gke-nodepool',
  'kubernetes.azure.com/agentpool',
  'agentpool',
] as const;

/** Annotations never copied into records: large, and they may hold applied configuration. */
const DROPPED_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration']);

export function isoOf(value: Date | string | undefined | null): string | null {
  if (value === undefined || value === null || value === '') return null;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** `{cpu, memory, nvidia.com/gpu, …}` quantities → cores, bytes, devices. */
export function resourcesOf(list: Record<string, string> | undefined | null): Resources {
  if (!list) return { ...ZERO };
  let gpus = 0;
  for (const name of GPU_RESOURCES) gpus += quantityOrZero(list[name]);
  return { cpuCores: quantityOrZero(list.cpu), memoryBytes: quantityOrZero(list.memory), gpus };
}

export function nodePoolOf(labels: Record<string, string>): string {
  for (const key of NODE_POOL_LABELS) {
    const v = labels[key];
    if (v) return v;
  }
  return '';
}

export function capacityTypeOf(labels: Record<string, string>): 'on-demand' | 'spot' {
  const eq = (key: string, value: string) => labels[key]?.toLowerCase() === value;
  const spot =
    eq('eks.amazonaws.com/capacityType', 'spot') ||
    eq('karpenter.sh/capacity-type', 'spot') ||
    eq('cloud.google.com/gke-spot', 'true') ||
    eq('cloud.google.com/gke-preemptible', 'true') ||
    eq('kubernetes.azure.com/scalesetpriority', 'spot');
  return spot ? 'spot' : 'on-demand';
}

export function nodeRecord(h: SampleHeader, node: V1Node): NodeRecord {
  const labels = node.metadata?.labels ?? {};
  return {
    schema: SCHEMA_V1,
    kind: 'node',
    cluster: h.cluster,
    ts: h.ts,
    intervalSeconds: h.intervalSeconds,
    name: node.metadata?.name ?? '',
    providerId: node.spec?.providerID ?? '',
    instanceType:
      labels['node.kubernetes.io/instance-type'] ?? labels['beta.kubernetes.io/instance-type'] ?? '',
    region:
      labels['topology.kubernetes.io/region'] ?? labels['failure-domain.beta.kubernetes.io/region'] ?? '',
    zone: labels['topology.kubernetes.io/zone'] ?? labels['failure-domain.beta.kubernetes.io/zone'] ?? '',
    nodePool: nodePoolOf(labels),
    capacityType: capacityTypeOf(labels),
    capacity: resourcesOf(node.status?.capacity),
    allocatable: resourcesOf(node.status?.allocatable),
    labels: { ...labels },
  };
}

/** Looks up controllers by namespace and name (the informer caches). */
export interface OwnerLookup {
  replicaSet(namespace: string, name: string): V1ReplicaSet | undefined;
  job(namespace: string, name: string): V1Job | undefined;
}

function controllerRef(obj: KubernetesObject): V1OwnerReference | undefined {
  const refs = obj.metadata?.ownerReferences ?? [];
  return refs.find((r) => r.controller) ?? refs[0];
}

/**
 * The pod's top controller: ReplicaSet → its Deployment, Job → its CronJob, otherwise the owner
 * itself (StatefulSet, DaemonSet, a custom controller, a Node for static pods) or the pod.
 */
export function topOwnerOf(pod: V1Pod, lookup: OwnerLookup): { kind: string; name: string } {
  const namespace = pod.metadata?.namespace ?? '';
  const ref = controllerRef(pod);
  if (!ref) return { kind: 'Pod', name: pod.metadata?.name ?? '' };
  if (ref.kind === 'ReplicaSet') {
    const rs = lookup.replicaSet(namespace, ref.name);
    if (rs) {
      const up = controllerRef(rs);
      return up ? { kind: up.kind, name: up.name } : { kind: 'ReplicaSet', name: ref.name };
    }
    // Not (yet) in the cache: a Deployment's ReplicaSet is `<deployment>-<pod-template-hash>`.
    const hash = pod.metadata?.labels?.['pod-template-hash'];
    if (hash && ref.name.endsWith(`-${hash}`)) {
      return { kind: 'Deployment', name: ref.name.slice(0, -(hash.length + 1)) };
    }
    return { kind: 'ReplicaSet', name: ref.name };
  }
  if (ref.kind === 'Job') {
    const job = lookup.job(namespace, ref.name);
    const up = job ? controllerRef(job) : undefined;
    if (up?.kind === 'CronJob') return { kind: 'CronJob', name: up.name };
    return { kind: 'Job', name: ref.name };
  }
  return { kind: ref.kind, name: ref.name };
}

/** Average usage per container of one pod, by container name. */
export type PodUsage = ReadonlyMap<string, Resources>;

/** Long-running containers: the regular ones and sidecars (init containers with restartPolicy Always). */
function runningContainers(pod: V1Pod): V1Container[] {
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  return [...sidecars, ...(pod.spec?.containers ?? [])];
}

export function podRecord(h: SampleHeader, pod: V1Pod, lookup: OwnerLookup, usage?: PodUsage): PodRecord {
  const statuses = new Map(
    [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].map((s) => [
      s.name,
      s,
    ]),
  );
  const name = pod.metadata?.name ?? '';
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip): ip is string => Boolean(ip));
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  const volumes: { claim: string }[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    if (v.persistentVolumeClaim?.claimName) volumes.push({ claim: v.persistentVolumeClaim.claimName });
    // Generic ephemeral volumes get a claim named <pod>-<volume>.
    else if (v.ephemeral) volumes.push({ claim: `${name}-${v.name}` });
  }
  return {
    schema: SCHEMA_V1,
    kind: 'pod',
    cluster: h.cluster,
    ts: h.ts,
    intervalSeconds: h.intervalSeconds,
    namespace: pod.metadata?.namespace ?? '',
    name,
    uid: pod.metadata?.uid ?? '',
    node: pod.spec?.nodeName ?? '',
    phase: pod.status?.phase ?? 'Unknown',
    ips,
    hostNetwork: pod.spec?.hostNetwork === true,
    owner: topOwnerOf(pod, lookup),
    labels: { ...(pod.metadata?.labels ?? {}) },
    containers: runningContainers(pod).map((c) => {
      const limits = resourcesOf(c.resources?.limits);
      const explicit = c.resources?.requests;
      // The API server defaults a missing request to the limit; do the same for objects that skipped it.
      const requests = resourcesOf({ ...(c.resources?.limits ?? {}), ...(explicit ?? {}) });
      return {
        name: c.name,
        requests,
        limits,
        usage: { ...(usage?.get(c.name) ?? ZERO) },
        restarts: statuses.get(c.name)?.restartCount ?? 0,
      };
    }),
    volumes,
  };
}

export function namespaceRecord(h: SampleHeader, ns: V1Namespace): NamespaceRecord {
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(ns.metadata?.annotations ?? {})) {
    if (!DROPPED_ANNOTATIONS.has(k)) annotations[k] = v;
  }
  return {
    schema: SCHEMA_V1,
    kind: 'namespace',
    cluster: h.cluster,
    ts: h.ts,
    intervalSeconds: h.intervalSeconds,
    name: ns.metadata?.name ?? '',
    labels: { ...(ns.metadata?.labels ?? {}) },
    annotations,
    createdAt: isoOf(ns.metadata?.creationTimestamp) ?? h.ts,
  };
}

function imagesOf(template: V1PodTemplateSpec | undefined): string[] {
  const spec = template?.spec;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]
    .map((c) => c.image ?? '')
    .filter(Boolean);
}

function workloadBase(h: SampleHeader, obj: KubernetesObject, controllerKind: string) {
  const out: WorkloadRecord = {
    schema: SCHEMA_V1,
    kind: 'workload',
    cluster: h.cluster,
    ts: h.ts,
    intervalSeconds: h.intervalSeconds,
    namespace: obj.metadata?.namespace ?? '',
    name: obj.metadata?.name ?? '',
    controllerKind,
    labels: { ...(obj.metadata?.labels ?? {}) },
    replicas: 0,
  };
  if (obj.metadata?.generation !== undefined) out.generation = obj.metadata.generation;
  return out;
}

export function deploymentRecord(h: SampleHeader, d: V1Deployment): WorkloadRecord {
  return {
    ...workloadBase(h, d, 'Deployment'),
    replicas: d.spec?.replicas ?? 1,
    images: imagesOf(d.spec?.template),
  };
}

export function statefulSetRecord(h: SampleHeader, s: V1StatefulSet): WorkloadRecord {
  return {
    ...workloadBase(h, s, 'StatefulSet'),
    replicas: s.spec?.replicas ?? 1,
    images: imagesOf(s.spec?.template),
  };
}

export function daemonSetRecord(h: SampleHeader, d: V1DaemonSet): WorkloadRecord {
  return {
    ...workloadBase(h, d, 'DaemonSet'),
    replicas: d.status?.desiredNumberScheduled ?? 0,
    images: imagesOf(d.spec?.template),
  };
}

/** Only ReplicaSets without a controller are top controllers (a Deployment's are not). */
export function replicaSetRecord(h: SampleHeader, rs: V1ReplicaSet): WorkloadRecord | null {
  if (controllerRef(rs)) return null;
  return {
    ...workloadBase(h, rs, 'ReplicaSet'),
    replicas: rs.spec?.replicas ?? 1,
    images: imagesOf(rs.spec?.template),
  };
}

export function jobRecord(h: SampleHeader, j: V1Job): WorkloadRecord {
  const out: WorkloadRecord = {
    ...workloadBase(h, j, 'Job'),
    replicas: j.status?.active ?? 0,
    suspend: j.spec?.suspend ?? false,
    parallelism: j.spec?.parallelism ?? 1,
    backoffLimit: j.spec?.backoffLimit ?? 6,
    succeeded: j.status?.succeeded ?? 0,
    failed: j.status?.failed ?? 0,
    images: imagesOf(j.spec?.template),
  };
  return out;
}

export function cronJobRecord(h: SampleHeader, c: V1CronJob): WorkloadRecord {
  const jobSpec = c.spec?.jobTemplate?.spec;
  return {
    ...workloadBase(h, c, 'CronJob'),
    replicas: c.status?.active?.length ?? 0,
    schedule: c.spec?.schedule ?? '',
    suspend: c.spec?.suspend ?? false,
    parallelism: jobSpec?.parallelism ?? 1,
    backoffLimit: jobSpec?.backoffLimit ?? 6,
    lastScheduleTime: isoOf(c.status?.lastScheduleTime),
    images: imagesOf(jobSpec?.template),
  };
}

export function pvcRecord(h: SampleHeader, pvc: V1PersistentVolumeClaim): PvcRecord {
  return {
    schema: SCHEMA_V1,
    kind: 'pvc',
    cluster: h.cluster,
    ts: h.ts,
    intervalSeconds: h.intervalSeconds,
    namespace: pvc.metadata?.namespace ?? '',
    name: pvc.metadata?.name ?? '',
    volumeName: pvc.spec?.volumeName ?? '',
    storageClass: pvc.spec?.storageClassName ?? '',
    capacityBytes: quantityOrZero(pvc.status?.capacity?.storage ?? pvc.spec?.resources?.requests?.storage),
    phase: pvc.status?.phase ?? 'Pending',
  };
}

/** The provider's disk id: CSI volume handle, or the in-tree plugin's id. */
export function volumeHandleOf(pv: V1PersistentVolume): string {
  const s = pv.spec;
  return (
    s?.csi?.volumeHandle ??
    s?.awsElasticBlockStore?.volumeID ??
    s?.gcePersistentDisk?.pdName ??
    s?.azureDisk?.diskURI ??
    s?.azureFile?.shareName ??
    s?.nfs?.path ??
    ''
  );
}

export function pvRecord(h: SampleHeader, pv: V1PersistentVolume): PvRecord {
  const ref = pv.spec?.claimRef;
  return {
    schema: SCHEMA_V1,
    kind: 'pv',
    cluster: h.cluster,
    ts: h.ts,
    intervalSeconds: h.intervalSeconds,
    name: pv.metadata?.name ?? '',
    volumeHandle: volumeHandleOf(pv),
    storageClass: pv.spec?.storageClassName ?? '',
    capacityBytes: quantityOrZero(pv.spec?.capacity?.storage),
    phase: pv.status?.phase ?? 'Pending',
    claim: ref?.name ? { namespace: ref.namespace ?? '', name: ref.name } : null,
    reclaimPolicy: pv.spec?.persistentVolumeReclaimPolicy ?? '',
  };
}

export function serviceRecord(h: SampleHeader, svc: V1Service): ServiceRecord {
  const ingress = svc.status?.loadBalancer?.ingress?.[0];
  const loadBalancer: { hostname?: string; ip?: string } = {};
  if (ingress?.hostname) loadBalancer.hostname = ingress.hostname;
  if (ingress?.ip) loadBalancer.ip = ingress.ip;
  return {
    schema: SCHEMA_V1,
    kind: 'service',
    cluster: h.cluster,
    ts: h.ts,
    intervalSeconds: h.intervalSeconds,
    namespace: svc.metadata?.namespace ?? '',
    name: svc.metadata?.name ?? '',
    type: svc.spec?.type ?? 'ClusterIP',
    selector: { ...(svc.spec?.selector ?? {}) },
    loadBalancer,
  };
}
