/**
 * "Which namespaces and workloads explain this week's change?" Decomposes the week-over-week
 * delta of a cluster or a team into namespaces and workloads, and each workload's delta into
 * drivers: more pod-hours (replicas, parallelism), larger requests, GPU-hours, node pool or
 * capacity type (spot → on-demand), network class, storage, load balancers, shared and idle cost,
 * new or removed workloads. Items are ranked until they explain the target share of the change.
 */

import { BILLED_NETWORK_CLASSES, type Ledger, type Unit, unitDirectCost } from '../allocation/engine.js';
import { distributeShared } from '../allocation/summarize.js';
import type { BilledNetworkClass } from '../billing/classify.js';
import { teamOf, workloadKeyOf } from '../report/model.js';

export type DriverKind =
  | 'new'
  | 'removed'
  | 'pod-hours'
  | 'requests'
  | 'gpu-hours'
  | 'capacity-type'
  | 'node-pool'
  | 'network'
  | 'storage'
  | 'load-balancer'
  | 'shared'
  | 'idle';

export interface Driver {
  kind: DriverKind;
  /** Part of the workload's delta this driver accounts for, in the billing currency. */
  delta: number;
  description: string;
}

/** A change seen in the snapshots (workload records), used as evidence. */
export interface WorkloadChange {
  cluster: string;
  namespace: string;
  kind: string;
  name: string;
  field: string;
  before: string;
  after: string;
  at: string;
}

export interface ExplainedWorkload {
  cluster: string;
  namespace: string;
  workload: string;
  team: string;
  previous: number;
  current: number;
  delta: number;
  /** delta ÷ the scope's total delta. */
  share: number;
  drivers: Driver[];
  evidence: string[];
}

export interface ExplainedNamespace {
  cluster: string;
  namespace: string;
  previous: number;
  current: number;
  delta: number;
  share: number;
  isNew: boolean;
  workloads: ExplainedWorkload[];
}

export interface Explanation {
  scope: { cluster?: string; team?: string };
  currency: string;
  window: { from: string; to: string };
  previousWindow: { from: string; to: string };
  previous: number;
  current: number;
  delta: number;
  ratio: number | null;
  /** Ranked workloads until `explainedShare` ≥ the target (or all movers in the change's direction). */
  items: ExplainedWorkload[];
  namespaces: ExplainedNamespace[];
  explainedShare: number;
  target: number;
}

export interface ExplainInput {
  current: Ledger;
  previous: Ledger;
  currency: string;
  scope: { cluster?: string; team?: string };
  changes?: readonly WorkloadChange[];
  /** Share of the change the ranked items must explain (default 0.8). */
  target?: number;
}

interface Agg {
  cluster: string;
  namespace: string;
  workload: string;
  team: string;
  total: number;
  compute: number;
  gpu: number;
  storage: number;
  lb: number;
  network: Record<BilledNetworkClass, number>;
  shared: number;
  idle: number;
  podHours: number;
  cpuCoreHours: number;
  cpuRequestCoreHours: number;
  gpuHours: number;
  computeByPool: Record<string, number>;
}

function aggregate(ledger: Ledger, scope: ExplainInput['scope']): Map<string, Agg> {
  const { sharedOf, leftover } = distributeShared(ledger, ['team']);
  const out = new Map<string, Agg>();
  const get = (key: string, init: () => Omit<Agg, 'total'>): Agg => {
    let a = out.get(key);
    if (!a) {
      a = { ...init(), total: 0 };
      out.set(key, a);
    }
    return a;
  };
  const empty = (cluster: string, namespace: string, workload: string, team: string) => () => ({
    cluster,
    namespace,
    workload,
    team,
    compute: 0,
    gpu: 0,
    storage: 0,
    lb: 0,
    network: { 'cross-zone': 0, 'cross-region': 0, internet: 0, nat: 0 },
    shared: 0,
    idle: 0,
    podHours: 0,
    cpuCoreHours: 0,
    cpuRequestCoreHours: 0,
    gpuHours: 0,
    computeByPool: {},
  });
  for (const u of ledger.units) {
    if (u.kind === 'shared' || (u.kind === 'pod' && u.isShared)) continue;
    if (scope.cluster && u.cluster !== scope.cluster) continue;
    const team = teamOf(u);
    if (scope.team && team !== scope.team) continue;
    const a = get(
      workloadKeyOf(u),
      empty(u.cluster, u.namespace, `${u.controllerKind}/${u.controllerName}`, team),
    );
    addUnit(a, u, sharedOf.get(u) ?? 0);
  }
  if (!scope.team) {
    for (const [cluster, amount] of leftover) {
      if (scope.cluster && cluster !== scope.cluster) continue;
      const a = get(`${cluster}/__shared__`, empty(cluster, '__shared__', '__shared__', '__shared__'));
      a.shared += amount;
      a.total += amount;
    }
  }
  return out;
}

function addUnit(a: Agg, u: Unit, shared: number): void {
  a.compute += u.cpuCost + u.ramCost;
  a.gpu += u.gpuCost;
  a.storage += u.pvCost;
  a.lb += u.lbCost;
  for (const c of BILLED_NETWORK_CLASSES) a.network[c] += u.networkByClass[c];
  a.shared += shared;
  a.idle += u.idleCost;
  a.podHours += u.podHours;
  a.cpuCoreHours += u.cpuCoreHours;
  a.cpuRequestCoreHours += u.cpuRequestCoreHours;
  a.gpuHours += u.gpuHours;
  for (const [k, v] of Object.entries(u.computeByPool)) a.computeByPool[k] = (a.computeByPool[k] ?? 0) + v;
  a.total += unitDirectCost(u) + shared;
}

const n1 = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 1 });

function onDemandShare(pools: Record<string, number>): number | null {
  let all = 0;
  let od = 0;
  for (const [k, v] of Object.entries(pools)) {
    all += v;
    if (k.endsWith('/on-demand')) od += v;
  }
  return all > 0 ? od / all : null;
}

function mainPool(pools: Record<string, number>): string | null {
  let best: string | null = null;
  let bestV = 0;
  for (const [k, v] of Object.entries(pools)) {
    if (v > bestV) {
      best = k;
      bestV = v;
    }
  }
  return best;
}

/**
 * Splits a workload's delta into drivers. Compute is decomposed as volume (pod-hours), size
 * (allocated core-hours per pod-hour) and price (where it ran); GPU as GPU-hours and price.
 * The drivers sum to the workload's delta.
 */
export function driversOf(before: Agg | undefined, now: Agg | undefined): Driver[] {
  const cur = now?.total ?? 0;
  const prev = before?.total ?? 0;
  if (!before || prev === 0) {
    return cur !== 0
      ? [{ kind: 'new', delta: cur, description: `new this week (${n1(now?.podHours ?? 0)} pod-hours)` }]
      : [];
  }
  if (!now || cur === 0) return [{ kind: 'removed', delta: -prev, description: 'gone this week' }];
  const drivers: Driver[] = [];
  // Compute (CPU + RAM): volume, size, price.
  const c0 = before.compute;
  const c1 = now.compute;
  if (c0 !== 0 || c1 !== 0) {
    let volume = 0;
    let size = 0;
    if (c0 !== 0 && before.podHours > 0) {
      volume = (now.podHours / before.podHours - 1) * c0;
      const s0 = before.cpuCoreHours / before.podHours;
      const s1 = now.podHours > 0 ? now.cpuCoreHours / now.podHours : s0;
      size = s0 > 0 ? c0 * (now.podHours / before.podHours) * (s1 / s0 - 1) : 0;
    } else {
      volume = c1 - c0;
    }
    const price = c1 - c0 - volume - size;
    if (volume !== 0)
      drivers.push({
        kind: 'pod-hours',
        delta: volume,
        description: `pod-hours ${n1(before.podHours)} → ${n1(now.podHours)} (replicas, parallelism or runs)`,
      });
    if (size !== 0)
      drivers.push({
        kind: 'requests',
        delta: size,
        description: `CPU charged per pod-hour ${n1(before.cpuCoreHours / before.podHours)} → ${n1(now.cpuCoreHours / Math.max(now.podHours, 1e-9))} cores`,
      });
    if (price !== 0) drivers.push(priceDriver(before, now, price));
  }
  // GPU: GPU-hours, then price.
  if (before.gpu !== 0 || now.gpu !== 0) {
    const gpuVolume =
      before.gpuHours > 0 && before.gpu !== 0
        ? (now.gpuHours / before.gpuHours - 1) * before.gpu
        : now.gpu - before.gpu;
    const gpuPrice = now.gpu - before.gpu - gpuVolume;
    if (gpuVolume !== 0)
      drivers.push({
        kind: 'gpu-hours',
        delta: gpuVolume,
        description: `GPU-hours ${n1(before.gpuHours)} → ${n1(now.gpuHours)}`,
      });
    if (gpuPrice !== 0) drivers.push(priceDriver(before, now, gpuPrice));
  }
  for (const cls of BILLED_NETWORK_CLASSES) {
    const d = now.network[cls] - before.network[cls];
    if (d !== 0) drivers.push({ kind: 'network', delta: d, description: `${cls} network cost ${sign(d)}` });
  }
  const simple: [DriverKind, number, string][] = [
    ['storage', now.storage - before.storage, 'storage'],
    ['load-balancer', now.lb - before.lb, 'load balancers'],
    ['shared', now.shared - before.shared, 'share of shared cost'],
    ['idle', now.idle - before.idle, 'share of idle capacity'],
  ];
  for (const [kind, d, what] of simple)
    if (d !== 0) drivers.push({ kind, delta: d, description: `${what} ${sign(d)}` });
  // Merge drivers of the same kind (price can appear for compute and GPU).
  const merged = new Map<DriverKind, Driver>();
  for (const d of drivers) {
    const m = merged.get(d.kind);
    if (m) m.delta += d.delta;
    else merged.set(d.kind, { ...d });
  }
  return [...merged.values()].sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta));
}

function sign(d: number): string {
  return d >= 0 ? 'up' : 'down';
}

function priceDriver(before: Agg, now: Agg, delta: number): Driver {
  const od0 = onDemandShare(before.computeByPool);
  const od1 = onDemandShare(now.computeByPool);
  if (od0 !== null && od1 !== null && Math.abs(od1 - od0) >= 0.1) {
    return {
      kind: 'capacity-type',
      delta,
      description: `on-demand share of compute ${Math.round(od0 * 100)}% → ${Math.round(od1 * 100)}% (spot ↔ on-demand)`,
    };
  }
  const p0 = mainPool(before.computeByPool);
  const p1 = mainPool(now.computeByPool);
  return {
    kind: 'node-pool',
    delta,
    description:
      p0 && p1 && p0 !== p1
        ? `moved from node pool ${p0} to ${p1}`
        : 'price per core-hour of its nodes changed',
  };
}

/** Explains the change of a cluster or a team between two ledgers. */
export function explainChange(input: ExplainInput): Explanation {
  const target = input.target ?? 0.8;
  const now = aggregate(input.current, input.scope);
  const before = aggregate(input.previous, input.scope);
  const keys = new Set([...now.keys(), ...before.keys()]);
  let current = 0;
  let previous = 0;
  for (const a of now.values()) current += a.total;
  for (const a of before.values()) previous += a.total;
  const delta = current - previous;
  const changesByWorkload = new Map<string, WorkloadChange[]>();
  for (const c of input.changes ?? []) {
    const k = `${c.cluster}/${c.namespace}/${c.kind}/${c.name}`;
    const list = changesByWorkload.get(k);
    if (list) list.push(c);
    else changesByWorkload.set(k, [c]);
  }
  const items: ExplainedWorkload[] = [];
  for (const key of keys) {
    const a = now.get(key);
    const b = before.get(key);
    const ref = (a ?? b) as Agg;
    const d = (a?.total ?? 0) - (b?.total ?? 0);
    if (d === 0) continue;
    const drivers = driversOf(b, a);
    const evidence = drivers.map((x) => x.description);
    for (const c of changesByWorkload.get(key) ?? []) {
      evidence.push(`${c.field} ${c.before} → ${c.after} at ${c.at}`);
    }
    items.push({
      cluster: ref.cluster,
      namespace: ref.namespace,
      workload: ref.workload,
      team: ref.team,
      previous: b?.total ?? 0,
      current: a?.total ?? 0,
      delta: d,
      share: delta !== 0 ? d / delta : 0,
      drivers,
      evidence,
    });
  }
  // Rank movers in the direction of the change first, largest first.
  items.sort((x, y) => {
    const sx = Math.sign(x.delta) === Math.sign(delta) ? 1 : 0;
    const sy = Math.sign(y.delta) === Math.sign(delta) ? 1 : 0;
    return sy - sx || Math.abs(y.delta) - Math.abs(x.delta);
  });
  const ranked: ExplainedWorkload[] = [];
  let explained = 0;
  for (const it of items) {
    if (delta === 0 || Math.sign(it.delta) !== Math.sign(delta)) break;
    ranked.push(it);
    explained += it.delta;
    if (explained / delta >= target) break;
  }
  const namespaces = new Map<string, ExplainedNamespace>();
  for (const it of items) {
    const k = `${it.cluster}/${it.namespace}`;
    let ns = namespaces.get(k);
    if (!ns) {
      ns = {
        cluster: it.cluster,
        namespace: it.namespace,
        previous: 0,
        current: 0,
        delta: 0,
        share: 0,
        isNew: true,
        workloads: [],
      };
      namespaces.set(k, ns);
    }
    ns.previous += it.previous;
    ns.current += it.current;
    ns.delta += it.delta;
    ns.workloads.push(it);
  }
  for (const ns of namespaces.values()) {
    ns.share = delta !== 0 ? ns.delta / delta : 0;
    ns.isNew = ns.previous === 0 && ns.current > 0;
  }
  return {
    scope: input.scope,
    currency: input.currency,
    window: { from: input.current.windowStart, to: input.current.windowEnd },
    previousWindow: { from: input.previous.windowStart, to: input.previous.windowEnd },
    previous,
    current,
    delta,
    ratio: previous !== 0 ? delta / previous : null,
    items: ranked,
    namespaces: [...namespaces.values()].sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta)),
    explainedShare: delta !== 0 ? explained / delta : 1,
    target,
  };
}
