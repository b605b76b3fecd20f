/**
 * Container usage from `metrics.k8s.io/v1beta1` (metrics-server): one PodMetrics list per sample,
 * averaged per interval. A pod's average is over the samples it appeared in, so a pod that started
 * mid-interval is not diluted by the minutes before it existed.
 */
import { type KubeConfig, Metrics, type PodMetric } from '@kubernetes/client-node';
import type { Resources } from '../../core/schema/records.js';
import { quantityOrZero } from './quantity.js';

/** `namespace/pod` → container name → average usage. */
export type UsageByPod = ReadonlyMap<string, ReadonlyMap<string, Resources>>;

export function podKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

interface Sums {
  cpu: number;
  memory: number;
  samples: number;
}

/** Accumulates usage samples of one interval. */
export class UsageAccumulator {
  private readonly pods = new Map<string, Map<string, Sums>>();
  samples = 0;

  add(items: readonly PodMetric[]): void {
    this.samples++;
    for (const item of items) {
      const key = podKey(item.metadata?.namespace ?? '', item.metadata?.name ?? '');
      let containers = this.pods.get(key);
      if (!containers) {
        containers = new Map();
        this.pods.set(key, containers);
      }
      for (const c of item.containers ?? []) {
        const s = containers.get(c.name) ?? { cpu: 0, memory: 0, samples: 0 };
        s.cpu += quantityOrZero(c.usage?.cpu);
        s.memory += quantityOrZero(c.usage?.memory);
        s.samples++;
        containers.set(c.name, s);
      }
    }
  }

  averages(): UsageByPod {
    const out = new Map<string, Map<string, Resources>>();
    for (const [pod, containers] of this.pods) {
      const m = new Map<string, Resources>();
      for (const [name, s] of containers) {
        m.set(name, {
          cpuCores: round(s.cpu / s.samples),
          memoryBytes: Math.round(s.memory / s.samples),
          // metrics.k8s.io reports no accelerator usage; allocation uses max(request, usage).
          gpus: 0,
        });
      }
      out.set(pod, m);
    }
    return out;
  }
}

function round(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

/** Lists PodMetrics of all namespaces. Throws client-node's ApiException on HTTP errors. */
export async function listPodMetrics(kc: KubeConfig): Promise<PodMetric[]> {
  const list = await new Metrics(kc).getPodMetrics();
  return list.items ?? [];
}
