/**
 * A real Prometheus (Debian's /usr/bin/prometheus) scrapes the node agent's /metrics on loopback.
 * The agent runs its continuous loop in-process over a table file standing in for
 * /proc/net/nf_conntrack, whose counters grow by 1,000 bytes per direction after the baseline.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNodeAgent } from '../../../agent/node/index.js';
import type { MetricsEndpoint } from '../../../agent/node/metrics.js';
import { FileTopologyProvider } from '../../../agent/node/topology.js';

const PROMETHEUS = '/usr/bin/prometheus';
const FIX = path.join(import.meta.dirname, '../../fixtures');
const skipReason = existsSync(PROMETHEUS) ? null : `${PROMETHEUS} is missing (apt-get install -y prometheus)`;
if (skipReason) console.warn(`SKIP Prometheus scrape test: ${skipReason}`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function poll<T>(what: string, fn: () => Promise<T | null>, ms: number): Promise<T> {
  const until = Date.now() + ms;
  let last: unknown = null;
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v !== null) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (${String(last)})` : ''}`);
}

interface Series {
  metric: Record<string, string>;
  value: [number, string];
}

describe.skipIf(skipReason !== null)('Prometheus scrapes the node agent', () => {
  let tmp = '';
  let prom: ChildProcess | null = null;
  let promPort = 0;
  const stop = new AbortController();
  let agent: Promise<unknown> | null = null;
  const logs: string[] = [];

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'oc-prom-'));
    const table = readFileSync(path.join(FIX, 'conntrack/node-a.proc.txt'), 'utf8');
    const procPath = path.join(tmp, 'nf_conntrack');
    await writeFile(procPath, table);
    const agentPort = await freePort();
    promPort = await freePort();

    let endpoint: MetricsEndpoint | null = null;
    agent = runNodeAgent({
      cluster: 'c1',
      node: 'node-a',
      topology: new FileTopologyProvider(path.join(FIX, 'conntrack/topology.ndjson')),
      once: false,
      sampleSeconds: 1,
      intervalSeconds: 0.5,
      shipIntervalSeconds: 60,
      overrides: {},
      ipRanges: [path.join(FIX, 'ip-ranges/aws-ip-ranges.small.json')],
      hostAddresses: [],
      metricsPort: agentPort,
      listenHost: '127.0.0.1',
      spoolDir: path.join(tmp, 'spool'),
      spoolMaxBytes: 1 << 20,
      log: (l) => logs.push(l),
      signal: stop.signal,
      procPath,
      conntrackBin: path.join(tmp, 'no-conntrack-here'),
      onMetrics: (e) => {
        endpoint = e;
      },
    });
    await poll('the agent metrics endpoint', async () => endpoint, 30_000);
    // After the baseline read, every counter grows by 1,000 bytes and 1 packet per direction.
    await new Promise((r) => setTimeout(r, 1000));
    await writeFile(
      procPath,
      table
        .replace(/bytes=(\d+)/g, (_m, n: string) => `bytes=${Number(n) + 1000}`)
        .replace(/packets=(\d+)/g, (_m, n: string) => `packets=${Number(n) + 1}`),
    );

    await writeFile(
      path.join(tmp, 'prometheus.yml'),
      `global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: ownercost-node
    static_configs:
      - targets: ['127.0.0.1:${agentPort}']
`,
    );
    prom = spawn(PROMETHEUS, [
      `--config.file=${path.join(tmp, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(tmp, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ]);
    prom.stderr?.resume();
    await poll(
      'the Prometheus target to be up',
      async () => {
        const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/targets`);
        const body = (await res.json()) as { data: { activeTargets: { health: string }[] } };
        return body.data.activeTargets.some((t) => t.health === 'up') ? true : null;
      },
      60_000,
    );
  }, 120_000);

  afterAll(async () => {
    stop.abort();
    await agent?.catch(() => {});
    if (prom && prom.exitCode === null) {
      const exited = new Promise((r) => prom?.once('close', r));
      prom.kill('SIGTERM');
      await exited;
    }
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const query = async (q: string): Promise<Series[]> => {
    const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}`);
    const body = (await res.json()) as { data: { result: Series[] } };
    return body.data.result;
  };

  it('stores kubecost_pod_network_egress_bytes_total with Kubecost labels and the bytes that moved', async () => {
    const series = await poll(
      'egress series',
      async () => {
        const r = await query('kubecost_pod_network_egress_bytes_total');
        return r.some((s) => s.metric.service === 's3') ? r : null;
      },
      60_000,
    );
    const s3 = series.find((s) => s.metric.pod_name === 'web-1' && s.metric.service === 's3');
    expect(s3?.metric).toMatchObject({
      __name__: 'kubecost_pod_network_egress_bytes_total',
      job: 'ownercost-node',
      pod_name: 'web-1',
      namespace: 'shop',
      internet: 'false',
      same_region: 'true',
      same_zone: 'true',
      service: 's3',
    });
    expect(Number(s3?.value[1])).toBe(1000);
    const host = series.find((s) => s.metric.pod_name === '__host__');
    // Prometheus stores an empty label value as no label: namespace="" and service="" are absent.
    expect(host?.metric).toMatchObject({ internet: 'false', same_region: 'true', same_zone: 'false' });
    expect(host?.metric.namespace ?? '').toBe('');
    expect(host?.metric.service ?? '').toBe('');
    const internet = series.find((s) => s.metric.internet === 'true');
    expect(internet?.metric).toMatchObject({ pod_name: 'web-1', same_region: 'false', same_zone: 'false' });
  });

  it('stores the ingress counter and the collector gauges', async () => {
    const ingress = await query('kubecost_pod_network_ingress_bytes_total{pod_name="web-1",service="s3"}');
    expect(Number(ingress[0]?.value[1])).toBe(1000);
    const parsed = await query('ownercost_conntrack_parsed_entries');
    expect(Number(parsed[0]?.value[1])).toBe(8);
    const errors = await query('ownercost_conntrack_parse_errors_total{reason="unknown-protocol"}');
    expect(Number(errors[0]?.value[1])).toBeGreaterThan(0);
    const acct = await query('ownercost_conntrack_acct_disabled');
    expect(Number(acct[0]?.value[1])).toBe(0);
  });
});
