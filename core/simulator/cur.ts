/**
 * AWS CUR 2.0 rows for the EKS cluster: each AWS cost line mapped to CUR columns, plus split
 * cost allocation rows per pod and hour (`USE1-EKS-EC2-vCPU-Hours`, `…-GB-Hours`, and
 * `…-GPU-Hours` on GPU instances), computed as AWS documents split cost allocation data: a
 * pod's allocation is max(reserved, used) (scaled down when pods together exceed the instance),
 * the instance's amortized hourly cost is split by relative weights (vCPU : GB = 9 : 1; on
 * accelerated instances GPU : (vCPU and memory) = 9 : 1, with vCPU : GB = 0.9 : 0.1), and the
 * unused capacity cost is spread over the pods in proportion to their split usage ratio. Split
 * rows carry `line_item_unblended_cost` 0: the instance line already holds the money.
 *
 * `resource_tags` keys follow CUR 2.0: user tags as `user_<key>`, AWS-generated tags as
 * `aws_<key>`, spelled like Athena column names (`aws:eks:cluster-name` →
 * `aws_eks_cluster_name`, `team` → `user_team`, `cost-center` → `user_cost_center`).
 */
import { type Billing, money, type SimBillingLine } from './billing.js';
import type { ClusterPlan } from './plan.js';
import { instanceType } from './pricing.js';
import { HOUR_MS, isoSeconds, SAMPLES_PER_HOUR, type SimWindow } from './time.js';
import type { Labels, NodePlan, PodPlan } from './types.js';
import { containerUsage, GIB } from './usage.js';

/** One CUR 2.0 row. Timestamps are ISO UTC strings; the writer stores them as TIMESTAMP. */
export interface Cur2Row {
  bill_billing_period_start_date: string;
  bill_billing_period_end_date: string;
  line_item_usage_account_id: string;
  line_item_line_item_type: string;
  line_item_usage_start_date: string;
  line_item_usage_end_date: string;
  line_item_product_code: string;
  line_item_usage_type: string;
  line_item_operation: string;
  line_item_resource_id: string | null;
  line_item_usage_amount: number;
  line_item_unblended_cost: number;
  line_item_net_unblended_cost: number;
  line_item_currency_code: string;
  line_item_availability_zone: string | null;
  pricing_unit: string;
  pricing_public_on_demand_cost: number;
  product_region_code: string;
  product_servicecode: string;
  resource_tags: Record<string, string>;
  split_line_item_parent_resource_id: string | null;
  split_line_item_split_usage: number | null;
  split_line_item_split_usage_ratio: number | null;
  split_line_item_split_cost: number | null;
  split_line_item_unused_cost: number | null;
  split_line_item_public_on_demand_split_cost: number | null;
  split_line_item_public_on_demand_unused_cost: number | null;
  split_line_item_actual_usage: number | null;
  split_line_item_reserved_usage: number | null;
}

/** Column names of a CUR 2.0 row, in export order. */
export const CUR2_COLUMNS: readonly (keyof Cur2Row)[] = [
  'bill_billing_period_start_date',
  'bill_billing_period_end_date',
  'line_item_usage_account_id',
  'line_item_line_item_type',
  'line_item_usage_start_date',
  'line_item_usage_end_date',
  'line_item_product_code',
  'line_item_usage_type',
  'line_item_operation',
  'line_item_resource_id',
  'line_item_usage_amount',
  'line_item_unblended_cost',
  'line_item_net_unblended_cost',
  'line_item_currency_code',
  'line_item_availability_zone',
  'pricing_unit',
  'pricing_public_on_demand_cost',
  'product_region_code',
  'product_servicecode',
  'resource_tags',
  'split_line_item_parent_resource_id',
  'split_line_item_split_usage',
  'split_line_item_split_usage_ratio',
  'split_line_item_split_cost',
  'split_line_item_unused_cost',
  'split_line_item_public_on_demand_split_cost',
  'split_line_item_public_on_demand_unused_cost',
  'split_line_item_actual_usage',
  'split_line_item_reserved_usage',
];

/**
 * CUR 2.0 `resource_tags` key of a tag: the legacy Athena column name without `resource_tags_`,
 * i.e. `user:<key>` (or the `aws:` key) under AWS's Glue column rules: `_` before capitals,
 * other characters to `_`, runs collapsed, ends trimmed, lower case, at most 128 characters.
 */
export function curTagKey(key: string): string {
  const name = /^aws:/i.test(key) ? key : `user:${key}`;
  return name
    .replace(/[A-Z]/g, (c) => `_${c}`)
    .replace(/\s+|[^A-Za-z0-9]/g, '_')
    .replace(/_{2,}/g, '_')
    .replace(/^_|_$/g, '')
    .toLowerCase()
    .slice(0, 128);
}

const curTagCache = new WeakMap<Labels, Record<string, string>>();

/** `resource_tags` of a line's tags (the same object for the same tags object). */
export function curTags(tags: Labels): Record<string, string> {
  let out = curTagCache.get(tags);
  if (!out) {
    out = {};
    for (const [k, v] of Object.entries(tags)) out[curTagKey(k)] = v;
    curTagCache.set(tags, out);
  }
  return out;
}

const periodCache = new Map<number, [string, string]>();

/** Billing period [start, end) of the month containing `ms`, as ISO strings. */
function billingPeriod(ms: number): [string, string] {
  const cached = periodCache.get(Math.floor(ms / 3_600_000));
  if (cached) return cached;
  const period = computePeriod(ms);
  periodCache.set(Math.floor(ms / 3_600_000), period);
  return period;
}

function computePeriod(ms: number): [string, string] {
  const d = new Date(ms);
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const end = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return [isoSeconds(start), isoSeconds(end)];
}

const NO_SPLIT = {
  split_line_item_parent_resource_id: null,
  split_line_item_split_usage: null,
  split_line_item_split_usage_ratio: null,
  split_line_item_split_cost: null,
  split_line_item_unused_cost: null,
  split_line_item_public_on_demand_split_cost: null,
  split_line_item_public_on_demand_unused_cost: null,
  split_line_item_actual_usage: null,
  split_line_item_reserved_usage: null,
} as const;

/** A CUR row for an AWS cost line. */
export function curRowOf(l: SimBillingLine, account: string): Cur2Row {
  const line = l.line;
  const meta = l.aws;
  if (!meta) throw new Error('simulator: CUR rows come from AWS lines only');
  const [ps, pe] = billingPeriod(Date.parse(line.ChargePeriodStart));
  return {
    bill_billing_period_start_date: ps,
    bill_billing_period_end_date: pe,
    line_item_usage_account_id: account,
    line_item_line_item_type: 'Usage',
    line_item_usage_start_date: line.ChargePeriodStart,
    line_item_usage_end_date: line.ChargePeriodEnd,
    line_item_product_code: meta.productCode,
    line_item_usage_type: line.x_UsageType ?? '',
    line_item_operation: meta.operation,
    line_item_resource_id: line.ResourceId,
    line_item_usage_amount: meta.usageAmount,
    line_item_unblended_cost: line.BilledCost,
    line_item_net_unblended_cost: line.EffectiveCost,
    line_item_currency_code: line.BillingCurrency,
    line_item_availability_zone: line.AvailabilityZone,
    pricing_unit: meta.pricingUnit,
    pricing_public_on_demand_cost: line.ListCost,
    product_region_code: line.RegionId ?? '',
    product_servicecode: meta.productCode,
    resource_tags: curTags(line.Tags),
    ...NO_SPLIT,
  };
}

interface PodHour {
  pod: PodPlan;
  hour: number;
  /** alloc, reserved, actual per resource (cpu, mem GiB, gpu), in resource-hours. */
  alloc: [number, number, number];
  reserved: [number, number, number];
  actual: [number, number, number];
}

/**
 * All CUR rows of an AWS cluster: its cost lines, then split cost allocation rows per pod-hour.
 * `diurnal` is the per-sample load factor the usage functions take.
 */
export function curRows(
  plan: ClusterPlan,
  billing: Billing,
  window: SimWindow,
  diurnal: Float64Array,
): Cur2Row[] {
  const c = plan.spec;
  const rows: Cur2Row[] = [];
  for (const l of billing.lines) if (l.cluster === c.name) rows.push(curRowOf(l, c.account));
  const costs = billing.nodeHourCost.get(c.name);
  if (!costs) return rows;

  const hours = window.samples / SAMPLES_PER_HOUR;
  const byNodeHour = new Map<number, PodHour[]>();
  for (const pod of plan.pods) {
    const containers = pod.workload.spec.containers;
    let current: PodHour | null = null;
    for (let k = pod.startIdx; k < pod.endIdx; k++) {
      const h = Math.floor(k / SAMPLES_PER_HOUR);
      if (!current || current.hour !== h) {
        current = { pod, hour: h, alloc: [0, 0, 0], reserved: [0, 0, 0], actual: [0, 0, 0] };
        const key = pod.node.idx * hours + h;
        const list = byNodeHour.get(key);
        if (list) list.push(current);
        else byNodeHour.set(key, [current]);
      }
      const d = diurnal[k] as number;
      for (let ci = 0; ci < containers.length; ci++) {
        const cs = containers[ci];
        if (!cs) continue;
        const u = containerUsage(pod, ci, k, d, scratch);
        accumulate(current, 0, cs.request.cpu, u.cpuCores);
        accumulate(current, 1, cs.request.memGiB, u.memoryBytes / GIB);
        accumulate(current, 2, cs.request.gpus, u.gpus);
      }
    }
  }

  const keys = [...byNodeHour.keys()].sort((a, b) => a - b);
  for (const key of keys) {
    const nodeIdx = Math.floor(key / hours);
    const h = key % hours;
    const node = plan.nodes[nodeIdx] as NodePlan;
    const podHours = byNodeHour.get(key) ?? [];
    const billed = costs[nodeIdx]?.billed[h] ?? 0;
    const list = costs[nodeIdx]?.list[h] ?? 0;
    rows.push(...splitRows(plan, node, h, podHours, billed, list, window));
  }
  return rows;
}

const scratch = { cpuCores: 0, memoryBytes: 0, gpus: 0 };

/** Adds one sample (1/12 hour) of a resource's request and usage to a pod-hour. */
function accumulate(ph: PodHour, r: 0 | 1 | 2, request: number, used: number): void {
  const rq = request / SAMPLES_PER_HOUR;
  const us = used / SAMPLES_PER_HOUR;
  ph.reserved[r] += rq;
  ph.actual[r] += us;
  ph.alloc[r] += Math.max(rq, us);
}

const USAGE_TYPES = ['USE1-EKS-EC2-vCPU-Hours', 'USE1-EKS-EC2-GB-Hours', 'USE1-EKS-EC2-GPU-Hours'] as const;
const UNITS = ['vCPU-Hours', 'GB-Hours', 'GPU-Hours'] as const;

function splitRows(
  plan: ClusterPlan,
  node: NodePlan,
  h: number,
  podHours: PodHour[],
  billed: number,
  list: number,
  window: SimWindow,
): Cur2Row[] {
  const c = plan.spec;
  const type = instanceType(node.pool.instanceType);
  const frac =
    (Math.min(node.endIdx, (h + 1) * SAMPLES_PER_HOUR) - Math.max(node.startIdx, h * SAMPLES_PER_HOUR)) /
    SAMPLES_PER_HOUR;
  const available = [type.vcpu * frac, type.memGiB * frac, type.gpus * frac];
  const weights = type.gpus > 0 ? [0.9, 0.1, 9] : [9, 1, 0];
  let denom = 0;
  for (let r = 0; r < 3; r++) denom += (weights[r] as number) * (available[r] as number);
  const resourceCost = [0, 1, 2].map((r) =>
    denom > 0 ? (billed * (weights[r] as number) * (available[r] as number)) / denom : 0,
  );
  const resourceList = [0, 1, 2].map((r) =>
    denom > 0 ? (list * (weights[r] as number) * (available[r] as number)) / denom : 0,
  );
  const totalAlloc = [0, 1, 2].map((r) => podHours.reduce((s, p) => s + (p.alloc[r] as number), 0));
  const scale = [0, 1, 2].map((r) => {
    const t = totalAlloc[r] as number;
    const a = available[r] as number;
    return t > a && t > 0 ? a / t : 1;
  });
  const ratioSum = [0, 1, 2].map((r) =>
    (available[r] as number) > 0
      ? ((totalAlloc[r] as number) * (scale[r] as number)) / (available[r] as number)
      : 0,
  );
  const start = window.startMs + h * HOUR_MS;
  const [ps, pe] = billingPeriod(start);
  const startIso = isoSeconds(start);
  const endIso = isoSeconds(start + HOUR_MS);
  const rows: Cur2Row[] = [];
  for (const ph of podHours) {
    const pod = ph.pod;
    const ns = pod.workload.namespace.name;
    const tags = podTags(c.name, node, pod);
    const resourceId = `arn:aws:eks:${c.region}:${c.account}:pod/${c.name}/${ns}/${pod.name}/${pod.uid}`;
    for (let r = 0; r < 3; r++) {
      if ((available[r] as number) === 0) continue;
      const usage = (ph.alloc[r] as number) * (scale[r] as number);
      if (r === 2 && usage === 0) continue;
      const ratio = usage / (available[r] as number);
      const unusedRatio = Math.max(0, 1 - (ratioSum[r] as number));
      const share = (ratioSum[r] as number) > 0 ? ratio / (ratioSum[r] as number) : 0;
      rows.push({
        bill_billing_period_start_date: ps,
        bill_billing_period_end_date: pe,
        line_item_usage_account_id: c.account,
        line_item_line_item_type: 'Usage',
        line_item_usage_start_date: startIso,
        line_item_usage_end_date: endIso,
        line_item_product_code: 'AmazonEKS',
        line_item_usage_type: USAGE_TYPES[r] as string,
        line_item_operation: 'EKSPod-EC2',
        line_item_resource_id: resourceId,
        line_item_usage_amount: round9(usage),
        line_item_unblended_cost: 0,
        line_item_net_unblended_cost: 0,
        line_item_currency_code: 'USD',
        line_item_availability_zone: node.zone,
        pricing_unit: UNITS[r] as string,
        pricing_public_on_demand_cost: 0,
        product_region_code: c.region,
        product_servicecode: 'AmazonEKS',
        resource_tags: tags,
        split_line_item_parent_resource_id: node.resourceId,
        split_line_item_split_usage: round9(usage),
        split_line_item_split_usage_ratio: round9(ratio),
        split_line_item_split_cost: money(ratio * (resourceCost[r] as number)),
        split_line_item_unused_cost: money(unusedRatio * (resourceCost[r] as number) * share),
        split_line_item_public_on_demand_split_cost: money(ratio * (resourceList[r] as number)),
        split_line_item_public_on_demand_unused_cost: money(
          unusedRatio * (resourceList[r] as number) * share,
        ),
        split_line_item_actual_usage: round9(ph.actual[r] as number),
        split_line_item_reserved_usage: round9(ph.reserved[r] as number),
      });
    }
  }
  return rows;
}

const podTagCache = new WeakMap<PodPlan, Record<string, string>>();

/** The tags AWS puts on a pod's split rows: EKS-generated ones and imported pod labels. */
function podTags(cluster: string, node: NodePlan, pod: PodPlan): Record<string, string> {
  let tags = podTagCache.get(pod);
  if (!tags) {
    tags = {
      aws_eks_cluster_name: cluster,
      aws_eks_namespace: pod.workload.namespace.name,
      aws_eks_node: node.name,
      aws_eks_workload_type: pod.workload.spec.kind.toLowerCase(),
      aws_eks_workload_name: pod.workload.spec.name,
    };
    for (const key of ['team', 'owner', 'cost_center', 'env', 'workload_type']) {
      const v = pod.labels[key];
      if (v !== undefined) tags[curTagKey(key)] = v;
    }
    podTagCache.set(pod, tags);
  }
  return tags;
}

function round9(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}
