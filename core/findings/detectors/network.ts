/**
 * Heavy cross-zone traffic (topology-aware routing and zone spreading), and traffic to object
 * storage through NAT (a VPC gateway endpoint, Private Google Access or a service endpoint makes
 * it free of NAT processing). Costs are what the allocation charged the workload per class.
 */
import type { NetworkBytes, WorkloadFact } from '../facts.js';
import { buildFinding, bytesText, changeEvidence, ev, money, ownerEvidence, pct, sh } from '../plan.js';
import type { Finding } from '../types.js';
import { costOf, type DetectorInput, placementText } from './common.js';

/** Bytes of the slices matching `keep` (pure). */
export function bytesWhere(network: readonly NetworkBytes[], keep: (n: NetworkBytes) => boolean): number {
  return network.filter(keep).reduce((s, n) => s + n.bytes, 0);
}

/** True when cross-zone cost is heavy by both the absolute and the relative threshold (pure). */
export function heavyCrossZone(
  monthlyCost: number,
  shareOfCost: number,
  minMonthly: number,
  minShare: number,
): boolean {
  return monthlyCost >= minMonthly && shareOfCost >= minShare;
}

export function detectCrossZoneTraffic(input: DetectorInput): Finding[] {
  const { facts, costs, plan } = input;
  const t = input.thresholds.crossZoneTraffic;
  const out: Finding[] = [];
  for (const w of facts.workloads) {
    const cost = costOf(costs, w);
    if (!cost || cost.total <= 0) continue;
    const xz = cost.networkByClass['cross-zone'];
    const monthlyCost = xz * costs.monthly;
    const share = xz / cost.total;
    if (!heavyCrossZone(monthlyCost, share, t.minMonthlyCost, t.minShareOfCost)) continue;
    const egress = bytesWhere(w.network, (n) => n.class === 'cross-zone' && n.direction === 'egress');
    const ingress = bytesWhere(w.network, (n) => n.class === 'cross-zone' && n.direction === 'ingress');
    const monthly = monthlyCost * t.expectedReduction;
    const f = buildFinding(
      {
        type: 'cross-zone-traffic',
        cluster: w.cluster,
        namespace: w.namespace,
        workload: `${w.kind}/${w.name}`,
        team: cost.team,
        title: `${w.kind}/${w.name} in ${w.namespace} pays ${money(monthlyCost, plan.currency)}/month for cross-zone traffic`,
        finding: `${w.kind}/${w.name} sent ${bytesText(egress)} and received ${bytesText(ingress)} across availability zones this week; cross-zone transfer is ${pct(share)} of its cost.`,
        evidence: [
          ev('Cross-zone bytes', `${bytesText(egress)} out, ${bytesText(ingress)} in, ${w.pods} pods`),
          ev(
            'Cross-zone cost this week',
            `${money(xz, plan.currency)} of ${money(cost.total, plan.currency)} (${pct(share)})`,
          ),
          placementText(w) ? ev('Node pool', placementText(w)) : null,
          ownerEvidence(cost.team, cost.owners?.owner),
          changeEvidence(plan.changesOf(w), ['replicas']),
        ],
        action: `# On the Services this workload calls (and the one in front of it):\nkubectl -n <namespace> annotate service <name> service.kubernetes.io/topology-mode=Auto   # Kubernetes >= 1.27; or spec.trafficDistribution: PreferClose (>= 1.31)\n# and spread its replicas evenly over zones so every zone has local endpoints:\nkubectl -n ${sh(w.namespace)} patch ${w.kind.toLowerCase()} ${sh(w.name)} --type merge -p '{"spec":{"template":{"spec":{"topologySpreadConstraints":[{"maxSkew":1,"topologyKey":"topology.kubernetes.io/zone","whenUnsatisfiable":"ScheduleAnyway","labelSelector":{"matchLabels":{"app":"${w.labels.app ?? w.name}"}}}]}}}}'`,
        risk: 'With few endpoints per zone, zone-local routing concentrates load on them; Kubernetes falls back to cluster-wide routing when a zone lacks capacity, which can make latency uneven.',
        rollback: `kubectl -n <namespace> annotate service <name> service.kubernetes.io/topology-mode-\n# and remove the topologySpreadConstraints from ${w.kind}/${w.name}`,
        monthlySavings: monthly,
        monthlyCost,
        confidence: 'medium',
      },
      plan,
    );
    if (f) out.push(f);
  }
  return out;
}

function endpointCommand(
  service: string,
  w: WorkloadFact,
  region: string,
): { action: string; rollback: string } {
  switch (service) {
    case 's3':
    case 'dynamodb':
      return {
        action: `aws ec2 create-vpc-endpoint --vpc-endpoint-type Gateway --vpc-id <vpc-id> --service-name com.amazonaws.${region || '<region>'}.${service} --route-table-ids <private-route-table-ids>\n# A gateway endpoint has no hourly or per-GB charge; traffic from ${w.namespace}/${w.name} to ${service} then bypasses the NAT gateways.`,
        rollback: 'aws ec2 delete-vpc-endpoints --vpc-endpoint-ids <vpce-id>',
      };
    case 'gcs':
      return {
        action: `gcloud compute networks subnets update <subnet> --region ${region || '<region>'} --enable-private-ip-google-access\n# Nodes without external IPs then reach storage.googleapis.com directly instead of through Cloud NAT.`,
        rollback: `gcloud compute networks subnets update <subnet> --region ${region || '<region>'} --no-enable-private-ip-google-access`,
      };
    case 'azure-storage':
      return {
        action:
          'az network vnet subnet update --resource-group <resource-group> --vnet-name <vnet> --name <subnet> --service-endpoints Microsoft.Storage',
        rollback:
          'az network vnet subnet update --resource-group <resource-group> --vnet-name <vnet> --name <subnet> --service-endpoints ""',
      };
    default:
      return {
        action: `# Reach ${service} through a private endpoint of your provider instead of the NAT gateway.`,
        rollback: '# Remove the private endpoint.',
      };
  }
}

export function detectNatStorageTraffic(input: DetectorInput): Finding[] {
  const { facts, costs, plan } = input;
  const t = input.thresholds.natStorageTraffic;
  const out: Finding[] = [];
  for (const w of facts.workloads) {
    const natBytes = bytesWhere(w.network, (n) => n.viaNat);
    if (natBytes <= 0) continue;
    const byService = new Map<string, number>();
    for (const n of w.network) {
      if (n.viaNat && n.service && t.services.includes(n.service)) {
        byService.set(n.service, (byService.get(n.service) ?? 0) + n.bytes);
      }
    }
    if (byService.size === 0) continue;
    const cost = costOf(costs, w);
    if (!cost) continue;
    const storageBytes = [...byService.values()].reduce((s, b) => s + b, 0);
    const weekly = cost.networkByClass.nat * (storageBytes / natBytes);
    const monthly = weekly * costs.monthly;
    if (monthly < t.minMonthlyCost) continue;
    const [service] = [...byService.entries()].sort((a, b) => b[1] - a[1])[0] ?? ['s3'];
    const region =
      facts.nodePools.find(
        (p) => p.cluster === w.cluster && w.placement.some((x) => x.nodePool === p.nodePool),
      )?.region ?? '';
    const cmd = endpointCommand(service, w, region);
    const f = buildFinding(
      {
        type: 'nat-storage-traffic',
        cluster: w.cluster,
        namespace: w.namespace,
        workload: `${w.kind}/${w.name}`,
        team: cost.team,
        title: `${w.kind}/${w.name} reaches ${[...byService.keys()].join(', ')} through NAT`,
        finding: `${w.kind}/${w.name} moved ${bytesText(storageBytes)} to and from ${[...byService.keys()].join(', ')} through the NAT gateway this week, paying NAT data processing on every byte; a private endpoint makes that traffic free of it.`,
        evidence: [
          ev(
            'Storage bytes via NAT',
            [...byService.entries()].map(([s, b]) => `${s} ${bytesText(b)}`).join(', '),
          ),
          ev('All NAT bytes', `${bytesText(natBytes)} (${pct(storageBytes / natBytes)} to storage services)`),
          ev(
            'NAT cost this week',
            `${money(weekly, plan.currency)} of ${money(cost.networkByClass.nat, plan.currency)} NAT cost for the workload`,
          ),
          placementText(w)
            ? ev('Node pool', `${placementText(w)}${region ? `, region ${region}` : ''}`)
            : null,
          ownerEvidence(cost.team, cost.owners?.owner),
          changeEvidence(plan.changesOf(w), []),
        ],
        action: cmd.action,
        risk: "Bucket policies that allow only the NAT gateways' public IPs (aws:SourceIp) reject traffic that arrives through the endpoint; switch them to aws:SourceVpce / VPC conditions first.",
        rollback: cmd.rollback,
        monthlySavings: monthly,
        monthlyCost: monthly,
        confidence: 'high',
      },
      plan,
    );
    if (f) out.push(f);
  }
  return out;
}
