/**
 * `npm run bench:allocate`: 10,000 pods for 7 days at 5-minute samples (≈ 20 million pod samples)
 * on 500 nodes, allocated end to end — the hour-facts SQL reduces samples in DuckDB, core
 * allocates pod-hours against billed node-hours — beside the time DuckDB alone takes to aggregate
 * the same samples to pod-hours (the floor). Each measured phase runs in a fresh child process so
 * its peak RSS is its own.
 *
 *   node --expose-gc --import tsx test/bench/allocate.bench.ts [--pods 10000] [--days 7] [--nodes 500]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDb } from '../../adapters/duckdb/connection.js';
import { createHourFactsReader } from '../../adapters/snapshots/duckdb/hourFacts.js';
import { createSampleTables } from '../../adapters/snapshots/duckdb/tables.js';
import { allocateWindows } from '../../core/allocation/index.js';
import { DEFAULT_POLICY } from '../../core/allocation/policy.js';
import { summarize } from '../../core/allocation/summarize.js';
import type { CostLine } from '../../core/schema/costLine.js';

const WINDOW_START = '2026-11-16T00:00:00.000Z';
const SAMPLE_S = 300;
const HOUR_MS = 3_600_000;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** DuckDB's memory limit for the measured phases (it spills to disk beyond it); `--memory-limit`. */
const MEMORY_LIMIT = (() => {
  const i = process.argv.indexOf('--memory-limit');
  return i >= 0 ? (process.argv[i + 1] as string) : '1GB';
})();

async function openFileDb(file: string): Promise<DuckDb> {
  const instance = await DuckDBInstance.create(file, { threads: '2', memory_limit: MEMORY_LIMIT });
  const conn = await instance.connect();
  return {
    instance,
    conn,
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/** Fills pod_samples and node_samples with SQL (not measured). */
async function generate(file: string, pods: number, days: number, nodes: number): Promise<number> {
  const db = await openFileDb(file);
  await createSampleTables(db);
  const samples = (days * 86_400) / SAMPLE_S;
  // A cheap deterministic hash in [0, 1) of integers.
  const h = (expr: string) => `((hash(${expr}) % 1000000)::DOUBLE / 1000000.0)`;
  await db.conn.run(`
    INSERT INTO node_samples
    SELECT 'bench', TIMESTAMP '2026-11-16 00:00:00' + to_seconds(k * ${SAMPLE_S}), ${SAMPLE_S},
           'node-' || n, printf('aws:///us-east-1%s/i-%017x', chr(97 + (n % 3)::INTEGER), n), 'm6i.4xlarge',
           'us-east-1', 'us-east-1' || chr(97 + (n % 3)::INTEGER), CASE WHEN n % 5 = 0 THEN 'spot' ELSE 'general' END,
           CASE WHEN n % 5 = 0 THEN 'spot' ELSE 'on-demand' END,
           16, 64 * 1073741824.0, 0, 15.89, 61 * 1073741824.0, 0, '{}'
    FROM range(0, ${samples}) t(k), range(0, ${nodes}) m(n)
    ORDER BY k, n`);
  await db.conn.run(`
    INSERT INTO pod_samples
    SELECT cluster, ts, interval_s, namespace, name, uid, node, phase, host_network, owner_kind, owner_name, labels,
           greatest(cpu_req, cpu_use), cpu_req, cpu_use,
           greatest(ram_req, ram_use), ram_req, ram_use,
           0, 0, 0, []::VARCHAR[]
    FROM (
      SELECT 'bench' AS cluster, TIMESTAMP '2026-11-16 00:00:00' + to_seconds(k * ${SAMPLE_S}) AS ts,
             ${SAMPLE_S}.0 AS interval_s, 'ns-' || (p % 200) AS namespace, 'pod-' || p AS name, 'uid-' || p AS uid,
             'node-' || (p % ${nodes}) AS node, 'Running' AS phase, false AS host_network,
             'Deployment' AS owner_kind, 'deploy-' || (p // 5) AS owner_name,
             '{"team":"team-' || (p % 15) || '","app":"app-' || (p // 5) || '"}' AS labels,
             0.1 + 0.4 * ${h('p')} AS cpu_req,
             (0.1 + 0.4 * ${h('p')}) * (0.2 + 1.1 * ${h('p * 7919 + k')}) AS cpu_use,
             (0.25 + 1.75 * ${h('p + 17')}) * 1073741824.0 AS ram_req,
             (0.25 + 1.75 * ${h('p + 17')}) * 1073741824.0 * (0.4 + 0.8 * ${h('p * 104729 + k')}) AS ram_use
      FROM range(0, ${samples}) t(k), range(0, ${pods}) q(p)
    )
    ORDER BY ts, uid`);
  await db.conn.run('CHECKPOINT');
  db.close();
  return samples * pods;
}

function nodeLines(nodes: number, days: number): CostLine[] {
  const lines: CostLine[] = [];
  const start = Date.parse(WINDOW_START);
  for (let hour = 0; hour < days * 24; hour++) {
    for (let n = 0; n < nodes; n++) {
      const cost = n % 5 === 0 ? 0.2688 : 0.768;
      lines.push({
        ChargePeriodStart: new Date(start + hour * HOUR_MS).toISOString(),
        ChargePeriodEnd: new Date(start + (hour + 1) * HOUR_MS).toISOString(),
        BilledCost: cost,
        EffectiveCost: cost,
        ListCost: 0.768,
        BillingCurrency: 'USD',
        ProviderName: 'AWS',
        ServiceName: 'Amazon Elastic Compute Cloud',
        ServiceCategory: 'Compute',
        ChargeCategory: 'Usage',
        ResourceId: `i-${n.toString(16).padStart(17, '0')}`,
        SkuId: null,
        RegionId: 'us-east-1',
        AvailabilityZone: null,
        ConsumedQuantity: 1,
        ConsumedUnit: 'Hours',
        Tags: { 'aws:eks:cluster-name': 'bench' },
        x_UsageType: 'USE1-BoxUsage:m6i.4xlarge',
      });
    }
  }
  return lines;
}

/** Child: the floor — DuckDB alone reduces the samples to pod-hours. */
async function floor(file: string, days: number): Promise<object> {
  const db = await openFileDb(file);
  const t0 = performance.now();
  const r = await db.conn.runAndReadAll(`
    SELECT count(*) AS pod_hours, sum(cpu) AS cpu FROM (
      SELECT uid, date_trunc('hour', ts) AS hour, sum(cpu_alloc * interval_s) / 3600 AS cpu,
             sum(ram_alloc_bytes * interval_s) / 3600 AS ram, sum(cpu_use * interval_s) AS cpu_use,
             sum(cpu_req * interval_s) AS cpu_req, arg_max(node, ts) AS node, arg_max(labels, ts) AS labels
      FROM pod_samples
      WHERE ts >= TIMESTAMP '2026-11-16 00:00:00' AND ts < TIMESTAMP '2026-11-16 00:00:00' + INTERVAL ${days} DAY
      GROUP BY ALL)`);
  const seconds = (performance.now() - t0) / 1000;
  const podHours = Number(r.getRowsJS()[0]?.[0]);
  db.close();
  return { seconds, podHours, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
}

/** Child: the whole allocation — hour facts SQL, core allocation, summary by namespace. */
async function allocate(file: string, days: number, nodes: number): Promise<object> {
  const db = await openFileDb(file);
  const windowEnd = new Date(Date.parse(WINDOW_START) + days * 86_400_000).toISOString();
  const lines = nodeLines(nodes, days);
  const t0 = performance.now();
  const reader = createHourFactsReader(db, { windowStart: WINDOW_START, windowEnd });
  let podHours = 0;
  async function* counted() {
    for await (const h of reader.hourFacts()) {
      podHours += h.pods.length;
      yield h;
    }
  }
  const [ledger] = await allocateWindows({
    policy: DEFAULT_POLICY,
    windows: [{ start: WINDOW_START, end: windowEnd }],
    ownerContext: await reader.ownerContext(),
    hours: counted(),
    costLines: lines,
  });
  if (!ledger) throw new Error('no ledger');
  const result = summarize(ledger, ['namespace'], 'USD');
  const seconds = (performance.now() - t0) / 1000;
  const rowsTotal = result.rows.reduce((s, r) => s + r.totalCost, 0);
  await reader.close();
  db.close();
  return {
    seconds,
    podHours,
    billed: result.totals.billed,
    rowsTotal,
    conservationRelError: Math.abs(rowsTotal - result.totals.billed) / result.totals.billed,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}

async function main(): Promise<void> {
  const phase = process.argv[2];
  const pods = arg('pods', 10_000);
  const days = arg('days', 7);
  const nodes = arg('nodes', 500);
  if (phase === 'floor' || phase === 'allocate') {
    const file = process.argv[3] as string;
    const out = phase === 'floor' ? await floor(file, days) : await allocate(file, days, nodes);
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'ownercost-bench-'));
  const file = path.join(dir, 'samples.duckdb');
  try {
    const g0 = performance.now();
    const samples = await generate(file, pods, days, nodes);
    const genSeconds = (performance.now() - g0) / 1000;
    const self = fileURLToPath(import.meta.url);
    const child = (name: string) =>
      JSON.parse(
        execFileSync(
          process.execPath,
          [
            '--expose-gc',
            '--import',
            'tsx',
            self,
            name,
            file,
            '--pods',
            String(pods),
            '--days',
            String(days),
            '--nodes',
            String(nodes),
            '--memory-limit',
            MEMORY_LIMIT,
          ],
          { encoding: 'utf8', maxBuffer: 1 << 20 },
        ),
      ) as { seconds: number; peakRssMiB: number; podHours: number; conservationRelError?: number };
    const f = child('floor');
    const a = child('allocate');
    const report = {
      pods,
      nodes,
      days,
      duckdbMemoryLimit: MEMORY_LIMIT,
      podSamples: samples,
      generateSeconds: Number(genSeconds.toFixed(1)),
      floor: { ...f, seconds: Number(f.seconds.toFixed(2)), peakRssMiB: Math.round(f.peakRssMiB) },
      allocate: {
        ...a,
        seconds: Number(a.seconds.toFixed(2)),
        peakRssMiB: Math.round(a.peakRssMiB),
        samplesPerSecond: Math.round(samples / a.seconds),
      },
      ratioToFloor: Number((a.seconds / f.seconds).toFixed(2)),
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(
      `allocate: ${samples.toLocaleString('en-US')} pod samples in ${report.allocate.seconds} s ` +
        `(${report.allocate.samplesPerSecond.toLocaleString('en-US')} samples/s), peak RSS ${report.allocate.peakRssMiB} MiB; ` +
        `DuckDB floor ${report.floor.seconds} s (×${report.ratioToFloor})\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
