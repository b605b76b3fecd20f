/**
 * The agent in cluster mode: list+watch the API objects, sample metrics.k8s.io usage every
 * `usageIntervalSeconds`, and every `intervalSeconds` (aligned to the clock) write node, pod,
 * namespace, workload, pvc, pv and service records through the Shipper with source
 * `cluster-agent` (ts = the interval's start; pod usage = the average of that interval's samples).
 *
 * `once`: wait for the informers to sync, sample usage once, write one batch, flush, return.
 * On abort (the `signal`, or SIGTERM/SIGINT when no signal is given) the current partial interval
 * is written and the spool flushed within a deadline, then it returns.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { loadKubeConfig } from '../../adapters/kube/config.js';
import { KubeInventory } from '../../adapters/kube/informers.js';
import { listPodMetrics } from '../../adapters/kube/usage.js';
import { OwnercostError, UsageError } from '../../core/schema/errors.js';
import { createShipper } from '../ship/shipper.js';
import { ClusterCollector } from './collector.js';
import { startMetricsServer } from './metricsServer.js';

export interface ClusterAgentOptions {
  cluster: string;
  sink: string;
  intervalSeconds: number;
  usageIntervalSeconds: number;
  kubeconfig?: string;
  once?: boolean;
  spoolDir: string;
  spoolMaxBytes: number;
  metricsPort: number;
  listenHost: string;
  log: (line: string) => void;
  signal?: AbortSignal;
}

/** How long startup waits for the first lists before sampling anyway. */
const SYNC_TIMEOUT_MS = 60_000;
/** Flush budget on shutdown: inside Kubernetes' default 30 s termination grace period. */
const SHUTDOWN_FLUSH_MS = 20_000;
/** Flush budget of `--once`. */
const ONCE_FLUSH_MS = 60_000;

export async function runClusterAgent(options: ClusterAgentOptions): Promise<void> {
  validate(options);
  const { log } = options;
  const stop = new AbortController();
  const onSignal = (name: string) => () => {
    log(`cluster-agent: ${name} received; writing the current interval and flushing`);
    stop.abort();
  };
  const onTerm = onSignal('SIGTERM');
  const onInt = onSignal('SIGINT');
  if (options.signal) {
    if (options.signal.aborted) stop.abort();
    else options.signal.addEventListener('abort', () => stop.abort(), { once: true });
  } else {
    process.once('SIGTERM', onTerm);
    process.once('SIGINT', onInt);
  }

  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ownercost_agent_' });
  const kc = loadKubeConfig(options.kubeconfig);
  const inventory = new KubeInventory({ kubeConfig: kc, log, registry });
  const shipper = createShipper({
    sink: options.sink,
    spoolDir: options.spoolDir,
    spoolMaxBytes: options.spoolMaxBytes,
    source: 'cluster-agent',
    registry,
    log,
  });
  const collector = new ClusterCollector({
    cluster: options.cluster,
    intervalSeconds: options.intervalSeconds,
    inventory,
    samplePodMetrics: () => listPodMetrics(kc),
    shipper,
    log,
    registry,
  });
  // Port 0 turns /metrics off (as the CLI documents); `--once` never serves it.
  const metricsServer =
    options.once || options.metricsPort === 0
      ? undefined
      : await startMetricsServer(registry, options.listenHost, options.metricsPort, log);

  try {
    inventory.start();
    log(
      `cluster-agent: cluster ${options.cluster}, API ${kc.getCurrentCluster()?.server ?? '?'}, sink ${redactSink(options.sink)}`,
    );
    const sync = await inventory.waitForSync(SYNC_TIMEOUT_MS, stop.signal);
    log(
      `cluster-agent: informers synced: ${sync.synced.length}` +
        (sync.unavailable.length ? `; unavailable: ${sync.unavailable.join(', ')}` : '') +
        (sync.pending.length ? `; still syncing: ${sync.pending.join(', ')}` : ''),
    );

    if (options.once) {
      const now = Date.now();
      const start = collector.alignedStart(now);
      await collector.sampleUsage(now);
      const result = await collector.writeInterval(start);
      const flushed = await shipper.flush(Date.now() + ONCE_FLUSH_MS);
      log(
        `cluster-agent: wrote ${result?.records ?? 0} records for ${result?.ts ?? new Date(start).toISOString()}; ` +
          `uploaded ${flushed.uploaded}, pending ${flushed.pending}`,
      );
      if (!result) throw new OwnercostError('cluster-agent: nothing written: no resource could be listed');
      if (flushed.pending > 0) {
        throw new OwnercostError(
          `cluster-agent: ${flushed.pending} batch(es) not uploaded to ${redactSink(options.sink)}; they stay in ${options.spoolDir}`,
        );
      }
      return;
    }

    await loop(options, collector, stop.signal, log);
    const flushed = await shipper.flush(Date.now() + SHUTDOWN_FLUSH_MS);
    log(
      `cluster-agent: stopped; uploaded ${flushed.uploaded}, ${flushed.pending} batch(es) left in the spool for the next start`,
    );
  } finally {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    await inventory.stop();
    await shipper.close();
    await metricsServer?.close();
  }
}

/** Samples usage and writes intervals until aborted; then writes the partial current interval. */
async function loop(
  options: ClusterAgentOptions,
  collector: ClusterCollector,
  signal: AbortSignal,
  log: (line: string) => void,
): Promise<void> {
  const usageMs = options.usageIntervalSeconds * 1000;
  // Usage sampling runs on its own clock; each sample lands in the interval it was taken in.
  const sampling = (async () => {
    while (!signal.aborted) {
      const t = Date.now();
      await collector.sampleUsage(t);
      await sleep(Math.max(0, t + usageMs - Date.now()), signal);
    }
  })();

  let current = collector.alignedStart(Date.now());
  while (!signal.aborted) {
    const end = current + options.intervalSeconds * 1000;
    await sleep(Math.max(0, end - Date.now()), signal);
    if (signal.aborted) break;
    await write(collector, current, log);
    current = collector.alignedStart(Date.now());
  }
  await sampling;
  // Shutting down mid-interval: write what was seen so far, so a missing restart leaves no gap.
  await write(collector, current, log);
}

async function write(collector: ClusterCollector, start: number, log: (line: string) => void): Promise<void> {
  try {
    const r = await collector.writeInterval(start);
    if (r) {
      const kinds = Object.entries(r.byKind)
        .map(([k, n]) => `${k}=${n}`)
        .join(' ');
      log(`cluster-agent: ${r.ts}: ${r.records} records (${kinds}), ${r.usageSamples} usage sample(s)`);
    }
  } catch (err) {
    // A full disk or an unwritable spool: the next interval tries again.
    log(
      `cluster-agent: writing interval ${new Date(start).toISOString()} failed (${(err as Error).message})`,
    );
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function validate(o: ClusterAgentOptions): void {
  const bad = (what: string) => {
    throw new UsageError(`cluster-agent: ${what}`);
  };
  if (!o.cluster.trim()) bad('--cluster is required (the cluster name used in object keys)');
  if (!o.sink.trim()) bad('--sink is required (file://, s3://, gs:// or azblob:// URL)');
  if (!(o.intervalSeconds > 0)) bad(`interval must be > 0 seconds, got ${o.intervalSeconds}`);
  if (!(o.usageIntervalSeconds > 0)) bad(`usage interval must be > 0 seconds, got ${o.usageIntervalSeconds}`);
  if (!(o.spoolMaxBytes > 0)) bad(`spool size bound must be > 0 bytes, got ${o.spoolMaxBytes}`);
  if (!o.spoolDir.trim()) bad('a spool folder is required');
  if (!Number.isInteger(o.metricsPort) || o.metricsPort < 0 || o.metricsPort > 65535) {
    bad(`metrics port must be 0-65535, got ${o.metricsPort}`);
  }
}

function redactSink(sink: string): string {
  return sink.replace(/\?.*$/, '');
}
