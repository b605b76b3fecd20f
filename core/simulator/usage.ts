/**
 * Per-sample resource usage and network bytes, as stateless functions of (pod seed, sample
 * index): a seeded diurnal pattern and noise. Records and the bill call the same functions, so
 * the billed transfer always equals the flow bytes.
 */
import { mix32, noise, unit } from './rng.js';
import { SAMPLE_SECONDS, SAMPLES_PER_HOUR } from './time.js';
import type { ContainerSpec, NodePlan, PodPlan, TrafficSpec, UsageSpec } from './types.js';

export const GIB = 1024 ** 3;

export interface Usage {
  cpuCores: number;
  memoryBytes: number;
  gpus: number;
}

/**
 * Usage of container `ci` of `pod` at sample `k`, given that sample's diurnal factor. Writes
 * into `out` when given (hot loops reuse one object) and returns it.
 */
export function containerUsage(pod: PodPlan, ci: number, k: number, diurnalK: number, out?: Usage): Usage {
  const spec = pod.workload.spec;
  const c = spec.containers[ci] as ContainerSpec;
  const u: UsageSpec = spec.usage;
  const s = mix32(pod.seed, ci);
  const cpuFactor = u.cpu * (1 + u.diurnal * diurnalK) * (1 + u.noise * noise(s, k));
  const cpu = clamp(c.request.cpu * cpuFactor, 0, c.limit.cpu);
  const memFactor = u.mem * (1 + 0.25 * u.diurnal * diurnalK) * (1 + 0.05 * noise(s ^ 0x5bd1e995, k));
  const mem = clamp(c.request.memGiB * memFactor, 0, c.limit.memGiB);
  let gpus = 0;
  if (c.request.gpus > 0) {
    const busy = (u.gpu ?? 0.85) * (1 + 0.1 * noise(s ^ 0x27d4eb2f, k));
    gpus = Math.round(clamp(c.request.gpus * busy, 0, c.request.gpus) * 1000) / 1000;
  }
  const u0 = out ?? { cpuCores: 0, memoryBytes: 0, gpus: 0 };
  u0.cpuCores = Math.round(cpu * 10000) / 10000;
  u0.memoryBytes = Math.round(mem * GIB);
  u0.gpus = gpus;
  return u0;
}

/** Requests and limits in record units. */
export function containerResources(c: ContainerSpec): { requests: Usage; limits: Usage } {
  return {
    requests: {
      cpuCores: c.request.cpu,
      memoryBytes: Math.round(c.request.memGiB * GIB),
      gpus: c.request.gpus,
    },
    limits: { cpuCores: c.limit.cpu, memoryBytes: Math.round(c.limit.memGiB * GIB), gpus: c.limit.gpus },
  };
}

/** Bytes a pod moved in one direction of one traffic spec during sample `k` (integer, ≥ 0). */
export function flowBytes(
  pod: PodPlan,
  ti: number,
  direction: 'egress' | 'ingress',
  k: number,
  diurnalK: number,
): number {
  const t = pod.workload.spec.traffic[ti] as TrafficSpec;
  const rate = direction === 'egress' ? t.egress : t.ingress;
  if (rate <= 0) return 0;
  const s = mix32(pod.seed, 101 + ti * 2 + (direction === 'egress' ? 0 : 1));
  const shape = 1 + 0.8 * pod.workload.spec.usage.diurnal * diurnalK;
  return Math.max(0, Math.round(rate * SAMPLE_SECONDS * shape * (1 + 0.2 * noise(s, k))));
}

/** Packets for a byte count (about 1.1 kB per packet). */
export function packetsFor(bytes: number): number {
  return bytes === 0 ? 0 : Math.max(1, Math.round(bytes / 1100));
}

/** Host-network traffic of a node: image pulls and OS updates through NAT, once an hour. */
export const HOST_TRAFFIC: TrafficSpec = {
  class: 'internet',
  service: null,
  viaNat: true,
  egress: 0,
  ingress: 0,
};

/** Bytes of the node's host-network internet traffic at sample `k` (only on the hour). */
export function hostFlowBytes(node: NodePlan, direction: 'egress' | 'ingress', k: number): number {
  if ((k - node.startIdx) % SAMPLES_PER_HOUR !== 0) return 0;
  const base = direction === 'ingress' ? 40_000_000 : 2_000_000;
  return Math.round(base * (0.5 + unit(node.seed ^ (direction === 'ingress' ? 1 : 2), k)));
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
