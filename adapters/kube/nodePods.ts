/**
 * The pods of one node, from a list+watch filtered by `spec.nodeName` (fieldSelector), for node
 * mode: it maps local pod IPs to namespace and pod name.
 */
import { type KubeConfig, ListWatch, type V1Pod, Watch } from '@kubernetes/client-node';
import { loadKubeConfig } from './config.js';
import { describeKubeError, listAllPages, resourceApi, statusOf } from './informers.js';

/** A pod on this node, as node mode needs it. */
export interface NodePod {
  namespace: string;
  name: string;
  uid: string;
  /** Pod IPs (IPv4 and IPv6); empty until assigned. Host-network pods carry the node's IPs. */
  ips: string[];
  hostNetwork: boolean;
  phase: string;
  labels: Record<string, string>;
}

export interface NodePodsWatch {
  /** Resolves after the first list (or its first failure). */
  ready: Promise<void>;
  /** The node's pods now. */
  current(): NodePod[];
  stop(): Promise<void>;
}

export interface WatchNodePodsOptions {
  log?: (line: string) => void;
  /** First restart delay after an error (ms), doubling up to 30 s. Default 1000. */
  retryBaseMs?: number;
  /** Coalesces bursts of events into one onChange call (ms). Default 100. */
  debounceMs?: number;
}

export function toNodePod(pod: V1Pod): NodePod {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip): ip is string => Boolean(ip));
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  return {
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid ?? '',
    ips,
    hostNetwork: pod.spec?.hostNetwork === true,
    phase: pod.status?.phase ?? 'Unknown',
    labels: { ...(pod.metadata?.labels ?? {}) },
  };
}

/**
 * Watches the pods scheduled on `nodeName` and calls `onChange` with all of them after every
 * change (debounced). `kubeconfig` is a KubeConfig, a kubeconfig path, or undefined for the
 * default (in-cluster in a pod).
 */
export function watchNodePods(
  kubeconfig: KubeConfig | string | undefined,
  nodeName: string,
  onChange: (pods: NodePod[]) => void,
  options: WatchNodePodsOptions = {},
): NodePodsWatch {
  const kc = typeof kubeconfig === 'object' ? kubeconfig : loadKubeConfig(kubeconfig);
  const log = options.log ?? (() => {});
  const retryBaseMs = options.retryBaseMs ?? 1_000;
  const debounceMs = options.debounceMs ?? 100;
  const fieldSelector = `spec.nodeName=${nodeName}`;
  const api = resourceApi(kc, 'pods');
  let resolveReady: () => void = () => {};
  const ready = new Promise<void>((r) => {
    resolveReady = r;
  });
  let stopped = false;
  let errors = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  let debounceTimer: NodeJS.Timeout | undefined;
  let forbiddenLogged = false;

  const informer = new ListWatch<V1Pod>(
    api.path,
    new Watch(kc),
    async () => {
      const list = await listAllPages<V1Pod>(api.list, fieldSelector);
      setImmediate(() => {
        errors = 0;
        resolveReady();
        emit();
      });
      return list;
    },
    false,
    undefined,
    fieldSelector,
  );
  const current = () => informer.list().map(toNodePod);
  const emit = () => {
    if (debounceTimer) clearTimeout(debounceTimer);
    debounceTimer = setTimeout(() => {
      if (!stopped) onChange(current());
    }, debounceMs);
  };
  informer.on('add', emit);
  informer.on('update', emit);
  informer.on('delete', emit);
  informer.on('error', (err) => {
    if (stopped) return;
    resolveReady();
    const forbidden = statusOf(err) === 403;
    if (!forbidden || !forbiddenLogged) {
      log(`kube: pods on node ${nodeName} list/watch failed (${describeKubeError(err)}); retrying`);
    }
    forbiddenLogged ||= forbidden;
    errors++;
    const delay = Math.min(30_000, retryBaseMs * 2 ** Math.min(errors - 1, 20)) * (0.5 + Math.random());
    restartTimer = setTimeout(() => {
      if (!stopped) informer.start().catch(() => {});
    }, delay);
    restartTimer.unref();
  });
  informer.start().catch(() => {});

  return {
    ready,
    current,
    stop: async () => {
      stopped = true;
      if (restartTimer) clearTimeout(restartTimer);
      if (debounceTimer) clearTimeout(debounceTimer);
      await informer.stop();
    },
  };
}
