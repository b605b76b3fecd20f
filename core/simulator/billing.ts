/**
 * The hourly bill of the simulated clusters, as FOCUS-shaped cost lines, consistent with the
 * snapshots: one compute line (or GCP core/RAM/GPU lines) per node-hour alive, disks per PV,
 * load balancers per LoadBalancer service, NAT gateways and NAT bytes, data transfer from the
 * flow bytes, and cluster fees. Every line carries the cluster tag.
 */
import type { CostLine } from '../schema/costLine.js';
import { clusterTags } from './assets.js';
import type { ClusterPlan } from './plan.js';
import {
  GB_BYTES,
  HOURS_PER_MONTH,
  instanceType,
  PRICES,
  SPOT_FACTOR,
  storageClassPrice,
} from './pricing.js';
import { hashString, mix32 } from './rng.js';
import { HOUR_MS, isoSeconds, SAMPLES_PER_HOUR, type SimWindow } from './time.js';
import type { ClusterSpec, Labels, NodePlan, Provider } from './types.js';
import { flowBytes, hostFlowBytes } from './usage.js';

/** CUR-only attributes of an AWS line. */
export interface AwsLineMeta {
  productCode: string;
  operation: string;
  pricingUnit: string;
  usageAmount: number;
}

/** A FOCUS cost line with where it came from (cluster, hour index) and, on AWS, its CUR attributes. */
export interface SimBillingLine {
  cluster: string;
  provider: Provider;
  /** Hour index in the window. */
  hour: number;
  line: CostLine;
  aws?: AwsLineMeta;
}

/** The simulated bill. */
export interface Billing {
  lines: SimBillingLine[];
  /** Per cluster, per node index, per hour: the node's billed (effective) and list cost. */
  nodeHourCost: Map<string, { billed: Float64Array; list: Float64Array }[]>;
}

/** Network byte buckets per node-hour. */
const XZ_EGRESS = 0;
const XZ_INGRESS = 1;
const INTERNET_EGRESS = 2;
const XREGION_EGRESS = 3;
const NAT_BYTES = 4;
const BUCKETS = 5;

/** Builds the bill of all clusters for the window, hour by hour. */
export function buildBilling(plans: ClusterPlan[], window: SimWindow, diurnal: Float64Array): Billing {
  const hours = window.samples / SAMPLES_PER_HOUR;
  const lines: SimBillingLine[] = [];
  const nodeHourCost = new Map<string, { billed: Float64Array; list: Float64Array }[]>();
  const perCluster = plans.map((plan) => {
    const net = networkBytes(plan, hours, diurnal);
    const costs = plan.nodes.map(() => ({ billed: new Float64Array(hours), list: new Float64Array(hours) }));
    nodeHourCost.set(plan.spec.name, costs);
    return { plan, net, costs };
  });
  for (let h = 0; h < hours; h++) {
    for (const { plan, net, costs } of perCluster) {
      const emit = makeEmitter(plan.spec, window, h, lines);
      if (plan.spec.provider === 'aws') awsHour(plan, h, net, costs, emit);
      else gcpHour(plan, h, net, costs, emit);
    }
  }
  return { lines, nodeHourCost };
}

interface LineInput {
  billed: number;
  list: number;
  serviceName: string;
  serviceCategory: string;
  resourceId: string | null;
  usageType: string;
  zone: string | null;
  quantity: number;
  unit: string;
  tags: Labels;
  aws?: Omit<AwsLineMeta, 'usageAmount'>;
}

type Emit = (l: LineInput) => void;

function makeEmitter(cluster: ClusterSpec, window: SimWindow, h: number, out: SimBillingLine[]): Emit {
  const start = isoSeconds(window.startMs + h * HOUR_MS);
  const end = isoSeconds(window.startMs + (h + 1) * HOUR_MS);
  return (l) => {
    const billed = money(l.billed);
    const line: CostLine = {
      ChargePeriodStart: start,
      ChargePeriodEnd: end,
      BilledCost: billed,
      EffectiveCost: billed,
      ListCost: money(l.list),
      BillingCurrency: 'USD',
      ProviderName: cluster.provider === 'aws' ? 'AWS' : 'Google Cloud',
      ServiceName: l.serviceName,
      ServiceCategory: l.serviceCategory,
      ChargeCategory: 'Usage',
      ResourceId: l.resourceId,
      SkuId: skuId(cluster.provider, l.usageType),
      RegionId: cluster.region,
      AvailabilityZone: l.zone,
      ConsumedQuantity: round(l.quantity, 9),
      ConsumedUnit: l.unit,
      Tags: l.tags,
      x_UsageType: l.usageType,
    };
    const rec: SimBillingLine = { cluster: cluster.name, provider: cluster.provider, hour: h, line };
    if (l.aws) rec.aws = { ...l.aws, usageAmount: line.ConsumedQuantity ?? 0 };
    out.push(rec);
  };
}

/** Fraction of hour h that [startIdx, endIdx) covers. */
function hourFraction(startIdx: number, endIdx: number, h: number): number {
  const a = Math.max(startIdx, h * SAMPLES_PER_HOUR);
  const b = Math.min(endIdx, (h + 1) * SAMPLES_PER_HOUR);
  return b > a ? (b - a) / SAMPLES_PER_HOUR : 0;
}

function awsHour(
  plan: ClusterPlan,
  h: number,
  net: Float64Array[],
  costs: { billed: Float64Array; list: Float64Array }[],
  emit: Emit,
): void {
  const c = plan.spec;
  const p = PRICES.aws;
  const base = cachedClusterTags(c);
  emit({
    billed: p.clusterFeeHourly,
    list: p.clusterFeeHourly,
    serviceName: 'Amazon Elastic Kubernetes Service',
    serviceCategory: 'Compute',
    resourceId: `arn:aws:eks:${c.region}:${c.account}:cluster/${c.name}`,
    usageType: 'USE1-AmazonEKS-Hours:perCluster',
    zone: null,
    quantity: 1,
    unit: 'Hours',
    tags: base,
    aws: { productCode: 'AmazonEKS', operation: 'CreateOperation', pricingUnit: 'Hours' },
  });
  plan.nodes.forEach((node, i) => {
    const frac = hourFraction(node.startIdx, node.endIdx, h);
    if (frac === 0) return;
    const type = instanceType(node.pool.instanceType);
    const spot = node.pool.capacityType === 'spot';
    const billed = type.hourly * (spot ? SPOT_FACTOR.aws : 1) * frac;
    const list = type.hourly * frac;
    (costs[i] as { billed: Float64Array }).billed[h] = money(billed);
    (costs[i] as { list: Float64Array }).list[h] = money(list);
    emit({
      billed,
      list,
      serviceName: 'Amazon Elastic Compute Cloud',
      serviceCategory: 'Compute',
      resourceId: node.resourceId,
      usageType: `${spot ? 'SpotUsage' : 'BoxUsage'}:${type.name}`,
      zone: node.zone,
      quantity: frac,
      unit: 'Hours',
      tags: nodeTags(node, () => ({
        ...base,
        'eks:cluster-name': c.name,
        'eks:nodegroup-name': node.pool.name,
      })),
      aws: {
        productCode: 'AmazonEC2',
        operation: spot ? 'RunInstances:SV001' : 'RunInstances',
        pricingUnit: 'Hrs',
      },
    });
  });
  for (const v of plan.volumes) {
    const frac = hourFraction(v.startIdx, v.endIdx, h);
    if (frac === 0) continue;
    const sc = storageClassPrice(v.storageClass);
    const gbMonths = (v.sizeGiB * frac) / HOURS_PER_MONTH;
    emit({
      billed: gbMonths * sc.gibMonth,
      list: gbMonths * sc.gibMonth,
      serviceName: 'Amazon Elastic Compute Cloud',
      serviceCategory: 'Storage',
      resourceId: v.resourceId,
      usageType: `EBS:VolumeUsage.${sc.awsVolumeType ?? sc.name}`,
      zone: v.zone,
      quantity: gbMonths,
      unit: 'GB-Mo',
      tags: v.tags,
      aws: {
        productCode: 'AmazonEC2',
        operation: `CreateVolume-${sc.awsVolumeType ?? sc.name}`,
        pricingUnit: 'GB-Mo',
      },
    });
    if (v.iops > 0 && sc.iopsMonth) {
      const iopsMonths = (v.iops * frac) / HOURS_PER_MONTH;
      emit({
        billed: iopsMonths * sc.iopsMonth,
        list: iopsMonths * sc.iopsMonth,
        serviceName: 'Amazon Elastic Compute Cloud',
        serviceCategory: 'Storage',
        resourceId: v.resourceId,
        usageType: `EBS:VolumeP-IOPS.${sc.awsVolumeType ?? sc.name}`,
        zone: v.zone,
        quantity: iopsMonths,
        unit: 'IOPS-Mo',
        tags: v.tags,
        aws: {
          productCode: 'AmazonEC2',
          operation: `CreateVolume-P-IOPS.${sc.name}`,
          pricingUnit: 'IOPS-Mo',
        },
      });
    }
  }
  for (const s of plan.services) {
    if (s.type !== 'LoadBalancer' || !s.resourceId) continue;
    const frac = hourFraction(s.startIdx, s.endIdx, h);
    if (frac === 0) continue;
    emit({
      billed: p.loadBalancerHourly * frac,
      list: p.loadBalancerHourly * frac,
      serviceName: 'Elastic Load Balancing',
      serviceCategory: 'Networking',
      resourceId: s.resourceId,
      usageType: 'LoadBalancerUsage',
      zone: null,
      quantity: frac,
      unit: 'Hours',
      tags: s.tags,
      aws: { productCode: 'AWSELB', operation: 'LoadBalancing:Network', pricingUnit: 'Hrs' },
    });
  }
  for (const gw of plan.natGateways) {
    emit({
      billed: p.natGatewayHourly,
      list: p.natGatewayHourly,
      serviceName: 'Amazon Virtual Private Cloud',
      serviceCategory: 'Networking',
      resourceId: gw.resourceId,
      usageType: 'USE1-NatGateway-Hours',
      zone: gw.zone,
      quantity: 1,
      unit: 'Hours',
      tags: base,
      aws: { productCode: 'AmazonVPC', operation: 'NatGateway', pricingUnit: 'Hrs' },
    });
    let bytes = 0;
    plan.nodes.forEach((node, i) => {
      if (node.zone === gw.zone) bytes += (net[i] as Float64Array)[h * BUCKETS + NAT_BYTES] as number;
    });
    if (bytes > 0) {
      const gb = bytes / GB_BYTES;
      emit({
        billed: gb * p.natPerGB,
        list: gb * p.natPerGB,
        serviceName: 'Amazon Virtual Private Cloud',
        serviceCategory: 'Networking',
        resourceId: gw.resourceId,
        usageType: 'USE1-NatGateway-Bytes',
        zone: gw.zone,
        quantity: gb,
        unit: 'GB',
        tags: base,
        aws: { productCode: 'AmazonVPC', operation: 'NatGateway', pricingUnit: 'GB' },
      });
    }
  }
  plan.nodes.forEach((node, i) => {
    const b = net[i] as Float64Array;
    const o = h * BUCKETS;
    const transfer = (bytes: number, price: number, usageType: string, operation: string) => {
      if (bytes <= 0) return;
      const gb = bytes / GB_BYTES;
      emit({
        billed: gb * price,
        list: gb * price,
        serviceName: 'AWS Data Transfer',
        serviceCategory: 'Networking',
        resourceId: node.resourceId,
        usageType,
        zone: node.zone,
        quantity: gb,
        unit: 'GB',
        tags: base,
        aws: { productCode: 'AWSDataTransfer', operation, pricingUnit: 'GB' },
      });
    };
    transfer(
      (b[o + XZ_EGRESS] as number) + (b[o + XZ_INGRESS] as number),
      p.crossZonePerGB,
      'USE1-DataTransfer-Regional-Bytes',
      'InterZone-In-Out',
    );
    transfer(
      b[o + INTERNET_EGRESS] as number,
      p.internetEgressPerGB,
      'USE1-DataTransfer-Out-Bytes',
      'RunInstances',
    );
    transfer(b[o + XREGION_EGRESS] as number, p.crossRegionPerGB, 'USE1-USW2-AWS-Out-Bytes', 'RunInstances');
  });
}

function gcpHour(
  plan: ClusterPlan,
  h: number,
  net: Float64Array[],
  costs: { billed: Float64Array; list: Float64Array }[],
  emit: Emit,
): void {
  const c = plan.spec;
  const p = PRICES.gcp;
  const base = cachedClusterTags(c);
  emit({
    billed: p.clusterFeeHourly,
    list: p.clusterFeeHourly,
    serviceName: 'Kubernetes Engine',
    serviceCategory: 'Compute',
    resourceId: `//container.googleapis.com/projects/${c.account}/locations/${c.region}/clusters/${c.name}`,
    usageType: 'Regional Kubernetes Clusters Cluster Management Fee',
    zone: null,
    quantity: 1,
    unit: 'Hours',
    tags: base,
  });
  plan.nodes.forEach((node, i) => {
    const frac = hourFraction(node.startIdx, node.endIdx, h);
    if (frac === 0) return;
    const type = instanceType(node.pool.instanceType);
    const skus = type.gcpSkus;
    if (!skus) throw new Error(`simulator: ${type.name} has no GCP SKUs`);
    const spot = node.pool.capacityType === 'spot';
    const factor = spot ? SPOT_FACTOR.gcp : 1;
    const tags = nodeTags(node, () => ({
      ...base,
      'goog-k8s-node-pool-name': node.pool.name,
      'goog-k8s-cluster-location': c.region,
    }));
    const prefix = spot ? 'Spot Preemptible ' : '';
    const parts: [number, number, string, string][] = [
      [type.vcpu, skus.corePrice, `${prefix}${skus.family} Instance Core running in Americas`, 'Hours'],
      [
        type.memGiB,
        skus.ramPrice,
        `${prefix}${skus.family} Instance Ram running in Americas`,
        'GibibyteHours',
      ],
    ];
    if (type.gpus > 0) {
      parts.push([
        type.gpus,
        skus.gpuPrice,
        `${skus.gpuName ?? 'GPU'} ${spot ? 'attached to Spot Preemptible VMs ' : ''}running in Americas`,
        'Hours',
      ]);
    }
    let billedTotal = 0;
    let listTotal = 0;
    for (const [units, price, usageType, unit] of parts) {
      const billed = money(units * price * factor * frac);
      const list = money(units * price * frac);
      billedTotal += billed;
      listTotal += list;
      emit({
        billed,
        list,
        serviceName: 'Compute Engine',
        serviceCategory: 'Compute',
        resourceId: node.resourceId,
        usageType,
        zone: node.zone,
        quantity: units * frac,
        unit,
        tags,
      });
    }
    (costs[i] as { billed: Float64Array }).billed[h] = money(billedTotal);
    (costs[i] as { list: Float64Array }).list[h] = money(listTotal);
  });
  for (const v of plan.volumes) {
    const frac = hourFraction(v.startIdx, v.endIdx, h);
    if (frac === 0) continue;
    const sc = storageClassPrice(v.storageClass);
    const gibMonths = (v.sizeGiB * frac) / HOURS_PER_MONTH;
    emit({
      billed: gibMonths * sc.gibMonth,
      list: gibMonths * sc.gibMonth,
      serviceName: 'Compute Engine',
      serviceCategory: 'Storage',
      resourceId: v.resourceId,
      usageType: sc.gcpSku ?? 'Storage PD Capacity',
      zone: v.zone,
      quantity: gibMonths,
      unit: 'GibibyteMonths',
      tags: v.tags,
    });
    if (v.iops > 0 && sc.iopsMonth) {
      const iopsMonths = (v.iops * frac) / HOURS_PER_MONTH;
      emit({
        billed: iopsMonths * sc.iopsMonth,
        list: iopsMonths * sc.iopsMonth,
        serviceName: 'Compute Engine',
        serviceCategory: 'Storage',
        resourceId: v.resourceId,
        usageType: sc.gcpIopsSku ?? 'PD IOPS',
        zone: v.zone,
        quantity: iopsMonths,
        unit: 'IOPS-Months',
        tags: v.tags,
      });
    }
  }
  for (const s of plan.services) {
    if (s.type !== 'LoadBalancer' || !s.resourceId) continue;
    const frac = hourFraction(s.startIdx, s.endIdx, h);
    if (frac === 0) continue;
    emit({
      billed: p.loadBalancerHourly * frac,
      list: p.loadBalancerHourly * frac,
      serviceName: 'Networking',
      serviceCategory: 'Networking',
      resourceId: s.resourceId,
      usageType: 'Network Load Balancing: Forwarding Rule Minimum Service Charge in Americas',
      zone: null,
      quantity: frac,
      unit: 'Hours',
      tags: s.tags,
    });
  }
  for (const gw of plan.natGateways) {
    emit({
      billed: p.natGatewayHourly,
      list: p.natGatewayHourly,
      serviceName: 'Networking',
      serviceCategory: 'Networking',
      resourceId: gw.resourceId,
      usageType: 'Cloud NAT Gateway Uptime charge',
      zone: null,
      quantity: 1,
      unit: 'Hours',
      tags: base,
    });
    let bytes = 0;
    for (const b of net) bytes += b[h * BUCKETS + NAT_BYTES] as number;
    if (bytes > 0) {
      const gib = bytes / GB_BYTES;
      emit({
        billed: gib * p.natPerGB,
        list: gib * p.natPerGB,
        serviceName: 'Networking',
        serviceCategory: 'Networking',
        resourceId: gw.resourceId,
        usageType: 'Cloud NAT Data Processing',
        zone: null,
        quantity: gib,
        unit: 'Gibibytes',
        tags: base,
      });
    }
  }
  plan.nodes.forEach((node, i) => {
    const b = net[i] as Float64Array;
    const o = h * BUCKETS;
    const transfer = (bytes: number, price: number, usageType: string) => {
      if (bytes <= 0) return;
      const gib = bytes / GB_BYTES;
      emit({
        billed: gib * price,
        list: gib * price,
        serviceName: 'Compute Engine',
        serviceCategory: 'Networking',
        resourceId: node.resourceId,
        usageType,
        zone: node.zone,
        quantity: gib,
        unit: 'Gibibytes',
        tags: base,
      });
    };
    // GCP bills egress only.
    transfer(b[o + XZ_EGRESS] as number, p.crossZonePerGB, 'Network Inter Zone Egress');
    transfer(
      b[o + INTERNET_EGRESS] as number,
      p.internetEgressPerGB,
      'Network Internet Egress from Americas to Americas',
    );
    transfer(
      b[o + XREGION_EGRESS] as number,
      p.crossRegionPerGB,
      'Network Inter Region Egress from Americas to Americas',
    );
  });
}

/**
 * Flow bytes per node and hour, in buckets (cross-zone egress and ingress, internet egress,
 * cross-region egress, bytes through NAT), summed from the same functions the flow records use.
 */
function networkBytes(plan: ClusterPlan, hours: number, diurnal: Float64Array): Float64Array[] {
  const out = plan.nodes.map(() => new Float64Array(hours * BUCKETS));
  for (const pod of plan.pods) {
    const traffic = pod.workload.spec.traffic;
    if (traffic.length === 0) continue;
    const b = out[pod.node.idx] as Float64Array;
    for (let k = pod.startIdx; k < pod.endIdx; k++) {
      const d = diurnal[k] as number;
      const o = Math.floor(k / SAMPLES_PER_HOUR) * BUCKETS;
      for (let ti = 0; ti < traffic.length; ti++) {
        const t = traffic[ti];
        if (!t) continue;
        const e = flowBytes(pod, ti, 'egress', k, d);
        const i = flowBytes(pod, ti, 'ingress', k, d);
        addBytes(b, o, t.class, t.viaNat, e, i);
      }
    }
  }
  plan.nodes.forEach((node: NodePlan, idx) => {
    const b = out[idx] as Float64Array;
    for (let k = node.startIdx; k < node.endIdx; k++) {
      const e = hostFlowBytes(node, 'egress', k);
      const i = hostFlowBytes(node, 'ingress', k);
      if (e === 0 && i === 0) continue;
      addBytes(b, Math.floor(k / SAMPLES_PER_HOUR) * BUCKETS, 'internet', true, e, i);
    }
  });
  return out;
}

function addBytes(b: Float64Array, o: number, cls: string, viaNat: boolean, e: number, i: number): void {
  if (cls === 'cross-zone') {
    b[o + XZ_EGRESS] = (b[o + XZ_EGRESS] as number) + e;
    b[o + XZ_INGRESS] = (b[o + XZ_INGRESS] as number) + i;
  } else if (cls === 'internet') {
    b[o + INTERNET_EGRESS] = (b[o + INTERNET_EGRESS] as number) + e;
  } else if (cls === 'cross-region') {
    b[o + XREGION_EGRESS] = (b[o + XREGION_EGRESS] as number) + e;
  }
  if (viaNat) b[o + NAT_BYTES] = (b[o + NAT_BYTES] as number) + e + i;
}

const clusterTagCache = new WeakMap<ClusterSpec, Labels>();
const nodeTagCache = new WeakMap<NodePlan, Labels>();

/** Tag objects are shared between lines of the same asset, so exports can deduplicate them. */
function cachedClusterTags(c: ClusterSpec): Labels {
  let t = clusterTagCache.get(c);
  if (!t) {
    t = clusterTags(c);
    clusterTagCache.set(c, t);
  }
  return t;
}

function nodeTags(node: NodePlan, make: () => Labels): Labels {
  let t = nodeTagCache.get(node);
  if (!t) {
    t = make();
    nodeTagCache.set(node, t);
  }
  return t;
}

/** A provider-shaped SKU id derived from the usage type (hex only, so it never spells a usage word). */
function skuId(provider: Provider, usageType: string): string {
  const a = hashString(usageType);
  const b = mix32(a, 0x5eed);
  const hex = (a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0')).toUpperCase();
  return provider === 'aws' ? hex : `${hex.slice(0, 4)}-${hex.slice(4, 8)}-${hex.slice(8, 12)}`;
}

/** Money rounded to 1e-10 so exports stay short and sums stable. */
export function money(x: number): number {
  return Math.round(x * 1e10) / 1e10;
}

function round(x: number, digits: number): number {
  const m = 10 ** digits;
  return Math.round(x * m) / m;
}
