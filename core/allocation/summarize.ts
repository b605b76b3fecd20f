/**
 * Turns a ledger into rows grouped by dimensions, spreading each cluster's shared pool (shared
 * namespaces and labels, cluster fees, unmatched cluster cost) over the other allocations.
 *
 * Totals add up: allocated + idle + unmounted + unallocated = billed + estimated, where
 * `allocated` is the sum of ordinary rows (including the idle and shared cost spread onto them),
 * `idle` the separate `__idle__` rows, `unallocated` shared cost with no allocation to land on,
 * and `shared` the size of the shared pool (already inside `allocated`).
 */
import { OWNER_ATTRIBUTES, type OwnerAttribute, UNOWNED } from '../owners/resolve.js';
import { UsageError } from '../schema/errors.js';
import { type Ledger, type Unit, unitDirectCost } from './engine.js';
import type { SharedSplit } from './policy.js';

export const SPECIAL = {
  idle: '__idle__',
  unmounted: '__unmounted__',
  shared: '__shared__',
  unowned: UNOWNED,
  unlabeled: '__unallocated__',
} as const;

const BASE_DIMENSIONS = ['cluster', 'namespace', 'pod', 'controller', 'node', ...OWNER_ATTRIBUTES] as const;
export type Dimension = (typeof BASE_DIMENSIONS)[number] | `label:${string}`;

/** Parses `namespace,team,label:app` into dimensions; an unknown one is a UsageError naming it. */
export function parseDimensions(spec: string): Dimension[] {
  const dims = spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (dims.length === 0) throw new UsageError('--by: give at least one dimension');
  for (const d of dims) {
    if (d.startsWith('label:') ? d.length === 6 : !(BASE_DIMENSIONS as readonly string[]).includes(d)) {
      throw new UsageError(
        `--by: unknown dimension "${d}" (use ${BASE_DIMENSIONS.join(', ')} or label:<key>)`,
      );
    }
  }
  return dims as Dimension[];
}

export interface AllocationRow {
  key: Record<string, string>;
  cpuCost: number;
  ramCost: number;
  gpuCost: number;
  pvCost: number;
  lbCost: number;
  networkCost: number;
  sharedCost: number;
  idleCost: number;
  totalCost: number;
  cpuCoreHours: number;
  ramGiBHours: number;
  gpuHours: number;
  /** Usage ÷ request over the window (1 when used without a request; null when neither). */
  cpuEfficiency: number | null;
  ramEfficiency: number | null;
  estimated: boolean;
}

export interface AllocationTotals {
  billed: number;
  allocated: number;
  idle: number;
  shared: number;
  unmounted: number;
  unallocated: number;
  estimated: number;
}

export interface Coverage {
  /** Observed node-hours ÷ billed node-hours. */
  observedRatio: number;
  nodeHoursBilled: number;
  nodeHoursObserved: number;
  nodeHoursEstimated: number;
  nodeHoursUnpriced: number;
  /** Billed node cost of time no sample covered (it is in idle). */
  unobservedCost: number;
  /** Share of the total that was estimated rather than billed. */
  estimatedShare: number;
}

export interface AllocationResult {
  window: { from: string; to: string };
  currency: string;
  totals: AllocationTotals;
  coverage: Coverage;
  rows: AllocationRow[];
}

/** The value of one dimension for a unit. */
export function dimensionValue(u: Unit, dim: Dimension): string {
  if (dim === 'cluster') return u.cluster;
  if (u.kind === 'idle') return SPECIAL.idle;
  if (u.kind === 'shared') return SPECIAL.shared;
  if (u.kind === 'unmounted') {
    if (dim === 'namespace') return u.namespace;
    if ((OWNER_ATTRIBUTES as readonly string[]).includes(dim)) {
      return u.owners?.[dim as OwnerAttribute] ?? SPECIAL.unmounted;
    }
    return SPECIAL.unmounted;
  }
  switch (dim) {
    case 'namespace':
      return u.namespace;
    case 'pod':
      return `${u.namespace}/${u.pod}`;
    case 'controller':
      return `${u.controllerKind}/${u.controllerName}`;
    case 'node':
      return u.node;
    default:
      if (dim.startsWith('label:')) {
        const key = dim.slice(6);
        return Object.hasOwn(u.labels, key) ? (u.labels[key] ?? SPECIAL.unlabeled) : SPECIAL.unlabeled;
      }
      return u.owners?.[dim as OwnerAttribute] ?? UNOWNED;
  }
}

function rowKey(u: Unit, dims: readonly Dimension[]): Record<string, string> {
  const key: Record<string, string> = {};
  for (const d of dims) key[d] = dimensionValue(u, d);
  return key;
}

/**
 * Spreads each cluster's shared pool over the cluster's ordinary pod units.
 * Returns the shared cost per receiving unit and the leftover per cluster (no receivers).
 */
export function distributeShared(
  ledger: Ledger,
  dims: readonly Dimension[],
): { sharedOf: Map<Unit, number>; leftover: Map<string, number>; pool: Map<string, number> } {
  const split: SharedSplit = ledger.policy.shared.split;
  const pool = new Map<string, number>();
  const receivers = new Map<string, Unit[]>();
  for (const u of ledger.units) {
    if (u.kind === 'shared' || (u.kind === 'pod' && u.isShared)) {
      pool.set(u.cluster, (pool.get(u.cluster) ?? 0) + unitDirectCost(u));
    } else if (u.kind === 'pod') {
      const list = receivers.get(u.cluster);
      if (list) list.push(u);
      else receivers.set(u.cluster, [u]);
    }
  }
  const sharedOf = new Map<Unit, number>();
  const leftover = new Map<string, number>();
  const give = (units: Unit[], amount: number): number => {
    if (units.length === 0 || amount === 0) return 0;
    const weights = units.map(unitDirectCost);
    const total = weights.reduce((a, b) => a + b, 0);
    units.forEach((u, i) => {
      const c = total > 0 ? amount * ((weights[i] ?? 0) / total) : amount / units.length;
      sharedOf.set(u, (sharedOf.get(u) ?? 0) + c);
    });
    return amount;
  };
  for (const [cluster, amount] of pool) {
    const units = receivers.get(cluster) ?? [];
    let given = 0;
    if (split === 'weighted') {
      given = give(units, amount);
    } else if (split === 'even') {
      const groups = new Map<string, Unit[]>();
      for (const u of units) {
        const k = JSON.stringify(rowKey(u, dims));
        const g = groups.get(k);
        if (g) g.push(u);
        else groups.set(k, [u]);
      }
      for (const g of groups.values()) given += give(g, amount / groups.size);
    } else {
      for (const [team, pct] of Object.entries(split)) {
        given += give(
          units.filter((u) => u.owners?.team === team),
          (amount * pct) / 100,
        );
      }
    }
    if (amount - given !== 0) leftover.set(cluster, amount - given);
  }
  return { sharedOf, leftover, pool };
}

function efficiency(usage: number, request: number): number | null {
  if (request > 0) return usage / request;
  return usage > 0 ? 1 : null;
}

/** Groups the ledger into rows by `dims`, with totals and coverage. */
export function summarize(ledger: Ledger, dims: readonly Dimension[], currency: string): AllocationResult {
  const { sharedOf, leftover, pool } = distributeShared(ledger, dims);
  interface Acc {
    row: AllocationRow;
    cpuReq: number;
    cpuUse: number;
    ramReq: number;
    ramUse: number;
  }
  const groups = new Map<string, Acc>();
  const totals: AllocationTotals = {
    billed: 0,
    allocated: 0,
    idle: 0,
    shared: 0,
    unmounted: 0,
    unallocated: 0,
    estimated: 0,
  };
  const accFor = (key: Record<string, string>): Acc => {
    const k = JSON.stringify(key);
    let acc = groups.get(k);
    if (!acc) {
      acc = {
        row: {
          key,
          cpuCost: 0,
          ramCost: 0,
          gpuCost: 0,
          pvCost: 0,
          lbCost: 0,
          networkCost: 0,
          sharedCost: 0,
          idleCost: 0,
          totalCost: 0,
          cpuCoreHours: 0,
          ramGiBHours: 0,
          gpuHours: 0,
          cpuEfficiency: null,
          ramEfficiency: null,
          estimated: false,
        },
        cpuReq: 0,
        cpuUse: 0,
        ramReq: 0,
        ramUse: 0,
      };
      groups.set(k, acc);
    }
    return acc;
  };
  for (const u of ledger.units) {
    if (u.kind === 'shared' || (u.kind === 'pod' && u.isShared)) continue; // lands via sharedOf
    const acc = accFor(rowKey(u, dims));
    const r = acc.row;
    const shared = sharedOf.get(u) ?? 0;
    r.cpuCost += u.cpuCost;
    r.ramCost += u.ramCost;
    r.gpuCost += u.gpuCost;
    r.pvCost += u.pvCost;
    r.lbCost += u.lbCost;
    r.networkCost += u.networkCost;
    r.idleCost += u.idleCost;
    r.sharedCost += shared;
    const total = unitDirectCost(u) + shared;
    r.totalCost += total;
    r.cpuCoreHours += u.cpuCoreHours;
    r.ramGiBHours += u.ramGiBHours;
    r.gpuHours += u.gpuHours;
    r.estimated ||= u.estimatedCost !== 0;
    acc.cpuReq += u.cpuRequestCoreHours;
    acc.cpuUse += u.cpuUsageCoreHours;
    acc.ramReq += u.ramRequestGiBHours;
    acc.ramUse += u.ramUsageGiBHours;
    if (u.kind === 'idle') totals.idle += total;
    else if (u.kind === 'unmounted') totals.unmounted += total;
    else totals.allocated += total;
  }
  for (const [cluster, amount] of leftover) {
    const key: Record<string, string> = {};
    for (const d of dims) key[d] = d === 'cluster' ? cluster : SPECIAL.shared;
    const r = accFor(key).row;
    r.sharedCost += amount;
    r.totalCost += amount;
    totals.unallocated += amount;
  }
  const estimatedShared = ledger.units.some((u) => u.kind === 'shared' && u.estimatedCost !== 0);
  for (const acc of groups.values()) {
    acc.row.cpuEfficiency = efficiency(acc.cpuUse, acc.cpuReq);
    acc.row.ramEfficiency = efficiency(acc.ramUse, acc.ramReq);
    if (estimatedShared && acc.row.sharedCost !== 0) acc.row.estimated = true;
  }
  let nodeHoursBilled = 0;
  let nodeHoursObserved = 0;
  let nodeHoursEstimated = 0;
  let nodeHoursUnpriced = 0;
  let unobservedCost = 0;
  for (const c of ledger.clusters) {
    totals.billed += c.billed;
    totals.estimated += c.estimated;
    nodeHoursBilled += c.nodeHoursBilled;
    nodeHoursObserved += c.nodeHoursObserved;
    nodeHoursEstimated += c.nodeHoursEstimated;
    nodeHoursUnpriced += c.nodeHoursUnpriced;
    unobservedCost += c.unobservedCost;
  }
  for (const v of pool.values()) totals.shared += v;
  const grand = totals.billed + totals.estimated;
  const rows = [...groups.values()].map((a) => a.row).sort((a, b) => b.totalCost - a.totalCost);
  return {
    window: { from: ledger.windowStart, to: ledger.windowEnd },
    currency,
    totals,
    coverage: {
      observedRatio: nodeHoursBilled > 0 ? nodeHoursObserved / nodeHoursBilled : 1,
      nodeHoursBilled,
      nodeHoursObserved,
      nodeHoursEstimated,
      nodeHoursUnpriced,
      unobservedCost,
      estimatedShare: grand > 0 ? totals.estimated / grand : 0,
    },
    rows,
  };
}
