/**
 * Allocation rows for export: one row per workload and UTC day, with owner attributes, in the
 * spirit of FOCUS 1.3 allocated charges (AllocatedMethodId, AllocatedResourceId, AllocatedTags).
 */
import { type Ledger, type Unit, unitDirectCost } from '../allocation/engine.js';
import { distributeShared, SPECIAL } from '../allocation/summarize.js';
import { OWNER_ATTRIBUTES, type Owners } from '../owners/resolve.js';
import { teamOf, workloadKeyOf } from './model.js';

export const ALLOCATION_METHOD_ID = 'ownercost-v1';

export interface ExportRow {
  day: string;
  chargePeriodStart: string;
  chargePeriodEnd: string;
  cluster: string;
  namespace: string;
  controllerKind: string;
  controllerName: string;
  /** `k8s://<cluster>/<namespace>/<Kind>/<name>`, or the special row. */
  resourceId: string;
  resourceName: string;
  team: string;
  owners: Owners | null;
  cost: number;
  cpuCost: number;
  ramCost: number;
  gpuCost: number;
  pvCost: number;
  lbCost: number;
  networkCost: number;
  idleCost: number;
  sharedCost: number;
  cpuCoreHours: number;
  ramGiBHours: number;
  gpuHours: number;
  estimated: boolean;
}

/**
 * Rows per workload and day. Component costs are spread over days in proportion to the unit's
 * daily cost; the shared cost a unit received is spread the same way. Rows sum to the ledger.
 */
export function exportRows(ledger: Ledger): ExportRow[] {
  const { sharedOf, leftover } = distributeShared(ledger, ['team']);
  const rows = new Map<string, ExportRow>();
  const start = Date.parse(ledger.windowStart);
  const end = Date.parse(ledger.windowEnd);
  const dayBounds = (i: number) => {
    const s = start + i * 86_400_000;
    return [new Date(s).toISOString(), new Date(Math.min(end, s + 86_400_000)).toISOString()] as const;
  };
  const add = (u: Unit | null, cluster: string, day: number, fraction: number, shared: number) => {
    const [ps, pe] = dayBounds(day);
    const key = u ? `${workloadKeyOf(u)}\u0000${day}` : `${cluster}\u0000${SPECIAL.shared}\u0000${day}`;
    let r = rows.get(key);
    if (!r) {
      const kind = u ? u.controllerKind : SPECIAL.shared;
      const name = u ? u.controllerName : SPECIAL.shared;
      const namespace = u ? u.namespace : SPECIAL.shared;
      r = {
        day: ps.slice(0, 10),
        chargePeriodStart: ps,
        chargePeriodEnd: pe,
        cluster,
        namespace,
        controllerKind: kind,
        controllerName: name,
        resourceId: `k8s://${cluster}/${namespace}/${kind}/${name}`,
        resourceName: u && u.kind === 'pod' ? `${namespace}/${name}` : name,
        team: u ? teamOf(u) : SPECIAL.shared,
        owners: u?.owners ?? null,
        cost: 0,
        cpuCost: 0,
        ramCost: 0,
        gpuCost: 0,
        pvCost: 0,
        lbCost: 0,
        networkCost: 0,
        idleCost: 0,
        sharedCost: 0,
        cpuCoreHours: 0,
        ramGiBHours: 0,
        gpuHours: 0,
        estimated: false,
      };
      rows.set(key, r);
    }
    if (u) {
      r.cpuCost += u.cpuCost * fraction;
      r.ramCost += u.ramCost * fraction;
      r.gpuCost += u.gpuCost * fraction;
      r.pvCost += u.pvCost * fraction;
      r.lbCost += u.lbCost * fraction;
      r.networkCost += u.networkCost * fraction;
      r.idleCost += u.idleCost * fraction;
      r.cpuCoreHours += u.cpuCoreHours * fraction;
      r.ramGiBHours += u.ramGiBHours * fraction;
      r.gpuHours += u.gpuHours * fraction;
      r.estimated ||= u.estimatedCost !== 0;
      r.cost += unitDirectCost(u) * fraction;
    }
    r.sharedCost += shared * fraction;
    r.cost += shared * fraction;
  };
  for (const u of ledger.units) {
    if (u.kind === 'shared' || (u.kind === 'pod' && u.isShared)) continue;
    const direct = unitDirectCost(u);
    const shared = sharedOf.get(u) ?? 0;
    if (direct === 0 && shared === 0) continue;
    if (direct === 0) {
      add(u, u.cluster, 0, 1, shared);
      continue;
    }
    u.dailyCost.forEach((d, i) => {
      if (d !== 0) add(u, u.cluster, i, d / direct, shared);
    });
  }
  for (const [cluster, amount] of leftover) {
    const shared = ledger.units.find((u) => u.kind === 'shared' && u.cluster === cluster);
    const total = shared ? unitDirectCost(shared) : 0;
    if (shared && total !== 0) {
      shared.dailyCost.forEach((d, i) => {
        if (d !== 0) add(null, cluster, i, d / total, amount);
      });
    } else add(null, cluster, 0, 1, amount);
  }
  return [...rows.values()].sort(
    (a, b) => a.day.localeCompare(b.day) || a.cluster.localeCompare(b.cluster) || b.cost - a.cost,
  );
}

/** Owner attributes as a flat tag object, for AllocatedTags. */
export function allocatedTags(row: ExportRow): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const a of OWNER_ATTRIBUTES) tags[a] = row.owners?.[a] ?? (a === 'team' ? row.team : 'unowned');
  return tags;
}
