/**
 * Renders `ownercost/v1` records for one cluster and sample as NDJSON text. Records are built
 * as objects once, turned into JSON templates with holes for the values that change per sample
 * (timestamp, usage, bytes), and filled in per sample: the output is byte-for-byte what
 * `JSON.stringify` of the full record would give, at a fraction of the cost. Flow records count
 * 15 minutes of traffic (FLOW_SAMPLES samples), so only every third sample has network records.
 */
import { type RecordKind, SCHEMA_V1 } from '../schema/records.js';
import { type ClusterPlan, forEachAlive } from './plan.js';
import { FLOW_SAMPLES, FLOW_SECONDS, isoAt, SAMPLE_MS, SAMPLE_SECONDS, type SimWindow } from './time.js';
import type { NodePlan, PodPlan, WorkloadPlan } from './types.js';
import {
  containerResources,
  containerUsage,
  flowBytes,
  GIB,
  HOST_TRAFFIC,
  hostFlowBytes,
  packetsFor,
} from './usage.js';

export type Partition = 'cluster' | 'network';

/** Source names of the objects, as the agent would write them. */
export const SOURCE: Record<Partition, string> = { cluster: 'cluster-agent', network: 'network-agent' };

export interface Batch {
  /** NDJSON, one record per line, each line ending in `\n`. */
  text: string;
  counts: Partial<Record<RecordKind, number>>;
  records: number;
}

/** A JSON text with holes where string markers `"@@<i>@@"` stood. */
export class JsonTemplate {
  readonly parts: string[];

  constructor(value: unknown, holes: number) {
    let json = JSON.stringify(value);
    const parts: string[] = [];
    for (let i = 0; i < holes; i++) {
      const m = `"${hole(i)}"`;
      const at = json.indexOf(m);
      if (at < 0) throw new Error(`JsonTemplate: hole ${i} not found`);
      parts.push(json.slice(0, at));
      json = json.slice(at + m.length);
    }
    parts.push(json);
    this.parts = parts;
  }

  /** Fills the holes with raw JSON values. */
  fill(values: readonly string[]): string {
    let s = this.parts[0] as string;
    for (let i = 0; i < values.length; i++) s += (values[i] as string) + (this.parts[i + 1] as string);
    return s;
  }
}

/** The marker of hole `i` in a record object. */
export function hole(i: number): string {
  return `@@${i}@@`;
}

const scratch = { cpuCores: 0, memoryBytes: 0, gpus: 0 };

const common = (cluster: string) => ({
  schema: SCHEMA_V1,
  cluster,
  ts: hole(0),
  intervalSeconds: SAMPLE_SECONDS,
});

/** Renders the records of one cluster, sample by sample. Keeps template caches; output is pure. */
export class ClusterRenderer {
  private readonly nodeTpl: JsonTemplate[];
  private readonly podTpl: (JsonTemplate | undefined)[];
  private readonly flowTpl: (JsonTemplate[] | undefined)[];
  private readonly hostTpl: (JsonTemplate[] | undefined)[] = [];
  private readonly nsTpl: JsonTemplate[];
  private readonly pvcTpl: (JsonTemplate | null)[];
  private readonly pvTpl: JsonTemplate[];
  private readonly svcTpl: JsonTemplate[];
  private readonly workloadTpl = new Map<string, { key: string; tpl: JsonTemplate }>();
  private readonly tsJson: string[];

  constructor(
    private readonly plan: ClusterPlan,
    private readonly window: SimWindow,
    private readonly diurnal: Float64Array,
  ) {
    const c = plan.spec.name;
    this.tsJson = [];
    for (let k = 0; k < window.samples; k++) this.tsJson.push(`"${isoAt(window.startMs + k * SAMPLE_MS)}"`);
    this.nodeTpl = plan.nodes.map((n) => new JsonTemplate(nodeObject(c, n), 1));
    this.podTpl = new Array(plan.pods.length);
    this.flowTpl = new Array(plan.pods.length);
    this.nsTpl = plan.spec.namespaces.map(
      (ns) =>
        new JsonTemplate(
          {
            ...common(c),
            kind: 'namespace',
            name: ns.name,
            labels: { 'kubernetes.io/metadata.name': ns.name, ...ns.labels },
            annotations: ns.annotations,
            createdAt: isoAt(ns.createdAtMs),
          },
          1,
        ),
    );
    this.pvcTpl = plan.volumes.map((v) =>
      v.claim
        ? new JsonTemplate(
            {
              ...common(c),
              kind: 'pvc',
              namespace: v.claim.namespace,
              name: v.claim.name,
              volumeName: v.pvName,
              storageClass: v.storageClass,
              capacityBytes: v.sizeGiB * GIB,
              phase: 'Bound',
            },
            1,
          )
        : null,
    );
    this.pvTpl = plan.volumes.map(
      (v) =>
        new JsonTemplate(
          {
            ...common(c),
            kind: 'pv',
            name: v.pvName,
            volumeHandle: v.volumeHandle,
            storageClass: v.storageClass,
            capacityBytes: v.sizeGiB * GIB,
            phase: v.phase,
            claim: v.claim,
            reclaimPolicy: v.claim ? 'Delete' : 'Retain',
          },
          1,
        ),
    );
    this.svcTpl = plan.services.map(
      (s) =>
        new JsonTemplate(
          {
            ...common(c),
            kind: 'service',
            namespace: s.namespace,
            name: s.name,
            type: s.type,
            selector: s.selector,
            loadBalancer: s.hostname ? { hostname: s.hostname } : s.ip ? { ip: s.ip } : {},
          },
          1,
        ),
    );
  }

  /** The NDJSON batch of one partition at sample k. */
  render(k: number, partition: Partition): Batch {
    return partition === 'cluster' ? this.renderCluster(k) : this.renderNetwork(k);
  }

  private renderCluster(k: number): Batch {
    const { plan } = this;
    const ts = this.tsJson[k] as string;
    const counts: Partial<Record<RecordKind, number>> = {};
    let text = '';
    let n = 0;
    forEachAlive(plan.nodeIndex, k, (i) => {
      text += `${(this.nodeTpl[i] as JsonTemplate).fill([ts])}\n`;
      n++;
    });
    counts.node = n;

    n = 0;
    plan.spec.namespaces.forEach((ns, i) => {
      if (ns.fromIdx > k) return;
      text += `${(this.nsTpl[i] as JsonTemplate).fill([ts])}\n`;
      n++;
    });
    counts.namespace = n;

    n = 0;
    const active = new Map<WorkloadPlan, number>();
    forEachAlive(plan.podIndex, k, (i) => {
      const w = (plan.pods[i] as PodPlan).workload;
      active.set(w, (active.get(w) ?? 0) + 1);
    });
    for (const w of plan.workloads) {
      for (const rec of this.workloadRecords(w, k, active.get(w) ?? 0)) {
        text += `${rec.fill([ts])}\n`;
        n++;
      }
    }
    counts.workload = n;

    let pvcs = 0;
    let pvs = 0;
    let pvcText = '';
    let pvText = '';
    plan.volumes.forEach((v, i) => {
      if (k < v.startIdx || k >= v.endIdx) return;
      const pvc = this.pvcTpl[i];
      if (pvc) {
        pvcText += `${pvc.fill([ts])}\n`;
        pvcs++;
      }
      pvText += `${(this.pvTpl[i] as JsonTemplate).fill([ts])}\n`;
      pvs++;
    });
    text += pvcText + pvText;
    counts.pvc = pvcs;
    counts.pv = pvs;

    n = 0;
    plan.services.forEach((s, i) => {
      if (k < s.startIdx || k >= s.endIdx) return;
      text += `${(this.svcTpl[i] as JsonTemplate).fill([ts])}\n`;
      n++;
    });
    counts.service = n;

    n = 0;
    const d = this.diurnal[k] as number;
    forEachAlive(plan.podIndex, k, (i) => {
      const pod = plan.pods[i] as PodPlan;
      let tpl = this.podTpl[i];
      if (!tpl) {
        tpl = new JsonTemplate(podObject(plan.spec.name, pod), 1 + pod.workload.spec.containers.length);
        this.podTpl[i] = tpl;
      }
      const parts = tpl.parts;
      let line = (parts[0] as string) + ts + (parts[1] as string);
      for (let ci = 0; ci < pod.workload.spec.containers.length; ci++) {
        const u = containerUsage(pod, ci, k, d, scratch);
        line += `{"cpuCores":${u.cpuCores},"memoryBytes":${u.memoryBytes},"gpus":${u.gpus}}${parts[ci + 2] as string}`;
      }
      text += `${line}\n`;
      n++;
    });
    counts.pod = n;
    return { text, counts, records: sum(counts) };
  }

  /**
   * Flow records of the 15 minutes from sample k (k a multiple of FLOW_SAMPLES; other samples
   * have none): per pod, traffic spec and direction, the bytes of the samples it was alive in.
   */
  private renderNetwork(k: number): Batch {
    if (k % FLOW_SAMPLES !== 0) return { text: '', counts: {}, records: 0 };
    const { plan } = this;
    const ts = this.tsJson[k] as string;
    const end = Math.min(k + FLOW_SAMPLES, this.window.samples);
    // Bytes per (traffic spec, direction) of each pod and node, in the order they are first seen.
    const podBytes = new Map<number, number[]>();
    const hostBytes = new Map<number, number[]>();
    for (let s = k; s < end; s++) {
      const d = this.diurnal[s] as number;
      forEachAlive(plan.podIndex, s, (i) => {
        const pod = plan.pods[i] as PodPlan;
        const traffic = pod.workload.spec.traffic;
        if (traffic.length === 0) return;
        let acc = podBytes.get(i);
        if (!acc) {
          acc = new Array<number>(traffic.length * 2).fill(0);
          podBytes.set(i, acc);
        }
        for (let ti = 0; ti < traffic.length; ti++) {
          for (let di = 0; di < 2; di++) {
            acc[ti * 2 + di] =
              (acc[ti * 2 + di] as number) + flowBytes(pod, ti, di === 0 ? 'egress' : 'ingress', s, d);
          }
        }
      });
      forEachAlive(plan.nodeIndex, s, (i) => {
        const node = plan.nodes[i] as NodePlan;
        let acc = hostBytes.get(i);
        if (!acc) {
          acc = [0, 0];
          hostBytes.set(i, acc);
        }
        acc[0] = (acc[0] as number) + hostFlowBytes(node, 'egress', s);
        acc[1] = (acc[1] as number) + hostFlowBytes(node, 'ingress', s);
      });
    }
    let text = '';
    let n = 0;
    for (const [i, acc] of podBytes) {
      const pod = plan.pods[i] as PodPlan;
      const traffic = pod.workload.spec.traffic;
      let tpls = this.flowTpl[i];
      if (!tpls) {
        tpls = [];
        for (let ti = 0; ti < traffic.length; ti++) {
          for (const dir of ['egress', 'ingress'] as const) {
            tpls.push(
              new JsonTemplate(
                flowObject(plan.spec.name, pod.node, pod.workload.namespace.name, pod.name, traffic[ti], dir),
                3,
              ),
            );
          }
        }
        this.flowTpl[i] = tpls;
      }
      for (let j = 0; j < acc.length; j++) {
        const bytes = acc[j] as number;
        if (bytes === 0) continue;
        text += `${(tpls[j] as JsonTemplate).fill([ts, String(bytes), String(packetsFor(bytes))])}\n`;
        n++;
      }
    }
    for (const [i, acc] of hostBytes) {
      const node = plan.nodes[i] as NodePlan;
      for (let di = 0; di < 2; di++) {
        const bytes = acc[di] as number;
        if (bytes === 0) continue;
        let tpls = this.hostTpl[i];
        if (!tpls) {
          tpls = (['egress', 'ingress'] as const).map(
            (x) => new JsonTemplate(flowObject(plan.spec.name, node, '', '__host__', HOST_TRAFFIC, x), 3),
          );
          this.hostTpl[i] = tpls;
        }
        text += `${(tpls[di] as JsonTemplate).fill([ts, String(bytes), String(packetsFor(bytes))])}\n`;
        n++;
      }
    }
    return { text, counts: { flow: n }, records: n };
  }

  /** Workload records alive at k, from a cache keyed by the controller's observable state. */
  private workloadRecords(w: WorkloadPlan, k: number, activePods: number): JsonTemplate[] {
    const out: JsonTemplate[] = [];
    for (const state of workloadStates(w, k, this.window, activePods)) {
      const id = `${w.namespace.name}/${state.name}`;
      const key = `${state.replicas}|${state.generation}|${state.schedule}|${state.parallelism}|${state.succeeded}|${state.failed}|${state.lastScheduleTime}`;
      const cached = this.workloadTpl.get(id);
      if (cached && cached.key === key) {
        out.push(cached.tpl);
        continue;
      }
      const tpl = new JsonTemplate(workloadObject(this.plan.spec.name, w, state), 1);
      this.workloadTpl.set(id, { key, tpl });
      out.push(tpl);
    }
    return out;
  }
}

/** The changing part of a controller record. */
export interface WorkloadState {
  name: string;
  controllerKind: string;
  replicas: number;
  generation: number;
  schedule?: string;
  parallelism?: number;
  backoffLimit?: number;
  succeeded?: number;
  failed?: number;
  lastScheduleTime?: string | null;
}

/**
 * The controller objects of a workload that exist at sample k, and their state. `active` is the
 * number of the workload's pods alive at k, when the caller already counted them.
 */
export function workloadStates(
  w: WorkloadPlan,
  k: number,
  window: SimWindow,
  active?: number,
): WorkloadState[] {
  const spec = w.spec;
  const from = Math.max(spec.fromIdx, w.namespace.fromIdx);
  if (k < from || k >= spec.toIdx) return [];
  const activePods = () => active ?? w.pods.filter((p) => p.startIdx <= k && k < p.endIdx).length;
  switch (spec.kind) {
    case 'Deployment':
      return [
        {
          name: spec.name,
          controllerKind: 'Deployment',
          replicas: spec.replicas,
          generation: 3 + spec.rollouts.filter((r) => r <= k).length,
        },
      ];
    case 'StatefulSet':
      return [{ name: spec.name, controllerKind: 'StatefulSet', replicas: spec.replicas, generation: 2 }];
    case 'DaemonSet':
      return [{ name: spec.name, controllerKind: 'DaemonSet', replicas: activePods(), generation: 4 }];
    case 'CronJob': {
      const cron = spec.cron;
      if (!cron) return [];
      const phaseIdx = cron.phases.reduce((acc, p, i) => (p.fromIdx <= k ? i : acc), 0);
      const phase = cron.phases[phaseIdx];
      if (!phase) return [];
      const t = window.startMs + k * SAMPLE_MS;
      const every = phase.everyMinutes * 60_000;
      const offset = phase.offsetMinutes * 60_000;
      let last = Math.floor((t - offset) / every) * every + offset;
      const prev = cron.phases[phaseIdx - 1];
      if (prev && last < window.startMs + phase.fromIdx * SAMPLE_MS) {
        const pe = prev.everyMinutes * 60_000;
        const po = prev.offsetMinutes * 60_000;
        last = Math.floor((t - po) / pe) * pe + po;
      }
      return [
        {
          name: spec.name,
          controllerKind: 'CronJob',
          replicas: activePods(),
          generation: 1 + phaseIdx,
          schedule: phase.schedule,
          parallelism: cron.parallelism,
          backoffLimit: 6,
          lastScheduleTime: isoAt(last),
        },
      ];
    }
    case 'Job': {
      if (spec.sporadic) {
        return w.runs
          .filter((r) => r.startIdx <= k && k < r.endIdx)
          .map((r) => {
            const pods = w.pods.filter((p) => p.revision === r.name);
            return {
              name: r.name,
              controllerKind: 'Job',
              replicas: pods.filter((p) => p.startIdx <= k && k < p.endIdx).length,
              generation: 1,
              parallelism: 1,
              backoffLimit: 0,
              succeeded: pods.filter((p) => p.endIdx <= k && p.outcome === 'succeeded').length,
              failed: pods.filter((p) => p.endIdx <= k && p.outcome === 'failed').length,
            };
          });
      }
      const job = spec.job;
      if (!job) return [];
      const phases = job.parallelism.filter((p) => p.fromIdx <= k);
      return [
        {
          name: spec.name,
          controllerKind: 'Job',
          replicas: activePods(),
          generation: Math.max(1, phases.length),
          parallelism: phases[phases.length - 1]?.value ?? job.parallelism[0]?.value ?? 1,
          backoffLimit: job.backoffLimit,
          succeeded: countEnded(w, k, 'succeeded'),
          failed: countEnded(w, k, 'failed'),
        },
      ];
    }
  }
}

/** Pods of a Job that ended with `outcome` at or before sample k (binary search over sorted ends). */
function countEnded(w: WorkloadPlan, k: number, outcome: 'succeeded' | 'failed'): number {
  const cacheKey = outcome === 'succeeded' ? succeededEnds : failedEnds;
  let ends = cacheKey.get(w);
  if (!ends) {
    ends = w.pods
      .filter((p) => p.outcome === outcome)
      .map((p) => p.endIdx)
      .sort((a, b) => a - b);
    cacheKey.set(w, ends);
  }
  let lo = 0;
  let hi = ends.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((ends[mid] as number) <= k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
const succeededEnds = new WeakMap<WorkloadPlan, number[]>();
const failedEnds = new WeakMap<WorkloadPlan, number[]>();

function workloadObject(cluster: string, w: WorkloadPlan, s: WorkloadState): Record<string, unknown> {
  const spec = w.spec;
  const unlabelled = Object.keys(spec.podLabels).length === 0 && Object.keys(spec.labels).length === 0;
  const labels = unlabelled ? { app: spec.name } : { app: spec.name, ...spec.podLabels, ...spec.labels };
  const rec: Record<string, unknown> = {
    ...common(cluster),
    kind: 'workload',
    namespace: w.namespace.name,
    name: s.name,
    controllerKind: s.controllerKind,
    labels,
    replicas: s.replicas,
  };
  if (s.schedule !== undefined) {
    rec.schedule = s.schedule;
    rec.suspend = false;
  }
  if (s.parallelism !== undefined) rec.parallelism = s.parallelism;
  if (s.backoffLimit !== undefined) rec.backoffLimit = s.backoffLimit;
  if (s.succeeded !== undefined) rec.succeeded = s.succeeded;
  if (s.failed !== undefined) rec.failed = s.failed;
  if (s.lastScheduleTime !== undefined) rec.lastScheduleTime = s.lastScheduleTime;
  rec.generation = s.generation;
  rec.images = spec.containers.map((c) => c.image);
  return rec;
}

function nodeObject(cluster: string, n: NodePlan): Record<string, unknown> {
  return {
    ...common(cluster),
    kind: 'node',
    name: n.name,
    providerId: n.providerId,
    instanceType: n.labels['node.kubernetes.io/instance-type'] ?? '',
    region: n.labels['topology.kubernetes.io/region'] ?? '',
    zone: n.zone,
    nodePool: n.pool.name,
    capacityType: n.pool.capacityType,
    capacity: { cpuCores: n.capacity.cpu, memoryBytes: n.capacity.memGiB * GIB, gpus: n.capacity.gpus },
    allocatable: {
      cpuCores: n.allocatable.cpu,
      memoryBytes: Math.round(n.allocatable.memGiB * GIB),
      gpus: n.allocatable.gpus,
    },
    labels: n.labels,
  };
}

/** The pod's top controller, as the agent reports it. */
export function podOwner(pod: PodPlan): { kind: string; name: string } {
  const spec = pod.workload.spec;
  if (spec.kind === 'Job' && spec.sporadic) return { kind: 'Job', name: pod.revision };
  return { kind: spec.kind, name: spec.name };
}

function podObject(cluster: string, pod: PodPlan): Record<string, unknown> {
  const spec = pod.workload.spec;
  return {
    ...common(cluster),
    kind: 'pod',
    namespace: pod.workload.namespace.name,
    name: pod.name,
    uid: pod.uid,
    node: pod.node.name,
    phase: 'Running',
    ips: [pod.ip],
    hostNetwork: spec.hostNetwork ?? false,
    owner: podOwner(pod),
    labels: pod.labels,
    containers: spec.containers.map((c, i) => ({
      name: c.name,
      ...containerResources(c),
      usage: hole(i + 1),
      restarts: 0,
    })),
    volumes: pod.claims.map((claim) => ({ claim })),
  };
}

function flowObject(
  cluster: string,
  node: NodePlan,
  namespace: string,
  pod: string,
  t: { class: string; service: string | null; viaNat: boolean } | undefined,
  direction: 'egress' | 'ingress',
): Record<string, unknown> {
  return {
    ...common(cluster),
    intervalSeconds: FLOW_SECONDS,
    kind: 'flow',
    node: node.name,
    namespace,
    pod,
    direction,
    class: t?.class ?? 'unknown',
    service: t?.service ?? null,
    viaNat: t?.viaNat ?? false,
    bytes: hole(1),
    packets: hole(2),
  };
}

function sum(counts: Partial<Record<RecordKind, number>>): number {
  let s = 0;
  for (const v of Object.values(counts)) s += v ?? 0;
  return s;
}
