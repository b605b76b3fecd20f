/**
 * FOCUS CSV and Parquet through DuckDbBillingSource: window and cluster filtering, resource-id
 * matching, aggregation, summaries, and the errors a user can act on.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DuckDbBillingSource, openDuckDbBillingSource } from '../../adapters/billing/duckdb/index.js';
import { DEFAULT_CLUSTER_TAG_KEYS } from '../../core/billing/classify.js';
import type { BillingQuery } from '../../core/ports.js';
import { CostLine } from '../../core/schema/costLine.js';
import { UsageError } from '../../core/schema/errors.js';
import { collect, duckRun, FIXTURES, sq, tempDir } from './helpers.js';

const SMALL_CSV = path.join(FIXTURES, 'focus-small', 'focus-1.2.csv');

function query(over: Partial<BillingQuery>): BillingQuery {
  return {
    windowStart: '2026-11-16T00:00:00Z',
    windowEnd: '2026-11-16T01:00:00Z',
    clusterTagKeys: DEFAULT_CLUSTER_TAG_KEYS,
    clusterNames: ['prod-use1'],
    resourceIds: [],
    ...over,
  };
}

/** The same lines as the CSV, typed as a Parquet export would type them (Tags as a MAP). */
async function writeParquetCopy(csv: string, target: string): Promise<void> {
  await duckRun(`COPY (
    SELECT BillingAccountId, BillingCurrency,
      CAST(BilledCost AS DECIMAL(18,10)) AS BilledCost, CAST(EffectiveCost AS DOUBLE) AS EffectiveCost,
      CAST(ListCost AS DOUBLE) AS ListCost, ChargeCategory,
      timezone('UTC', CAST(ChargePeriodStart AS TIMESTAMPTZ)) AS ChargePeriodStart,
      CAST(ChargePeriodEnd AS TIMESTAMPTZ) AS ChargePeriodEnd,
      CAST(ConsumedQuantity AS DOUBLE) AS ConsumedQuantity, ConsumedUnit, ProviderName, RegionId,
      AvailabilityZone, ResourceId, ServiceCategory, ServiceName, SkuId, SubAccountId,
      CAST(CAST(Tags AS JSON) AS MAP(VARCHAR, VARCHAR)) AS Tags, x_UsageType
    FROM read_csv(${sq(csv)}, all_varchar = true, nullstr = ['NULL', ''], header = true)
  ) TO ${sq(target)} (FORMAT parquet)`);
}

describe('DuckDbBillingSource over FOCUS CSV', () => {
  let source: DuckDbBillingSource;
  beforeAll(async () => {
    source = await openDuckDbBillingSource([path.join(FIXTURES, 'focus-small')]);
  });
  afterAll(async () => {
    await source.close();
  });

  it('returns valid cost lines with ISO charge periods and tags as a record', async () => {
    const lines = await collect(source.costLines(query({})));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(CostLine.safeParse(l).success).toBe(true);
    const node = lines.find((l) => l.x_UsageType === 'BoxUsage:m5.large');
    expect(node).toMatchObject({
      ChargePeriodStart: '2026-11-16T00:00:00.000Z',
      ChargePeriodEnd: '2026-11-16T01:00:00.000Z',
      ResourceId: 'arn:aws:ec2:us-east-1:111122223333:instance/i-0aaa',
      Tags: { 'aws:eks:cluster-name': 'prod-use1', team: 'ml, platform' },
      BillingCurrency: 'USD',
      ProviderName: 'AWS',
      ServiceCategory: 'Compute',
    });
  });

  it('sums lines of one hour, resource, usage type and tags, whatever the order of keys in the Tags JSON', async () => {
    const lines = await collect(source.costLines(query({})));
    const node = lines.filter((l) => l.x_UsageType === 'BoxUsage:m5.large');
    expect(node).toHaveLength(1);
    expect(node[0]?.BilledCost).toBeCloseTo(0.1, 12);
    expect(node[0]?.EffectiveCost).toBeCloseTo(0.0625, 12);
    expect(node[0]?.ConsumedQuantity).toBeCloseTo(1.0416666667, 12);
  });

  it('keeps lines overlapping the half-open window and no others', async () => {
    const second = await collect(
      source.costLines(query({ windowStart: '2026-11-16T01:00:00Z', windowEnd: '2026-11-16T02:00:00Z' })),
    );
    expect(second.map((l) => [l.ChargePeriodStart, l.x_UsageType]).sort()).toEqual([
      ['2026-11-16T00:00:00.000Z', 'USE1-AmazonEKS-Hours:perCluster'],
      ['2026-11-16T01:00:00.000Z', 'BoxUsage:m5.large'],
    ]);
    const before = await collect(
      source.costLines(query({ windowStart: '2026-11-15T23:00:00Z', windowEnd: '2026-11-16T00:00:00Z' })),
    );
    expect(before.map((l) => l.ChargePeriodStart)).toEqual(['2026-11-15T23:00:00.000Z']);
  });

  it('keeps only the asked clusters, by any of the cluster tag keys', async () => {
    const staging = await collect(source.costLines(query({ clusterNames: ['staging-use1'] })));
    expect(staging.map((l) => l.ResourceId)).toEqual(['i-0ccc']);
    const byOtherKey = await collect(
      source.costLines(query({ clusterTagKeys: ['ownercost:cluster', 'aws:eks:cluster-name'] })),
    );
    expect(byOtherKey.length).toBeGreaterThan(0);
    expect(await collect(source.costLines(query({ clusterNames: [] })))).toEqual([]);
    expect(await collect(source.costLines(query({ clusterTagKeys: ['team'] })))).toEqual([]);
  });

  it('keeps untagged lines whose ResourceId, whole or by a /-segment, is an asset id', async () => {
    const disk = await collect(source.costLines(query({ clusterNames: [], resourceIds: ['vol-0bbb'] })));
    expect(disk.map((l) => l.ResourceId)).toEqual(['arn:aws:ec2:us-east-1:111122223333:volume/vol-0bbb']);
    expect(disk[0]?.Tags).toEqual({});
    const whole = await collect(source.costLines(query({ clusterNames: [], resourceIds: ['i-0ccc'] })));
    expect(whole.map((l) => l.ResourceId)).toEqual(['i-0ccc']);
    const arn = await collect(
      source.costLines(
        query({ clusterNames: [], resourceIds: ['arn:aws:ec2:us-east-1:111122223333:volume/vol-0bbb'] }),
      ),
    );
    expect(arn).toHaveLength(1);
    expect(await collect(source.costLines(query({ clusterNames: [], resourceIds: ['vol-0b', ''] })))).toEqual(
      [],
    );
    const both = await collect(source.costLines(query({ resourceIds: ['vol-0bbb', 'i-0ccc'] })));
    expect(new Set(both.map((l) => l.ResourceId))).toEqual(
      new Set([
        'arn:aws:ec2:us-east-1:111122223333:instance/i-0aaa',
        'arn:aws:ec2:us-east-1:111122223333:volume/vol-0bbb',
        'arn:aws:eks:us-east-1:111122223333:cluster/prod-use1',
        'i-0ccc',
      ]),
    );
  });

  it('summarizes by charge category, largest EffectiveCost first, with the single currency', async () => {
    const { currency, rows } = await source.summarize({ by: ['ChargeCategory', 'ProviderName'] });
    expect(currency).toBe('USD');
    expect(rows.map((r) => r.key)).toEqual([
      { ChargeCategory: 'Usage', ProviderName: 'AWS' },
      { ChargeCategory: 'Tax', ProviderName: 'AWS' },
    ]);
    expect(rows[0]?.BilledCost).toBeCloseTo(0.096 * 3 + 0.004 + 0.0109589 + 0.192 + 0.02 + 2.4, 12);
    expect(rows[1]).toMatchObject({ BilledCost: 0.35, EffectiveCost: 0.35, rows: 1 });
  });

  it('refuses to summarize by a column it does not know, naming it', async () => {
    await expect(source.summarize({ by: ['ProviderName', 'Cost; DROP TABLE x'] })).rejects.toThrow(
      /cannot summarize by "Cost; DROP TABLE x"/,
    );
    await expect(source.summarize({ by: ['ProviderName', 'Cost; DROP TABLE x'] })).rejects.toBeInstanceOf(
      UsageError,
    );
  });

  it('refuses windows that are not ISO-8601 or empty', async () => {
    await expect(collect(source.costLines(query({ windowStart: 'last week' })))).rejects.toThrow(
      /windowStart/,
    );
    await expect(
      collect(
        source.costLines(query({ windowStart: '2026-11-16T01:00:00Z', windowEnd: '2026-11-16T01:00:00Z' })),
      ),
    ).rejects.toThrow(/empty window/);
  });

  it('takes a window without an offset as UTC', async () => {
    const utc = await collect(source.costLines(query({})));
    const bare = await collect(
      source.costLines(query({ windowStart: '2026-11-16T00:00:00', windowEnd: '2026-11-16T01:00:00' })),
    );
    expect(bare).toEqual(utc);
  });
});

describe('FOCUS Parquet', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it('gives the same lines and totals as the CSV it was written from', async () => {
    mkdirSync(path.join(tmp.dir, 'parquet'));
    await writeParquetCopy(SMALL_CSV, path.join(tmp.dir, 'parquet', 'focus.parquet'));
    const csv = await openDuckDbBillingSource([SMALL_CSV]);
    const parquet = await openDuckDbBillingSource([path.join(tmp.dir, 'parquet')]);
    try {
      expect(parquet.description).toBe('DuckDB over 1 FOCUS Parquet file');
      const q = query({ windowEnd: '2026-11-17T00:00:00Z', resourceIds: ['vol-0bbb', 'i-0ccc'] });
      const fromCsv = await collect(csv.costLines(q));
      const fromParquet = await collect(parquet.costLines(q));
      expect(fromCsv.length).toBeGreaterThan(4);
      expect(fromParquet).toEqual(fromCsv);
      const by = ['ServiceName', 'ChargeCategory'];
      expect(await parquet.summarize({ by })).toEqual(await csv.summarize({ by }));
    } finally {
      await csv.close();
      await parquet.close();
    }
  });
});

describe('streaming', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it('streams 60,000 lines hour by hour, and a consumer may stop early', async () => {
    const dir = path.join(tmp.dir, 'big');
    mkdirSync(dir);
    await duckRun(`COPY (
      SELECT TIMESTAMP '2026-11-16 00:00:00' + INTERVAL (i % 24) HOUR AS ChargePeriodStart,
        TIMESTAMP '2026-11-16 01:00:00' + INTERVAL (i % 24) HOUR AS ChargePeriodEnd,
        0.01 AS BilledCost, 0.01 AS EffectiveCost, 'USD' AS BillingCurrency,
        'i-' || (i // 24)::VARCHAR AS ResourceId,
        MAP {'aws:eks:cluster-name': 'big'} AS Tags
      FROM range(60000) t(i)
    ) TO ${sq(path.join(dir, 'big.parquet'))} (FORMAT parquet)`);
    const source = await openDuckDbBillingSource([dir]);
    try {
      const q = query({ windowEnd: '2026-11-17T00:00:00Z', clusterNames: ['big'] });
      let first: string | undefined;
      for await (const line of source.costLines(q)) {
        first = line.ResourceId ?? undefined;
        break;
      }
      expect(first).toBe('i-0');
      let count = 0;
      let billed = 0;
      for await (const line of source.costLines(q)) {
        count++;
        billed += line.BilledCost;
      }
      expect(count).toBe(60_000);
      expect(billed).toBeCloseTo(600, 6);
    } finally {
      await source.close();
    }
  });
});

describe('paths and formats', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  it('refuses a folder that mixes FOCUS CSV and FOCUS Parquet, naming the folder and both formats', async () => {
    const dir = path.join(tmp.dir, 'mixed');
    mkdirSync(path.join(dir, 'sub'), { recursive: true });
    copyFileSync(SMALL_CSV, path.join(dir, 'focus.csv'));
    await writeParquetCopy(SMALL_CSV, path.join(dir, 'sub', 'focus.parquet'));
    const opening = openDuckDbBillingSource([dir]);
    await expect(opening).rejects.toBeInstanceOf(UsageError);
    await expect(openDuckDbBillingSource([dir])).rejects.toThrow(
      new RegExp(
        `${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} mixes billing formats: FOCUS CSV \\(1 file\\), FOCUS Parquet \\(1 file\\)`,
      ),
    );
  });

  it('names a path that does not exist', async () => {
    const missing = path.join(tmp.dir, 'nope');
    await expect(openDuckDbBillingSource([missing])).rejects.toThrow(
      `billing path ${missing} does not exist`,
    );
  });

  it('names a folder without billing files', async () => {
    const empty = path.join(tmp.dir, 'empty');
    mkdirSync(empty);
    writeFileSync(path.join(empty, 'Manifest.json'), '{}');
    await expect(openDuckDbBillingSource([empty])).rejects.toThrow(
      `billing path ${empty} holds no billing files`,
    );
  });

  it('names a CSV that is not FOCUS', async () => {
    const dir = path.join(tmp.dir, 'other');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'x.csv'), 'a,b\n1,2\n');
    await expect(openDuckDbBillingSource([dir])).rejects.toThrow(/x\.csv is neither FOCUS .* nor CUR 2\.0/);
  });

  it('reads a file listed twice (directly and through its folder) once', async () => {
    const once = await openDuckDbBillingSource([SMALL_CSV]);
    const twice = await openDuckDbBillingSource([SMALL_CSV, path.join(FIXTURES, 'focus-small')]);
    try {
      expect(await twice.summarize({ by: [] })).toEqual(await once.summarize({ by: [] }));
    } finally {
      await once.close();
      await twice.close();
    }
  });

  it('refuses to total a bill in several currencies', async () => {
    const dir = path.join(tmp.dir, 'currencies');
    mkdirSync(dir);
    writeFileSync(
      path.join(dir, 'two.csv'),
      'ChargePeriodStart,ChargePeriodEnd,BilledCost,EffectiveCost,BillingCurrency\n' +
        '2026-11-16 00:00:00,2026-11-16 01:00:00,1,1,USD\n' +
        '2026-11-16 01:00:00,2026-11-16 02:00:00,1,1,EUR\n',
    );
    const source = await openDuckDbBillingSource([dir]);
    try {
      await expect(source.summarize({ by: ['BillingCurrency'] })).rejects.toThrow(
        /several currencies \(EUR, USD\)/,
      );
      const firstHour = await source.summarize({
        windowStart: '2026-11-16T00:00:00Z',
        windowEnd: '2026-11-16T01:00:00Z',
        by: [],
      });
      expect(firstHour.currency).toBe('USD');
    } finally {
      await source.close();
    }
  });

  it('refuses unknown options, naming them', async () => {
    await expect(openDuckDbBillingSource([SMALL_CSV], { thread: 2 } as never)).rejects.toThrow(
      /DuckDbBillingConfiguration: invalid option thread/,
    );
    await expect(openDuckDbBillingSource([])).rejects.toThrow('DuckDbBillingConfiguration: missing paths');
  });
});
