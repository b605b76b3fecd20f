/** Builders of hour facts and cost lines for allocation tests. */

import type {
  FlowHour,
  HourFacts,
  NodeHour,
  OwnerContext,
  PodHour,
  ServiceHour,
  VolumeHour,
} from '../../core/allocation/types.js';
import type { CostLine } from '../../core/schema/costLine.js';

export const H0 = '2026-11-16T00:00:00.000Z';
export const H1 = '2026-11-16T01:00:00.000Z';
export const H2 = '2026-11-16T02:00:00.000Z';

export function node(p: Partial<NodeHour> & { name: string }): NodeHour {
  return {
    cluster: 'c1',
    hourStart: H0,
    providerId: `aws:///us-east-1a/i-${p.name}`,
    instanceType: 'm6i.xlarge',
    nodePool: 'general',
    capacityType: 'on-demand',
    region: 'us-east-1',
    zone: 'us-east-1a',
    cpuCores: 4,
    ramGiB: 16,
    gpus: 0,
    observedSeconds: 3600,
    labels: {},
    ...p,
  };
}

export function pod(p: Partial<PodHour> & { name: string }): PodHour {
  return {
    cluster: 'c1',
    hourStart: H0,
    uid: `uid-${p.name}`,
    namespace: 'app',
    node: 'n1',
    ownerKind: 'Deployment',
    ownerName: p.name,
    labels: {},
    seconds: 3600,
    cpuCoreHours: 0,
    ramGiBHours: 0,
    gpuHours: 0,
    cpuRequestCoreHours: 0,
    cpuUsageCoreHours: 0,
    ramRequestGiBHours: 0,
    ramUsageGiBHours: 0,
    claims: [],
    ...p,
  };
}

export function volume(p: Partial<VolumeHour> & { pvName: string }): VolumeHour {
  return {
    cluster: 'c1',
    hourStart: H0,
    volumeHandle: `vol-${p.pvName}`,
    storageClass: 'gp3',
    capacityGiB: 100,
    claimNamespace: 'app',
    claimName: `claim-${p.pvName}`,
    ...p,
  };
}

export function service(p: Partial<ServiceHour> & { name: string }): ServiceHour {
  return {
    cluster: 'c1',
    hourStart: H0,
    namespace: 'app',
    type: 'LoadBalancer',
    selector: { app: p.name },
    lbHostname: `${p.name}lb-0123456789abcdef.elb.us-east-1.amazonaws.com`,
    lbIp: null,
    ...p,
  };
}

export function flow(p: Partial<FlowHour> & { pod: string; bytes: number }): FlowHour {
  return {
    cluster: 'c1',
    hourStart: H0,
    namespace: 'app',
    direction: 'egress',
    class: 'cross-zone',
    service: null,
    viaNat: false,
    ...p,
  };
}

export function line(p: Partial<CostLine> & { cost: number }): CostLine {
  const { cost, ...rest } = p;
  return {
    ChargePeriodStart: H0,
    ChargePeriodEnd: H1,
    BilledCost: cost,
    EffectiveCost: cost,
    ListCost: cost,
    BillingCurrency: 'USD',
    ProviderName: 'AWS',
    ServiceName: 'Amazon Elastic Compute Cloud',
    ServiceCategory: 'Compute',
    ChargeCategory: 'Usage',
    ResourceId: null,
    SkuId: null,
    RegionId: 'us-east-1',
    AvailabilityZone: null,
    ConsumedQuantity: 1,
    ConsumedUnit: 'Hours',
    Tags: { 'aws:eks:cluster-name': 'c1' },
    x_UsageType: null,
    ...rest,
  };
}

export function hour(hourStart: string, p: Partial<HourFacts>): HourFacts {
  return { hourStart, nodes: [], pods: [], volumes: [], services: [], flows: [], ...p };
}

export const noOwners: OwnerContext = { namespaceLabels: new Map(), workloadLabels: new Map() };
