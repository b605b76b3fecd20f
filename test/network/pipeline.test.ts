import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTopologyNdjson } from '../../agent/node/topology.js';
import {
  ConntrackPipeline,
  clusterEndpoints,
  FlowAttributor,
  type FlowSum,
  flowRecords,
  LocalEndpoints,
  localPods,
  NetworkClassifier,
  parseAwsIpRanges,
  type TopologyRecords,
} from '../../core/network/index.js';
import { FlowRecord } from '../../core/schema/records.js';

const FIX = path.join(import.meta.dirname, '../fixtures');
const enc = new TextEncoder();
const topo: TopologyRecords = parseTopologyNdjson(
  readFileSync(path.join(FIX, 'conntrack/topology.ndjson'), 'utf8'),
  'topology.ndjson',
).records;
const aws = parseAwsIpRanges(
  JSON.parse(readFileSync(path.join(FIX, 'ip-ranges/aws-ip-ranges.small.json'), 'utf8')),
);

function attributor(zone?: string): FlowAttributor {
  const local = localPods(topo, 'node-a');
  const classifier = new NetworkClassifier({
    local: { node: 'node-a', ...local.placement, ...(zone ? { zone } : {}) },
    endpoints: clusterEndpoints(topo),
    providerPrefixes: aws.prefixes,
  });
  const locals = new LocalEndpoints(local.pods, local.hostAddresses);
  return new FlowAttributor(classifier, locals);
}

function pipeline(primed: boolean): ConntrackPipeline {
  return new ConntrackPipeline(attributor(), { primed });
}

/** The fixture table with every counter grown by `k` (bytes by 100·k). */
function grown(text: string, k: number): string {
  return text
    .replace(/packets=(\d+)/g, (_m, n: string) => `packets=${Number(n) + k}`)
    .replace(/bytes=(\d+)/g, (_m, n: string) => `bytes=${Number(n) + 100 * k}`);
}

const key = (s: FlowSum) =>
  `${s.namespace}/${s.pod} ${s.direction} ${s.class} ${s.service ?? '-'} nat=${s.viaNat}`;
const table = (sums: FlowSum[]) => Object.fromEntries(sums.map((s) => [key(s), [s.bytes, s.packets]]));

describe('conntrack pipeline: attribution to local pods', () => {
  it('attributes a saved table by local pod, remote class, direction and NAT', () => {
    const p = pipeline(true);
    p.beginDump();
    p.pushDump(enc.encode(readFileSync(path.join(FIX, 'conntrack/node-a.proc.txt'), 'utf8')));
    const stats = p.endDump();
    expect(stats).toMatchObject({ parsed: 8, moved: 8, acctDisabled: false });
    p.flushCycle();
    expect(table(p.window.drain())).toEqual({
      // node-a → node-b VXLAN from the node's own address: host traffic, cross-zone
      '/__host__ egress cross-zone - nat=false': [15000, 100],
      '/__host__ ingress cross-zone - nat=false': [13500, 90],
      // web-1 → Service 172.20.0.10, DNAT to db-0 on node-b (us-east-1b): the reply source is the
      // real peer; Service DNAT is not NAT. Plus db-0 → web-1:8080 (remotely originated:
      // web-1 sends the reply direction) and a GRE flow to db-0.
      'shop/web-1 egress cross-zone - nat=false': [1000 + 64000 + 58, 10 + 8 + 2],
      'shop/web-1 ingress cross-zone - nat=false': [5000 + 800, 20 + 7],
      // web-1 → S3 us-east-1, masqueraded to the node address: same-region storage, via NAT
      'shop/web-1 egress in-zone s3 nat=true': [3000, 30],
      'shop/web-1 ingress in-zone s3 nat=true': [400000, 40],
      // IPv6 to the internet, no NAT; ICMP to 1.1.1.1 masqueraded
      'shop/web-1 egress internet - nat=false': [700, 5],
      'shop/web-1 ingress internet - nat=false': [9000, 6],
      'shop/web-1 egress internet - nat=true': [84, 1],
      'shop/web-1 ingress internet - nat=true': [84, 1],
    });
    // 10.9.9.9 → 10.8.8.8 has no local end: transit, not attributed.
    expect(p.currentAttributor.unattributedBytes).toBe(300);
  });

  it('gives the same sums for the conntrack -L format', () => {
    const a = pipeline(true);
    const b = pipeline(true);
    for (const [p, file] of [
      [a, 'node-a.proc.txt'],
      [b, 'node-a.conntrack-L.txt'],
    ] as const) {
      p.beginDump();
      p.pushDump(enc.encode(readFileSync(path.join(FIX, 'conntrack', file), 'utf8')));
      p.endDump();
      p.flushCycle();
    }
    expect(table(b.window.drain())).toEqual(table(a.window.drain()));
  });

  it('adds DESTROY events between reads once, on top of the dump deltas', () => {
    const p = pipeline(false);
    const dump = readFileSync(path.join(FIX, 'conntrack/node-a.conntrack-L.txt'), 'utf8');
    p.beginDump();
    p.pushDump(enc.encode(dump));
    p.endDump();
    p.pushEvents(enc.encode(readFileSync(path.join(FIX, 'conntrack/destroy-events.txt'), 'utf8')));
    p.beginDump();
    // The destroyed flows are gone from the second dump.
    p.pushDump(
      enc.encode(
        dump
          .split('\n')
          .filter((l) => !/id=(1105101932|1607782454)$/.test(l))
          .join('\n'),
      ),
    );
    p.endDump();
    p.flushCycle();
    expect(p.destroyEventsCounted).toBe(2);
    expect(table(p.window.drain())).toEqual({
      // flow 1: final 1200/6000 − last 1000/5000; flow 41010 (never dumped): 400/300 in full;
      // the ICMP flow's DESTROY repeats its last counters: nothing.
      'shop/web-1 egress cross-zone - nat=false': [200 + 400, 2 + 4],
      'shop/web-1 ingress cross-zone - nat=false': [1000 + 300, 5 + 3],
    });
  });

  it('routes a flow once per attributor: after a topology change its bytes follow the new one', () => {
    // A flow's route (local pod, remote class, NAT) is kept with it between dumps; swapping the
    // attributor must drop those routes. Here node-a moves to zone us-east-1b, where db-0 is.
    const text = readFileSync(path.join(FIX, 'conntrack/node-a.proc.txt'), 'utf8');
    const run = (p: ConntrackPipeline, k: number) => {
      p.beginDump();
      p.pushDump(enc.encode(grown(text, k)));
      p.endDump();
      return table(p.flushCycle());
    };
    const p = pipeline(false);
    const q = new ConntrackPipeline(attributor('us-east-1b'));
    run(p, 0);
    run(q, 0);
    const before = run(p, 1);
    expect(run(p, 2)).toEqual(before);
    expect(before['shop/web-1 egress cross-zone - nat=false']).toBeDefined();
    p.setAttributor(attributor('us-east-1b'));
    run(q, 1);
    run(q, 2);
    const after = run(p, 3);
    expect(after).toEqual(run(q, 3));
    expect(after['shop/web-1 egress in-zone - nat=false']).toBeDefined();
    expect(after['shop/web-1 egress cross-zone - nat=false']).toBeUndefined();
  });

  it('reports a table without byte counters as accounting disabled', () => {
    const p = pipeline(false);
    p.beginDump();
    p.pushDump(
      enc.encode(
        'ipv4     2 tcp      6 431999 ESTABLISHED src=10.0.1.5 dst=10.0.2.7 sport=1 dport=2 src=10.0.2.7 dst=10.0.1.5 sport=2 dport=1 [ASSURED] mark=0 zone=0 use=2\n',
      ),
    );
    expect(p.endDump()).toMatchObject({ parsed: 0, acctDisabled: true, errors: { 'no-counters': 1 } });
  });

  it('builds valid ownercost/v1 flow records', () => {
    const p = pipeline(true);
    p.beginDump();
    p.pushDump(enc.encode(readFileSync(path.join(FIX, 'conntrack/node-a.proc.txt'), 'utf8')));
    p.endDump();
    p.flushCycle();
    const records = flowRecords(p.window.drain(), {
      cluster: 'c1',
      node: 'node-a',
      ts: '2026-11-16T00:00:00.000Z',
      intervalSeconds: 60,
    });
    expect(records).toHaveLength(10);
    for (const r of records) expect(FlowRecord.safeParse(r).success).toBe(true);
  });
});
