/**
 * Node mode of the agent: every interval, read the conntrack table, turn counters into deltas,
 * attribute them to this node's pods by remote class, and ship `flow` records per ship interval.
 *
 * Modes
 * - continuous (default): reads every `intervalSeconds`, follows DESTROY events between reads,
 *   ships per `shipIntervalSeconds` (windows aligned to UTC multiples), serves /metrics;
 * - `once` against the live table: reads twice `sampleSeconds` apart with the DESTROY follower
 *   running, and reports what moved in between (flows created meanwhile count in full, flows
 *   destroyed meanwhile by their final counters);
 * - a saved file (`conntrackFile`): every entry's full counters, once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DestroyFollower } from '../../adapters/conntrack/follower.js';
import { loadIpRanges } from '../../adapters/conntrack/ipRanges.js';
import { readConntrackFile, readConntrackTable } from '../../adapters/conntrack/reader.js';
import { FlowAttributor, type FlowSum, LocalEndpoints } from '../../core/network/attribute.js';
import { NetworkClassifier, type NetworkOverrides } from '../../core/network/classify.js';
import { ConntrackPipeline, type DumpStats } from '../../core/network/pipeline.js';
import type { ProviderPrefix } from '../../core/network/providers.js';
import { clusterEndpoints, flowRecords, localPods } from '../../core/network/topology.js';
import type { FlowRecord } from '../../core/schema/records.js';
import type { Shipper } from '../ship/types.js';
import { type MetricsEndpoint, NodeMetrics, serveMetrics } from './metrics.js';
import { openShipper } from './ship.js';
import type { TopologyProvider, TopologySnapshot } from './topology.js';

export interface NodeAgentOptions {
  cluster: string;
  node: string;
  topology: TopologyProvider;
  /** Object-store URL; without it records are only printed (`once`) or dropped. */
  sink?: string;
  conntrackFile?: string;
  once: boolean;
  sampleSeconds: number;
  intervalSeconds: number;
  shipIntervalSeconds: number;
  overrides: NetworkOverrides;
  /** Provider range files: paths or http(s) URLs. */
  ipRanges: readonly string[];
  region?: string;
  zone?: string;
  hostAddresses: readonly string[];
  metricsPort: number;
  listenHost: string;
  spoolDir: string;
  spoolMaxBytes: number;
  log: (line: string) => void;
  /** Where `once` prints records (NDJSON); default process.stdout. */
  print?: (text: string) => void;
  signal?: AbortSignal;
  /** Test seams. */
  procPath?: string;
  conntrackBin?: string;
  metricsRegistry?: NodeMetrics;
  /** Called with the metrics URL once serving (tests use port 0). */
  onMetrics?: (endpoint: MetricsEndpoint) => void;
}

export interface NodeAgentResult {
  records: FlowRecord[];
  lastDump: DumpStats | null;
}

const ACCT_FIX = 'sysctl -w net.netfilter.nf_conntrack_acct=1';

function summarizeErrors(stats: DumpStats): string {
  const parts = Object.entries(stats.errors).map(([reason, n]) => `${n} ${reason}`);
  return parts.length > 0 ? `; skipped lines: ${parts.join(', ')}` : '';
}

/** Builds classification and local endpoints from the topology and the loaded ranges. */
export function buildAttributor(
  t: TopologySnapshot,
  o: Pick<NodeAgentOptions, 'node' | 'overrides' | 'region' | 'zone' | 'hostAddresses'>,
  providerPrefixes: readonly ProviderPrefix[],
  log: (line: string) => void,
): FlowAttributor {
  const local = localPods(t, o.node);
  const classifier = new NetworkClassifier({
    local: {
      node: o.node,
      region: local.placement.region ?? o.region ?? null,
      zone: local.placement.zone ?? o.zone ?? null,
    },
    overrides: o.overrides,
    // This node's own configured addresses are endpoints of this node too.
    endpoints: [
      ...clusterEndpoints(t),
      ...o.hostAddresses.map((ip) => ({
        ip,
        kind: 'node' as const,
        node: o.node,
        region: local.placement.region ?? o.region ?? null,
        zone: local.placement.zone ?? o.zone ?? null,
      })),
    ],
    providerPrefixes,
  });
  if (classifier.invalidCidrs.length > 0) {
    log(
      `node agent: ${classifier.invalidCidrs.length} invalid address(es) skipped, e.g. ${classifier.invalidCidrs.slice(0, 3).join(', ')}`,
    );
  }
  const locals = new LocalEndpoints(
    local.pods.map((p) => ({ namespace: p.namespace, name: p.name, ips: p.ips, hostNetwork: p.hostNetwork })),
    [...local.hostAddresses, ...o.hostAddresses],
  );
  return new FlowAttributor(classifier, locals);
}

export async function runNodeAgent(options: NodeAgentOptions): Promise<NodeAgentResult> {
  const { log } = options;
  const print = options.print ?? ((s: string) => process.stdout.write(s));
  const metrics = options.metricsRegistry ?? new NodeMetrics();

  await options.topology.start(options.signal);
  const topo = options.topology.current();
  const badTopology = options.topology.badInputs();
  if (badTopology.count > 0) {
    log(`node agent: ${badTopology.count} topology record(s) skipped`);
    for (const b of badTopology.sample.slice(0, 5)) log(`  ${b.file}:${b.line}: ${b.reason}`);
  }
  if (!topo.nodes.some((n) => n.name === options.node)) {
    log(`node agent: node "${options.node}" is not in the topology; zone and region come from the config`);
  }

  const providerPrefixes: ProviderPrefix[] = [];
  for (const source of options.ipRanges) {
    const ranges = await loadIpRanges(source);
    providerPrefixes.push(...ranges.prefixes);
    log(
      `node agent: ${ranges.prefixes.length} ${ranges.provider} prefixes from ${source.replace(/\?.*$/, '')}${ranges.skipped ? ` (${ranges.skipped} skipped)` : ''}`,
    );
  }

  let topoVersion = topo.version;
  const pipeline = new ConntrackPipeline(buildAttributor(topo, options, providerPrefixes, log), {
    primed: options.conntrackFile !== undefined,
  });

  let endpoint: MetricsEndpoint | null = null;
  // Metrics are served by the long-running agent only (a one-shot run exits before any scrape).
  if (options.metricsPort > 0 && !options.once && !options.conntrackFile) {
    endpoint = await serveMetrics(metrics.registry, options.listenHost, options.metricsPort);
    log(`node agent: metrics on ${endpoint.url}`);
    options.onMetrics?.(endpoint);
  }

  let shipper: Shipper | null = null;
  if (options.sink) {
    shipper = await openShipper({
      sink: options.sink,
      spoolDir: options.spoolDir,
      spoolMaxBytes: options.spoolMaxBytes,
      source: `node-${options.node}`,
      registry: metrics.registry,
      log,
    });
  }

  let acctWarned = false;
  const afterDump = (stats: DumpStats, seconds: number) => {
    metrics.parsedEntries.set(stats.parsed);
    metrics.parseSeconds.set(seconds);
    metrics.flows.set(stats.remembered);
    metrics.addParseErrors(stats.errors);
    metrics.acctDisabled.set(stats.acctDisabled ? 1 : 0);
    if (stats.acctDisabled && !acctWarned) {
      acctWarned = true;
      log(
        `node agent: conntrack entries carry no byte counters (net.netfilter.nf_conntrack_acct=0), so no traffic can be measured; enable accounting with \`${ACCT_FIX}\` (per network namespace; new flows only)`,
      );
    }
  };
  const cycleSums = (sums: FlowSum[]) => {
    metrics.addSums(sums);
  };

  const dump = async (): Promise<DumpStats> => {
    const t0 = performance.now();
    pipeline.beginDump();
    const onChunk = (c: Uint8Array) => pipeline.pushDump(c);
    if (options.conntrackFile) await readConntrackFile(options.conntrackFile, onChunk);
    else
      await readConntrackTable(onChunk, { procPath: options.procPath, conntrackBin: options.conntrackBin });
    const stats = pipeline.endDump();
    cycleSums(pipeline.flushCycle());
    afterDump(stats, (performance.now() - t0) / 1000);
    return stats;
  };

  const ship = async (records: FlowRecord[], budgetMs: number) => {
    if (!shipper || records.length === 0) return;
    await shipper.enqueue(records);
    metrics.recordsEnqueued.inc(records.length);
    const r = await shipper.flush(Date.now() + budgetMs);
    if (r.pending > 0) log(`node agent: ${r.pending} batch(es) not uploaded yet`);
  };

  let destroyedBefore = 0;
  const syncFollowerMetrics = (f: DestroyFollower | null) => {
    metrics.destroyEvents.inc(pipeline.destroyEventsCounted - destroyedBefore);
    destroyedBefore = pipeline.destroyEventsCounted;
    if (f) {
      const restarts = f.restarts - followerRestartsSeen;
      if (restarts > 0) metrics.followerRestarts.inc(restarts);
      followerRestartsSeen = f.restarts;
    }
    const unattributed = pipeline.currentAttributor.unattributedBytes - unattributedSeen;
    if (unattributed > 0) metrics.unattributedBytes.inc(unattributed);
    unattributedSeen = pipeline.currentAttributor.unattributedBytes;
  };
  let followerRestartsSeen = 0;
  let unattributedSeen = 0;

  const meta = (tsMs: number, intervalSeconds: number) => ({
    cluster: options.cluster,
    node: options.node,
    ts: new Date(tsMs).toISOString(),
    intervalSeconds,
  });

  try {
    // A saved file: full counters of every entry, once.
    if (options.conntrackFile) {
      const t = Date.now();
      const stats = await dump();
      log(`node agent: ${stats.parsed} entries read from ${options.conntrackFile}${summarizeErrors(stats)}`);
      const records = flowRecords(pipeline.window.drain(), meta(t, options.intervalSeconds));
      if (options.once) for (const r of records) print(`${JSON.stringify(r)}\n`);
      await ship(records, 60_000);
      return { records, lastDump: stats };
    }

    const follower = new DestroyFollower({
      onChunk: (c) => pipeline.pushEvents(c),
      log,
      bin: options.conntrackBin,
    });
    follower.start();
    await follower.ready;

    if (options.once) {
      const t0 = Date.now();
      const base = await dump();
      log(`node agent: baseline read: ${base.parsed} entries; sampling ${options.sampleSeconds} s`);
      await sleep(options.sampleSeconds * 1000, undefined, { signal: options.signal }).catch(() => undefined);
      // Let DESTROY events of the sample reach us before the second read.
      await sleep(100);
      const t1 = Date.now();
      const stats = await dump();
      await sleep(100);
      await follower.stop();
      cycleSums(pipeline.flushCycle());
      syncFollowerMetrics(follower);
      log(
        `node agent: second read: ${stats.parsed} entries, ${stats.moved} moved; ${pipeline.destroyEventsCounted} DESTROY event(s) counted${summarizeErrors(stats)}`,
      );
      const seconds = Math.max(0.001, Math.round(t1 - t0) / 1000);
      const records = flowRecords(pipeline.window.drain(), meta(t0, seconds));
      for (const r of records) print(`${JSON.stringify(r)}\n`);
      await ship(records, 60_000);
      return { records, lastDump: stats };
    }

    // Continuous.
    const shipMs = options.shipIntervalSeconds * 1000;
    let windowStart = Math.floor(Date.now() / shipMs) * shipMs;
    let lastStats: DumpStats | null = null;
    await dump(); // baseline
    const all: FlowRecord[] = [];
    while (!options.signal?.aborted) {
      await sleep(options.intervalSeconds * 1000, undefined, { signal: options.signal }).catch(
        () => undefined,
      );
      if (options.signal?.aborted) break;
      const current = options.topology.current();
      if (current.version !== topoVersion) {
        topoVersion = current.version;
        cycleSums(pipeline.setAttributor(buildAttributor(current, options, providerPrefixes, log)));
      }
      try {
        lastStats = await dump();
      } catch (err) {
        log(`node agent: table read failed: ${(err as Error).message}`);
      }
      cycleSums(pipeline.flushCycle());
      syncFollowerMetrics(follower);
      const now = Date.now();
      if (now >= windowStart + shipMs) {
        const records = flowRecords(pipeline.window.drain(), meta(windowStart, options.shipIntervalSeconds));
        windowStart = Math.floor(now / shipMs) * shipMs;
        await ship(records, 20_000).catch((err: Error) => log(`node agent: shipping failed: ${err.message}`));
      }
    }
    // Shutdown: ship what the current window holds.
    await follower.stop();
    cycleSums(pipeline.flushCycle());
    const records = flowRecords(pipeline.window.drain(), meta(windowStart, options.shipIntervalSeconds));
    all.push(...records);
    await ship(records, 20_000).catch((err: Error) => log(`node agent: shipping failed: ${err.message}`));
    return { records: all, lastDump: lastStats };
  } finally {
    await shipper?.close();
    await endpoint?.close();
    await options.topology.close();
  }
}
