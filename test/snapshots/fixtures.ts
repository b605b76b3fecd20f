/** Real-shaped `ownercost/v1` records and a temp store to write them to, for the snapshot tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { encodeNdjsonGz } from '../../adapters/snapshots/ndjson.js';
import { FsObjectStore } from '../../adapters/storage/fs.js';
import type {
  FlowRecord,
  NamespaceRecord,
  NodeRecord,
  PodRecord,
  PvRecord,
  RecordKind,
  ServiceRecord,
  WorkloadRecord,
} from '../../core/schema/records.js';
import { snapshotKey } from '../../core/snapshots/keys.js';

export const CLUSTER = 'prod-use1';
export const GIB = 1024 ** 3;

export const iso = (ms: number): string => new Date(ms).toISOString();
export const T0 = Date.parse('2026-11-16T00:00:00.000Z');
export const MIN = 60_000;
export const HOUR = 3_600_000;

interface ContainerSpec {
  req: number;
  use: number;
  reqRam?: number;
  useRam?: number;
  reqGpu?: number;
  useGpu?: number;
}

export function pod(
  ts: string,
  o: {
    name?: string;
    uid?: string;
    namespace?: string;
    node?: string;
    phase?: string;
    containers?: ContainerSpec[];
    claims?: string[];
    labels?: Record<string, string>;
    cluster?: string;
    intervalSeconds?: number;
  } = {},
): PodRecord {
  const name = o.name ?? 'api-7d9f8c-abcde';
  return {
    schema: 'ownercost/v1',
    kind: 'pod',
    cluster: o.cluster ?? CLUSTER,
    ts,
    intervalSeconds: o.intervalSeconds ?? 300,
    namespace: o.namespace ?? 'shop',
    name,
    uid: o.uid ?? `uid-${name}`,
    node: o.node ?? 'ip-10-0-1-23.ec2.internal',
    phase: o.phase ?? 'Running',
    ips: ['10.0.1.45'],
    hostNetwork: false,
    owner: { kind: 'Deployment', name: name.split('-')[0] ?? name },
    labels: o.labels ?? { app: 'api', team: 'checkout', 'pod-template-hash': '7d9f8c' },
    containers: (o.containers ?? [{ req: 0.5, use: 0.2 }]).map((c, i) => ({
      name: `c${i}`,
      requests: { cpuCores: c.req, memoryBytes: c.reqRam ?? 0, gpus: c.reqGpu ?? 0 },
      limits: { cpuCores: c.req * 2, memoryBytes: (c.reqRam ?? 0) * 2, gpus: c.reqGpu ?? 0 },
      usage: { cpuCores: c.use, memoryBytes: c.useRam ?? 0, gpus: c.useGpu ?? 0 },
      restarts: 0,
    })),
    volumes: (o.claims ?? []).map((claim) => ({ claim })),
  };
}

export function node(
  ts: string,
  o: {
    name?: string;
    providerId?: string;
    cpu?: number;
    ramGiB?: number;
    gpus?: number;
    intervalSeconds?: number;
  } = {},
): NodeRecord {
  const cpu = o.cpu ?? 4;
  const ram = (o.ramGiB ?? 16) * GIB;
  return {
    schema: 'ownercost/v1',
    kind: 'node',
    cluster: CLUSTER,
    ts,
    intervalSeconds: o.intervalSeconds ?? 300,
    name: o.name ?? 'ip-10-0-1-23.ec2.internal',
    providerId: o.providerId ?? 'aws:///us-east-1a/i-0abc123def4567890',
    instanceType: 'm6i.xlarge',
    region: 'us-east-1',
    zone: 'us-east-1a',
    nodePool: 'general',
    capacityType: 'on-demand',
    capacity: { cpuCores: cpu, memoryBytes: ram, gpus: o.gpus ?? 0 },
    allocatable: { cpuCores: cpu - 0.1, memoryBytes: ram - GIB, gpus: o.gpus ?? 0 },
    labels: { 'topology.kubernetes.io/zone': 'us-east-1a', 'node.kubernetes.io/instance-type': 'm6i.xlarge' },
  };
}

export function pv(
  ts: string,
  o: { name?: string; claim?: { namespace: string; name: string } | null } = {},
): PvRecord {
  return {
    schema: 'ownercost/v1',
    kind: 'pv',
    cluster: CLUSTER,
    ts,
    intervalSeconds: 300,
    name: o.name ?? 'pvc-1f2e3d4c',
    volumeHandle: 'aws://us-east-1a/vol-0123456789abcdef0',
    storageClass: 'gp3',
    capacityBytes: 100 * GIB,
    phase: 'Bound',
    claim: o.claim === undefined ? { namespace: 'shop', name: 'data-db-0' } : o.claim,
    reclaimPolicy: 'Delete',
  };
}

export function service(
  ts: string,
  o: { name?: string; hostname?: string; ip?: string } = {},
): ServiceRecord {
  return {
    schema: 'ownercost/v1',
    kind: 'service',
    cluster: CLUSTER,
    ts,
    intervalSeconds: 300,
    namespace: 'shop',
    name: o.name ?? 'api',
    type: 'LoadBalancer',
    selector: { app: 'api' },
    loadBalancer: {
      hostname: o.hostname ?? 'a1b2c3d4e5f6-1234567890.us-east-1.elb.amazonaws.com',
      ...(o.ip ? { ip: o.ip } : {}),
    },
  };
}

export function flow(
  ts: string,
  o: {
    pod?: string;
    bytes?: number;
    class?: FlowRecord['class'];
    service?: string | null;
    intervalSeconds?: number;
  } = {},
): FlowRecord {
  return {
    schema: 'ownercost/v1',
    kind: 'flow',
    cluster: CLUSTER,
    ts,
    intervalSeconds: o.intervalSeconds ?? 300,
    node: 'ip-10-0-1-23.ec2.internal',
    namespace: 'shop',
    pod: o.pod ?? 'api-7d9f8c-abcde',
    direction: 'egress',
    class: o.class ?? 'cross-zone',
    service: o.service === undefined ? null : o.service,
    viaNat: false,
    bytes: o.bytes ?? 1000,
    packets: 10,
  };
}

export function namespace(ts: string, name: string, labels: Record<string, string>): NamespaceRecord {
  return {
    schema: 'ownercost/v1',
    kind: 'namespace',
    cluster: CLUSTER,
    ts,
    intervalSeconds: 300,
    name,
    labels,
    annotations: {},
    createdAt: '2026-01-01T00:00:00Z',
  };
}

export function workload(ts: string, name: string, labels: Record<string, string>): WorkloadRecord {
  return {
    schema: 'ownercost/v1',
    kind: 'workload',
    cluster: CLUSTER,
    ts,
    intervalSeconds: 300,
    namespace: 'shop',
    name,
    controllerKind: 'Deployment',
    labels,
    replicas: 2,
    generation: 3,
    images: ['registry.example.com/api:1.2.3'],
  };
}

/** Timestamps every `stepMin` minutes from `fromMs`, `count` of them. */
export function every(fromMs: number, stepMin: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => iso(fromMs + i * stepMin * MIN));
}

export interface TempStore {
  store: FsObjectStore;
  root: string;
  /** Writes records as one gzip NDJSON batch under its snapshot key; returns the key. */
  putBatch(
    records: readonly { kind: RecordKind; ts: string; cluster: string }[],
    source?: string,
  ): Promise<string>;
  /** Writes raw bytes under the key of a batch at `ts`. */
  putRaw(kind: RecordKind, ts: string, body: Uint8Array | string, source?: string): Promise<string>;
  cleanup(): Promise<void>;
}

export async function tempStore(): Promise<TempStore> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'ownercost-snapshots-test-'));
  const store = new FsObjectStore(root);
  return {
    store,
    root,
    async putBatch(records, source = 'agent') {
      const first = records[0];
      if (!first) throw new Error('putBatch: no records');
      const key = snapshotKey(first.kind, first.cluster, first.ts, source);
      await store.put(key, encodeNdjsonGz(records));
      return key;
    },
    async putRaw(kind, ts, body, source = 'agent') {
      const key = snapshotKey(kind, CLUSTER, ts, source);
      await store.put(key, typeof body === 'string' ? new TextEncoder().encode(body) : body);
      return key;
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** Writes each record to the batch of its own timestamp (one object per ts and partition). */
export async function putByTs(
  t: TempStore,
  records: readonly { kind: RecordKind; ts: string; cluster: string }[],
): Promise<void> {
  const groups = new Map<string, { kind: RecordKind; ts: string; cluster: string }[]>();
  for (const r of records) {
    const k = snapshotKey(r.kind, r.cluster, r.ts, 'agent');
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  for (const g of groups.values()) await t.putBatch(g);
}
