/** The knobs of the allocation model (DESIGN.md), with the defaults a FinOps engineer would expect. */
import type { BilledNetworkClass } from '../billing/classify.js';
import { DEFAULT_CLUSTER_TAG_KEYS } from '../billing/classify.js';
import type { OwnerPolicy } from '../owners/resolve.js';
import { DEFAULT_OWNER_POLICY } from '../owners/resolve.js';
import type { CostMetric } from '../schema/costLine.js';
import { DEFAULT_WEIGHTS, type Labels, type Weights } from './types.js';

export type IdlePolicy = 'separate' | 'share';
/** `weighted` by cost, `even` per group, or fixed percentages per team. */
export type SharedSplit = 'weighted' | 'even' | Record<string, number>;

export interface AllocationPolicy {
  costMetric: CostMetric;
  weights: Weights;
  idle: IdlePolicy;
  shared: { namespaces: string[]; labels: Labels; split: SharedSplit };
  /** Price per GiB by billed network class, used only when the bill has no transfer lines. */
  networkPricesPerGiB: Record<BilledNetworkClass, number>;
  clusterTagKeys: readonly string[];
  owners: OwnerPolicy;
}

export const DEFAULT_POLICY: AllocationPolicy = {
  costMetric: 'EffectiveCost',
  weights: DEFAULT_WEIGHTS,
  idle: 'separate',
  shared: { namespaces: ['kube-system', 'monitoring'], labels: {}, split: 'weighted' },
  networkPricesPerGiB: { 'cross-zone': 0.01, 'cross-region': 0.02, internet: 0.09, nat: 0.045 },
  clusterTagKeys: DEFAULT_CLUSTER_TAG_KEYS,
  owners: DEFAULT_OWNER_POLICY,
};

/** A policy with some fields replaced (nested objects replaced whole). */
export function withPolicy(overrides: Partial<AllocationPolicy>): AllocationPolicy {
  return { ...DEFAULT_POLICY, ...overrides };
}
