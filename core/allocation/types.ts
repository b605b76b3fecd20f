/**
 * Inputs and outputs of the allocation engine. The query engine reduces raw samples to these
 * hourly facts (pod-hours, node-hours, …); core allocates them against billed asset cost.
 * `hourStart` is an ISO-8601 UTC hour; quantities are integrals over that hour.
 */
import type { TrafficClass } from '../schema/records.js';

export interface Weights {
  cpu: number;
  ramGiB: number;
  gpu: number;
}

/** OpenCost's default relative hourly prices of one core, one GiB of RAM and one GPU. */
export const DEFAULT_WEIGHTS: Weights = { cpu: 0.031611, ramGiB: 0.004237, gpu: 0.95 };

export type Labels = Record<string, string>;

export interface NodeHour {
  cluster: string;
  hourStart: string;
  name: string;
  providerId: string;
  instanceType: string;
  nodePool: string;
  capacityType: 'on-demand' | 'spot';
  region: string;
  zone: string;
  /** Capacity (not allocatable): node cost is split over the whole machine. */
  cpuCores: number;
  ramGiB: number;
  gpus: number;
  /** Seconds of this hour covered by samples (gaps carried forward up to three intervals). */
  observedSeconds: number;
  labels: Labels;
}

export interface PodHour {
  cluster: string;
  hourStart: string;
  uid: string;
  namespace: string;
  name: string;
  /** Node of the pod's latest sample in the hour. */
  node: string;
  ownerKind: string;
  ownerName: string;
  labels: Labels;
  /** Seconds of the hour the pod was observed. */
  seconds: number;
  /** Σ over samples and containers of max(request, usage) × seconds / 3600. */
  cpuCoreHours: number;
  ramGiBHours: number;
  gpuHours: number;
  cpuRequestCoreHours: number;
  cpuUsageCoreHours: number;
  ramRequestGiBHours: number;
  ramUsageGiBHours: number;
  /**
   * Claims this pod mounted in the hour and its even share of each: Σ over samples of
   * seconds / (number of pods mounting the claim at that sample) / 3600.
   */
  claims: { claim: string; shareHours: number }[];
}

export interface VolumeHour {
  cluster: string;
  hourStart: string;
  pvName: string;
  volumeHandle: string;
  storageClass: string;
  capacityGiB: number;
  claimNamespace: string | null;
  claimName: string | null;
}

export interface ServiceHour {
  cluster: string;
  hourStart: string;
  namespace: string;
  name: string;
  type: string;
  selector: Labels;
  lbHostname: string | null;
  lbIp: string | null;
}

export interface FlowHour {
  cluster: string;
  hourStart: string;
  namespace: string;
  pod: string;
  direction: 'egress' | 'ingress';
  class: TrafficClass;
  service: string | null;
  viaNat: boolean;
  bytes: number;
}

/** Latest labels of namespaces and controllers in the window, for owner resolution. */
export interface OwnerContext {
  namespaceLabels: Map<string, Labels>; // key `${cluster}/${namespace}`
  workloadLabels: Map<string, Labels>; // key `${cluster}/${namespace}/${kind}/${name}`
}

export interface HourFacts {
  hourStart: string;
  nodes: NodeHour[];
  pods: PodHour[];
  volumes: VolumeHour[];
  services: ServiceHour[];
  flows: FlowHour[];
}

export function emptyHourFacts(hourStart: string): HourFacts {
  return { hourStart, nodes: [], pods: [], volumes: [], services: [], flows: [] };
}
