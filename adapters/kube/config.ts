/** Loads the Kubernetes client configuration. */
import { KubeConfig } from '@kubernetes/client-node';
import { UsageError } from '../../core/schema/errors.js';

/**
 * A kubeconfig file when a path is given; otherwise client-node's default order: $KUBECONFIG,
 * ~/.kube/config, then the in-cluster service account (what the agent uses in a pod).
 */
export function loadKubeConfig(kubeconfigPath?: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
    else kc.loadFromDefault();
  } catch (err) {
    throw new UsageError(
      `kube: cannot load the kubeconfig${kubeconfigPath ? ` ${kubeconfigPath}` : ''} (${(err as Error).message})`,
      { cause: err },
    );
  }
  if (!kc.getCurrentCluster()) {
    throw new UsageError(
      `kube: the kubeconfig${kubeconfigPath ? ` ${kubeconfigPath}` : ''} has no current cluster`,
    );
  }
  return kc;
}
