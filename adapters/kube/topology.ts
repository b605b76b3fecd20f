/**
 * The node agent's topology from the API server: this node's pods (list+watch filtered by
 * `spec.nodeName`), every node (zone, region, addresses) and every service (cluster IPs, load
 * balancer IPs), as `ownercost/v1` records.
 *
 * It has the shape of agent/node/topology.ts's `TopologyProvider` (start, current, badInputs,
 * close) without importing it: adapters depend on core only.
 */
import type { KubeConfig, V1Node, V1Pod, V1Service } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import type { TopologyNode, TopologyRecords, TopologyService } from '../../core/network/topology.js';
import type { BadInput } from '../../core/schema/errors.js';
import type { PodRecord } from '../../core/schema/records.js';
import { KubeInventory, type ResourceName } from './informers.js';
import { nodeRecord, type OwnerLookup, podRecord, type SampleHeader, serviceRecord } from './mapping.js';

export interface KubeTopologyOptions {
  kubeConfig: KubeConfig;
  /** This node (the DaemonSet's NODE_NAME). */
  nodeName: string;
  cluster: string;
  /**
   * `node` (default) watches only this node's pods, cheap for the API server in large clusters;
   * `cluster` watches every pod, so remote pod IPs resolve to their node's zone too.
   */
  podScope?: 'node' | 'cluster';
  log?: (line: string) => void;
  registry?: Registry;
  /** How long start() waits for the first lists (ms). Default 60000. */
  syncTimeoutMs?: number;
  retryBaseMs?: number;
}

export interface KubeTopologySnapshot extends TopologyRecords {
  /** Grows whenever any of the watched objects changed. */
  version: number;
}

const RESOURCES: readonly ResourceName[] = ['pods', 'nodes', 'services'];

/** The node's own addresses (InternalIP, ExternalIP) from its status. */
function addressesOf(node: V1Node): string[] {
  return (node.status?.addresses ?? [])
    .filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP')
    .map((a) => a.address)
    .filter(Boolean);
}

export class KubeTopologyProvider {
  private readonly inventory: KubeInventory;
  private version = 0;
  private cached: KubeTopologySnapshot | undefined;
  private readonly log: (line: string) => void;

  constructor(private readonly options: KubeTopologyOptions) {
    this.log = options.log ?? (() => {});
    const scope = options.podScope ?? 'node';
    this.inventory = new KubeInventory({
      kubeConfig: options.kubeConfig,
      log: this.log,
      resources: RESOURCES,
      ...(options.registry ? { registry: options.registry } : {}),
      ...(options.retryBaseMs !== undefined ? { retryBaseMs: options.retryBaseMs } : {}),
      ...(scope === 'node' ? { fieldSelectors: { pods: `spec.nodeName=${options.nodeName}` } } : {}),
      onChange: () => {
        this.version++;
      },
    });
  }

  /** Starts the watches; resolves once pods, nodes and services were listed (or at the timeout). */
  async start(signal?: AbortSignal): Promise<void> {
    this.inventory.start();
    const sync = await this.inventory.waitForSync(this.options.syncTimeoutMs ?? 60_000, signal);
    if (sync.pending.length > 0 || sync.unavailable.length > 0) {
      this.log(
        `kube topology: not listed yet: ${[...sync.pending, ...sync.unavailable].join(', ')}; flows may count as __host__ or unknown until they are`,
      );
    }
  }

  /** The current view; rebuilt only after a change. */
  current(): KubeTopologySnapshot {
    if (this.cached && this.cached.version === this.version) return this.cached;
    const version = this.version;
    const header: SampleHeader = {
      cluster: this.options.cluster,
      ts: new Date().toISOString(),
      intervalSeconds: 1,
    };
    // Owner resolution needs no controller caches here: the topology only needs who and where.
    const lookup: OwnerLookup = { replicaSet: () => undefined, job: () => undefined };
    const nodes: TopologyNode[] = this.inventory
      .list<V1Node>('nodes')
      .map((n) => ({ ...nodeRecord(header, n), addresses: addressesOf(n) }));
    const pods: PodRecord[] = this.inventory.list<V1Pod>('pods').map((p) => podRecord(header, p, lookup));
    const services: TopologyService[] = this.inventory.list<V1Service>('services').map((s) => {
      const ips = s.spec?.clusterIPs ?? (s.spec?.clusterIP ? [s.spec.clusterIP] : []);
      return { ...serviceRecord(header, s), clusterIPs: ips.filter((ip) => ip && ip !== 'None') };
    });
    this.cached = { version, nodes, pods, services };
    return this.cached;
  }

  /** API objects are mapped, not parsed from text: nothing is ever skipped. */
  badInputs(): { count: number; sample: BadInput[] } {
    return { count: 0, sample: [] };
  }

  async close(): Promise<void> {
    await this.inventory.stop();
  }
}
