/**
 * SQL that turns each billing format into one normalized relation with FOCUS 1.2 column names
 * (`billing_lines`), and the queries over it. Pure string building: nothing here runs a query.
 *
 * Every format is read in three steps: the scan (CSV cells as VARCHAR, Parquet as typed), an inner
 * select that casts with TRY_CAST into `t_<Column>` and keeps the raw cell as `r_<Column>`, and a
 * final select that names the FOCUS columns and says in `_bad` why a row cannot be used (a money
 * cell that is not a number, a timestamp that is not one, a required cell that is empty). The view
 * keeps the rows where `_bad` is null; diagnostics read the others with their file and row.
 */
import { sqlString, sqlStringList } from '../../duckdb/connection.js';
import type { ColumnInfo } from './files.js';

/** Money and quantities: exact decimal arithmetic, 22 integer and 16 fractional digits. */
export const MONEY = 'DECIMAL(38,16)';
export const TAGS_TYPE = 'STRUCT("key" VARCHAR, "value" VARCHAR)[]';
export const VIEW = 'billing_lines';

/** String columns of the normalized relation; `summarize` may group by any of them. */
export const DIMENSIONS = [
  'ProviderName',
  'PublisherName',
  'InvoiceIssuerName',
  'BillingAccountId',
  'BillingAccountName',
  'SubAccountId',
  'SubAccountName',
  'BillingCurrency',
  'ServiceName',
  'ServiceCategory',
  'ServiceSubcategory',
  'ChargeCategory',
  'ChargeClass',
  'ChargeFrequency',
  'PricingCategory',
  'CommitmentDiscountType',
  'RegionId',
  'RegionName',
  'AvailabilityZone',
  'ResourceId',
  'ResourceName',
  'ResourceType',
  'SkuId',
  'ConsumedUnit',
  'x_UsageType',
] as const;
export type Dimension = (typeof DIMENSIONS)[number];

const TIMESTAMPS = ['ChargePeriodStart', 'ChargePeriodEnd'] as const;
const NUMBERS = ['BilledCost', 'EffectiveCost', 'ListCost', 'ConsumedQuantity'] as const;

/** The columns of `billing_lines`, in order. */
export const CANONICAL_COLUMNS: readonly string[] = [...TIMESTAMPS, ...NUMBERS, 'Tags', ...DIMENSIONS];

/** The columns cost lines are aggregated by. */
export const COST_LINE_KEYS = [
  'ChargePeriodStart',
  'ChargePeriodEnd',
  'ResourceId',
  'x_UsageType',
  'SkuId',
  'ServiceName',
  'ServiceCategory',
  'ChargeCategory',
  'ProviderName',
  'RegionId',
  'AvailabilityZone',
  'ConsumedUnit',
  'Tags',
  'BillingCurrency',
] as const;

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Case-insensitive view of a scan's columns (DuckDB identifiers are case-insensitive too). */
export class Columns {
  private readonly byLower = new Map<string, ColumnInfo>();
  constructor(columns: readonly ColumnInfo[]) {
    for (const c of columns)
      if (!this.byLower.has(c.name.toLowerCase())) this.byLower.set(c.name.toLowerCase(), c);
  }
  get(name: string): ColumnInfo | undefined {
    return this.byLower.get(name.toLowerCase());
  }
  /** The quoted column, or null when the scan has no such column. */
  ref(name: string): string | null {
    const c = this.get(name);
    return c ? ident(c.name) : null;
  }
  type(name: string): string {
    return (this.get(name)?.type ?? 'VARCHAR').toUpperCase();
  }
}

// An explicit UTC offset after a time of day; a bare date ends in `-DD`, which must not match.
const OFFSET_RE = String.raw`\d:\d\d(:\d\d(\.\d*)?)?\s*([zZ]|[+-]\d\d(:?\d\d)?)$`;

/** A UTC TIMESTAMP from any column type; strings with an offset are converted, without one taken as UTC. */
export function timestampExpr(cols: Columns, name: string): string {
  const ref = cols.ref(name);
  if (!ref) return 'NULL::TIMESTAMP';
  const type = cols.type(name);
  if (type === 'TIMESTAMP WITH TIME ZONE') return `timezone('UTC', ${ref})`;
  if (type.startsWith('TIMESTAMP') || type === 'DATE') return `CAST(${ref} AS TIMESTAMP)`;
  const s = type === 'VARCHAR' ? `trim(${ref})` : `CAST(${ref} AS VARCHAR)`;
  return (
    `CASE WHEN regexp_matches(${s}, '${OFFSET_RE}') ` +
    `THEN timezone('UTC', TRY_CAST(${s} AS TIMESTAMPTZ)) ELSE TRY_CAST(${s} AS TIMESTAMP) END`
  );
}

/** An exact decimal from any column type; null when the cell is not a finite number. */
export function numberExpr(cols: Columns, name: string): string {
  const ref = cols.ref(name);
  return ref ? `TRY_CAST(${ref} AS ${MONEY})` : `NULL::${MONEY}`;
}

/** A non-empty string, or null. */
export function stringExpr(cols: Columns, name: string): string {
  const ref = cols.ref(name);
  if (!ref) return 'NULL::VARCHAR';
  return cols.type(name) === 'VARCHAR' ? `NULLIF(${ref}, '')` : `NULLIF(CAST(${ref} AS VARCHAR), '')`;
}

function rawExpr(cols: Columns, name: string): string {
  return cols.ref(name) ?? 'NULL';
}

/** Sorted key/value entries of a MAP (null values become ''), so equal tag sets group together. */
function mapEntries(mapExpr: string, keyExpr = 'e.key'): string {
  return (
    `list_sort(list_transform(map_entries(${mapExpr}), ` +
    `e -> {'key': ${keyExpr}, 'value': COALESCE(CAST(e.value AS VARCHAR), '')}))`
  );
}

/** FOCUS `Tags`: a JSON object string (CSV, some Parquet) or a MAP (Parquet). */
function focusTagsExpr(cols: Columns): string {
  const ref = cols.ref('Tags');
  if (!ref) return `NULL::${TAGS_TYPE}`;
  const type = cols.type('Tags');
  if (type.startsWith('MAP(')) return mapEntries(ref);
  const json = type === 'VARCHAR' || type === 'JSON' ? ref : `CAST(${ref} AS VARCHAR)`;
  return mapEntries(`TRY_CAST(TRY_CAST(${json} AS JSON) AS MAP(VARCHAR, VARCHAR))`);
}

function finalSelect(inner: string, extra: readonly string[]): string {
  const required = (n: string, what: string) =>
    `WHEN t_${n} IS NULL THEN CASE WHEN r_${n} IS NULL THEN '${n} is missing' ELSE '${n} is not ${what}' END`;
  const optional = (n: string, what: string) =>
    `WHEN t_${n} IS NULL AND r_${n} IS NOT NULL THEN '${n} is not ${what}'`;
  const bad = [
    'CASE',
    required('ChargePeriodStart', 'a timestamp'),
    required('ChargePeriodEnd', 'a timestamp'),
    `WHEN t_ChargePeriodEnd < t_ChargePeriodStart THEN 'ChargePeriodEnd is before ChargePeriodStart'`,
    required('BilledCost', 'a number'),
    required('EffectiveCost', 'a number'),
    optional('ListCost', 'a number'),
    optional('ConsumedQuantity', 'a number'),
    `WHEN t_BillingCurrency IS NULL THEN 'BillingCurrency is missing'`,
    'END',
  ].join(' ');
  const cols = [
    ...TIMESTAMPS.map((n) => `t_${n} AS ${n}`),
    't_BilledCost AS BilledCost',
    't_EffectiveCost AS EffectiveCost',
    `COALESCE(t_ListCost, 0::${MONEY}) AS ListCost`,
    't_ConsumedQuantity AS ConsumedQuantity',
    `COALESCE(t_Tags, []::${TAGS_TYPE}) AS Tags`,
    ...DIMENSIONS.map((d) => `t_${d} AS ${ident(d)}`),
    `${bad} AS _bad`,
    '(t_Tags IS NULL AND r_Tags IS NOT NULL) AS _tags_bad',
    ...extra,
  ];
  return `SELECT ${cols.join(', ')} FROM (${inner})`;
}

/** Column names DuckDB accepts: unique and non-empty, first occurrence keeps its name. */
export function uniqueColumnNames(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.map((n, i) => {
    let name = n.trim() === '' ? `column${i}` : n;
    let k = 2;
    while (seen.has(name.toLowerCase())) name = `${n}_${k++}`;
    seen.add(name.toLowerCase());
    return name;
  });
}

/** Every cell as VARCHAR with a fixed dialect, so the sniffer cannot guess differently per file. */
export function csvScan(
  files: readonly string[],
  columnNames: readonly string[],
  rejects?: { table: string; scan: string },
): string {
  const columns = `{${columnNames.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ')}}`;
  const errors = rejects
    ? `store_rejects=true, rejects_table=${sqlString(rejects.table)}, rejects_scan=${sqlString(rejects.scan)}`
    : 'ignore_errors=true';
  return (
    `read_csv(${sqlStringList(files)}, columns=${columns}, header=true, auto_detect=false, ` +
    `delim=',', quote='"', escape='"', nullstr=['NULL', ''], ${errors})`
  );
}

export function parquetScan(files: readonly string[], withFileRow: boolean): string {
  const extra = withFileRow ? ', filename=true, file_row_number=true' : '';
  return `read_parquet(${sqlStringList(files)}, union_by_name=true, hive_partitioning=false${extra})`;
}

/** FOCUS 1.0–1.2 (CSV or Parquet) → normalized rows, with `_bad` and `_tags_bad`. */
export function focusSelect(cols: Columns, scan: string, extra: readonly string[] = []): string {
  const sel: string[] = [];
  for (const n of TIMESTAMPS)
    sel.push(`${timestampExpr(cols, n)} AS t_${n}`, `${rawExpr(cols, n)} AS r_${n}`);
  for (const n of NUMBERS) sel.push(`${numberExpr(cols, n)} AS t_${n}`, `${rawExpr(cols, n)} AS r_${n}`);
  sel.push(`${focusTagsExpr(cols)} AS t_Tags`, `${rawExpr(cols, 'Tags')} AS r_Tags`);
  for (const d of DIMENSIONS) {
    // FOCUS 1.3 renames ProviderName to ServiceProviderName.
    const expr =
      d === 'ProviderName' && !cols.get('ProviderName')
        ? stringExpr(cols, 'ServiceProviderName')
        : stringExpr(cols, d);
    sel.push(`${expr} AS t_${d}`);
  }
  sel.push(...extra);
  return finalSelect(`SELECT ${sel.join(', ')} FROM ${scan}`, extra.map(aliasOf));
}

function aliasOf(expr: string): string {
  const m = / AS (\w+)$/.exec(expr);
  return m?.[1] ?? expr;
}

/**
 * AWS line item types → FOCUS ChargeCategory, after the FinOps Foundation's FOCUS converter
 * (`focus_converters`, conversion_configs/aws/1_charge_category_S001.yaml), with `Credit` mapped to
 * the `Credit` category that FOCUS 1.0 added.
 */
const CUR_CHARGE_CATEGORY = `CASE item_type
  WHEN 'Tax' THEN 'Tax'
  WHEN 'Fee' THEN 'Purchase' WHEN 'RIFee' THEN 'Purchase'
  WHEN 'SavingsPlanUpfrontFee' THEN 'Purchase' WHEN 'SavingsPlanRecurringFee' THEN 'Purchase'
  WHEN 'Usage' THEN 'Usage' WHEN 'SavingsPlanCoveredUsage' THEN 'Usage' WHEN 'DiscountedUsage' THEN 'Usage'
  WHEN 'SavingsPlanNegation' THEN 'Usage'
  WHEN 'BundledDiscount' THEN 'Usage' WHEN 'Discount' THEN 'Usage' WHEN 'PrivateRateDiscount' THEN 'Usage'
  WHEN 'EdpDiscount' THEN 'Usage' WHEN 'RiVolumeDiscount' THEN 'Usage' WHEN 'DistributorDiscount' THEN 'Usage'
  WHEN 'Credit' THEN 'Credit' WHEN 'Refund' THEN 'Adjustment'
  ELSE NULL END`;

const DISCOUNT_TYPES = `('BundledDiscount', 'Discount', 'PrivateRateDiscount', 'EdpDiscount', 'RiVolumeDiscount', 'DistributorDiscount')`;

/**
 * EffectiveCost (amortized, after discounts), after the FOCUS converter's
 * `effective_cost_S001.yaml`: Savings Plan and reservation covered usage at their effective cost;
 * the Savings Plan negation and upfront fees (already spread over covered usage) at 0; recurring
 * commitment fees at their unused part; everything else at the net unblended cost (after
 * negotiated discounts), falling back to unblended. Discount line items count as 0 when net costs
 * are present, since the discount is already inside the net cost of the usage it discounted.
 */
const CUR_EFFECTIVE_COST = `CASE
  WHEN item_type = 'SavingsPlanCoveredUsage' THEN COALESCE(sp_net_effective, sp_effective, unblended)
  WHEN item_type = 'DiscountedUsage' THEN COALESCE(ri_net_effective, ri_effective, unblended)
  WHEN item_type IN ('SavingsPlanNegation', 'SavingsPlanUpfrontFee') THEN 0::${MONEY}
  WHEN item_type = 'SavingsPlanRecurringFee' THEN COALESCE(sp_commitment - sp_used, 0::${MONEY})
  WHEN item_type = 'RIFee' THEN COALESCE(ri_unused_upfront, 0::${MONEY}) + COALESCE(ri_unused_recurring, 0::${MONEY})
  WHEN item_type = 'Fee' AND ri_arn IS NOT NULL THEN 0::${MONEY}
  WHEN item_type IN ${DISCOUNT_TYPES} THEN CASE WHEN net_unblended IS NULL THEN unblended ELSE 0::${MONEY} END
  ELSE COALESCE(net_unblended, unblended)
END`;

/**
 * FOCUS ServiceCategory by CUR product code: a subset of the FOCUS converter's
 * `aws_category_mapping.csv` (FinOps Foundation, `focus_converters`).
 */
const SERVICE_CATEGORIES: Record<string, string> = {
  AmazonEC2: 'Compute',
  AmazonEKS: 'Compute',
  AmazonECS: 'Compute',
  AmazonECR: 'Compute',
  AWSLambda: 'Compute',
  AWSOutposts: 'Compute',
  AmazonLightsail: 'Compute',
  AmazonEBS: 'Storage',
  AmazonEFS: 'Storage',
  AmazonFSx: 'Storage',
  AmazonS3: 'Storage',
  AmazonGlacier: 'Storage',
  AWSBackup: 'Storage',
  AWSDataTransfer: 'Networking',
  AWSELB: 'Networking',
  AmazonVPC: 'Networking',
  AmazonCloudFront: 'Networking',
  AmazonRoute53: 'Networking',
  AWSDirectConnect: 'Networking',
  AWSGlobalAccelerator: 'Networking',
  AmazonApiGateway: 'Networking',
  AWSNetworkFirewall: 'Networking',
  AmazonRDS: 'Databases',
  AmazonDynamoDB: 'Databases',
  AmazonElastiCache: 'Databases',
  AmazonRedshift: 'Databases',
  AmazonDocDB: 'Databases',
  AmazonNeptune: 'Databases',
  AmazonMemoryDB: 'Databases',
  AmazonSageMaker: 'AI and Machine Learning',
  AmazonBedrock: 'AI and Machine Learning',
  AmazonCloudWatch: 'Management and Governance',
  AWSConfig: 'Management and Governance',
  AWSCloudTrail: 'Management and Governance',
  AmazonPrometheus: 'Management and Governance',
  AmazonGrafana: 'Management and Governance',
  AWSQueueService: 'Integration',
  AmazonSNS: 'Integration',
  AmazonMSK: 'Analytics',
  AmazonKinesis: 'Analytics',
  AmazonAthena: 'Analytics',
  AWSGlue: 'Analytics',
  AmazonES: 'Analytics',
  awskms: 'Security',
  AWSSecretsManager: 'Security',
  AmazonGuardDuty: 'Security',
  awswaf: 'Security',
};

function sqlMap(entries: Iterable<[string, string]>): string {
  const parts = [...entries].map(([k, v]) => `${sqlString(k)}: ${sqlString(v)}`);
  return parts.length > 0 ? `MAP {${parts.join(', ')}}` : 'MAP {}::MAP(VARCHAR, VARCHAR)';
}

/** A key of the CUR `product` column, which is a MAP in CUR 2.0 (a STRUCT in some conversions). */
function productField(cols: Columns, key: string): string {
  const ref = cols.ref('product');
  if (!ref) return 'NULL::VARCHAR';
  const type = cols.type('product');
  if (type.startsWith('MAP(')) return `NULLIF(CAST(${ref}[${sqlString(key)}] AS VARCHAR), '')`;
  if (type.startsWith('STRUCT(') && new RegExp(`[(,]\\s*"?${key}"?\\s`, 'i').test(type)) {
    return `NULLIF(CAST(struct_extract(${ref}, ${sqlString(key)}) AS VARCHAR), '')`;
  }
  return 'NULL::VARCHAR';
}

/**
 * CUR 2.0 tags from `resource_tags`, keys restored to their original form by `knownTagKeys`
 * (CUR key → original), else stripped of their `user_` prefix. See tags.ts.
 */
function curTagsExpr(cols: Columns, knownTagKeys: ReadonlyMap<string, string>): string {
  const ref = cols.ref('resource_tags');
  if (!ref) return `[]::${TAGS_TYPE}`;
  const type = cols.type('resource_tags');
  const map = type.startsWith('MAP(')
    ? ref
    : `TRY_CAST(TRY_CAST(${type === 'VARCHAR' ? ref : `CAST(${ref} AS VARCHAR)`} AS JSON) AS MAP(VARCHAR, VARCHAR))`;
  const key = `COALESCE((${sqlMap(knownTagKeys)})[e.key], CASE WHEN starts_with(e.key, 'user_') THEN substr(e.key, 6) ELSE e.key END)`;
  return `COALESCE(${mapEntries(map, key)}, []::${TAGS_TYPE})`;
}

/**
 * Rows that split another line's cost and must not be counted again: EKS split cost allocation
 * pod rows (`arn:aws:eks:…:pod/…`), and any row that names a split parent resource.
 */
function curSplitChildPredicate(cols: Columns): string {
  const parts = [
    `COALESCE(regexp_matches(${stringExpr(cols, 'line_item_resource_id')}, '^arn:aws[a-z-]*:eks:[^:]*:[^:]*:pod/'), false)`,
  ];
  if (cols.get('split_line_item_parent_resource_id')) {
    parts.push(`${stringExpr(cols, 'split_line_item_parent_resource_id')} IS NOT NULL`);
  }
  return parts.join(' OR ');
}

/** AWS CUR 2.0 Parquet → normalized rows. */
export function curSelect(
  cols: Columns,
  scan: string,
  knownTagKeys: ReadonlyMap<string, string>,
  extra: readonly string[] = [],
): string {
  const num = (n: string) => numberExpr(cols, n);
  const str = (n: string) => stringExpr(cols, n);
  const l0 = [
    `${timestampExpr(cols, 'line_item_usage_start_date')} AS t_start`,
    `${rawExpr(cols, 'line_item_usage_start_date')} AS r_start`,
    `${timestampExpr(cols, 'line_item_usage_end_date')} AS t_end`,
    `${rawExpr(cols, 'line_item_usage_end_date')} AS r_end`,
    `${num('line_item_unblended_cost')} AS unblended`,
    `${rawExpr(cols, 'line_item_unblended_cost')} AS r_unblended`,
    `${num('line_item_net_unblended_cost')} AS net_unblended`,
    `${num('savings_plan_savings_plan_effective_cost')} AS sp_effective`,
    `${num('savings_plan_net_savings_plan_effective_cost')} AS sp_net_effective`,
    `${num('savings_plan_total_commitment_to_date')} AS sp_commitment`,
    `${num('savings_plan_used_commitment')} AS sp_used`,
    `${num('reservation_effective_cost')} AS ri_effective`,
    `${num('reservation_net_effective_cost')} AS ri_net_effective`,
    `${num('reservation_unused_amortized_upfront_fee_for_billing_period')} AS ri_unused_upfront`,
    `${num('reservation_unused_recurring_fee')} AS ri_unused_recurring`,
    `${str('reservation_reservation_a_r_n')} AS ri_arn`,
    `${num('pricing_public_on_demand_cost')} AS public_cost`,
    `${num('line_item_usage_amount')} AS usage_amount`,
    `${rawExpr(cols, 'line_item_usage_amount')} AS r_usage_amount`,
    `${str('line_item_line_item_type')} AS item_type`,
    `${str('line_item_currency_code')} AS currency`,
    `${str('line_item_resource_id')} AS resource_id`,
    `${str('line_item_usage_type')} AS usage_type`,
    `${str('line_item_product_code')} AS product_code`,
    `COALESCE(${str('product_product_name')}, ${productField(cols, 'product_name')}) AS product_name`,
    `COALESCE(${str('product_region_code')}, ${str('product_region')}, ${productField(cols, 'region_code')}, ${productField(cols, 'region')}) AS region`,
    `COALESCE(${str('product_location')}, ${productField(cols, 'location')}) AS region_name`,
    `${str('line_item_availability_zone')} AS zone`,
    `${str('pricing_unit')} AS unit`,
    `${str('pricing_term')} AS pricing_term`,
    `COALESCE(${str('product_sku')}, ${productField(cols, 'sku')}) AS sku`,
    `${str('line_item_usage_account_id')} AS account_id`,
    `${str('line_item_usage_account_name')} AS account_name`,
    `${str('bill_payer_account_id')} AS payer_id`,
    `${str('bill_payer_account_name')} AS payer_name`,
    `${curTagsExpr(cols, knownTagKeys)} AS tags`,
    ...extra,
  ];
  const usageLike = `item_type IN ('Usage', 'SavingsPlanCoveredUsage', 'DiscountedUsage')`;
  const l1 = [
    't_start AS t_ChargePeriodStart',
    'r_start AS r_ChargePeriodStart',
    't_end AS t_ChargePeriodEnd',
    'r_end AS r_ChargePeriodEnd',
    'unblended AS t_BilledCost',
    'r_unblended AS r_BilledCost',
    `${CUR_EFFECTIVE_COST} AS t_EffectiveCost`,
    'r_unblended AS r_EffectiveCost',
    // On-demand equivalent; taxes and purchases have none, so their list cost is what was billed.
    `COALESCE(public_cost, CASE WHEN item_type IN ('Tax', 'Fee', 'RIFee', 'SavingsPlanUpfrontFee', 'SavingsPlanRecurringFee') THEN unblended ELSE 0::${MONEY} END) AS t_ListCost`,
    'NULL AS r_ListCost',
    `CASE WHEN ${usageLike} THEN usage_amount END AS t_ConsumedQuantity`,
    `CASE WHEN ${usageLike} THEN r_usage_amount END AS r_ConsumedQuantity`,
    'tags AS t_Tags',
    'NULL AS r_Tags',
    `'AWS' AS t_ProviderName`,
    `'AWS' AS t_PublisherName`,
    `'Amazon Web Services, Inc.' AS t_InvoiceIssuerName`,
    'payer_id AS t_BillingAccountId',
    'payer_name AS t_BillingAccountName',
    'account_id AS t_SubAccountId',
    'account_name AS t_SubAccountName',
    'currency AS t_BillingCurrency',
    'COALESCE(product_name, product_code) AS t_ServiceName',
    `(${sqlMap(Object.entries(SERVICE_CATEGORIES))})[product_code] AS t_ServiceCategory`,
    'NULL::VARCHAR AS t_ServiceSubcategory',
    `${CUR_CHARGE_CATEGORY} AS t_ChargeCategory`,
    `CASE WHEN item_type = 'Refund' THEN 'Correction' END AS t_ChargeClass`,
    'NULL::VARCHAR AS t_ChargeFrequency',
    `CASE WHEN item_type IN ('SavingsPlanCoveredUsage', 'DiscountedUsage') THEN 'Committed' WHEN pricing_term = 'Spot' THEN 'Dynamic' WHEN item_type = 'Usage' THEN 'Standard' END AS t_PricingCategory`,
    `CASE WHEN item_type LIKE 'SavingsPlan%' THEN 'Savings Plan' WHEN item_type IN ('DiscountedUsage', 'RIFee') THEN 'Reservation' END AS t_CommitmentDiscountType`,
    'region AS t_RegionId',
    'region_name AS t_RegionName',
    'zone AS t_AvailabilityZone',
    'resource_id AS t_ResourceId',
    'NULL::VARCHAR AS t_ResourceName',
    'NULL::VARCHAR AS t_ResourceType',
    'sku AS t_SkuId',
    `CASE WHEN ${usageLike} THEN unit END AS t_ConsumedUnit`,
    'usage_type AS t_x_UsageType',
    ...extra.map(aliasOf),
  ];
  const inner =
    `SELECT ${l1.join(', ')} FROM (SELECT ${l0.join(', ')} FROM ${scan} ` +
    `WHERE NOT (${curSplitChildPredicate(cols)}))`;
  return finalSelect(inner, extra.map(aliasOf));
}

/** Rows fit to use: `_bad` is null. */
export function usableRows(normalized: string): string {
  return `SELECT ${CANONICAL_COLUMNS.map(ident).join(', ')} FROM (${normalized}) WHERE _bad IS NULL`;
}

/** Lines overlapping [windowStart, windowEnd) — parameters `$1` and `$2` as TIMESTAMP strings. */
const WINDOW = 'ChargePeriodStart < $2::TIMESTAMP AND ChargePeriodEnd > $1::TIMESTAMP';

/** The fields of one cost line in a batch, in order (see `costLinesQuery`). */
export const COST_LINE_FIELDS = [
  'ChargePeriodEnd',
  'BillingCurrency',
  'ProviderName',
  'ServiceName',
  'ServiceCategory',
  'ChargeCategory',
  'ResourceId',
  'SkuId',
  'RegionId',
  'AvailabilityZone',
  'ConsumedUnit',
  'x_UsageType',
  'BilledCost',
  'EffectiveCost',
  'ListCost',
  'ConsumedQuantity',
  'Tags',
] as const;

/**
 * Cost lines of the window that belong to the clusters, aggregated per `COST_LINE_KEYS`.
 * Parameters: `$1` windowStart, `$2` windowEnd, then (when `byTags`) `$3` tag keys and `$4` cluster
 * names. With `byResourceIds`, ids are in the connection's temp table `q_ids(id)`; a line matches
 * when its whole ResourceId or any `/`-segment of it is there (joined once per distinct ResourceId).
 *
 * One result row per charge-period start: `start` and `batch`, a JSON array of lines, each an array
 * of strings in `COST_LINE_FIELDS` order (numbers as their shortest text, Tags as JSON). Reading
 * one long string per hour instead of ~17 values per line keeps the JavaScript side cheap; DuckDB
 * still streams the hours one by one.
 */
export function costLinesQuery(opts: { byTags: boolean; byResourceIds: boolean }): string {
  const keys = COST_LINE_KEYS.map(ident).join(', ');
  const match: string[] = [];
  if (opts.byTags) {
    match.push(
      'len(list_filter(Tags, e -> list_contains($3::VARCHAR[], e.key) AND list_contains($4::VARCHAR[], e.value))) > 0',
    );
  }
  if (opts.byResourceIds) match.push('ResourceId IN (SELECT ResourceId FROM rid)');
  const rid = opts.byResourceIds
    ? `rid AS (
  SELECT DISTINCT u.ResourceId FROM (
    SELECT ResourceId, unnest(list_append(string_split(ResourceId, '/'), ResourceId)) AS seg
    FROM (SELECT DISTINCT ResourceId FROM ${VIEW} WHERE ${WINDOW} AND ResourceId IS NOT NULL)
  ) u JOIN q_ids ON q_ids.id = u.seg
),
`
    : '';
  const iso = (c: string) => `strftime(${c}, '%Y-%m-%dT%H:%M:%S.%gZ')`;
  // DECIMAL → DOUBLE may be an ulp off the nearest double; irrelevant for allocation, and
  // summaries (which users read) take the exact path.
  const num = (c: string) => `CAST(CAST(${c} AS DOUBLE) AS VARCHAR)`;
  const fields = [
    iso('ChargePeriodEnd'),
    ...COST_LINE_FIELDS.slice(1, 12).map(ident),
    num('BilledCost'),
    num('EffectiveCost'),
    num('ListCost'),
    num('ConsumedQuantity'),
    // As text: a JSON element would make DuckDB read every string of the list as JSON.
    'CAST(to_json(Tags) AS VARCHAR)',
  ];
  const order = [
    'ChargePeriodEnd',
    'ResourceId NULLS FIRST',
    'x_UsageType NULLS FIRST',
    'SkuId NULLS FIRST',
    'ServiceName NULLS FIRST',
    'ChargeCategory NULLS FIRST',
    'ProviderName NULLS FIRST',
    'RegionId NULLS FIRST',
    'AvailabilityZone NULLS FIRST',
    'ConsumedUnit NULLS FIRST',
    'ServiceCategory NULLS FIRST',
    'Tags',
    'BillingCurrency',
  ];
  return `WITH ${rid}g AS (
  SELECT ${keys},
    SUM(BilledCost) AS BilledCost, SUM(EffectiveCost) AS EffectiveCost, SUM(ListCost) AS ListCost,
    SUM(ConsumedQuantity) AS ConsumedQuantity
  FROM ${VIEW}
  WHERE ${WINDOW} AND (${match.length > 0 ? match.join(' OR ') : 'false'})
  GROUP BY ${keys}
)
SELECT ${iso('ChargePeriodStart')} AS start,
  '[' || string_agg(to_json([${fields.join(', ')}]), ',' ORDER BY ${order.join(', ')}) || ']' AS batch
FROM g
GROUP BY ChargePeriodStart
ORDER BY ChargePeriodStart`;
}

/**
 * Totals per `by`, sums exact in DECIMAL, largest EffectiveCost first. Window parameters optional.
 * Decimals leave as text so JavaScript rounds each to the nearest double once (DuckDB's own
 * DECIMAL → DOUBLE cast can be an ulp off).
 */
export function summaryQuery(by: readonly Dimension[], windowed: boolean): string {
  const keys = by.map(ident);
  const where = windowed ? `WHERE ${WINDOW}` : '';
  const group = keys.length > 0 ? `GROUP BY ${keys.join(', ')}` : '';
  const order = ['SUM(EffectiveCost) DESC', ...keys.map((k) => `${k} NULLS FIRST`)].join(', ');
  return `SELECT ${[...keys, ''].join(', ')}
  CAST(SUM(BilledCost) AS VARCHAR) AS BilledCost, CAST(SUM(EffectiveCost) AS VARCHAR) AS EffectiveCost,
  CAST(SUM(ListCost) AS VARCHAR) AS ListCost, count(*) AS "rows"
FROM ${VIEW} ${where} ${group}
HAVING count(*) > 0
ORDER BY ${order}`;
}

export function currenciesQuery(windowed: boolean): string {
  return `SELECT DISTINCT BillingCurrency FROM ${VIEW} ${windowed ? `WHERE ${WINDOW}` : ''} ORDER BY 1`;
}
