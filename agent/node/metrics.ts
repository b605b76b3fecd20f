/**
 * Prometheus metrics of the node agent, on its own prom-client Registry.
 *
 * `kubecost_pod_network_{egress,ingress}_bytes_total` follow Kubecost's network-costs agent
 * exactly, so existing dashboards and OpenCost queries work: labels `pod_name`, `namespace`,
 * `internet`, `same_region`, `same_zone` ("true"/"false") and `service` ("" when none), e.g.
 * cross-zone is `internet="false", same_region="true", same_zone="false"`.
 * Shipping and spool metrics (`ownercost_ship_*`) belong to the Shipper, on the same registry.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry } from 'prom-client';
import type { FlowSum } from '../../core/network/attribute.js';
import { kubecostLabels } from '../../core/network/classify.js';
import { PARSE_REASONS, type ParseReason } from '../../core/network/conntrack.js';

const LABELS = ['pod_name', 'namespace', 'internet', 'same_region', 'same_zone', 'service'] as const;

export class NodeMetrics {
  readonly registry: Registry;
  readonly egress: Counter<(typeof LABELS)[number]>;
  readonly ingress: Counter<(typeof LABELS)[number]>;
  readonly parsedEntries: Gauge;
  readonly parseSeconds: Gauge;
  readonly parseErrors: Counter<'reason'>;
  readonly acctDisabled: Gauge;
  readonly flows: Gauge;
  readonly destroyEvents: Counter;
  readonly followerRestarts: Counter;
  readonly unattributedBytes: Counter;
  readonly recordsEnqueued: Counter;

  constructor(registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    this.egress = new Counter({
      name: 'kubecost_pod_network_egress_bytes_total',
      help: 'Bytes sent by each pod, by destination class (Kubecost network-costs labels).',
      labelNames: LABELS,
      registers,
    });
    this.ingress = new Counter({
      name: 'kubecost_pod_network_ingress_bytes_total',
      help: 'Bytes received by each pod, by source class (Kubecost network-costs labels).',
      labelNames: LABELS,
      registers,
    });
    this.parsedEntries = new Gauge({
      name: 'ownercost_conntrack_parsed_entries',
      help: 'Conntrack entries parsed in the last table read.',
      registers,
    });
    this.parseSeconds = new Gauge({
      name: 'ownercost_conntrack_parse_seconds',
      help: 'Seconds the last table read took (read, parse, delta, classify, aggregate).',
      registers,
    });
    this.parseErrors = new Counter({
      name: 'ownercost_conntrack_parse_errors_total',
      help: 'Conntrack lines skipped, by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.acctDisabled = new Gauge({
      name: 'ownercost_conntrack_acct_disabled',
      help: '1 when conntrack entries carry no byte counters (sysctl net.netfilter.nf_conntrack_acct=0).',
      registers,
    });
    this.flows = new Gauge({
      name: 'ownercost_conntrack_flows',
      help: 'Flows remembered by the delta engine.',
      registers,
    });
    this.destroyEvents = new Counter({
      name: 'ownercost_conntrack_destroy_events_total',
      help: 'DESTROY events whose final counters added bytes.',
      registers,
    });
    this.followerRestarts = new Counter({
      name: 'ownercost_conntrack_follower_restarts_total',
      help: 'Restarts of the `conntrack -E` DESTROY follower.',
      registers,
    });
    this.unattributedBytes = new Counter({
      name: 'ownercost_conntrack_unattributed_bytes_total',
      help: 'Bytes of entries with no local pod at either end (transit through the node).',
      registers,
    });
    this.recordsEnqueued = new Counter({
      name: 'ownercost_node_flow_records_total',
      help: 'Flow records handed to the shipper.',
      registers,
    });
    for (const reason of PARSE_REASONS) this.parseErrors.inc({ reason }, 0);
    this.acctDisabled.set(0);
  }

  /** Adds one cycle's sums to the Kubecost counters. */
  addSums(sums: readonly FlowSum[]): void {
    for (const s of sums) {
      if (s.bytes <= 0) continue;
      const labels = {
        pod_name: s.pod,
        namespace: s.namespace,
        ...kubecostLabels(s.class),
        service: s.service ?? '',
      };
      (s.direction === 'egress' ? this.egress : this.ingress).inc(labels, s.bytes);
    }
  }

  addParseErrors(errors: Partial<Record<ParseReason, number>>): void {
    for (const [reason, n] of Object.entries(errors)) if (n && n > 0) this.parseErrors.inc({ reason }, n);
  }
}

export interface MetricsEndpoint {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves `/metrics` and `/healthz`. */
export async function serveMetrics(registry: Registry, host: string, port: number): Promise<MetricsEndpoint> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(req.method === 'HEAD' ? undefined : text);
        },
        (err: Error) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`metrics failed: ${err.message}\n`);
        },
      );
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${bound}/metrics`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
