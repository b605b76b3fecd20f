/** Writes allocation rows as CSV and as FOCUS 1.3-style Parquet (through DuckDB). */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { AllocationPolicy } from '../../core/allocation/policy.js';
import { ALLOCATION_METHOD_ID, allocatedTags, type ExportRow } from '../../core/report/rows.js';
import { openDuckDb, sqlString } from '../duckdb/connection.js';

const CSV_COLUMNS = [
  'day',
  'cluster',
  'namespace',
  'controllerKind',
  'controllerName',
  'team',
  'owner',
  'service',
  'env',
  'cost_center',
  'workload_type',
  'cost',
  'cpuCost',
  'ramCost',
  'gpuCost',
  'pvCost',
  'lbCost',
  'networkCost',
  'idleCost',
  'sharedCost',
  'cpuCoreHours',
  'ramGiBHours',
  'gpuHours',
  'estimated',
] as const;

export function allocationsCsv(rows: readonly ExportRow[], currency: string): string {
  const records = rows.map((r) => {
    const tags = allocatedTags(r);
    return CSV_COLUMNS.map((c) => {
      if (c in tags && c !== 'team') return tags[c];
      const v = (r as unknown as Record<string, unknown>)[c];
      return typeof v === 'number' ? Number(v.toFixed(6)) : v;
    });
  });
  // Spreadsheet formula injection: a cell from a cluster label must not start with = + - @.
  for (const rec of records) {
    for (let i = 0; i < rec.length; i++) {
      const v = rec[i];
      if (typeof v === 'string' && /^[=+\-@\t\r]/.test(v)) rec[i] = `'${v}`;
    }
  }
  return stringify([[...CSV_COLUMNS, 'currency'], ...records.map((r) => [...r, currency])]);
}

/**
 * FOCUS 1.3-style allocated charges: one row per workload and day. The allocated amount is in the
 * column of the cost metric the allocation used; the others are null rather than invented.
 */
export async function writeAllocationsFocusParquet(
  rows: readonly ExportRow[],
  file: string,
  policy: AllocationPolicy,
  currency: string,
): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ownercost-export-'));
  const ndjson = path.join(dir, 'rows.ndjson');
  const method = JSON.stringify({
    method: ALLOCATION_METHOD_ID,
    basis: 'max(request, usage) per pod-hour; node cost split by weights',
    weights: policy.weights,
    idle: policy.idle,
    sharedSplit: policy.shared.split,
  });
  const lines = rows.map((r) =>
    JSON.stringify({
      BillingCurrency: currency,
      ChargePeriodStart: r.chargePeriodStart,
      ChargePeriodEnd: r.chargePeriodEnd,
      ChargeCategory: 'Usage',
      ServiceCategory: 'Compute',
      ServiceName: 'Kubernetes',
      Cost: r.cost,
      AllocatedMethodId: ALLOCATION_METHOD_ID,
      AllocatedMethodDetails: method,
      AllocatedResourceId: r.resourceId,
      AllocatedResourceName: r.resourceName,
      AllocatedTags: JSON.stringify(allocatedTags(r)),
      x_Cluster: r.cluster,
      x_Namespace: r.namespace,
      x_ControllerKind: r.controllerKind,
      x_ControllerName: r.controllerName,
      x_Team: r.team,
      x_CpuCost: r.cpuCost,
      x_RamCost: r.ramCost,
      x_GpuCost: r.gpuCost,
      x_PvCost: r.pvCost,
      x_LoadBalancerCost: r.lbCost,
      x_NetworkCost: r.networkCost,
      x_IdleCost: r.idleCost,
      x_SharedCost: r.sharedCost,
      x_CpuCoreHours: r.cpuCoreHours,
      x_RamGiBHours: r.ramGiBHours,
      x_GpuHours: r.gpuHours,
      x_Estimated: r.estimated,
    }),
  );
  await writeFile(ndjson, lines.join('\n'));
  const db = await openDuckDb();
  try {
    const metric = policy.costMetric;
    const others = ['BilledCost', 'EffectiveCost', 'ListCost'].filter((c) => c !== metric);
    await db.conn.run(`
      COPY (
        SELECT BillingCurrency,
               CAST(ChargePeriodStart AS TIMESTAMP) AS ChargePeriodStart,
               CAST(ChargePeriodEnd AS TIMESTAMP) AS ChargePeriodEnd,
               ChargeCategory, ServiceCategory, ServiceName,
               CAST(Cost AS DOUBLE) AS ${metric},
               ${others.map((c) => `CAST(NULL AS DOUBLE) AS ${c}`).join(', ')},
               AllocatedMethodId, AllocatedMethodDetails, AllocatedResourceId, AllocatedResourceName,
               AllocatedTags,
               * EXCLUDE (BillingCurrency, ChargePeriodStart, ChargePeriodEnd, ChargeCategory, ServiceCategory,
                          ServiceName, Cost, AllocatedMethodId, AllocatedMethodDetails, AllocatedResourceId,
                          AllocatedResourceName, AllocatedTags)
        FROM read_json(${sqlString(ndjson)}, format = 'newline_delimited', columns = {
          BillingCurrency: 'VARCHAR', ChargePeriodStart: 'VARCHAR', ChargePeriodEnd: 'VARCHAR',
          ChargeCategory: 'VARCHAR', ServiceCategory: 'VARCHAR', ServiceName: 'VARCHAR', Cost: 'DOUBLE',
          AllocatedMethodId: 'VARCHAR', AllocatedMethodDetails: 'VARCHAR', AllocatedResourceId: 'VARCHAR',
          AllocatedResourceName: 'VARCHAR', AllocatedTags: 'VARCHAR', x_Cluster: 'VARCHAR', x_Namespace: 'VARCHAR',
          x_ControllerKind: 'VARCHAR', x_ControllerName: 'VARCHAR', x_Team: 'VARCHAR', x_CpuCost: 'DOUBLE',
          x_RamCost: 'DOUBLE', x_GpuCost: 'DOUBLE', x_PvCost: 'DOUBLE', x_LoadBalancerCost: 'DOUBLE',
          x_NetworkCost: 'DOUBLE', x_IdleCost: 'DOUBLE', x_SharedCost: 'DOUBLE', x_CpuCoreHours: 'DOUBLE',
          x_RamGiBHours: 'DOUBLE', x_GpuHours: 'DOUBLE', x_Estimated: 'BOOLEAN'
        })
      ) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd)`);
  } finally {
    db.close();
    await rm(dir, { recursive: true, force: true });
  }
}
