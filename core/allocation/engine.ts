/**
 * The allocation engine (DESIGN.md, "Allocation model"). It consumes one hour of facts at a time
 * (pod-hours, node-hours, volumes, services, flows) with the billing lines of that hour, and keeps
 * one accumulator per pod and per special row, so memory grows with the number of pods, not with
 * the number of samples. `finish()` returns a ledger that `summarize()` groups into rows.
 */
import {
  type BilledNetworkClass,
  loadBalancerAssetIds,
  nodeAssetId,
  volumeAssetId,
} from '../billing/classify.js';
import { OwnerResolver, type Owners } from '../owners/resolve.js';
import type { HourLine } from './lines.js';
import type { AllocationPolicy } from './policy.js';
import type {
  FlowHour,
  HourFacts,
  Labels,
  NodeHour,
  OwnerContext,
  PodHour,
  ServiceHour,
  VolumeHour,
} from './types.js';

export const DAY_MS = 86_400_000;
const GIB = 1024 ** 3;
export const BILLED_NETWORK_CLASSES: readonly BilledNetworkClass[] = [
  'cross-zone',
  'cross-region',
  'internet',
  'nat',
];

export type UnitKind = 'pod' | 'idle' | 'unmounted' | 'shared';

/** One accumulator: a pod, or a special row (`__idle__` per node pool, `__unmounted__` per volume, `__shared__` per cluster). */
export interface Unit {
  kind: UnitKind;
  cluster: string;
  namespace: string;
  pod: string;
  uid: string;
  controllerKind: string;
  controllerName: string;
  node: string;
  nodePool: string;
  capacityType: string;
  labels: Labels;
  owners: Owners | null;
  /** A pod of a shared namespace or label: its whole cost joins the cluster's shared pool. */
  isShared: boolean;
  cpuCost: number;
  ramCost: number;
  gpuCost: number;
  pvCost: number;
  lbCost: number;
  networkCost: number;
  networkByClass: Record<BilledNetworkClass, number>;
  /** CPU, RAM and GPU cost by `nodePool/capacityType` of the nodes the pod ran on. */
  computeByPool: Record<string, number>;
  /** Idle cost shared into this pod (`share` policy), or held by an `__idle__` unit. */
  idleCost: number;
  idleByResource: { cpu: number; ram: number; gpu: number; unobserved: number };
  /** Cost held by a `__shared__` unit, by source. */
  sharedBySource: { clusterFee: number; unmatched: number };
  cpuCoreHours: number;
  ramGiBHours: number;
  gpuHours: number;
  cpuRequestCoreHours: number;
  cpuUsageCoreHours: number;
  ramRequestGiBHours: number;
  ramUsageGiBHours: number;
  podHours: number;
  /** Part of this unit's cost that was estimated rather than billed. */
  estimatedCost: number;
  /** Direct cost per UTC day of the window (index 0 = the window's first day). */
  dailyCost: number[];
  firstHour: string;
  lastHour: string;
}

export interface ClusterTotals {
  cluster: string;
  /** Billed cost attributed to the cluster (the policy's cost metric). */
  billed: number;
  /** Cost added by estimation (node-hours without billing rows, unbilled network bytes). */
  estimated: number;
  billedByDay: number[];
  nodeHoursBilled: number;
  nodeHoursObserved: number;
  nodeHoursEstimated: number;
  nodeHoursUnpriced: number;
  unobservedCost: number;
}

export interface Ledger {
  windowStart: string;
  windowEnd: string;
  days: number;
  units: Unit[];
  clusters: ClusterTotals[];
  policy: AllocationPolicy;
}

interface KnownAsset {
  cluster: string;
  kind: 'node' | 'volume' | 'lb';
  ref: string;
  nodePool?: string;
  capacityType?: string;
  claimNamespace?: string | null;
}

interface DeferredLine {
  line: HourLine;
  hourMs: number;
}

const zeroClasses = (): Record<BilledNetworkClass, number> => ({
  'cross-zone': 0,
  'cross-region': 0,
  internet: 0,
  nat: 0,
});

function matchesSelector(labels: Labels, selector: Labels): boolean {
  const keys = Object.keys(selector);
  if (keys.length === 0) return false;
  for (const k of keys) if (labels[k] !== selector[k]) return false;
  return true;
}

export class Allocator {
  private readonly units = new Map<string, Unit>();
  private readonly clusters = new Map<string, ClusterTotals>();
  private readonly knownAssets = new Map<string, KnownAsset>();
  private readonly lastRateByInstanceType = new Map<string, number>();
  private readonly deferred: DeferredLine[] = [];
  private readonly owners: OwnerResolver;
  private readonly windowStartMs: number;
  private readonly windowEndMs: number;
  readonly days: number;

  constructor(
    readonly policy: AllocationPolicy,
    readonly windowStart: string,
    readonly windowEnd: string,
    private readonly ownerContext: OwnerContext,
  ) {
    this.windowStartMs = Date.parse(windowStart);
    this.windowEndMs = Date.parse(windowEnd);
    this.days = Math.max(1, Math.ceil((this.windowEndMs - this.windowStartMs) / DAY_MS));
    this.owners = new OwnerResolver(policy.owners);
  }

  /** Allocates one hour. `lines` are the billing lines prorated to this hour (see bucketLinesByHour). */
  addHour(facts: HourFacts, lines: readonly HourLine[]): void {
    const hourMs = Date.parse(facts.hourStart);
    const day = Math.min(this.days - 1, Math.max(0, Math.floor((hourMs - this.windowStartMs) / DAY_MS)));
    const hour = facts.hourStart;

    // 1. Assets of this hour, by provider id.
    const nodeByAsset = new Map<string, NodeHour>();
    for (const n of facts.nodes) {
      const id = nodeAssetId(n.providerId);
      nodeByAsset.set(id, n);
      this.knownAssets.set(id, {
        cluster: n.cluster,
        kind: 'node',
        ref: n.name,
        nodePool: n.nodePool,
        capacityType: n.capacityType,
      });
      this.cluster(n.cluster);
    }
    const volByAsset = new Map<string, VolumeHour>();
    for (const v of facts.volumes) {
      const id = volumeAssetId(v.volumeHandle);
      volByAsset.set(id, v);
      this.knownAssets.set(id, {
        cluster: v.cluster,
        kind: 'volume',
        ref: v.pvName,
        claimNamespace: v.claimNamespace,
      });
    }
    const lbByAsset = new Map<string, ServiceHour>();
    for (const s of facts.services) {
      if (s.type !== 'LoadBalancer') continue;
      for (const id of loadBalancerAssetIds(s.lbHostname, s.lbIp)) {
        lbByAsset.set(id, s);
        this.knownAssets.set(id, { cluster: s.cluster, kind: 'lb', ref: `${s.namespace}/${s.name}` });
      }
    }

    // 2. Billing lines → asset costs, transfer pools and shared cost.
    const nodeCost = new Map<NodeHour, number>();
    const volCost = new Map<VolumeHour, number>();
    const lbCost = new Map<ServiceHour, number>();
    const transfer = new Map<string, Record<BilledNetworkClass, number>>();
    for (const line of lines) {
      let node: NodeHour | undefined;
      let vol: VolumeHour | undefined;
      let lb: ServiceHour | undefined;
      for (const seg of line.segments) {
        node = nodeByAsset.get(seg);
        if (node) break;
        vol = volByAsset.get(seg);
        if (vol) break;
        lb = lbByAsset.get(seg);
        if (lb) break;
      }
      const known = node || vol || lb ? undefined : this.knownAssetOf(line.segments);
      const cluster = node?.cluster ?? vol?.cluster ?? lb?.cluster ?? known?.cluster ?? line.taggedCluster;
      if (!cluster) {
        // Untagged and not (yet) matched: it may belong to an asset seen later in the window.
        this.deferred.push({ line, hourMs });
        continue;
      }
      const totals = this.cluster(cluster);
      totals.billed += line.cost;
      totals.billedByDay[day] = (totals.billedByDay[day] ?? 0) + line.cost;
      if (line.kind.kind === 'transfer') {
        let t = transfer.get(cluster);
        if (!t) {
          t = zeroClasses();
          transfer.set(cluster, t);
        }
        t[line.kind.networkClass] += line.cost;
      } else if (line.kind.kind === 'cluster-fee' || line.kind.kind === 'nat-hours') {
        this.addShared(cluster, hour, day, line.cost, 'clusterFee');
      } else if (node) {
        nodeCost.set(node, (nodeCost.get(node) ?? 0) + line.cost);
      } else if (vol) {
        volCost.set(vol, (volCost.get(vol) ?? 0) + line.cost);
      } else if (lb) {
        lbCost.set(lb, (lbCost.get(lb) ?? 0) + line.cost);
      } else if (known) {
        this.addUnobservedAsset(known, hour, day, line.cost);
      } else {
        this.addShared(cluster, hour, day, line.cost, 'unmatched');
      }
    }

    // 3. Pods of this hour: units, and indexes by node, namespace and name.
    const podsByNode = new Map<string, { pod: PodHour; unit: Unit }[]>();
    const podsByNamespace = new Map<string, { pod: PodHour; unit: Unit }[]>();
    const podByName = new Map<string, { pod: PodHour; unit: Unit }>();
    const mounters = new Map<string, { unit: Unit; shareHours: number }[]>();
    for (const pod of facts.pods) {
      const unit = this.podUnit(pod, hour);
      unit.cpuCoreHours += pod.cpuCoreHours;
      unit.ramGiBHours += pod.ramGiBHours;
      unit.gpuHours += pod.gpuHours;
      unit.cpuRequestCoreHours += pod.cpuRequestCoreHours;
      unit.cpuUsageCoreHours += pod.cpuUsageCoreHours;
      unit.ramRequestGiBHours += pod.ramRequestGiBHours;
      unit.ramUsageGiBHours += pod.ramUsageGiBHours;
      unit.podHours += pod.seconds / 3600;
      const entry = { pod, unit };
      push(podsByNode, `${pod.cluster}\u0000${pod.node}`, entry);
      push(podsByNamespace, `${pod.cluster}\u0000${pod.namespace}`, entry);
      podByName.set(`${pod.cluster}\u0000${pod.namespace}\u0000${pod.name}`, entry);
      for (const c of pod.claims) {
        push(mounters, `${pod.cluster}\u0000${pod.namespace}\u0000${c.claim}`, {
          unit,
          shareHours: c.shareHours,
        });
      }
    }

    // 4. Nodes: cost → CPU/RAM/GPU by weights; pods get max(request, usage), scaled to capacity.
    const w = this.policy.weights;
    for (const node of facts.nodes) {
      const totals = this.cluster(node.cluster);
      const observedHours = Math.min(1, Math.max(0, node.observedSeconds / 3600));
      let cost = nodeCost.get(node);
      let estimated = false;
      if (cost !== undefined) {
        totals.nodeHoursBilled += 1;
        totals.nodeHoursObserved += observedHours;
        totals.unobservedCost += cost * (1 - observedHours);
        if (observedHours >= 0.9) this.lastRateByInstanceType.set(node.instanceType, cost / observedHours);
      } else {
        const rate = this.lastRateByInstanceType.get(node.instanceType);
        if (rate === undefined) {
          totals.nodeHoursUnpriced += observedHours;
          continue;
        }
        cost = rate * observedHours;
        estimated = true;
        totals.nodeHoursEstimated += observedHours;
        totals.estimated += cost;
      }
      const denom = w.cpu * node.cpuCores + w.ramGiB * node.ramGiB + w.gpu * node.gpus;
      // Fractions first (tiny weights must not underflow); RAM takes the remainder so the parts sum to the cost.
      const cpuPart = denom > 0 ? cost * ((w.cpu * node.cpuCores) / denom) : cost;
      const gpuPart = denom > 0 ? cost * ((w.gpu * node.gpus) / denom) : 0;
      const share = { cpu: cpuPart, gpu: gpuPart, ram: cost - cpuPart - gpuPart };
      const pods = podsByNode.get(`${node.cluster}\u0000${node.name}`) ?? [];
      const idle = this.idleUnit(node.cluster, node.nodePool, node.capacityType, hour);
      const pool = `${node.nodePool}/${node.capacityType}`;
      this.allocateResource(pods, share.cpu, node.cpuCores, 'cpu', idle, day, estimated, pool);
      this.allocateResource(pods, share.ram, node.ramGiB, 'ram', idle, day, estimated, pool);
      this.allocateResource(pods, share.gpu, node.gpus, 'gpu', idle, day, estimated, pool);
    }

    // 5. Volumes: split evenly among concurrent mounters; the rest is unmounted.
    for (const [vol, cost] of volCost) {
      const list =
        vol.claimNamespace && vol.claimName
          ? (mounters.get(`${vol.cluster}\u0000${vol.claimNamespace}\u0000${vol.claimName}`) ?? [])
          : [];
      const totalShare = list.reduce((s, m) => s + m.shareHours, 0);
      const norm = totalShare > 1 ? 1 / totalShare : 1;
      let given = 0;
      for (const m of list) {
        const c = cost * m.shareHours * norm;
        m.unit.pvCost += c;
        addDaily(m.unit, day, c);
        given += c;
      }
      if (cost - given !== 0) {
        const u = this.unmountedUnit(vol.cluster, vol.pvName, vol.claimNamespace, hour);
        u.pvCost += cost - given;
        addDaily(u, day, cost - given);
      }
    }

    // 6. Load balancers: to the service's selected pods in proportion to pod-hours.
    for (const [svc, cost] of lbCost) {
      const selected = (podsByNamespace.get(`${svc.cluster}\u0000${svc.namespace}`) ?? []).filter((p) =>
        matchesSelector(p.pod.labels, svc.selector),
      );
      const total = selected.reduce((s, p) => s + p.pod.seconds, 0);
      if (total <= 0) {
        this.addShared(svc.cluster, hour, day, cost, 'unmatched');
        continue;
      }
      for (const p of selected) {
        const c = cost * (p.pod.seconds / total);
        p.unit.lbCost += c;
        addDaily(p.unit, day, c);
      }
    }

    // 7. Network: billed transfer cost per class spread over pods by measured bytes.
    const flowsByCluster = new Map<string, FlowHour[]>();
    for (const f of facts.flows) push(flowsByCluster, f.cluster, f);
    const networkClusters = new Set<string>([...transfer.keys(), ...flowsByCluster.keys()]);
    for (const cluster of networkClusters) {
      const billed = transfer.get(cluster) ?? zeroClasses();
      const flows = flowsByCluster.get(cluster) ?? [];
      for (const cls of BILLED_NETWORK_CLASSES) {
        const bytesByUnit = new Map<Unit | null, number>();
        let totalBytes = 0;
        for (const f of flows) {
          if (!flowCounts(f, cls)) continue;
          const target = podByName.get(`${cluster}\u0000${f.namespace}\u0000${f.pod}`)?.unit ?? null;
          bytesByUnit.set(target, (bytesByUnit.get(target) ?? 0) + f.bytes);
          totalBytes += f.bytes;
        }
        const billedCost = billed[cls];
        if (billedCost !== 0) {
          if (totalBytes <= 0) {
            this.addShared(cluster, hour, day, billedCost, 'unmatched');
            continue;
          }
          for (const [unit, bytes] of bytesByUnit) {
            const c = billedCost * (bytes / totalBytes);
            if (unit) this.addNetwork(unit, cls, day, c, false);
            else this.addShared(cluster, hour, day, c, 'unmatched');
          }
        } else if (totalBytes > 0) {
          const price = this.policy.networkPricesPerGiB[cls];
          const totals = this.cluster(cluster);
          for (const [unit, bytes] of bytesByUnit) {
            const c = (bytes / GIB) * price;
            if (c === 0) continue;
            totals.estimated += c;
            if (unit) this.addNetwork(unit, cls, day, c, true);
            else {
              const shared = this.addShared(cluster, hour, day, c, 'unmatched');
              shared.estimatedCost += c;
            }
          }
        }
      }
    }
  }

  /** Closes the window: settles lines that matched no asset in their hour, and returns the ledger. */
  finish(): Ledger {
    for (const { line, hourMs } of this.deferred) {
      const known = this.knownAssetOf(line.segments);
      if (!known) continue; // not this organisation's clusters' cost
      const day = Math.min(this.days - 1, Math.max(0, Math.floor((hourMs - this.windowStartMs) / DAY_MS)));
      const hour = new Date(hourMs).toISOString();
      const totals = this.cluster(known.cluster);
      totals.billed += line.cost;
      totals.billedByDay[day] = (totals.billedByDay[day] ?? 0) + line.cost;
      if (
        line.kind.kind === 'transfer' ||
        line.kind.kind === 'cluster-fee' ||
        line.kind.kind === 'nat-hours'
      ) {
        this.addShared(known.cluster, hour, day, line.cost, 'unmatched');
      } else {
        this.addUnobservedAsset(known, hour, day, line.cost);
      }
    }
    this.deferred.length = 0;
    return {
      windowStart: this.windowStart,
      windowEnd: this.windowEnd,
      days: this.days,
      units: [...this.units.values()],
      clusters: [...this.clusters.values()],
      policy: this.policy,
    };
  }

  private allocateResource(
    pods: { pod: PodHour; unit: Unit }[],
    cost: number,
    capacity: number,
    resource: 'cpu' | 'ram' | 'gpu',
    idle: Unit,
    day: number,
    estimated: boolean,
    pool: string,
  ): void {
    if (cost === 0) return;
    let sumAlloc = 0;
    for (const p of pods) sumAlloc += allocOf(p.pod, resource);
    // Capacity for one hour; pods together never take more than the node has.
    const scale = sumAlloc > capacity ? capacity / sumAlloc : 1;
    let given = 0;
    if (capacity > 0 && sumAlloc > 0) {
      for (const p of pods) {
        const a = allocOf(p.pod, resource);
        if (a === 0) continue;
        const c = cost * ((a * scale) / capacity);
        addResourceCost(p.unit, resource, c);
        p.unit.computeByPool[pool] = (p.unit.computeByPool[pool] ?? 0) + c;
        addDaily(p.unit, day, c);
        if (estimated) p.unit.estimatedCost += c;
        given += c;
      }
    }
    const idleCost = cost - given;
    if (idleCost === 0) return;
    if (this.policy.idle === 'share' && sumAlloc > 0) {
      for (const p of pods) {
        const a = allocOf(p.pod, resource);
        if (a === 0) continue;
        const c = idleCost * (a / sumAlloc);
        p.unit.idleCost += c;
        addDaily(p.unit, day, c);
        if (estimated) p.unit.estimatedCost += c;
      }
      return;
    }
    idle.idleCost += idleCost;
    idle.idleByResource[resource] += idleCost;
    addDaily(idle, day, idleCost);
    if (estimated) idle.estimatedCost += idleCost;
  }

  private addNetwork(
    unit: Unit,
    cls: BilledNetworkClass,
    day: number,
    cost: number,
    estimated: boolean,
  ): void {
    unit.networkCost += cost;
    unit.networkByClass[cls] += cost;
    addDaily(unit, day, cost);
    if (estimated) unit.estimatedCost += cost;
  }

  /** Billed cost of an asset of the cluster that has no facts this hour (not observed). */
  private addUnobservedAsset(known: KnownAsset, hour: string, day: number, cost: number): void {
    if (known.kind === 'node') {
      const idle = this.idleUnit(known.cluster, known.nodePool ?? '', known.capacityType ?? '', hour);
      idle.idleCost += cost;
      idle.idleByResource.unobserved += cost;
      addDaily(idle, day, cost);
      this.cluster(known.cluster).unobservedCost += cost;
    } else if (known.kind === 'volume') {
      const u = this.unmountedUnit(known.cluster, known.ref, known.claimNamespace ?? null, hour);
      u.pvCost += cost;
      addDaily(u, day, cost);
    } else {
      this.addShared(known.cluster, hour, day, cost, 'unmatched');
    }
  }

  private knownAssetOf(segments: readonly string[]): KnownAsset | undefined {
    for (const s of segments) {
      const k = this.knownAssets.get(s);
      if (k) return k;
    }
    return undefined;
  }

  private cluster(name: string): ClusterTotals {
    let t = this.clusters.get(name);
    if (!t) {
      t = {
        cluster: name,
        billed: 0,
        estimated: 0,
        billedByDay: new Array<number>(this.days).fill(0),
        nodeHoursBilled: 0,
        nodeHoursObserved: 0,
        nodeHoursEstimated: 0,
        nodeHoursUnpriced: 0,
        unobservedCost: 0,
      };
      this.clusters.set(name, t);
    }
    return t;
  }

  private addShared(
    cluster: string,
    hour: string,
    day: number,
    cost: number,
    source: 'clusterFee' | 'unmatched',
  ): Unit {
    const key = `shared\u0000${cluster}`;
    let u = this.units.get(key);
    if (!u) {
      u = this.newUnit('shared', cluster, '__shared__', '__shared__', hour);
      this.units.set(key, u);
    }
    u.sharedBySource[source] += cost;
    addDaily(u, day, cost);
    u.lastHour = hour;
    return u;
  }

  private idleUnit(cluster: string, nodePool: string, capacityType: string, hour: string): Unit {
    const key = `idle\u0000${cluster}\u0000${nodePool}`;
    let u = this.units.get(key);
    if (!u) {
      u = this.newUnit('idle', cluster, '__idle__', '__idle__', hour);
      u.nodePool = nodePool;
      u.capacityType = capacityType;
      u.controllerName = nodePool || '__idle__';
      this.units.set(key, u);
    }
    u.lastHour = hour;
    return u;
  }

  private unmountedUnit(cluster: string, pvName: string, claimNamespace: string | null, hour: string): Unit {
    const key = `unmounted\u0000${cluster}\u0000${pvName}`;
    let u = this.units.get(key);
    if (!u) {
      u = this.newUnit('unmounted', cluster, claimNamespace ?? '__unmounted__', '__unmounted__', hour);
      u.controllerKind = 'PersistentVolume';
      u.controllerName = pvName;
      if (claimNamespace) {
        u.owners = this.owners.resolve(claimNamespace, [
          this.ownerContext.namespaceLabels.get(`${cluster}/${claimNamespace}`),
        ]);
      }
      this.units.set(key, u);
    }
    u.lastHour = hour;
    return u;
  }

  private podUnit(pod: PodHour, hour: string): Unit {
    const key = `pod\u0000${pod.cluster}\u0000${pod.uid}`;
    let u = this.units.get(key);
    if (!u) {
      u = this.newUnit('pod', pod.cluster, pod.namespace, pod.name, hour);
      u.uid = pod.uid;
      u.controllerKind = pod.ownerKind;
      u.controllerName = pod.ownerName;
      u.labels = pod.labels;
      const ctx = this.ownerContext;
      u.owners = this.owners.resolve(pod.namespace, [
        pod.labels,
        ctx.workloadLabels.get(`${pod.cluster}/${pod.namespace}/${pod.ownerKind}/${pod.ownerName}`),
        ctx.namespaceLabels.get(`${pod.cluster}/${pod.namespace}`),
      ]);
      const shared = this.policy.shared;
      u.isShared =
        shared.namespaces.includes(pod.namespace) ||
        Object.entries(shared.labels).some(([k, v]) => pod.labels[k] === v);
      this.units.set(key, u);
    }
    u.node = pod.node;
    u.lastHour = hour;
    return u;
  }

  private newUnit(kind: UnitKind, cluster: string, namespace: string, pod: string, hour: string): Unit {
    return {
      kind,
      cluster,
      namespace,
      pod,
      uid: '',
      controllerKind: kind === 'pod' ? '' : pod,
      controllerName: kind === 'pod' ? '' : pod,
      node: '',
      nodePool: '',
      capacityType: '',
      labels: {},
      owners: null,
      isShared: false,
      cpuCost: 0,
      ramCost: 0,
      gpuCost: 0,
      pvCost: 0,
      lbCost: 0,
      networkCost: 0,
      networkByClass: zeroClasses(),
      computeByPool: {},
      idleCost: 0,
      idleByResource: { cpu: 0, ram: 0, gpu: 0, unobserved: 0 },
      sharedBySource: { clusterFee: 0, unmatched: 0 },
      cpuCoreHours: 0,
      ramGiBHours: 0,
      gpuHours: 0,
      cpuRequestCoreHours: 0,
      cpuUsageCoreHours: 0,
      ramRequestGiBHours: 0,
      ramUsageGiBHours: 0,
      podHours: 0,
      estimatedCost: 0,
      dailyCost: new Array<number>(this.days).fill(0),
      firstHour: hour,
      lastHour: hour,
    };
  }
}

/** Which flows count for a billed class: zone crossings both ways, internet and region egress, all NAT-ed bytes. */
function flowCounts(f: FlowHour, cls: BilledNetworkClass): boolean {
  switch (cls) {
    case 'nat':
      return f.viaNat;
    case 'cross-zone':
      return f.class === 'cross-zone';
    case 'cross-region':
      return f.class === 'cross-region' && f.direction === 'egress';
    case 'internet':
      return f.class === 'internet' && f.direction === 'egress';
  }
}

function allocOf(pod: PodHour, resource: 'cpu' | 'ram' | 'gpu'): number {
  return resource === 'cpu' ? pod.cpuCoreHours : resource === 'ram' ? pod.ramGiBHours : pod.gpuHours;
}

function addResourceCost(unit: Unit, resource: 'cpu' | 'ram' | 'gpu', cost: number): void {
  if (resource === 'cpu') unit.cpuCost += cost;
  else if (resource === 'ram') unit.ramCost += cost;
  else unit.gpuCost += cost;
}

function addDaily(unit: Unit, day: number, cost: number): void {
  unit.dailyCost[day] = (unit.dailyCost[day] ?? 0) + cost;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** A unit's direct cost: everything but the shared cost spread onto it later. */
export function unitDirectCost(u: Unit): number {
  return (
    u.cpuCost +
    u.ramCost +
    u.gpuCost +
    u.pvCost +
    u.lbCost +
    u.networkCost +
    u.idleCost +
    u.sharedBySource.clusterFee +
    u.sharedBySource.unmatched
  );
}
