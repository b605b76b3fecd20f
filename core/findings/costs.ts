/**
 * The ledger seen from the detectors: costs and integrals per workload, idle per node pool,
 * unmounted volume cost per PV, cost per namespace. Amounts are the window's (a week's), in the
 * billing currency; `monthly` turns them into a month of 730 hours.
 */

import { type Ledger, type Unit, unitDirectCost } from '../allocation/engine.js';
import type { BilledNetworkClass } from '../billing/classify.js';
import { type Owners, UNOWNED } from '../owners/resolve.js';

export const HOURS_PER_MONTH = 730;

export interface WorkloadCost {
  cluster: string;
  namespace: string;
  kind: string;
  name: string;
  /** The `team` owner of the costliest pod (`unowned` when none resolved). */
  team: string;
  owners: Owners | null;
  /** Pods of a shared namespace or label (their cost is spread over the cluster). */
  isShared: boolean;
  pods: number;
  cpuCost: number;
  ramCost: number;
  gpuCost: number;
  pvCost: number;
  lbCost: number;
  networkCost: number;
  idleCost: number;
  /** Direct cost (no shared cost spread onto it). */
  total: number;
  networkByClass: Record<BilledNetworkClass, number>;
  /** Compute (CPU+RAM+GPU) cost by `nodePool/capacityType`. */
  computeByPool: Record<string, number>;
  cpuCoreHours: number;
  ramGiBHours: number;
  gpuHours: number;
  cpuRequestCoreHours: number;
  ramRequestGiBHours: number;
  podHours: number;
}

export interface PoolCost {
  cluster: string;
  nodePool: string;
  /**
   * Cost of the pool's nodes no pod was allocated: the `__idle__` row (idle policy `separate`,
   * split by resource in `idleByResource`) plus, under policy `share`, the idle cost spread onto
   * the pool's pods (in proportion to their compute cost there).
   */
  idleCost: number;
  idleByResource: { cpu: number; ram: number; gpu: number; unobserved: number };
  /** Compute cost pods were allocated on the pool. */
  allocatedCost: number;
}

export interface NamespaceCost {
  cluster: string;
  namespace: string;
  /** Pods and unmounted volumes of the namespace, direct cost. */
  total: number;
  /** The team with the most cost in the namespace (`unowned` when none). */
  team: string;
}

export interface CostIndex {
  windowHours: number;
  /** Multiplier from a window amount to a month (730 h ÷ window hours). */
  monthly: number;
  /** By `cluster/namespace/Kind/name`. */
  workloads: Map<string, WorkloadCost>;
  /** By `cluster/nodePool`. */
  pools: Map<string, PoolCost>;
  /** Unmounted cost by `cluster/pvName`. */
  unmounted: Map<string, number>;
  /** By `cluster/namespace`. */
  namespaces: Map<string, NamespaceCost>;
  /** The pod units of each workload key (for per-pod detail). */
  unitsOf: Map<string, Unit[]>;
}

const zeroClasses = (): Record<BilledNetworkClass, number> => ({
  'cross-zone': 0,
  'cross-region': 0,
  internet: 0,
  nat: 0,
});

/** Indexes a ledger. Pure; O(units). */
export function indexLedger(ledger: Ledger): CostIndex {
  const windowHours = Math.max(
    1,
    (Date.parse(ledger.windowEnd) - Date.parse(ledger.windowStart)) / 3_600_000,
  );
  const workloads = new Map<string, WorkloadCost>();
  const unitsOf = new Map<string, Unit[]>();
  const teamCost = new Map<string, Map<string, number>>();
  const pools = new Map<string, PoolCost>();
  const unmounted = new Map<string, number>();
  const nsTotals = new Map<string, { cluster: string; namespace: string; total: number }>();
  const nsTeams = new Map<string, Map<string, number>>();
  const addTeam = (map: Map<string, Map<string, number>>, key: string, team: string, cost: number) => {
    let m = map.get(key);
    if (!m) {
      m = new Map();
      map.set(key, m);
    }
    m.set(team, (m.get(team) ?? 0) + cost);
  };
  const pool = (cluster: string, nodePool: string): PoolCost => {
    const key = `${cluster}/${nodePool}`;
    let p = pools.get(key);
    if (!p) {
      p = {
        cluster,
        nodePool,
        idleCost: 0,
        idleByResource: { cpu: 0, ram: 0, gpu: 0, unobserved: 0 },
        allocatedCost: 0,
      };
      pools.set(key, p);
    }
    return p;
  };

  for (const u of ledger.units) {
    const direct = unitDirectCost(u);
    if (u.kind === 'idle') {
      const p = pool(u.cluster, u.nodePool);
      p.idleCost += u.idleCost;
      p.idleByResource.cpu += u.idleByResource.cpu;
      p.idleByResource.ram += u.idleByResource.ram;
      p.idleByResource.gpu += u.idleByResource.gpu;
      p.idleByResource.unobserved += u.idleByResource.unobserved;
      continue;
    }
    if (u.kind === 'unmounted') {
      const key = `${u.cluster}/${u.controllerName}`;
      unmounted.set(key, (unmounted.get(key) ?? 0) + u.pvCost);
      if (u.namespace !== '__unmounted__') {
        const nsKey = `${u.cluster}/${u.namespace}`;
        const t = nsTotals.get(nsKey) ?? { cluster: u.cluster, namespace: u.namespace, total: 0 };
        t.total += direct;
        nsTotals.set(nsKey, t);
        addTeam(nsTeams, nsKey, u.owners?.team ?? UNOWNED, direct);
      }
      continue;
    }
    if (u.kind !== 'pod') continue;
    const key = `${u.cluster}/${u.namespace}/${u.controllerKind}/${u.controllerName}`;
    let w = workloads.get(key);
    if (!w) {
      w = {
        cluster: u.cluster,
        namespace: u.namespace,
        kind: u.controllerKind,
        name: u.controllerName,
        team: UNOWNED,
        owners: u.owners,
        isShared: u.isShared,
        pods: 0,
        cpuCost: 0,
        ramCost: 0,
        gpuCost: 0,
        pvCost: 0,
        lbCost: 0,
        networkCost: 0,
        idleCost: 0,
        total: 0,
        networkByClass: zeroClasses(),
        computeByPool: {},
        cpuCoreHours: 0,
        ramGiBHours: 0,
        gpuHours: 0,
        cpuRequestCoreHours: 0,
        ramRequestGiBHours: 0,
        podHours: 0,
      };
      workloads.set(key, w);
      unitsOf.set(key, []);
    }
    unitsOf.get(key)?.push(u);
    w.pods += 1;
    w.isShared ||= u.isShared;
    w.cpuCost += u.cpuCost;
    w.ramCost += u.ramCost;
    w.gpuCost += u.gpuCost;
    w.pvCost += u.pvCost;
    w.lbCost += u.lbCost;
    w.networkCost += u.networkCost;
    w.idleCost += u.idleCost;
    w.total += direct;
    for (const [cls, v] of Object.entries(u.networkByClass) as [BilledNetworkClass, number][]) {
      w.networkByClass[cls] += v;
    }
    const computeTotal = Object.values(u.computeByPool).reduce((a, b) => a + b, 0);
    for (const [p, v] of Object.entries(u.computeByPool)) {
      w.computeByPool[p] = (w.computeByPool[p] ?? 0) + v;
      const slash = p.lastIndexOf('/');
      const target = pool(u.cluster, slash >= 0 ? p.slice(0, slash) : p);
      target.allocatedCost += v;
      // Idle policy `share`: the pool's idle cost was spread onto its pods; count it back per pool.
      if (u.idleCost !== 0 && computeTotal > 0) target.idleCost += u.idleCost * (v / computeTotal);
    }
    w.cpuCoreHours += u.cpuCoreHours;
    w.ramGiBHours += u.ramGiBHours;
    w.gpuHours += u.gpuHours;
    w.cpuRequestCoreHours += u.cpuRequestCoreHours;
    w.ramRequestGiBHours += u.ramRequestGiBHours;
    w.podHours += u.podHours;
    addTeam(teamCost, key, u.owners?.team ?? UNOWNED, direct + 1e-12);
    const nsKey = `${u.cluster}/${u.namespace}`;
    const t = nsTotals.get(nsKey) ?? { cluster: u.cluster, namespace: u.namespace, total: 0 };
    t.total += direct;
    nsTotals.set(nsKey, t);
    addTeam(nsTeams, nsKey, u.owners?.team ?? UNOWNED, direct + 1e-12);
  }

  const topTeam = (m: Map<string, number> | undefined): string => {
    let best = UNOWNED;
    let bestCost = -1;
    for (const [team, cost] of m ?? []) {
      if (team === UNOWNED) continue;
      if (cost > bestCost || (cost === bestCost && team < best)) {
        best = team;
        bestCost = cost;
      }
    }
    return best;
  };
  for (const [key, w] of workloads) {
    w.team = topTeam(teamCost.get(key));
    const units = unitsOf.get(key) ?? [];
    w.owners = units.find((u) => u.owners?.team === w.team)?.owners ?? w.owners;
  }
  const namespaces = new Map<string, NamespaceCost>();
  for (const [key, t] of nsTotals) namespaces.set(key, { ...t, team: topTeam(nsTeams.get(key)) });

  return {
    windowHours,
    monthly: HOURS_PER_MONTH / windowHours,
    workloads,
    pools,
    unmounted,
    namespaces,
    unitsOf,
  };
}

/** An empty index for a window (tests). */
export function emptyCostIndex(windowHours = 168): CostIndex {
  return {
    windowHours,
    monthly: HOURS_PER_MONTH / windowHours,
    workloads: new Map(),
    pools: new Map(),
    unmounted: new Map(),
    namespaces: new Map(),
    unitsOf: new Map(),
  };
}
