/**
 * Scheduling and node-pool autoscaling over the sample grid. A sweep from the first to the last
 * sample ends pods, interrupts spot nodes (their pods are replaced elsewhere), places new pods
 * best-fit by requests, adds nodes to autoscaled pools when nothing fits, and removes nodes
 * that stayed empty (but for DaemonSet pods) for ten minutes.
 */
import { instanceType } from './pricing.js';
import { Rng } from './rng.js';
import { SAMPLES_PER_HOUR, type SimWindow } from './time.js';
import type { ClusterSpec, NodePlan, PodPlan, PoolSpec, Qty, WorkloadPlan } from './types.js';
import { type PodSeed, podRequest } from './workloads.js';

export interface Placement {
  nodes: NodePlan[];
  pods: PodPlan[];
  /** Pods that found no room (pool at its maximum); they are left out. */
  unschedulable: number;
}

interface NodeState {
  plan: NodePlan;
  free: Qty;
  pods: Set<PodPlan>;
  nonDaemon: number;
  emptySince: number;
  interruptAt: number;
  ipSeq: number;
  alive: boolean;
}

const EMPTY_SAMPLES_BEFORE_SCALE_DOWN = 2;

/** Places the pod seeds of one cluster on nodes that the sweep creates and removes. */
export function placePods(
  cluster: ClusterSpec,
  workloads: WorkloadPlan[],
  seeds: PodSeed[],
  window: SimWindow,
  seed: number,
): Placement {
  const rng = Rng.derive(seed, `placement/${cluster.name}`);
  const n = window.samples;
  const nodes: NodeState[] = [];
  const pods: PodPlan[] = [];
  const daemonSets = workloads.filter((w) => w.spec.kind === 'DaemonSet');
  const endingAt = new Map<number, PodPlan[]>();
  const startsAt = new Map<number, PodSeed[]>();
  for (const s of seeds) pushTo(startsAt, s.startIdx, s);
  let unschedulable = 0;
  let nodeCounter = 0;

  const addPod = (s: PodSeed, node: NodeState, k: number): PodPlan => {
    const pod: PodPlan = {
      idx: pods.length,
      workload: s.workload,
      name: s.name,
      uid: s.uid,
      startIdx: k,
      endIdx: s.endIdx,
      node: node.plan,
      ip: s.workload.spec.hostNetwork ? node.plan.ip : podIp(cluster, node),
      labels: s.labels,
      claims: s.claims,
      outcome: s.outcome,
      seed: rng.seed(),
      revision: s.revision,
    };
    pods.push(pod);
    s.workload.pods.push(pod);
    node.pods.add(pod);
    take(node.free, s.request, -1);
    if (s.workload.spec.kind !== 'DaemonSet') {
      node.nonDaemon++;
      node.emptySince = -1;
      pushTo(endingAt, pod.endIdx, pod);
    }
    return pod;
  };

  const releasePod = (pod: PodPlan, k: number, node: NodeState) => {
    if (!node.pods.delete(pod)) return;
    pod.endIdx = k;
    take(node.free, podRequest(pod.workload.spec), 1);
    if (pod.workload.spec.kind !== 'DaemonSet') {
      node.nonDaemon--;
      if (node.nonDaemon === 0) node.emptySince = k;
    }
  };

  const stateOf = new Map<NodePlan, NodeState>();
  const createNode = (pool: PoolSpec, k: number, zoneIdx: number | null): NodeState | null => {
    const alive = nodes.filter((x) => x.alive && x.plan.pool === pool);
    if (alive.length >= pool.max) return null;
    const z =
      zoneIdx ??
      cluster.zones
        .map((_, i) => ({ i, count: alive.filter((x) => x.plan.zone === cluster.zones[i]).length }))
        .sort((a, b) => a.count - b.count || a.i - b.i)[0]?.i ??
      0;
    const plan = makeNode(
      cluster,
      pool,
      cluster.zones[z] ?? cluster.zones[0] ?? 'zone',
      nodeCounter++,
      k,
      n,
      rng,
    );
    const state: NodeState = {
      plan,
      free: { ...plan.allocatable },
      pods: new Set(),
      nonDaemon: 0,
      emptySince: k,
      interruptAt:
        pool.capacityType === 'spot' && pool.interruptionMeanHours
          ? k +
            Math.max(
              SAMPLES_PER_HOUR,
              Math.round(rng.exponential(pool.interruptionMeanHours) * SAMPLES_PER_HOUR),
            )
          : Number.POSITIVE_INFINITY,
      ipSeq: 0,
      alive: true,
    };
    nodes.push(state);
    stateOf.set(plan, state);
    for (const ds of daemonSets) {
      const dsRng = rng;
      const name = `${ds.spec.name}-${dsRng.suffix()}`;
      addPod(
        {
          workload: ds,
          name,
          uid: dsRng.uuid(),
          startIdx: k,
          endIdx: n,
          labels: { app: ds.spec.name, ...ds.spec.podLabels, 'controller-revision-hash': 'v1' },
          claims: [],
          outcome: 'running',
          revision: 'v1',
          zoneIdx: null,
          request: podRequest(ds.spec),
          replaceable: false,
        },
        state,
        k,
      );
    }
    return state;
  };

  const removeNode = (node: NodeState, k: number) => {
    node.alive = false;
    node.plan.endIdx = k;
    for (const pod of [...node.pods]) releasePod(pod, k, node);
  };

  const place = (s: PodSeed, k: number): PodPlan | null => {
    const pool = cluster.pools.find((p) => p.name === s.workload.spec.pool);
    if (!pool)
      throw new Error(
        `simulator: workload ${s.workload.spec.name} names unknown pool ${s.workload.spec.pool}`,
      );
    const zone = s.zoneIdx === null ? null : cluster.zones[s.zoneIdx % cluster.zones.length];
    let best: NodeState | null = null;
    let bestFree = Number.POSITIVE_INFINITY;
    for (const node of nodes) {
      if (!node.alive || node.plan.pool !== pool || (zone && node.plan.zone !== zone)) continue;
      if (!fits(node.free, s.request)) continue;
      const after = node.free.cpu - s.request.cpu;
      if (after < bestFree) {
        best = node;
        bestFree = after;
      }
    }
    if (!best && pool.autoscale) {
      best = createNode(pool, k, s.zoneIdx === null ? null : s.zoneIdx % cluster.zones.length);
      if (best && !fits(best.free, s.request)) best = null;
    }
    if (!best) {
      unschedulable++;
      return null;
    }
    return addPod(s, best, k);
  };

  // Pools start at their minimum size, nodes created before the window.
  for (const pool of cluster.pools) for (let i = 0; i < pool.min; i++) createNode(pool, 0, null);

  for (let k = 0; k < n; k++) {
    for (const pod of endingAt.get(k) ?? []) {
      const node = stateOf.get(pod.node);
      if (node && pod.endIdx === k) releasePod(pod, k, node);
    }
    endingAt.delete(k);

    const starting = startsAt.get(k) ?? [];
    for (const node of nodes) {
      if (!node.alive || node.interruptAt !== k) continue;
      // Spot interruption: controllers recreate their pods elsewhere; batch pods just fail.
      for (const pod of [...node.pods]) {
        if (pod.workload.spec.kind === 'DaemonSet') continue;
        const end = pod.endIdx;
        pod.outcome = 'failed';
        releasePod(pod, k, node);
        if (isReplaceable(pod) && end > k) {
          starting.push(replacementSeed(pod, k, end, rng));
        }
      }
      removeNode(node, k);
    }

    for (const s of starting) place(s, k);
    startsAt.delete(k);

    for (const node of nodes) {
      if (!node.alive || !node.plan.pool.autoscale || node.nonDaemon > 0) continue;
      if (node.emptySince < 0 || k - node.emptySince < EMPTY_SAMPLES_BEFORE_SCALE_DOWN) continue;
      const poolSize = nodes.filter((x) => x.alive && x.plan.pool === node.plan.pool).length;
      if (poolSize > node.plan.pool.min) removeNode(node, k);
    }
  }
  for (const pod of pods) if (pod.endIdx > n) pod.endIdx = n;
  return { nodes: nodes.map((x) => x.plan), pods, unschedulable };
}

function isReplaceable(pod: PodPlan): boolean {
  const kind = pod.workload.spec.kind;
  return kind === 'Deployment' || kind === 'StatefulSet';
}

function replacementSeed(pod: PodPlan, k: number, end: number, rng: Rng): PodSeed {
  const spec = pod.workload.spec;
  const name = spec.kind === 'StatefulSet' ? pod.name : `${spec.name}-${pod.revision}-${rng.suffix()}`;
  return {
    workload: pod.workload,
    name,
    uid: rng.uuid(),
    startIdx: k,
    endIdx: end,
    labels: pod.labels,
    claims: pod.claims,
    outcome: 'running',
    revision: pod.revision,
    // A StatefulSet pod follows its zonal volume.
    zoneIdx: spec.kind === 'StatefulSet' ? Number(pod.revision) : null,
    request: podRequest(spec),
    replaceable: true,
  };
}

function makeNode(
  cluster: ClusterSpec,
  pool: PoolSpec,
  zone: string,
  counter: number,
  k: number,
  n: number,
  rng: Rng,
): NodePlan {
  const type = instanceType(pool.instanceType);
  const capacity: Qty = { cpu: type.vcpu, memGiB: type.memGiB, gpus: type.gpus };
  const allocatable: Qty = {
    cpu: round(type.vcpu - 0.1 - 0.01 * type.vcpu, 3),
    memGiB: round(type.memGiB * 0.92 - 0.5, 3),
    gpus: type.gpus,
  };
  const zoneIdx = Math.max(0, cluster.zones.indexOf(zone));
  const common = {
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/os': 'linux',
    'node.kubernetes.io/instance-type': type.name,
    'topology.kubernetes.io/region': cluster.region,
    'topology.kubernetes.io/zone': zone,
  };
  if (cluster.provider === 'aws') {
    // One /24 per node, in the zone's /12: node names stay unique for thousands of nodes.
    const octet2 = 16 + zoneIdx * 16 + Math.floor(counter / 256);
    const octet3 = counter % 256;
    const name = `ip-10-${octet2}-${octet3}-4.ec2.internal`;
    const id = `i-0${rng.hex(16)}`;
    return {
      idx: counter,
      name,
      providerId: `aws:///${zone}/${id}`,
      resourceId: id,
      pool,
      zone,
      startIdx: k,
      endIdx: n,
      capacity,
      allocatable,
      ip: `10.${octet2}.${octet3}.4`,
      ipBase: `10.${octet2}.${octet3}`,
      labels: {
        ...common,
        'kubernetes.io/hostname': name,
        'eks.amazonaws.com/nodegroup': pool.name,
        'eks.amazonaws.com/capacityType': pool.capacityType === 'spot' ? 'SPOT' : 'ON_DEMAND',
        ...(type.gpus > 0 ? { 'nvidia.com/gpu.present': 'true' } : {}),
      },
      seed: rng.seed(),
    };
  }
  const name = `gke-${cluster.name}-${pool.name}-${rng.hex(8)}-${rng.suffix(4)}`;
  return {
    idx: counter,
    name,
    providerId: `gce://${cluster.account}/${zone}/${name}`,
    resourceId: `//compute.googleapis.com/projects/${cluster.account}/zones/${zone}/instances/${name}`,
    pool,
    zone,
    startIdx: k,
    endIdx: n,
    capacity,
    allocatable,
    ip: `10.128.${Math.floor(counter / 250)}.${(counter % 250) + 2}`,
    ipBase: `10.${64 + Math.floor(counter / 256)}.${counter % 256}`,
    labels: {
      ...common,
      'kubernetes.io/hostname': name,
      'cloud.google.com/gke-nodepool': pool.name,
      'cloud.google.com/machine-family': type.name.split('-')[0] ?? 'n2',
      ...(pool.capacityType === 'spot' ? { 'cloud.google.com/gke-spot': 'true' } : {}),
      ...(type.gpus > 0 ? { 'cloud.google.com/gke-accelerator': 'nvidia-l4' } : {}),
    },
    seed: rng.seed(),
  };
}

function podIp(cluster: ClusterSpec, node: NodeState): string {
  node.ipSeq = (node.ipSeq % 240) + 1;
  return cluster.provider === 'aws'
    ? `${node.plan.ipBase}.${node.ipSeq + 10}`
    : `${node.plan.ipBase}.${node.ipSeq + 2}`;
}

function fits(free: Qty, req: Qty): boolean {
  return free.cpu + 1e-9 >= req.cpu && free.memGiB + 1e-9 >= req.memGiB && free.gpus >= req.gpus;
}

function take(free: Qty, req: Qty, sign: 1 | -1): void {
  free.cpu += sign * req.cpu;
  free.memGiB += sign * req.memGiB;
  free.gpus += sign * req.gpus;
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function round(x: number, digits: number): number {
  const m = 10 ** digits;
  return Math.round(x * m) / m;
}
