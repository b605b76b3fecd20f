/**
 * AWS CUR 2.0 Parquet (`BILLING_PERIOD=YYYY-MM/*.parquet`, tags in a MAP) mapped to FOCUS:
 * EffectiveCost rules per line item type, charge categories, tag keys restored, and EKS split cost
 * allocation rows left out so the instance is not counted twice.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DuckDbBillingSource, openDuckDbBillingSource } from '../../adapters/billing/duckdb/index.js';
import { DEFAULT_CLUSTER_TAG_KEYS } from '../../core/billing/classify.js';
import type { BillingQuery } from '../../core/ports.js';
import { CostLine } from '../../core/schema/costLine.js';
import { collect, duckRun, sq, tempDir } from './helpers.js';

const CUR_COLUMNS: Record<string, string> = {
  bill_payer_account_id: 'VARCHAR',
  line_item_usage_account_id: 'VARCHAR',
  line_item_line_item_type: 'VARCHAR',
  line_item_usage_start_date: 'TIMESTAMP',
  line_item_usage_end_date: 'TIMESTAMP',
  line_item_product_code: 'VARCHAR',
  line_item_usage_type: 'VARCHAR',
  line_item_resource_id: 'VARCHAR',
  line_item_usage_amount: 'DOUBLE',
  pricing_unit: 'VARCHAR',
  line_item_currency_code: 'VARCHAR',
  line_item_unblended_cost: 'DOUBLE',
  line_item_net_unblended_cost: 'DOUBLE',
  pricing_public_on_demand_cost: 'DOUBLE',
  product_region_code: 'VARCHAR',
  line_item_availability_zone: 'VARCHAR',
  product_servicecode: 'VARCHAR',
  product: 'MAP(VARCHAR, VARCHAR)',
  resource_tags: 'MAP(VARCHAR, VARCHAR)',
  savings_plan_savings_plan_effective_cost: 'DOUBLE',
  savings_plan_total_commitment_to_date: 'DOUBLE',
  savings_plan_used_commitment: 'DOUBLE',
  reservation_effective_cost: 'DOUBLE',
  reservation_unused_amortized_upfront_fee_for_billing_period: 'DOUBLE',
  reservation_unused_recurring_fee: 'DOUBLE',
  reservation_reservation_a_r_n: 'VARCHAR',
  split_line_item_parent_resource_id: 'VARCHAR',
  split_line_item_split_cost: 'DOUBLE',
};

const H0 = {
  line_item_usage_start_date: '2026-11-16 00:00:00',
  line_item_usage_end_date: '2026-11-16 01:00:00',
};
const MONTH = {
  line_item_usage_start_date: '2026-11-01 00:00:00',
  line_item_usage_end_date: '2026-12-01 00:00:00',
};
const EC2 = {
  line_item_product_code: 'AmazonEC2',
  product: { product_name: 'Amazon Elastic Compute Cloud', region: 'us-east-1' },
  product_region_code: 'us-east-1',
};
const PROD = { aws_eks_cluster_name: 'prod-use1' };
const RI_ARN = 'arn:aws:ec2:us-east-1:111122223333:reserved-instances/r-1';

type Row = Record<string, unknown>;
const base = (r: Row): Row => ({
  bill_payer_account_id: '111122223333',
  line_item_usage_account_id: '444455556666',
  line_item_currency_code: 'USD',
  ...r,
});

const NOVEMBER: Row[] = [
  // The node, with user tags and AWS tags as CUR 2.0 spells them.
  base({
    ...H0,
    ...EC2,
    line_item_line_item_type: 'Usage',
    line_item_resource_id: 'i-0aaa',
    line_item_usage_type: 'BoxUsage:m5.large',
    line_item_usage_amount: 1,
    pricing_unit: 'Hrs',
    line_item_unblended_cost: 0.096,
    line_item_net_unblended_cost: 0.0864,
    pricing_public_on_demand_cost: 0.096,
    line_item_availability_zone: 'us-east-1a',
    resource_tags: {
      ...PROD,
      user_team: 'ml',
      user_karpenter_sh_nodepool: 'default',
      user_cost_center: 'CC-42',
      aws_created_by: 'AssumedRole:x',
      aws_some_future_key: 'v',
    },
  }),
  // EKS split cost allocation: a pod's share of i-0aaa, not a cost of its own.
  base({
    ...H0,
    line_item_product_code: 'AmazonEKS',
    line_item_line_item_type: 'Usage',
    line_item_resource_id: 'arn:aws:eks:us-east-1:444455556666:pod/prod-use1/default/web-1/5f0c',
    line_item_usage_type: 'EKS-EC2-vCPU-Hours',
    line_item_usage_amount: 0.5,
    line_item_unblended_cost: 0.05,
    split_line_item_parent_resource_id: 'i-0aaa',
    split_line_item_split_cost: 0.05,
    resource_tags: { ...PROD, aws_eks_namespace: 'default' },
  }),
  // An ECS task's split of the same instance.
  base({
    ...H0,
    line_item_product_code: 'AmazonECS',
    line_item_line_item_type: 'Usage',
    line_item_resource_id: 'arn:aws:ecs:us-east-1:444455556666:task/c/abc',
    line_item_unblended_cost: 0.01,
    split_line_item_parent_resource_id: 'i-0aaa',
  }),
  // A node under a Savings Plan, and the negation of its on-demand cost.
  base({
    ...H0,
    ...EC2,
    line_item_line_item_type: 'SavingsPlanCoveredUsage',
    line_item_resource_id: 'i-0bbb',
    line_item_usage_type: 'BoxUsage:m5.xlarge',
    line_item_usage_amount: 1,
    pricing_unit: 'Hrs',
    line_item_unblended_cost: 0.192,
    pricing_public_on_demand_cost: 0.192,
    savings_plan_savings_plan_effective_cost: 0.12,
    resource_tags: PROD,
  }),
  base({
    ...H0,
    ...EC2,
    line_item_line_item_type: 'SavingsPlanNegation',
    line_item_resource_id: 'i-0bbb',
    line_item_usage_type: 'BoxUsage:m5.xlarge',
    line_item_unblended_cost: -0.192,
    resource_tags: PROD,
  }),
  // A reserved node without tags, found by its instance id.
  base({
    ...H0,
    ...EC2,
    line_item_line_item_type: 'DiscountedUsage',
    line_item_resource_id: 'i-0ccc',
    line_item_usage_type: 'BoxUsage:m5.large',
    line_item_usage_amount: 1,
    pricing_unit: 'Hrs',
    line_item_unblended_cost: 0,
    pricing_public_on_demand_cost: 0.1,
    reservation_effective_cost: 0.07,
    reservation_reservation_a_r_n: RI_ARN,
  }),
  base({
    ...MONTH,
    ...EC2,
    line_item_line_item_type: 'RIFee',
    line_item_resource_id: RI_ARN,
    line_item_unblended_cost: 72,
    reservation_unused_amortized_upfront_fee_for_billing_period: 3,
    reservation_unused_recurring_fee: 2,
    reservation_reservation_a_r_n: RI_ARN,
  }),
  base({
    ...MONTH,
    ...EC2,
    line_item_line_item_type: 'Fee',
    line_item_resource_id: '',
    line_item_unblended_cost: 500,
    reservation_reservation_a_r_n: RI_ARN,
  }),
  base({
    ...MONTH,
    line_item_product_code: 'ComputeSavingsPlans',
    line_item_line_item_type: 'SavingsPlanRecurringFee',
    line_item_unblended_cost: 10,
    savings_plan_total_commitment_to_date: 10,
    savings_plan_used_commitment: 8,
  }),
  base({
    ...MONTH,
    ...EC2,
    line_item_line_item_type: 'Tax',
    line_item_resource_id: '',
    line_item_unblended_cost: 1.5,
  }),
  base({ ...MONTH, ...EC2, line_item_line_item_type: 'Credit', line_item_unblended_cost: -2 }),
  base({ ...MONTH, ...EC2, line_item_line_item_type: 'Refund', line_item_unblended_cost: -0.5 }),
  base({
    ...H0,
    ...EC2,
    line_item_line_item_type: 'EdpDiscount',
    line_item_usage_type: 'BoxUsage:m5.large',
    line_item_unblended_cost: -0.0096,
    line_item_net_unblended_cost: 0,
  }),
  // An untagged disk, found by its volume id; and a custom cluster tag key on it.
  base({
    ...H0,
    ...EC2,
    line_item_line_item_type: 'Usage',
    line_item_resource_id: 'vol-0ddd',
    line_item_usage_type: 'EBS:VolumeUsage.gp3',
    line_item_usage_amount: 0.1,
    pricing_unit: 'GB-Mo',
    line_item_unblended_cost: 0.01,
    pricing_public_on_demand_cost: 0.01,
    resource_tags: { user_my_cluster: 'prod-use1' },
  }),
];

const DECEMBER: Row[] = [
  base({
    ...EC2,
    line_item_usage_start_date: '2026-12-01 00:00:00',
    line_item_usage_end_date: '2026-12-01 01:00:00',
    line_item_line_item_type: 'Usage',
    line_item_resource_id: 'i-0aaa',
    line_item_usage_type: 'BoxUsage:m5.large',
    line_item_unblended_cost: 0.096,
    resource_tags: PROD,
  }),
];

async function writeCur(dir: string, period: string, rows: Row[]): Promise<void> {
  const folder = path.join(dir, `BILLING_PERIOD=${period}`);
  mkdirSync(folder, { recursive: true });
  const ndjson = path.join(dir, `${period}.ndjson.tmp`);
  writeFileSync(ndjson, rows.map((r) => JSON.stringify(r)).join('\n'));
  const columns = `{${Object.entries(CUR_COLUMNS)
    .map(([k, v]) => `${sq(k)}: ${sq(v)}`)
    .join(', ')}}`;
  await duckRun(
    `COPY (SELECT * FROM read_json(${sq(ndjson)}, format = 'newline_delimited', columns = ${columns}))
     TO ${sq(path.join(folder, `cur2-${period}-00001.snappy.parquet`))} (FORMAT parquet, COMPRESSION snappy)`,
  );
}

const NOV_WINDOW = { windowStart: '2026-11-01T00:00:00Z', windowEnd: '2026-12-01T00:00:00Z' };

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

describe('DuckDbBillingSource over CUR 2.0 Parquet', () => {
  const tmp = tempDir();
  const root = path.join(tmp.dir, 'cur2');
  let source: DuckDbBillingSource;
  beforeAll(async () => {
    await writeCur(root, '2026-11', NOVEMBER);
    await writeCur(root, '2026-12', DECEMBER);
    // The CUR export's manifest sits beside the data; it is not a bill.
    writeFileSync(path.join(root, 'Manifest.json'), '{}');
    source = await openDuckDbBillingSource([root]);
  });
  afterAll(async () => {
    await source.close();
    tmp.remove();
  });

  it('reads every billing period folder and reports no bad input', async () => {
    expect(source.description).toBe('DuckDB over 2 CUR 2.0 Parquet files');
    expect(source.badInputs()).toEqual([]);
    const all = await source.summarize({ by: ['ProviderName'] });
    // 15 line items, less the pod split row and the ECS task split row.
    expect(all.rows).toEqual([expect.objectContaining({ key: { ProviderName: 'AWS' }, rows: 13 })]);
  });

  it('maps line item types to FOCUS charge categories and EffectiveCost rules', async () => {
    const { currency, rows } = await source.summarize({ ...NOV_WINDOW, by: ['ChargeCategory'] });
    expect(currency).toBe('USD');
    const byCategory = Object.fromEntries(rows.map((r) => [r.key.ChargeCategory, r]));
    // Purchase: RI fee (unused part 3 + 2), RI upfront fee (0), SP recurring fee (unused 10 − 8).
    expect(byCategory.Purchase).toMatchObject({ BilledCost: 582, EffectiveCost: 7, rows: 3 });
    expect(byCategory.Tax).toMatchObject({ BilledCost: 1.5, EffectiveCost: 1.5, ListCost: 1.5, rows: 1 });
    expect(byCategory.Credit).toMatchObject({ BilledCost: -2, EffectiveCost: -2, rows: 1 });
    expect(byCategory.Adjustment).toMatchObject({ BilledCost: -0.5, EffectiveCost: -0.5, rows: 1 });
    const usage = byCategory.Usage;
    // node (net 0.0864) + SP covered (0.12) + negation (0) + RI usage (0.07) + EDP discount (0, inside net) + disk.
    expect(usage?.EffectiveCost).toBeCloseTo(0.0864 + 0.12 + 0.07 + 0.01, 12);
    expect(usage?.BilledCost).toBeCloseTo(0.096 + 0.192 - 0.192 + 0 - 0.0096 + 0.01, 12);
    expect(usage?.ListCost).toBeCloseTo(0.096 + 0.192 + 0.1 + 0.01, 12);
    expect(usage?.rows).toBe(6);
  });

  it("returns the cluster's lines with FOCUS names, leaving out the pod split rows", async () => {
    const lines = await collect(source.costLines(query({ resourceIds: ['i-0ccc', 'vol-0ddd'] })));
    for (const l of lines) expect(CostLine.safeParse(l).success).toBe(true);
    // The Savings Plan negation has no consumed unit, so it stays a line of its own.
    expect(lines.map((l) => l.ResourceId)).toEqual(['i-0aaa', 'i-0bbb', 'i-0bbb', 'i-0ccc', 'vol-0ddd']);
    expect(lines.some((l) => l.ResourceId?.includes(':pod/'))).toBe(false);
    const [node, , , riNode] = lines;
    const covered = lines.find((l) => l.ResourceId === 'i-0bbb' && l.ConsumedUnit === 'Hrs');
    const negation = lines.find((l) => l.ResourceId === 'i-0bbb' && l.ConsumedUnit === null);
    expect(node).toEqual({
      ChargePeriodStart: '2026-11-16T00:00:00.000Z',
      ChargePeriodEnd: '2026-11-16T01:00:00.000Z',
      BilledCost: 0.096,
      EffectiveCost: 0.0864,
      ListCost: 0.096,
      BillingCurrency: 'USD',
      ProviderName: 'AWS',
      ServiceName: 'Amazon Elastic Compute Cloud',
      ServiceCategory: 'Compute',
      ChargeCategory: 'Usage',
      ResourceId: 'i-0aaa',
      SkuId: null,
      RegionId: 'us-east-1',
      AvailabilityZone: 'us-east-1a',
      ConsumedQuantity: 1,
      ConsumedUnit: 'Hrs',
      Tags: {
        'aws:eks:cluster-name': 'prod-use1',
        team: 'ml',
        'karpenter.sh/nodepool': 'default',
        cost_center: 'CC-42',
        'aws:createdBy': 'AssumedRole:x',
        aws_some_future_key: 'v',
      },
      x_UsageType: 'BoxUsage:m5.large',
    });
    // Covered usage and its negation sum to what was billed (0) and what it effectively cost.
    expect(covered).toMatchObject({
      BilledCost: 0.192,
      EffectiveCost: 0.12,
      ListCost: 0.192,
      ConsumedUnit: 'Hrs',
    });
    expect(negation).toMatchObject({
      BilledCost: -0.192,
      EffectiveCost: 0,
      ListCost: 0,
      ConsumedQuantity: null,
    });
    expect(riNode).toMatchObject({ BilledCost: 0, EffectiveCost: 0.07, ListCost: 0.1, Tags: {} });
  });

  it('matches cluster tag keys that are not in the built-in list by their CUR spelling', async () => {
    const lines = await collect(source.costLines(query({ clusterTagKeys: ['my-cluster'] })));
    expect(lines.map((l) => [l.ResourceId, l.Tags])).toEqual([['vol-0ddd', { my_cluster: 'prod-use1' }]]);
    const byTeam = await collect(source.costLines(query({ clusterTagKeys: ['team'], clusterNames: ['ml'] })));
    expect(byTeam.map((l) => l.ResourceId)).toEqual(['i-0aaa']);
  });

  it('restores configured tag keys ahead of the built-in ones', async () => {
    const configured = await openDuckDbBillingSource([root], { tagKeys: ['CostCenter', 'my-cluster'] });
    try {
      const [node] = await collect(configured.costLines(query({})));
      expect(node?.Tags.CostCenter).toBe('CC-42');
      expect(node?.Tags.cost_center).toBeUndefined();
      const disk = await collect(configured.costLines(query({ clusterTagKeys: ['my-cluster'] })));
      expect(disk[0]?.Tags).toEqual({ 'my-cluster': 'prod-use1' });
    } finally {
      await configured.close();
    }
  });

  it('refuses a folder holding both a FOCUS CSV and CUR 2.0 Parquet', async () => {
    const mixed = path.join(tmp.dir, 'mixed');
    await writeCur(mixed, '2026-11', NOVEMBER.slice(0, 1));
    writeFileSync(
      path.join(mixed, 'focus.csv'),
      'ChargePeriodStart,ChargePeriodEnd,BilledCost,EffectiveCost,BillingCurrency\n2026-11-16 00:00:00,2026-11-16 01:00:00,1,1,USD\n',
    );
    await expect(openDuckDbBillingSource([mixed])).rejects.toThrow(
      /mixed mixes billing formats: CUR 2\.0 Parquet \(1 file\), FOCUS CSV \(1 file\)/,
    );
    // As separate paths, one per export, they are accepted.
    const separate = await openDuckDbBillingSource([
      path.join(mixed, 'BILLING_PERIOD=2026-11'),
      path.join(mixed, 'focus.csv'),
    ]);
    try {
      expect(separate.description).toBe('DuckDB over 1 CUR 2.0 Parquet file, 1 FOCUS CSV file');
    } finally {
      await separate.close();
    }
  });
});
