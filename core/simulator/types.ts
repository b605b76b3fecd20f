/**
 * Types of the simulated organisation: the declarative spec (clusters, pools, namespaces,
 * workloads) and the plan it expands to (nodes and pods with lifetimes on the 5-minute grid).
 * Sample indices are half-open: a pod with `[startIdx, endIdx)` is seen in samples
 * startIdx … endIdx − 1.
 */
import type { TrafficClass } from '../schema/records.js';

export type Provider = 'aws' | 'gcp';
export type Labels = Record<string, string>;
export type ControllerKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Job' | 'CronJob';

/** CPU in cores, memory in GiB, GPUs in devices. */
export interface Qty {
  cpu: number;
  memGiB: number;
  gpus: number;
}

export interface PoolSpec {
  name: string;
  instanceType: string;
  capacityType: 'on-demand' | 'spot';
  min: number;
  max: number;
  /** A pool that never scales keeps `min` nodes all window. */
  autoscale: boolean;
  /** Mean hours between interruptions of one spot node. */
  interruptionMeanHours?: number;
}

export interface ClusterSpec {
  name: string;
  provider: Provider;
  region: string;
  zones: string[];
  /** AWS account id or GCP project id. */
  account: string;
  pools: PoolSpec[];
  namespaces: NamespaceSpec[];
  /** PersistentVolumes with no claim (Released, Retain), cluster-scoped. */
  orphanVolumes: { storageClass: string; sizeGiB: number; zoneIdx: number }[];
  /** A few user tags the provider copies onto every billing line of the cluster. */
  billingTags: Labels;
}

export interface NamespaceSpec {
  name: string;
  labels: Labels;
  annotations: Labels;
  createdAtMs: number;
  /** Sample index from which the namespace exists (0 when it predates the window). */
  fromIdx: number;
  workloads: WorkloadSpec[];
  /** Claims that no pod mounts. */
  unmountedClaims?: { name: string; storageClass: string; sizeGiB: number; zoneIdx: number }[];
}

export interface ContainerSpec {
  name: string;
  image: string;
  request: Qty;
  limit: Qty;
}

/** How much of its request a pod uses: mean fractions, diurnal amplitude and noise amplitude. */
export interface UsageSpec {
  cpu: number;
  mem: number;
  diurnal: number;
  noise: number;
  /** Fraction of requested GPUs busy (defaults to 0.85 when GPUs are requested). */
  gpu?: number;
}

/** Mean bytes per second per pod for one kind of traffic. */
export interface TrafficSpec {
  class: TrafficClass;
  service: string | null;
  viaNat: boolean;
  egress: number;
  ingress: number;
}

export interface CronPhase {
  /** Sample index from which this schedule applies. */
  fromIdx: number;
  schedule: string;
  everyMinutes: number;
  offsetMinutes: number;
}

export interface WorkloadSpec {
  name: string;
  kind: ControllerKind;
  labels: Labels;
  podLabels: Labels;
  /** Node pool (nodeSelector); null for DaemonSets, which run on every node. */
  pool: string | null;
  containers: ContainerSpec[];
  usage: UsageSpec;
  traffic: TrafficSpec[];
  replicas: number;
  fromIdx: number;
  toIdx: number;
  /** Sample indices of rollouts (new pod template, new pod names). */
  rollouts: number[];
  /** StatefulSet volumeClaimTemplate: one claim `data-<name>-<ordinal>` per replica. */
  claimTemplate?: { storageClass: string; sizeGiB: number; iops?: number };
  job?: {
    parallelism: { fromIdx: number; value: number }[];
    podIntervals: number;
    gapIntervals: number;
    backoffLimit: number;
    /** Every pod fails (a Job that retries endlessly). */
    failing: boolean;
    /** Stop after this many successful pods (a finite Job); unbounded when absent. */
    completions?: number;
  };
  cron?: {
    phases: CronPhase[];
    podIntervals: number;
    parallelism: number;
    concurrencyPolicy: 'Allow' | 'Forbid';
  };
  /** Ad-hoc Jobs created by people: `runsPerDay` Jobs named `<name>-<n>` at random times. */
  sporadic?: { runsPerDay: number; podIntervals: number };
  service?: { type: 'LoadBalancer' | 'ClusterIP' };
  /** Pods share the node's network namespace (CNI and proxy DaemonSets). */
  hostNetwork?: boolean;
}

/** A node during the window. */
export interface NodePlan {
  idx: number;
  name: string;
  providerId: string;
  /** Billing resource id: the EC2 instance id, or the GCE instance path. */
  resourceId: string;
  pool: PoolSpec;
  zone: string;
  startIdx: number;
  endIdx: number;
  capacity: Qty;
  allocatable: Qty;
  /** The node's primary IP; pods get addresses from `ipBase`.x. */
  ip: string;
  ipBase: string;
  labels: Labels;
  /** Seed of this node's stateless noise streams. */
  seed: number;
}

export type PodOutcome = 'running' | 'succeeded' | 'failed';

/** A pod instance: one name and uid, one node, one lifetime. */
export interface PodPlan {
  idx: number;
  workload: WorkloadPlan;
  name: string;
  uid: string;
  startIdx: number;
  endIdx: number;
  node: NodePlan;
  ip: string;
  labels: Labels;
  claims: string[];
  outcome: PodOutcome;
  seed: number;
  /** Template hash or ordinal; pods of one rollout share it. */
  revision: string;
}

/** A controller in a namespace, with its expanded schedule. */
export interface WorkloadPlan {
  cluster: string;
  namespace: NamespaceSpec;
  spec: WorkloadSpec;
  /** For Job runs spawned by a CronJob or sporadic Jobs: the Job's own name. */
  pods: PodPlan[];
  /** Start sample index of every run (CronJob runs or sporadic Jobs), ascending. */
  runs: { name: string; startIdx: number; endIdx: number }[];
}

export interface VolumePlan {
  pvName: string;
  volumeHandle: string;
  resourceId: string;
  storageClass: string;
  sizeGiB: number;
  iops: number;
  zone: string;
  claim: { namespace: string; name: string } | null;
  phase: 'Bound' | 'Released';
  startIdx: number;
  endIdx: number;
  tags: Labels;
}

export interface ServicePlan {
  namespace: string;
  name: string;
  type: 'LoadBalancer' | 'ClusterIP';
  selector: Labels;
  hostname?: string;
  ip?: string;
  /** Billing resource id of the load balancer. */
  resourceId?: string;
  startIdx: number;
  endIdx: number;
  tags: Labels;
}
