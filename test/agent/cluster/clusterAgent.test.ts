import { mkdtemp, readdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { readNdjson } from '../../../adapters/snapshots/ndjson.js';
import { FsObjectStore } from '../../../adapters/storage/fs.js';
import { type ClusterAgentOptions, runClusterAgent } from '../../../agent/cluster/index.js';
import type { SnapshotRecord } from '../../../core/schema/records.js';
import { startCluster, until } from './helpers.js';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup() {
  const cluster = await startCluster();
  cleanup.push(() => cluster.api.close());
  const root = await mkdtemp(path.join(tmpdir(), 'ownercost-agent-'));
  const store = new FsObjectStore(path.join(root, 'store'));
  const lines: string[] = [];
  const options: ClusterAgentOptions = {
    cluster: 'prod-use1',
    sink: pathToFileURL(path.join(root, 'store')).href,
    intervalSeconds: 300,
    usageIntervalSeconds: 60,
    kubeconfig: cluster.kubeconfigPath,
    once: true,
    spoolDir: path.join(root, 'spool'),
    spoolMaxBytes: 50_000_000,
    metricsPort: 0,
    listenHost: '127.0.0.1',
    log: (l) => lines.push(l),
  };
  return { ...cluster, root, store, lines, options };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function objects(store: FsObjectStore): Promise<{ key: string; records: SnapshotRecord[] }[]> {
  const out: { key: string; records: SnapshotRecord[] }[] = [];
  for await (const key of store.list('snapshots/')) {
    const body = await store.get(key);
    const records: SnapshotRecord[] = [];
    for await (const r of readNdjson(body ?? new Uint8Array(), key, (bad) => {
      throw new Error(`${key}:${bad.line}: ${bad.reason}`);
    })) {
      records.push(r);
    }
    out.push({ key, records });
  }
  return out;
}

describe('runClusterAgent', () => {
  it('--once waits for the informers, samples usage once, writes one batch to a file:// sink and flushes', async () => {
    const { options, store, lines } = await setup();
    const before = Date.now();
    await runClusterAgent(options);

    const written = await objects(store);
    expect(written).toHaveLength(1);
    const { key, records } = written[0] as { key: string; records: SnapshotRecord[] };
    const ts = records[0]?.ts ?? '';
    // ts is the start of the 300 s interval holding the run.
    expect(Date.parse(ts) % 300_000).toBe(0);
    expect(Date.parse(ts)).toBeLessThanOrEqual(before);
    expect(key).toBe(
      `snapshots/v1/kind=cluster/cluster=prod-use1/dt=${ts.slice(0, 10)}/hour=${ts.slice(11, 13)}/${ts.replace(/[-:]/g, '').replace(/\.\d+/, '')}-cluster-agent.ndjson.gz`,
    );
    const kinds = new Map<string, number>();
    for (const r of records) kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
    expect(Object.fromEntries(kinds)).toEqual({
      node: 2,
      pod: 8,
      namespace: 4,
      workload: 6,
      pvc: 2,
      pv: 2,
      service: 2,
    });
    // The single usage sample is the pod's usage.
    const vdb = records.find((r) => r.kind === 'pod' && r.name === 'vector-db-0');
    expect(vdb?.kind === 'pod' && vdb.containers[0]?.usage).toEqual({
      cpuCores: 1.2,
      memoryBytes: 3 * 2 ** 30,
      gpus: 0,
    });
    expect(await readdir(options.spoolDir)).toEqual([]);
    expect(lines.some((l) => l.startsWith('cluster-agent: informers synced: 12'))).toBe(true);
    expect(lines.some((l) => /wrote 26 records .* uploaded 1, pending 0/.test(l))).toBe(true);
  });

  it('--once with one kind forbidden logs one line naming it and writes everything else', async () => {
    const { options, store, lines, api } = await setup();
    api.forbidden.add('persistentvolumes');
    await runClusterAgent(options);
    const [only] = await objects(store);
    const kinds = new Set(only?.records.map((r) => r.kind));
    expect(kinds.has('pv')).toBe(false);
    expect([...kinds].sort()).toEqual(['namespace', 'node', 'pod', 'pvc', 'service', 'workload']);
    expect(lines.filter((l) => l.includes('forbidden to'))).toEqual([
      expect.stringMatching(/^kube: forbidden to list\/watch persistentvolumes \(HTTP 403/),
    ]);
    expect(lines.some((l) => l.includes('written without persistentvolumes'))).toBe(true);
  });

  it('runs on aligned intervals, serves /metrics, and flushes the partial interval on abort', async () => {
    const { options, store, lines } = await setup();
    const abort = new AbortController();
    const run = runClusterAgent({
      ...options,
      metricsPort: await freePort(),
      once: false,
      intervalSeconds: 1,
      usageIntervalSeconds: 0.2,
      signal: abort.signal,
    });
    let failed: unknown;
    run.catch((err) => {
      failed = err;
    });
    await until(() => lines.some((l) => l.startsWith('cluster-agent: metrics on ')), 5_000, 'metrics server');
    const metricsUrl =
      (lines.find((l) => l.startsWith('cluster-agent: metrics on ')) ?? '').split(' on ')[1] ?? '';
    await until(
      async () => (await objects(store)).length >= 2 || failed !== undefined,
      8_000,
      'two intervals',
    );
    expect(failed).toBeUndefined();

    const text = await (await fetch(metricsUrl)).text();
    expect(text).toMatch(/ownercost_kube_informer_synced\{resource="pods"\} 1/);
    expect(text).toMatch(/ownercost_kube_informer_up\{resource="services"\} 1/);
    expect(text).toMatch(/ownercost_cluster_records_written_total\{kind="pod"\} \d+/);
    expect(text).toMatch(/ownercost_ship_uploads_total\{result="success"\} \d+/);
    expect(text).toMatch(/ownercost_cluster_usage_samples_total\{result="success"\} \d+/);
    expect(text).toContain('ownercost_ship_last_success_timestamp_seconds');
    expect(text).toContain('ownercost_agent_process_cpu_seconds_total');

    abort.abort();
    await run;
    const written = await objects(store);
    const tss = written.map((w) => w.records[0]?.ts ?? '');
    expect(new Set(tss).size).toBe(written.length);
    for (const ts of tss) expect(Date.parse(ts) % 1000).toBe(0);
    // Every full interval's pods carry usage from that interval's samples; the partial interval
    // flushed on abort may end before its first usage sample (then usage is 0, never stale).
    const byTs = [...written].sort((a, b) => (a.records[0]?.ts ?? '').localeCompare(b.records[0]?.ts ?? ''));
    byTs.forEach((w, i) => {
      const vdb = w.records.find((r) => r.kind === 'pod' && r.name === 'vector-db-0');
      const cpu = vdb?.kind === 'pod' ? vdb.containers[0]?.usage.cpuCores : undefined;
      if (i < byTs.length - 1) expect(cpu).toBe(1.2);
      else expect([0, 1.2]).toContain(cpu);
    });
    expect(await readdir(options.spoolDir)).toEqual([]);
    expect(lines.some((l) => l.startsWith('cluster-agent: stopped; uploaded'))).toBe(true);
    await expect(fetch(metricsUrl)).rejects.toThrow();
  });

  it.each([
    [{ cluster: '' }, /--cluster is required/],
    [{ intervalSeconds: 0 }, /interval must be > 0/],
    [{ metricsPort: 70000 }, /metrics port must be 0-65535/],
  ])('refuses bad options %j', async (override, message) => {
    const { options } = await setup();
    await expect(runClusterAgent({ ...options, ...override })).rejects.toThrow(message);
  });
});
