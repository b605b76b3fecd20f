/**
 * One cluster's full plan for the window: workloads expanded, pods placed, nodes, volumes,
 * services and NAT gateways, plus per-sample indexes of what is alive.
 */
import { type NatGateway, planNatGateways, planServices, planVolumes } from './assets.js';
import { placePods } from './placement.js';
import type { SimWindow } from './time.js';
import type { ClusterSpec, NodePlan, PodPlan, ServicePlan, VolumePlan, WorkloadPlan } from './types.js';
import { expandWorkloads } from './workloads.js';

/** Items alive per sample, as compressed rows: items of sample k are `items[offsets[k] … offsets[k+1])`. */
export interface SampleIndex {
  offsets: Uint32Array;
  items: Uint32Array;
}

export interface ClusterPlan {
  spec: ClusterSpec;
  workloads: WorkloadPlan[];
  nodes: NodePlan[];
  pods: PodPlan[];
  volumes: VolumePlan[];
  services: ServicePlan[];
  natGateways: NatGateway[];
  /** Pods alive per sample (indices into `pods`, ascending). */
  podIndex: SampleIndex;
  /** Nodes alive per sample (indices into `nodes`, ascending). */
  nodeIndex: SampleIndex;
  unschedulable: number;
}

/** Expands, places and indexes one cluster of the organisation for the window. */
export function buildClusterPlan(spec: ClusterSpec, window: SimWindow, seed: number): ClusterPlan {
  const { workloads, seeds } = expandWorkloads(spec, window, seed);
  const placement = placePods(spec, workloads, seeds, window, seed);
  const pods = placement.pods.filter((p) => p.endIdx > p.startIdx);
  pods.forEach((p, i) => {
    p.idx = i;
  });
  for (const w of workloads) w.pods = w.pods.filter((p) => p.endIdx > p.startIdx);
  const nodes = placement.nodes.filter((x) => x.endIdx > x.startIdx);
  nodes.forEach((x, i) => {
    x.idx = i;
  });
  return {
    spec,
    workloads,
    nodes,
    pods,
    volumes: planVolumes(spec, workloads, window, seed),
    services: planServices(spec, workloads, window, seed),
    natGateways: planNatGateways(spec, seed),
    podIndex: indexBySample(pods, window.samples),
    nodeIndex: indexBySample(nodes, window.samples),
    unschedulable: placement.unschedulable,
  };
}

/** Builds the per-sample alive index of items with [startIdx, endIdx) lifetimes. */
export function indexBySample(
  items: readonly { startIdx: number; endIdx: number }[],
  samples: number,
): SampleIndex {
  const counts = new Uint32Array(samples + 1);
  for (const it of items) {
    for (let k = it.startIdx; k < it.endIdx && k < samples; k++)
      counts[k + 1] = (counts[k + 1] as number) + 1;
  }
  const offsets = new Uint32Array(samples + 1);
  for (let k = 0; k < samples; k++) offsets[k + 1] = (offsets[k] as number) + (counts[k + 1] as number);
  const items2 = new Uint32Array(offsets[samples] as number);
  const cursor = offsets.slice(0, samples);
  items.forEach((it, i) => {
    for (let k = it.startIdx; k < it.endIdx && k < samples; k++) {
      const pos = cursor[k] as number;
      items2[pos] = i;
      cursor[k] = pos + 1;
    }
  });
  return { offsets, items: items2 };
}

/** Calls `fn` for every item index alive at sample k. */
export function forEachAlive(index: SampleIndex, k: number, fn: (i: number) => void): void {
  const end = index.offsets[k + 1] as number;
  for (let j = index.offsets[k] as number; j < end; j++) fn(index.items[j] as number);
}

/** Number of items alive at sample k. */
export function aliveCount(index: SampleIndex, k: number): number {
  return (index.offsets[k + 1] as number) - (index.offsets[k] as number);
}
