/**
 * Public list prices the simulated bill uses (USD, us-east-1 and us-central1, late 2025). Close
 * enough to the real price lists that the numbers look familiar; exact where it was easy.
 */
import type { Provider } from './types.js';

export interface InstanceType {
  name: string;
  provider: Provider;
  vcpu: number;
  memGiB: number;
  gpus: number;
  /** On-demand price per hour. */
  hourly: number;
  /** GCP bills cores, RAM and GPUs as separate SKUs; these per-unit prices sum to `hourly`. */
  gcpSkus?: { family: string; corePrice: number; ramPrice: number; gpuPrice: number; gpuName?: string };
}

const INSTANCE_TYPES: InstanceType[] = [
  { name: 'm6i.xlarge', provider: 'aws', vcpu: 4, memGiB: 16, gpus: 0, hourly: 0.192 },
  { name: 'm6i.2xlarge', provider: 'aws', vcpu: 8, memGiB: 32, gpus: 0, hourly: 0.384 },
  { name: 'm6i.4xlarge', provider: 'aws', vcpu: 16, memGiB: 64, gpus: 0, hourly: 0.768 },
  { name: 'r6i.2xlarge', provider: 'aws', vcpu: 8, memGiB: 64, gpus: 0, hourly: 0.504 },
  { name: 'g5.xlarge', provider: 'aws', vcpu: 4, memGiB: 16, gpus: 1, hourly: 1.006 },
  { name: 'g5.2xlarge', provider: 'aws', vcpu: 8, memGiB: 32, gpus: 1, hourly: 1.212 },
  {
    name: 'n2-standard-8',
    provider: 'gcp',
    vcpu: 8,
    memGiB: 32,
    gpus: 0,
    hourly: 0.388472,
    gcpSkus: { family: 'N2', corePrice: 0.031611, ramPrice: 0.004237, gpuPrice: 0 },
  },
  {
    name: 'n2-standard-4',
    provider: 'gcp',
    vcpu: 4,
    memGiB: 16,
    gpus: 0,
    hourly: 0.194236,
    gcpSkus: { family: 'N2', corePrice: 0.031611, ramPrice: 0.004237, gpuPrice: 0 },
  },
  {
    name: 'g2-standard-8',
    provider: 'gcp',
    vcpu: 8,
    memGiB: 32,
    gpus: 1,
    hourly: 0.85264,
    gcpSkus: { family: 'G2', corePrice: 0.0249, ramPrice: 0.00292, gpuPrice: 0.56, gpuName: 'Nvidia L4 GPU' },
  },
];

/** Spot price as a fraction of on-demand (AWS spot ≈ 30–40 %, GCP Spot VMs ≈ 30 %). */
export const SPOT_FACTOR: Record<Provider, number> = { aws: 0.35, gcp: 0.3 };

/** The catalog entry of an instance type; throws for types the simulator does not price. */
export function instanceType(name: string): InstanceType {
  const t = INSTANCE_TYPES.find((i) => i.name === name);
  if (!t) throw new Error(`simulator: unknown instance type ${name}`);
  return t;
}

export interface StorageClassPrice {
  name: string;
  provider: Provider;
  /** Price per GiB-month. */
  gibMonth: number;
  /** Price per provisioned IOPS-month, for classes that bill IOPS. */
  iopsMonth?: number;
  awsVolumeType?: string;
  gcpSku?: string;
  gcpIopsSku?: string;
}

const STORAGE_CLASSES: StorageClassPrice[] = [
  { name: 'gp3', provider: 'aws', gibMonth: 0.08, awsVolumeType: 'gp3' },
  { name: 'io2', provider: 'aws', gibMonth: 0.125, iopsMonth: 0.065, awsVolumeType: 'io2' },
  { name: 'standard-rwo', provider: 'gcp', gibMonth: 0.1, gcpSku: 'Balanced PD Capacity' },
  { name: 'premium-rwo', provider: 'gcp', gibMonth: 0.17, gcpSku: 'SSD backed PD Capacity' },
  {
    name: 'pd-extreme',
    provider: 'gcp',
    gibMonth: 0.125,
    iopsMonth: 0.065,
    gcpSku: 'Extreme PD Capacity',
    gcpIopsSku: 'Extreme PD IOPS',
  },
];

/** Prices of a storage class; throws for classes the simulator does not price. */
export function storageClassPrice(name: string): StorageClassPrice {
  const s = STORAGE_CLASSES.find((c) => c.name === name);
  if (!s) throw new Error(`simulator: unknown storage class ${name}`);
  return s;
}

/** Hours in a billing month, as providers use to turn monthly prices into hourly ones. */
export const HOURS_PER_MONTH = 730;

/** Bytes in a billed GB (providers bill transfer in binary gigabytes). */
export const GB_BYTES = 1024 ** 3;

/** Hourly and per-GB prices of cluster fees, load balancers, NAT and data transfer. */
export const PRICES = {
  aws: {
    clusterFeeHourly: 0.1,
    loadBalancerHourly: 0.0225,
    natGatewayHourly: 0.045,
    natPerGB: 0.045,
    /** Charged on both the sending and the receiving side. */
    crossZonePerGB: 0.01,
    internetEgressPerGB: 0.09,
    crossRegionPerGB: 0.02,
  },
  gcp: {
    clusterFeeHourly: 0.1,
    loadBalancerHourly: 0.025,
    natGatewayHourly: 0.044,
    natPerGB: 0.045,
    /** GCP charges egress only. */
    crossZonePerGB: 0.01,
    internetEgressPerGB: 0.12,
    crossRegionPerGB: 0.01,
  },
} as const;
