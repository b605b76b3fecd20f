/** Provider commands that plans quote: node pool sizes, volume changes, private endpoints. */
import type { NodePoolFact } from '../facts.js';
import { sh } from '../plan.js';

export type Cloud = 'aws' | 'gcp' | 'azure' | null;

/** The cloud of a node pool, from its nodes' provider ids (`aws:///…`, `gce://…`, `azure:///…`). */
export function cloudOfPool(p: Pick<NodePoolFact, 'provider' | 'nodeLabels'>): Cloud {
  const v = p.provider.toLowerCase();
  if (v === 'aws' || 'eks.amazonaws.com/nodegroup' in p.nodeLabels) return 'aws';
  if (v === 'gce' || v === 'gcp' || 'cloud.google.com/gke-nodepool' in p.nodeLabels) return 'gcp';
  if (v === 'azure' || 'kubernetes.azure.com/agentpool' in p.nodeLabels) return 'azure';
  return null;
}

/** True when Karpenter manages the pool's nodes. */
export function isKarpenter(p: Pick<NodePoolFact, 'nodeLabels'>): boolean {
  return 'karpenter.sh/nodepool' in p.nodeLabels || 'karpenter.sh/provisioner-name' in p.nodeLabels;
}

/** A command that sets a managed node pool's autoscaling bounds (and size, where the CLI takes one). */
export function poolScalingCommand(
  p: Pick<NodePoolFact, 'cluster' | 'nodePool' | 'provider' | 'nodeLabels'>,
  size: { min: number; max: number; desired: number },
): string {
  const c = sh(p.cluster);
  const n = sh(p.nodePool);
  if (isKarpenter(p)) {
    return `kubectl patch nodepool ${n} --type merge -p '{"spec":{"disruption":{"consolidationPolicy":"WhenEmptyOrUnderutilized"}}}'`;
  }
  switch (cloudOfPool(p)) {
    case 'aws':
      return `aws eks update-nodegroup-config --cluster-name ${c} --nodegroup-name ${n} --scaling-config minSize=${size.min},maxSize=${size.max},desiredSize=${size.desired}`;
    case 'gcp':
      return `gcloud container clusters update ${c} --node-pool ${n} --enable-autoscaling --min-nodes ${size.min} --max-nodes ${size.max}`;
    case 'azure':
      return `az aks nodepool update --cluster-name ${c} --name ${n} --resource-group <resource-group> --enable-cluster-autoscaler --min-count ${size.min} --max-count ${size.max}`;
    default:
      return `# Set node pool ${p.nodePool} of cluster ${p.cluster} to autoscale between ${size.min} and ${size.max} nodes in your provider's console or IaC.`;
  }
}

/** A command that puts a pool back to a fixed size without autoscaling (how it was before a plan). */
export function poolFixedSizeCommand(
  p: Pick<NodePoolFact, 'cluster' | 'nodePool' | 'provider' | 'nodeLabels'>,
  nodes: number,
): string {
  const c = sh(p.cluster);
  const n = sh(p.nodePool);
  if (isKarpenter(p)) {
    return `kubectl patch nodepool ${n} --type merge -p '{"spec":{"disruption":{"consolidationPolicy":"WhenEmpty"}}}'`;
  }
  switch (cloudOfPool(p)) {
    case 'aws':
      return `aws eks update-nodegroup-config --cluster-name ${c} --nodegroup-name ${n} --scaling-config minSize=${nodes},maxSize=${nodes},desiredSize=${nodes}`;
    case 'gcp':
      return `gcloud container clusters update ${c} --node-pool ${n} --no-enable-autoscaling\ngcloud container clusters resize ${c} --node-pool ${n} --num-nodes ${nodes}`;
    case 'azure':
      return `az aks nodepool update --cluster-name ${c} --name ${n} --resource-group <resource-group> --disable-cluster-autoscaler\naz aks nodepool scale --cluster-name ${c} --name ${n} --resource-group <resource-group> --node-count ${nodes}`;
    default:
      return `# Set node pool ${p.nodePool} of cluster ${p.cluster} back to ${nodes} nodes without autoscaling.`;
  }
}

/** A label and value that select the pool's nodes (for a nodeSelector), if one is visible. */
export function poolSelector(
  p: Pick<NodePoolFact, 'nodePool' | 'nodeLabels'>,
): { key: string; value: string } | null {
  const preferred = [
    'karpenter.sh/nodepool',
    'eks.amazonaws.com/nodegroup',
    'cloud.google.com/gke-nodepool',
    'kubernetes.azure.com/agentpool',
    'agentpool',
    'node-pool',
    'nodepool',
  ];
  for (const key of preferred) if (p.nodeLabels[key] === p.nodePool) return { key, value: p.nodePool };
  for (const [key, value] of Object.entries(p.nodeLabels)) if (value === p.nodePool) return { key, value };
  return null;
}
