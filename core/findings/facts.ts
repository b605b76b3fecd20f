/**
 * What detectors need beyond the ledger, reduced by the query engine from the sample tables
 * (adapters/snapshots/duckdb/workloadFacts.ts does it in DuckDB). Everything here is an aggregate
 * over the window `[windowStart, windowEnd)`: no raw sample ever reaches JavaScript.
 *
 * Units are in the names: cores, bytes, hours; times are ISO-8601 UTC strings. A sample stands for
 * `[ts, ts + intervalSeconds)`; facts count samples whose `ts` is inside the window (no carry-forward:
 * these are usage statistics, not the cost integrals the ledger holds).
 */
import type { Labels } from '../allocation/types.js';
import type { TrafficClass } from '../schema/records.js';

/** A workload: the top controller of its pods (Deployment, StatefulSet, DaemonSet, Job, CronJob, or the bare Pod). */
export interface WorkloadRef {
  cluster: string;
  namespace: string;
  kind: string;
  name: string;
}

/** Bytes of one traffic slice over the window (flow samples of the workload's pods). */
export interface NetworkBytes {
  class: TrafficClass;
  direction: 'egress' | 'ingress';
  /** Provider service of the remote end (`s3`, `gcs`, `azure-storage`, …), or null. */
  service: string | null;
  viaNat: boolean;
  bytes: number;
}

/** Where a workload's pods ran: pod-hours per node pool and capacity type of their nodes. */
export interface PoolPlacement {
  nodePool: string;
  capacityType: string;
  podHours: number;
  /** GPUs requested × hours on this pool. */
  gpuRequestHours: number;
}

/** A Job's status counters over the window (null when the records do not carry them). */
export interface JobHistory {
  parallelism: number | null;
  backoffLimit: number | null;
  succeededFirst: number | null;
  succeededLast: number | null;
  failedFirst: number | null;
  failedLast: number | null;
}

/** A CronJob's runs in the window; a run is one Job (its pods' `batch.kubernetes.io/job-name`). */
export interface CronHistory {
  /** The latest schedule in the window. */
  schedule: string | null;
  suspend: boolean | null;
  parallelism: number | null;
  /** Distinct runs (Jobs) with a pod sampled in the window. */
  runs: number;
  /** Most runs with a pod sampled at the same time. */
  maxConcurrentRuns: number;
  podHoursPerRun: number;
  /** From a run's first pod sample to the end of its last one, averaged over runs. */
  avgRunMinutes: number;
  maxRunMinutes: number;
}

export interface WorkloadFact extends WorkloadRef {
  /** Controller labels from its latest workload record (`{}` when there is none, e.g. bare pods). */
  labels: Labels;
  /** Distinct pods (uids) sampled in the window. */
  pods: number;
  /** Σ sample intervals of running pods ÷ 3600. */
  podHours: number;
  /** Time-weighted mean CPU request of one pod, cores. */
  cpuRequestCores: number;
  /** 95th percentile of one pod's CPU usage over all samples (quantile_cont), cores. */
  cpuUsageP95Cores: number;
  cpuUsageAvgCores: number;
  /** Time-weighted mean memory request of one pod, bytes. */
  ramRequestBytes: number;
  /** Highest memory usage of any one pod sample, bytes. */
  ramUsagePeakBytes: number;
  ramUsageAvgBytes: number;
  /** Time-weighted mean GPU request of one pod. */
  gpuRequest: number;
  /** Desired replicas over the window from workload records; null without records. */
  replicas: { min: number; max: number; last: number } | null;
  generation: number | null;
  images: string[];
  network: NetworkBytes[];
  placement: PoolPlacement[];
  /** PVC names the pods mounted in the window. */
  claims: string[];
  job: JobHistory | null;
  cron: CronHistory | null;
  /** First and last sample time of the workload's pods or records in the window. */
  firstSeen: string;
  lastSeen: string;
}

export interface NamespaceFact {
  cluster: string;
  name: string;
  labels: Labels;
  annotations: Labels;
  createdAt: string;
  /** Latest change of any workload in it (see WorkloadChange, plus workloads appearing), in all loaded samples; null when none was seen. */
  lastChangeAt: string | null;
  /** Earliest loaded sample of the namespace: changes before it cannot be seen. */
  observedSince: string;
  /** Workloads with pods or records in the window. */
  workloads: number;
}

export interface NodePoolFact {
  cluster: string;
  nodePool: string;
  /** Cloud of the pool's nodes from their provider ids (`aws`, `gce`, `azure`, …), '' when unknown. */
  provider: string;
  region: string;
  /** Labels of the pool's latest node sample (to find the labels a nodeSelector can use). */
  nodeLabels: Labels;
  /** The capacity type with the most node-hours (a pool may mix them). */
  capacityType: string;
  instanceTypes: string[];
  /** Node count over the sample times of the window (0 when the pool was absent at some sample time). */
  nodesMin: number;
  nodesMax: number;
  nodeHours: number;
  /** Σ allocatable × hours. */
  allocatable: { cpuCoreHours: number; ramGiBHours: number; gpuHours: number };
  /** Σ requests of running pods on the pool's nodes × hours. */
  requested: { cpuCoreHours: number; ramGiBHours: number; gpuHours: number };
  /** Highest Σ requests of the pool's pods at one sample time. */
  peakRequested: { cpuCores: number; ramBytes: number; gpus: number };
  /** Mean allocatable of one node. */
  allocatablePerNode: { cpuCores: number; ramBytes: number; gpus: number };
  /** GPU capacity × hours (what GPU nodes were paid for). */
  gpuNodeHours: number;
}

export interface VolumeFact {
  cluster: string;
  name: string;
  volumeHandle: string;
  storageClass: string;
  capacityBytes: number;
  reclaimPolicy: string;
  /** Latest claim, null when unbound. */
  claimNamespace: string | null;
  claimName: string | null;
  /** Hours in each phase (Bound, Released, Available, Failed, …). */
  phaseHours: Record<string, number>;
  lastPhase: string;
  hours: number;
}

export interface ClaimFact {
  cluster: string;
  namespace: string;
  name: string;
  volumeName: string;
  storageClass: string;
  capacityBytes: number;
  /** Latest phase. */
  phase: string;
  hours: number;
  /** Pod-hours of running pods mounting it in the window. */
  mountedPodHours: number;
  /** Workloads whose pods mounted it. */
  mountedBy: { kind: string; name: string }[];
}

export type ChangeField = 'image' | 'generation' | 'replicas' | 'parallelism' | 'schedule' | 'requests';

/**
 * A change between two consecutive records of a workload, inside the window. `requests` compares
 * the per-pod requests of consecutive new pods (`cpu 500m, memory 1024Mi`): a template change.
 */
export interface WorkloadChange extends WorkloadRef {
  field: ChangeField;
  before: string;
  after: string;
  ts: string;
}

export interface WorkloadFacts {
  windowStart: string;
  windowEnd: string;
  workloads: WorkloadFact[];
  namespaces: NamespaceFact[];
  nodePools: NodePoolFact[];
  volumes: VolumeFact[];
  claims: ClaimFact[];
  changes: WorkloadChange[];
}

/** `cluster/namespace/Kind/name`, as core/report/model.ts keys workloads. */
export function workloadKey(w: WorkloadRef): string {
  return `${w.cluster}/${w.namespace}/${w.kind}/${w.name}`;
}

/** An empty set of facts for a window (tests, clusters without samples). */
export function emptyFacts(windowStart: string, windowEnd: string): WorkloadFacts {
  return {
    windowStart,
    windowEnd,
    workloads: [],
    namespaces: [],
    nodePools: [],
    volumes: [],
    claims: [],
    changes: [],
  };
}
