import type { V1Job, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  capacityTypeOf,
  isoOf,
  nodePoolOf,
  type OwnerLookup,
  podRecord,
  topOwnerOf,
  volumeHandleOf,
} from '../../../adapters/kube/mapping.js';

describe('node pool and capacity type from well-known labels', () => {
  it.each([
    [
      { 'eks.amazonaws.com/nodegroup': 'general', 'eks.amazonaws.com/capacityType': 'ON_DEMAND' },
      'general',
      'on-demand',
    ],
    [{ 'eks.amazonaws.com/nodegroup': 'cheap', 'eks.amazonaws.com/capacityType': 'SPOT' }, 'cheap', 'spot'],
    [{ 'karpenter.sh/nodepool': 'gpu', 'karpenter.sh/capacity-type': 'spot' }, 'gpu', 'spot'],
    [
      { 'karpenter.sh/nodepool': 'default', 'karpenter.sh/capacity-type': 'on-demand' },
      'default',
      'on-demand',
    ],
    [{ 'karpenter.sh/nodepool': 'res', 'karpenter.sh/capacity-type': 'reserved' }, 'res', 'on-demand'],
    [{ 'cloud.google.com/gke-nodepool': 'pool-1', 'cloud.google.com/gke-spot': 'true' }, 'pool-1', 'spot'],
    [
      { 'cloud.google.com/gke-nodepool': 'pool-2', 'cloud.google.com/gke-preemptible': 'true' },
      'pool-2',
      'spot',
    ],
    [{ 'cloud.google.com/gke-nodepool': 'default-pool' }, 'default-pool', 'on-demand'],
    [
      { 'kubernetes.azure.com/agentpool': 'spotpool', 'kubernetes.azure.com/scalesetpriority': 'spot' },
      'spotpool',
      'spot',
    ],
    [{ 'kubernetes.azure.com/agentpool': 'system' }, 'system', 'on-demand'],
    [{ 'kubernetes.io/hostname': 'kind-control-plane' }, '', 'on-demand'],
  ])('labels %j → pool %j, %s', (labels, pool, capacityType) => {
    expect(nodePoolOf(labels)).toBe(pool);
    expect(capacityTypeOf(labels)).toBe(capacityType);
  });
});

const noCache: OwnerLookup = { replicaSet: () => undefined, job: () => undefined };

function pod(owner?: { kind: string; name: string }, labels: Record<string, string> = {}): V1Pod {
  return {
    metadata: {
      name: 'p',
      namespace: 'ns',
      uid: 'u',
      labels,
      ...(owner
        ? {
            ownerReferences: [
              { apiVersion: 'v1', kind: owner.kind, name: owner.name, uid: 'x', controller: true },
            ],
          }
        : {}),
    },
  };
}

describe('topOwnerOf', () => {
  it('follows a cached ReplicaSet to its Deployment and a cached Job to its CronJob', () => {
    const lookup: OwnerLookup = {
      replicaSet: () =>
        ({
          metadata: {
            ownerReferences: [
              { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd', controller: true },
            ],
          },
        }) as V1ReplicaSet,
      job: () =>
        ({
          metadata: {
            ownerReferences: [
              { apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly', uid: 'c', controller: true },
            ],
          },
        }) as V1Job,
    };
    expect(topOwnerOf(pod({ kind: 'ReplicaSet', name: 'web-abc' }), lookup)).toEqual({
      kind: 'Deployment',
      name: 'web',
    });
    expect(topOwnerOf(pod({ kind: 'Job', name: 'nightly-1' }), lookup)).toEqual({
      kind: 'CronJob',
      name: 'nightly',
    });
  });

  it.each([
    [
      pod({ kind: 'ReplicaSet', name: 'web-7c9d8f6b5d' }, { 'pod-template-hash': '7c9d8f6b5d' }),
      { kind: 'Deployment', name: 'web' },
    ],
    [pod({ kind: 'ReplicaSet', name: 'bare-rs' }), { kind: 'ReplicaSet', name: 'bare-rs' }],
    [pod({ kind: 'Job', name: 'once' }), { kind: 'Job', name: 'once' }],
    [pod({ kind: 'StatefulSet', name: 'db' }), { kind: 'StatefulSet', name: 'db' }],
    [pod({ kind: 'DaemonSet', name: 'agent' }), { kind: 'DaemonSet', name: 'agent' }],
    [pod({ kind: 'Node', name: 'node-1' }), { kind: 'Node', name: 'node-1' }],
    [pod(), { kind: 'Pod', name: 'p' }],
  ])('without cached controllers: %#', (p, owner) => {
    expect(topOwnerOf(p, noCache)).toEqual(owner);
  });
});

describe('podRecord', () => {
  it('falls back from a missing request to the limit, counts both GPU vendors and generic ephemeral claims', () => {
    const p: V1Pod = {
      metadata: { name: 'train-0', namespace: 'ml', uid: 'u1' },
      spec: {
        nodeName: 'n1',
        containers: [
          {
            name: 'trainer',
            resources: {
              limits: { cpu: '2', memory: '8Gi', 'nvidia.com/gpu': '2', 'amd.com/gpu': '1' },
              requests: { cpu: '1' },
            },
          },
        ],
        volumes: [{ name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } }],
      },
      status: { phase: 'Running', podIP: '10.1.2.3' },
    };
    const r = podRecord({ cluster: 'c', ts: '2026-11-16T00:00:00.000Z', intervalSeconds: 300 }, p, noCache);
    expect(r.containers[0]?.requests).toEqual({ cpuCores: 1, memoryBytes: 8 * 2 ** 30, gpus: 3 });
    expect(r.containers[0]?.limits).toEqual({ cpuCores: 2, memoryBytes: 8 * 2 ** 30, gpus: 3 });
    expect(r.ips).toEqual(['10.1.2.3']);
    expect(r.volumes).toEqual([{ claim: 'train-0-scratch' }]);
  });
});

describe('volumeHandleOf and isoOf', () => {
  it('reads CSI handles and in-tree disk ids', () => {
    expect(
      volumeHandleOf({
        spec: { csi: { driver: 'pd.csi.storage.gke.io', volumeHandle: 'projects/p/zones/z/disks/d' } },
      }),
    ).toBe('projects/p/zones/z/disks/d');
    expect(volumeHandleOf({ spec: { gcePersistentDisk: { pdName: 'disk-1' } } })).toBe('disk-1');
    expect(
      volumeHandleOf({ spec: { azureDisk: { diskName: 'd', diskURI: '/subscriptions/s/disks/d' } } }),
    ).toBe('/subscriptions/s/disks/d');
    expect(volumeHandleOf({ spec: {} })).toBe('');
  });

  it('turns Date objects (lists) and strings (watch events) into the same ISO form', () => {
    expect(isoOf(new Date('2026-11-03T10:20:00Z'))).toBe('2026-11-03T10:20:00.000Z');
    expect(isoOf('2026-11-03T10:20:00Z')).toBe('2026-11-03T10:20:00.000Z');
    expect(isoOf(undefined)).toBeNull();
    expect(isoOf('garbage')).toBeNull();
  });
});
