/** The Kubernetes side of the agent (client-node): informers, usage, mapping to `ownercost/v1`. */
export { loadKubeConfig } from './config.js';
export { KubeInventory, RESOURCES, type ResourceName } from './informers.js';
export * from './mapping.js';
export { type NodePod, type NodePodsWatch, toNodePod, watchNodePods } from './nodePods.js';
export { parseQuantity, QuantityError, quantityOrZero } from './quantity.js';
export { collectRecords } from './records.js';
export { type KubeTopologyOptions, KubeTopologyProvider, type KubeTopologySnapshot } from './topology.js';
export { listPodMetrics, podKey, UsageAccumulator, type UsageByPod } from './usage.js';
