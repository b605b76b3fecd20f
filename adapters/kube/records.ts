/** One interval's records from the informer caches and the interval's usage averages. */
import type {
  KubernetesObject,
  V1CronJob,
  V1DaemonSet,
  V1Deployment,
  V1Job,
  V1Namespace,
  V1Node,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1ReplicaSet,
  V1Service,
  V1StatefulSet,
} from '@kubernetes/client-node';
import type { SnapshotRecord } from '../../core/schema/records.js';
import type { ResourceName } from './informers.js';
import {
  cronJobRecord,
  daemonSetRecord,
  deploymentRecord,
  jobRecord,
  namespaceRecord,
  nodeRecord,
  type OwnerLookup,
  podRecord,
  pvcRecord,
  pvRecord,
  replicaSetRecord,
  type SampleHeader,
  serviceRecord,
  statefulSetRecord,
} from './mapping.js';
import { podKey, type UsageByPod } from './usage.js';

/** What records are built from: KubeInventory, or a fake in tests. */
export interface InventoryView {
  isSynced(resource: ResourceName): boolean;
  list<T extends KubernetesObject>(resource: ResourceName): readonly T[];
  get<T extends KubernetesObject>(resource: ResourceName, name: string, namespace?: string): T | undefined;
}

export interface CollectedRecords {
  records: SnapshotRecord[];
  /** Resources left out because they were never listed (not synced, forbidden or not served). */
  missing: ResourceName[];
}

/** Builds node, pod, namespace, workload, pvc, pv and service records of one sample. */
export function collectRecords(
  inv: InventoryView,
  header: SampleHeader,
  usage: UsageByPod,
): CollectedRecords {
  const records: SnapshotRecord[] = [];
  const missing: ResourceName[] = [];
  const each = <T extends KubernetesObject>(resource: ResourceName, map: (o: T) => SnapshotRecord | null) => {
    if (!inv.isSynced(resource)) {
      missing.push(resource);
      return;
    }
    const objs = [...inv.list<T>(resource)].sort(byNamespaceAndName);
    for (const o of objs) {
      const r = map(o);
      if (r) records.push(r);
    }
  };
  const lookup: OwnerLookup = {
    replicaSet: (ns, name) => inv.get<V1ReplicaSet>('replicasets', name, ns),
    job: (ns, name) => inv.get<V1Job>('jobs', name, ns),
  };

  each<V1Node>('nodes', (n) => nodeRecord(header, n));
  each<V1Pod>('pods', (p) =>
    podRecord(header, p, lookup, usage.get(podKey(p.metadata?.namespace ?? '', p.metadata?.name ?? ''))),
  );
  each<V1Namespace>('namespaces', (n) => namespaceRecord(header, n));
  each<V1Deployment>('deployments', (d) => deploymentRecord(header, d));
  each<V1StatefulSet>('statefulsets', (s) => statefulSetRecord(header, s));
  each<V1DaemonSet>('daemonsets', (d) => daemonSetRecord(header, d));
  each<V1ReplicaSet>('replicasets', (rs) => replicaSetRecord(header, rs));
  each<V1Job>('jobs', (j) => jobRecord(header, j));
  each<V1CronJob>('cronjobs', (c) => cronJobRecord(header, c));
  each<V1PersistentVolumeClaim>('persistentvolumeclaims', (c) => pvcRecord(header, c));
  each<V1PersistentVolume>('persistentvolumes', (v) => pvRecord(header, v));
  each<V1Service>('services', (s) => serviceRecord(header, s));
  return { records, missing };
}

function byNamespaceAndName(a: KubernetesObject, b: KubernetesObject): number {
  const ka = `${a.metadata?.namespace ?? ''}/${a.metadata?.name ?? ''}`;
  const kb = `${b.metadata?.namespace ?? ''}/${b.metadata?.name ?? ''}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
