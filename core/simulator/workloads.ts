/**
 * Expands workload specs into pod seeds: every pod instance a controller creates during the
 * window, with its lifetime on the sample grid, before placement decides its node. DaemonSet
 * pods are created by placement (one per node).
 */
import { Rng } from './rng.js';
import { SAMPLE_MS, SAMPLES_PER_DAY, SAMPLES_PER_HOUR, type SimWindow } from './time.js';
import type {
  ClusterSpec,
  Labels,
  NamespaceSpec,
  PodOutcome,
  Qty,
  WorkloadPlan,
  WorkloadSpec,
} from './types.js';

/** A pod to place: everything but its node. */
export interface PodSeed {
  workload: WorkloadPlan;
  name: string;
  uid: string;
  startIdx: number;
  endIdx: number;
  labels: Labels;
  claims: string[];
  outcome: PodOutcome;
  revision: string;
  /** Zone the pod must run in (StatefulSet pods follow their volume). */
  zoneIdx: number | null;
  request: Qty;
  /** Kept with the seed so a spot replacement reuses the same naming scheme. */
  replaceable: boolean;
}

/** Sum of a pod's container requests. */
export function podRequest(spec: WorkloadSpec): Qty {
  const q = { cpu: 0, memGiB: 0, gpus: 0 };
  for (const c of spec.containers) {
    q.cpu += c.request.cpu;
    q.memGiB += c.request.memGiB;
    q.gpus += c.request.gpus;
  }
  return q;
}

/** Name of the claim a StatefulSet replica mounts. */
export function claimName(workload: string, ordinal: number): string {
  return `data-${workload}-${ordinal}`;
}

/** Workload plans of a cluster (one per spec) and the pod seeds of all non-DaemonSet workloads. */
export function expandWorkloads(
  cluster: ClusterSpec,
  window: SimWindow,
  seed: number,
): { workloads: WorkloadPlan[]; seeds: PodSeed[] } {
  const workloads: WorkloadPlan[] = [];
  const seeds: PodSeed[] = [];
  for (const ns of cluster.namespaces) {
    for (const spec of ns.workloads) {
      const plan: WorkloadPlan = { cluster: cluster.name, namespace: ns, spec, pods: [], runs: [] };
      workloads.push(plan);
      const rng = Rng.derive(seed, `workload/${cluster.name}/${ns.name}/${spec.name}`);
      const from = Math.max(spec.fromIdx, ns.fromIdx);
      const to = spec.toIdx;
      if (from >= to) continue;
      const make = (
        name: string,
        startIdx: number,
        endIdx: number,
        extra: Partial<PodSeed> & { revision: string },
      ): PodSeed => ({
        workload: plan,
        name,
        uid: rng.uuid(),
        startIdx,
        endIdx,
        labels: podLabels(spec, ns, extra.labels ?? {}),
        claims: [],
        outcome: endIdx >= window.samples ? 'running' : 'succeeded',
        zoneIdx: null,
        request: podRequest(spec),
        replaceable: false,
        ...extra,
      });
      switch (spec.kind) {
        case 'DaemonSet':
          break;
        case 'Deployment': {
          const bounds = [from, ...spec.rollouts.filter((k) => k > from && k < to), to];
          for (let j = 0; j + 1 < bounds.length; j++) {
            const hash = rng.suffix(10);
            for (let i = 0; i < spec.replicas; i++) {
              seeds.push(
                make(`${spec.name}-${hash}-${rng.suffix()}`, bounds[j] as number, bounds[j + 1] as number, {
                  revision: hash,
                  labels: { 'pod-template-hash': hash },
                  outcome: 'running',
                  replaceable: true,
                }),
              );
            }
          }
          break;
        }
        case 'StatefulSet': {
          for (let i = 0; i < spec.replicas; i++) {
            const name = `${spec.name}-${i}`;
            seeds.push(
              make(name, from, to, {
                revision: String(i),
                labels: { 'statefulset.kubernetes.io/pod-name': name },
                claims: spec.claimTemplate ? [claimName(spec.name, i)] : [],
                zoneIdx: spec.claimTemplate ? i % cluster.zones.length : null,
                outcome: 'running',
                replaceable: true,
              }),
            );
          }
          break;
        }
        case 'Job': {
          if (spec.sporadic) {
            expandSporadic(plan, spec, from, to, window, rng, make, seeds);
          } else if (spec.job) {
            expandJob(spec, from, to, window, rng, make, seeds);
          }
          break;
        }
        case 'CronJob':
          expandCron(plan, spec, from, to, window, rng, make, seeds);
          break;
      }
    }
  }
  seeds.sort((a, b) => a.startIdx - b.startIdx);
  return { workloads, seeds };
}

type Make = (
  name: string,
  startIdx: number,
  endIdx: number,
  extra: Partial<PodSeed> & { revision: string },
) => PodSeed;

function expandJob(
  spec: WorkloadSpec,
  from: number,
  to: number,
  window: SimWindow,
  rng: Rng,
  make: Make,
  seeds: PodSeed[],
): void {
  const job = spec.job;
  if (!job) return;
  const maxParallel = Math.max(...job.parallelism.map((p) => p.value));
  const activeFrom = (slot: number, at: number): number | null => {
    // First sample ≥ at where the slot is within the parallelism in force.
    let current = 0;
    for (const p of job.parallelism) if (p.fromIdx <= at) current = p.value;
    if (slot < current) return at;
    for (const p of job.parallelism) if (p.fromIdx > at && slot < p.value) return p.fromIdx;
    return null;
  };
  // A finite Job spreads its completions over its slots.
  const perSlot = job.completions ? Math.ceil(job.completions / maxParallel) : Number.POSITIVE_INFINITY;
  for (let slot = 0; slot < maxParallel; slot++) {
    let completed = 0;
    const limit = perSlot;
    let t: number | null = from + ((slot * 2) % Math.max(1, job.podIntervals));
    while (t !== null && t < to && completed < limit) {
      t = activeFrom(slot, t);
      if (t === null || t >= to) break;
      const end = Math.min(t + job.podIntervals, to);
      const done = end < window.samples;
      seeds.push(
        make(`${spec.name}-${rng.suffix()}`, t, end, {
          revision: spec.name,
          labels: { 'job-name': spec.name, 'batch.kubernetes.io/job-name': spec.name },
          outcome: !done ? 'running' : job.failing ? 'failed' : 'succeeded',
        }),
      );
      if (!job.failing) completed++;
      // Failing pods back off a little longer each time, capped like the Job controller (6 min).
      t = end + job.gapIntervals + (job.failing ? rng.int(0, 1) : 0);
    }
  }
}

function expandCron(
  plan: WorkloadPlan,
  spec: WorkloadSpec,
  from: number,
  to: number,
  window: SimWindow,
  rng: Rng,
  make: Make,
  seeds: PodSeed[],
): void {
  const cron = spec.cron;
  if (!cron) return;
  for (let p = 0; p < cron.phases.length; p++) {
    const phase = cron.phases[p];
    if (!phase) continue;
    const phaseEnd = Math.min(to, cron.phases[p + 1]?.fromIdx ?? to);
    const everyMs = phase.everyMinutes * 60_000;
    const offsetMs = phase.offsetMinutes * 60_000;
    const phaseStartMs = window.startMs + Math.max(from, phase.fromIdx) * SAMPLE_MS;
    let t = Math.ceil((phaseStartMs - offsetMs) / everyMs) * everyMs + offsetMs;
    for (; t < window.startMs + phaseEnd * SAMPLE_MS; t += everyMs) {
      const k = Math.round((t - window.startMs) / SAMPLE_MS);
      const runName = `${spec.name}-${Math.floor(t / 60_000)}`;
      const end = Math.min(k + cron.podIntervals, window.samples);
      plan.runs.push({ name: runName, startIdx: k, endIdx: end });
      for (let i = 0; i < cron.parallelism; i++) {
        seeds.push(
          make(`${runName}-${rng.suffix()}`, k, end, {
            revision: runName,
            labels: { 'job-name': runName, 'batch.kubernetes.io/job-name': runName },
          }),
        );
      }
    }
  }
}

function expandSporadic(
  plan: WorkloadPlan,
  spec: WorkloadSpec,
  from: number,
  to: number,
  window: SimWindow,
  rng: Rng,
  make: Make,
  seeds: PodSeed[],
): void {
  const sporadic = spec.sporadic;
  if (!sporadic) return;
  const days = Math.ceil(window.samples / SAMPLES_PER_DAY);
  for (let d = 0; d < days; d++) {
    const starts: number[] = [];
    for (let i = 0; i < sporadic.runsPerDay; i++) {
      starts.push(d * SAMPLES_PER_DAY + rng.int(8, 19) * SAMPLES_PER_HOUR + rng.int(0, 11));
    }
    starts.sort((a, b) => a - b);
    for (const k of starts) {
      if (k < from || k >= to) continue;
      const runName = `${spec.name}-${rng.suffix()}`;
      const end = Math.min(k + sporadic.podIntervals, window.samples);
      // The finished Job object lingers for an hour (ttlSecondsAfterFinished).
      plan.runs.push({
        name: runName,
        startIdx: k,
        endIdx: Math.min(end + SAMPLES_PER_HOUR, window.samples),
      });
      seeds.push(
        make(`${runName}-${rng.suffix()}`, k, end, {
          revision: runName,
          labels: { 'job-name': runName, 'batch.kubernetes.io/job-name': runName },
        }),
      );
    }
  }
}

function podLabels(spec: WorkloadSpec, _ns: NamespaceSpec, extra: Labels): Labels {
  return { app: spec.name, ...spec.podLabels, ...extra };
}
