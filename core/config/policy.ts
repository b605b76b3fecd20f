/** From a parsed configuration to the allocation policy the engine uses. */
import type { AllocationPolicy } from '../allocation/policy.js';
import { DEFAULT_OWNER_POLICY, OWNER_ATTRIBUTES, type OwnerPolicy } from '../owners/resolve.js';
import type { Config } from './schema.js';

export function policyFromConfig(config: Config): AllocationPolicy {
  const labels = { ...DEFAULT_OWNER_POLICY.labels };
  for (const attr of OWNER_ATTRIBUTES) {
    const keys = config.owners.labels[attr];
    if (keys && keys.length > 0) labels[attr] = keys;
  }
  const owners: OwnerPolicy = {
    labels,
    namespaces: config.owners.namespaces.map(({ match, ...attributes }) => ({ match, attributes })),
    platformTeam: config.owners.platformTeam,
  };
  return {
    costMetric: config.costMetric,
    weights: config.allocation.weights,
    idle: config.allocation.idle,
    shared: config.allocation.shared,
    networkPricesPerGiB: config.allocation.networkPrices,
    clusterTagKeys: config.billing.clusterTagKeys,
    owners,
  };
}
