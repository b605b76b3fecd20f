/**
 * What `runSimulate` wrote (the shared two-week simulation of test/e2e/globalSetup.ts): the object
 * store, the three billing exports read back with DuckDB, and truth.json. Plus the exports of a
 * week that spans two billing months, written directly.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { writeCur2Export, writeFocusExports } from '../../adapters/billing/exportWriter.js';
import { type DuckDb, openDuckDb, sqlString } from '../../adapters/duckdb/connection.js';
import { readNdjson } from '../../adapters/snapshots/ndjson.js';
import { FsObjectStore } from '../../adapters/storage/fs.js';
import type { BadInput } from '../../core/schema/errors.js';
import { createSimulation, focusLines, type Truth } from '../../core/simulator/index.js';
import { parseSnapshotKey } from '../../core/snapshots/keys.js';

let simDir: string;
let db: DuckDb;
let truth: Truth;
let tmp: string;

const rowsOf = async (sql: string) => (await db.conn.runAndReadAll(sql)).getRowObjectsJson();
const one = async (sql: string): Promise<Record<string, unknown>> =>
  ((await rowsOf(sql))[0] ?? {}) as Record<string, unknown>;
const glob = (sub: string) => sqlString(path.join(simDir, 'billing', sub));

beforeAll(async () => {
  simDir = inject('simDir');
  truth = JSON.parse(await readFile(path.join(simDir, 'truth.json'), 'utf8')) as Truth;
  db = await openDuckDb();
  tmp = await mkdtemp(path.join(tmpdir(), 'ownercost-exports-'));
});

afterAll(async () => {
  db?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('runSimulate output', () => {
  it('describes the same money in the FOCUS CSV, the FOCUS Parquet and CUR 2.0', async () => {
    const billed = truth.billed.reduce((s, b) => s + b.billedCost, 0);
    const awsBilled = truth.billed
      .filter((b) => b.cluster === 'prod-use1')
      .reduce((s, b) => s + b.billedCost, 0);
    const lines = truth.billed.reduce((s, b) => s + b.lines, 0);
    const csv = await one(
      `SELECT count(*)::INTEGER AS n, sum(BilledCost) AS billed, sum(BilledCost) FILTER (ProviderName = 'AWS') AS aws FROM read_csv(${glob('focus-csv/*.csv')}, nullstr = ['', 'NULL'])`,
    );
    const parquet = await one(
      `SELECT count(*)::INTEGER AS n, sum(BilledCost) AS billed, sum(EffectiveCost) AS effective FROM read_parquet(${glob('focus-parquet/*.parquet')})`,
    );
    const cur = await one(
      `SELECT sum(line_item_unblended_cost) AS unblended, sum(line_item_net_unblended_cost) AS net, count(DISTINCT line_item_usage_account_id)::INTEGER AS accounts FROM read_parquet(${glob('cur2/*/*.parquet')}, hive_partitioning = false)`,
    );
    expect(csv.n).toBe(lines);
    expect(parquet.n).toBe(lines);
    expect(csv.billed as number).toBeCloseTo(billed, 4);
    expect(parquet.billed as number).toBeCloseTo(csv.billed as number, 6);
    expect(parquet.effective as number).toBeCloseTo(csv.billed as number, 6);
    expect(cur.unblended as number).toBeCloseTo(csv.aws as number, 6);
    expect(cur.unblended as number).toBeCloseTo(awsBilled, 4);
    expect(cur.net as number).toBeCloseTo(cur.unblended as number, 6);
    expect(cur.accounts).toBe(1);
  });

  it('writes hourly charge periods as ISO strings ending in Z in CSV and as timestamps in Parquet', async () => {
    const csv = await one(
      `SELECT min(ChargePeriodStart) AS first, max(ChargePeriodEnd) AS last, count(DISTINCT ChargePeriodStart)::INTEGER AS hours FROM read_csv(${glob('focus-csv/*.csv')}, all_varchar = true)`,
    );
    expect(csv).toEqual({ first: truth.window.start, last: truth.window.end, hours: 336 });
    const types = await rowsOf(`DESCRIBE SELECT * FROM read_parquet(${glob('focus-parquet/*.parquet')})`);
    expect(types.find((t) => t.column_name === 'ChargePeriodStart')?.column_type).toBe('TIMESTAMP');
    expect(types.find((t) => t.column_name === 'Tags')?.column_type).toBe('VARCHAR');
  });

  it('keeps Tags a JSON object with the cluster tag in FOCUS, and CUR 2.0 tag keys in a MAP', async () => {
    const tags = await one(
      `SELECT count(*) FILTER (json_extract_string(Tags, '$."aws:eks:cluster-name"') = 'prod-use1')::INTEGER AS eks, count(*) FILTER (json_extract_string(Tags, '$."goog-k8s-cluster-name"') = 'ml-usc1')::INTEGER AS gke, count(*)::INTEGER AS n FROM read_csv(${glob('focus-csv/*.csv')})`,
    );
    expect((tags.eks as number) + (tags.gke as number)).toBe(tags.n);
    const cur = await one(
      `SELECT any_value(typeof(resource_tags)) AS t, count(*) FILTER (resource_tags['aws_eks_cluster_name'] = 'prod-use1')::INTEGER AS tagged, count(*)::INTEGER AS n, count(*) FILTER (split_line_item_parent_resource_id IS NOT NULL AND line_item_unblended_cost = 0)::INTEGER AS split, count(*) FILTER (resource_tags['aws_eks_namespace'] IS NOT NULL)::INTEGER AS pods FROM read_parquet(${glob('cur2/*/*.parquet')}, hive_partitioning = false)`,
    );
    expect(cur.t).toBe('MAP(VARCHAR, VARCHAR)');
    expect(cur.tagged).toBe(cur.n);
    expect(cur.split as number).toBeGreaterThan(50_000);
    expect(cur.pods).toBe(cur.split);
  });

  it('stores one gzip NDJSON object per cluster, partition and hour, all valid ownercost/v1', async () => {
    const store = new FsObjectStore(path.join(simDir, 'store'));
    const keys: string[] = [];
    for await (const key of store.list('snapshots/v1/')) keys.push(key);
    expect(keys.length).toBe(2 * 2 * 336);
    const parsed = keys.map(parseSnapshotKey);
    expect(parsed.every((p) => p !== null)).toBe(true);
    expect(new Set(parsed.map((p) => `${p?.partition}/${p?.cluster}`))).toEqual(
      new Set(['cluster/prod-use1', 'cluster/ml-usc1', 'network/prod-use1', 'network/ml-usc1']),
    );
    const bad: BadInput[] = [];
    let records = 0;
    const wrongCluster: string[] = [];
    const wrongHour: string[] = [];
    for (const key of keys.filter((_, i) => i % 67 === 0)) {
      const body = await store.get(key);
      if (!body) throw new Error(`missing ${key}`);
      const p = parseSnapshotKey(key);
      // The key's time is the batch's first sample; every record lies in the key's hour.
      const keyTs = /\/(\d{8}T\d{6}Z)-[^/]+$/.exec(key)?.[1] ?? '';
      const samples = new Set<string>();
      for await (const r of readNdjson(body, key, (b) => bad.push(b))) {
        records++;
        samples.add(r.ts);
        if (!key.includes(`/cluster=${r.cluster}/`)) wrongCluster.push(key);
        if (r.ts.slice(0, 10) !== p?.dt || Number(r.ts.slice(11, 13)) !== p?.hour) wrongHour.push(key);
      }
      expect([...samples].sort()[0]?.replace(/[-:]/g, '').replace(/\.\d+/, '')).toBe(keyTs);
      expect(samples.size).toBe(key.includes('kind=network') ? 4 : 12);
    }
    expect(bad).toEqual([]);
    expect(wrongCluster).toEqual([]);
    expect(wrongHour).toEqual([]);
    expect(records).toBeGreaterThan(1000);
  });

  it('writes truth.json with the causes, the waste, the clean workloads and the billed totals', () => {
    expect(truth.window.weeks).toEqual(['2026-W46', '2026-W47']);
    expect(truth.causes.map((c) => c.kind).sort()).toEqual([
      'cronjob-frequency',
      'gpu-parallelism',
      'new-preview-env',
      'new-training-job',
    ]);
    expect(truth.waste.length).toBeGreaterThanOrEqual(13);
    expect(truth.healthy.length).toBeGreaterThan(0);
    expect(truth.billed.map((b) => `${b.cluster}/${b.week}`)).toEqual([
      'ml-usc1/2026-W46',
      'ml-usc1/2026-W47',
      'prod-use1/2026-W46',
      'prod-use1/2026-W47',
    ]);
  });
});

describe('billing exports of a week that spans two months', () => {
  it('writes one FOCUS CSV, one FOCUS Parquet and one CUR folder per billing month, with the same totals', async () => {
    const sim = createSimulation({ seed: 7, weeks: 1, weekStartMs: Date.parse('2026-11-30T00:00:00Z') });
    const lines = focusLines(sim.billing().lines);
    const focus = await writeFocusExports(lines, {
      csvDir: path.join(tmp, 'focus-csv'),
      parquetDir: path.join(tmp, 'focus-parquet'),
    });
    const cur = await writeCur2Export(sim.curRows(), path.join(tmp, 'cur2'));
    expect(focus.csv.map((p) => path.basename(p))).toEqual(['focus-2026-11.csv', 'focus-2026-12.csv']);
    expect(focus.parquet.map((p) => path.basename(p))).toEqual([
      'focus-2026-11.parquet',
      'focus-2026-12.parquet',
    ]);
    expect(cur.files.map((p) => path.relative(path.join(tmp, 'cur2'), p))).toEqual([
      path.join('BILLING_PERIOD=2026-11', 'part-0.parquet'),
      path.join('BILLING_PERIOD=2026-12', 'part-0.parquet'),
    ]);
    const byMonth = await rowsOf(
      `SELECT strftime(ChargePeriodStart, '%Y-%m') AS month, sum(BilledCost) AS billed, min(ChargePeriodStart) AS first FROM read_parquet(${sqlString(path.join(tmp, 'focus-parquet', '*.parquet'))}) GROUP BY 1 ORDER BY 1`,
    );
    expect(byMonth.map((r) => r.month)).toEqual(['2026-11', '2026-12']);
    const curByMonth = await rowsOf(
      `SELECT BILLING_PERIOD AS month, sum(line_item_unblended_cost) AS billed, min(bill_billing_period_start_date) AS period FROM read_parquet(${sqlString(path.join(tmp, 'cur2', '*', '*.parquet'))}, hive_partitioning = true) GROUP BY 1 ORDER BY 1`,
    );
    expect(curByMonth.map((r) => [r.month, r.period])).toEqual([
      ['2026-11', '2026-11-01 00:00:00'],
      ['2026-12', '2026-12-01 00:00:00'],
    ]);
    const total = lines.reduce((s, l) => s + l.BilledCost, 0);
    expect(byMonth.reduce((s, r) => s + Number(r.billed), 0)).toBeCloseTo(total, 6);
    const aws = lines.filter((l) => l.ProviderName === 'AWS').reduce((s, l) => s + l.BilledCost, 0);
    expect(curByMonth.reduce((s, r) => s + Number(r.billed), 0)).toBeCloseTo(aws, 6);
  });
});
