/**
 * Billable assets besides nodes: persistent volumes (from StatefulSet claims, unmounted claims
 * and orphans) and services (LoadBalancer ones are billed), with provider-shaped ids.
 */

import { storageClassPrice } from './pricing.js';
import { Rng } from './rng.js';
import type { SimWindow } from './time.js';
import type { ClusterSpec, Labels, ServicePlan, VolumePlan, WorkloadPlan } from './types.js';
import { claimName } from './workloads.js';

/** The tag that names the cluster on every billing line of a provider. */
export function clusterTagKey(cluster: ClusterSpec): string {
  return cluster.provider === 'aws' ? 'aws:eks:cluster-name' : 'goog-k8s-cluster-name';
}

/** Tags every billing line of the cluster carries. */
export function clusterTags(cluster: ClusterSpec): Labels {
  return { [clusterTagKey(cluster)]: cluster.name, ...cluster.billingTags };
}

/**
 * Persistent volumes of a cluster: one per StatefulSet claim (created with the workload), one per
 * unmounted claim, and the orphans (Released, no claim). Ids are EBS volume ids on AWS and PD
 * paths on GCP, so `volumeAssetId(volumeHandle)` matches the billing ResourceId.
 */
export function planVolumes(
  cluster: ClusterSpec,
  workloads: WorkloadPlan[],
  window: SimWindow,
  seed: number,
): VolumePlan[] {
  const rng = Rng.derive(seed, `volumes/${cluster.name}`);
  const out: VolumePlan[] = [];
  const add = (
    claim: { namespace: string; name: string } | null,
    storageClass: string,
    sizeGiB: number,
    iops: number,
    zoneIdx: number,
    startIdx: number,
  ) => {
    storageClassPrice(storageClass);
    const pvName = `pvc-${rng.uuid()}`;
    const zone = cluster.zones[zoneIdx % cluster.zones.length] ?? cluster.zones[0] ?? '';
    const tags: Labels = { ...clusterTags(cluster) };
    if (claim) {
      tags['kubernetes.io/created-for/pvc/namespace'] = claim.namespace;
      tags['kubernetes.io/created-for/pvc/name'] = claim.name;
    }
    tags['kubernetes.io/created-for/pv/name'] = pvName;
    if (cluster.provider === 'aws') {
      const id = `vol-0${rng.hex(16)}`;
      out.push({
        pvName,
        volumeHandle: id,
        resourceId: id,
        storageClass,
        sizeGiB,
        iops,
        zone,
        claim,
        phase: claim ? 'Bound' : 'Released',
        startIdx,
        endIdx: window.samples,
        tags: { ...tags, 'ebs.csi.aws.com/cluster': 'true' },
      });
    } else {
      const handle = `projects/${cluster.account}/zones/${zone}/disks/${pvName}`;
      out.push({
        pvName,
        volumeHandle: handle,
        resourceId: `//compute.googleapis.com/${handle}`,
        storageClass,
        sizeGiB,
        iops,
        zone,
        claim,
        phase: claim ? 'Bound' : 'Released',
        startIdx,
        endIdx: window.samples,
        tags: { ...tags, 'goog-gke-volume': '' },
      });
    }
  };
  for (const w of workloads) {
    const t = w.spec.claimTemplate;
    if (!t) continue;
    const from = Math.max(w.spec.fromIdx, w.namespace.fromIdx);
    for (let i = 0; i < w.spec.replicas; i++) {
      add(
        { namespace: w.namespace.name, name: claimName(w.spec.name, i) },
        t.storageClass,
        t.sizeGiB,
        t.iops ?? 0,
        i,
        from,
      );
    }
  }
  for (const ns of cluster.namespaces) {
    for (const c of ns.unmountedClaims ?? []) {
      add({ namespace: ns.name, name: c.name }, c.storageClass, c.sizeGiB, 0, c.zoneIdx, ns.fromIdx);
    }
  }
  for (const o of cluster.orphanVolumes) add(null, o.storageClass, o.sizeGiB, 0, o.zoneIdx, 0);
  return out;
}

/**
 * Services of a cluster: the LoadBalancer ones (billed; an ELB hostname on AWS, an IP on GCP)
 * and ClusterIP ones for workloads with traffic.
 */
export function planServices(
  cluster: ClusterSpec,
  workloads: WorkloadPlan[],
  window: SimWindow,
  seed: number,
): ServicePlan[] {
  const rng = Rng.derive(seed, `services/${cluster.name}`);
  const out: ServicePlan[] = [];
  for (const w of workloads) {
    const kind = w.spec.kind;
    const wantsService =
      w.spec.service ??
      (w.spec.traffic.length > 0 && (kind === 'Deployment' || kind === 'StatefulSet')
        ? { type: 'ClusterIP' as const }
        : null);
    if (!wantsService) continue;
    const ns = w.namespace.name;
    const name = w.spec.name;
    const startIdx = Math.max(w.spec.fromIdx, w.namespace.fromIdx);
    const base: ServicePlan = {
      namespace: ns,
      name,
      type: wantsService.type,
      selector: { app: name },
      startIdx,
      endIdx: window.samples,
      tags: { ...clusterTags(cluster) },
    };
    if (wantsService.type === 'LoadBalancer') {
      if (cluster.provider === 'aws') {
        const lbName = `k8s-${ns.slice(0, 8)}-${name.slice(0, 8)}-${rng.hex(10)}`.replace(/-+/g, '-');
        base.hostname = `${lbName}-${rng.hex(16)}.elb.${cluster.region}.amazonaws.com`;
        base.resourceId = `arn:aws:elasticloadbalancing:${cluster.region}:${cluster.account}:loadbalancer/net/${lbName}/${rng.hex(16)}`;
        base.tags['kubernetes.io/service-name'] = `${ns}/${name}`;
        base.tags['elbv2.k8s.aws/cluster'] = cluster.name;
      } else {
        base.ip = `34.${rng.int(16, 127)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
        base.resourceId = `//compute.googleapis.com/projects/${cluster.account}/regions/${cluster.region}/forwardingRules/a${rng.hex(31)}/${base.ip}`;
        base.tags['kubernetes-io-service-name'] = `${ns}_${name}`;
      }
    }
    out.push(base);
  }
  return out;
}

/** NAT gateways of a cluster: one per zone on AWS, one Cloud NAT gateway on GCP. */
export interface NatGateway {
  resourceId: string;
  /** Zone whose nodes egress through it; null for a regional gateway. */
  zone: string | null;
}

/** The cluster's NAT gateways, with billing resource ids. */
export function planNatGateways(cluster: ClusterSpec, seed: number): NatGateway[] {
  const rng = Rng.derive(seed, `nat/${cluster.name}`);
  if (cluster.provider === 'aws') {
    return cluster.zones.map((zone) => ({
      resourceId: `arn:aws:ec2:${cluster.region}:${cluster.account}:natgateway/nat-0${rng.hex(16)}`,
      zone,
    }));
  }
  return [
    {
      resourceId: `//compute.googleapis.com/projects/${cluster.account}/regions/${cluster.region}/routers/${cluster.name}-router/nats/${cluster.name}-nat`,
      zone: null,
    },
  ];
}
