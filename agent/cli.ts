/**
 * `ownercost agent node` and `ownercost agent cluster`: flags to options, nothing more.
 * The lead's CLI calls `registerAgentCommands(program)`.
 */
import os from 'node:os';
import path from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { UsageError } from '../core/schema/errors.js';
import { loadNodeAgentConfig, type NodeAgentConfig } from './config.js';
import { runNodeAgent } from './node/index.js';
import { FileTopologyProvider, StaticTopologyProvider, type TopologyProvider } from './node/topology.js';

const DEFAULT_SPOOL_MAX = 256 * 1024 * 1024;

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a port number (0 = off)');
  return n;
}

function wholeBytes(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError('must be a positive whole number of bytes');
  return n;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/** SIGINT/SIGTERM abort the returned signal (the agents flush and exit). */
function shutdownSignal(): AbortSignal {
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return ac.signal;
}

interface NodeFlags {
  topology?: string;
  node?: string;
  nodeName?: string;
  cluster?: string;
  conntrackFile?: string;
  once?: boolean;
  sampleSeconds?: number;
  interval?: number;
  shipInterval?: number;
  sink?: string;
  config?: string;
  metricsPort?: number;
  listen?: string;
  listenHost?: string;
  spoolDir?: string;
  spoolMaxBytes?: number;
  kubeconfig?: string;
  podScope?: 'node' | 'cluster';
}

export function registerAgentCommands(program: Command): Command {
  const agent = program
    .command('agent')
    .description('The in-cluster agent: node mode (conntrack flows) and cluster mode (inventory)');

  agent
    .command('node')
    .description(
      'Per-node collector: conntrack bytes per local pod by traffic class, shipped as flow records',
    )
    .option('--topology <file>', 'NDJSON node/pod/service records instead of the API server')
    .option(
      '--kubeconfig <file>',
      'kubeconfig for the API-server topology (default: in-cluster service account)',
    )
    .addOption(
      new Option('--pod-scope <scope>', 'watch every pod (remote pods get their zone) or only this node’s')
        .choices(['cluster', 'node'])
        .default('cluster'),
    )
    .option('--node <name>', 'this node (default $NODE_NAME)')
    .option('--node-name <name>', 'alias of --node')
    .option('--cluster <name>', 'cluster name in records and keys')
    .option(
      '--conntrack-file <path>',
      'a saved table (/proc/net/nf_conntrack or `conntrack -L -o extended,id` format)',
    )
    .option('--once', 'one sample and exit (live: two reads --sample-seconds apart; file: full counters)')
    .option('--sample-seconds <n>', 'seconds between the two reads of --once (default 1)', positiveNumber)
    .option('--interval <seconds>', 'seconds between table reads (default 5)', positiveNumber)
    .option(
      '--ship-interval <seconds>',
      'seconds of traffic per shipped batch of flow records (default 60)',
      positiveNumber,
    )
    .option('--sink <url>', 'object store for flow records (file://, s3://, gs://, azblob://)')
    .option('--config <file>', 'agent YAML: CIDR classifications, IP-range files, intervals, metrics, spool')
    .option('--metrics-port <n>', 'Prometheus /metrics port, 0 = off (default 9102)', port)
    .option('--listen <host>', 'metrics listen address (default 0.0.0.0)')
    .option('--listen-host <host>', 'alias of --listen')
    .option('--spool-dir <dir>', 'spool for batches not yet uploaded')
    .option('--spool-max-bytes <n>', 'spool size bound', wholeBytes)
    .addHelpText(
      'after',
      `
Examples:
  ownercost agent node --topology topo.ndjson --node node-a --cluster prod --once --sample-seconds 2
  ownercost agent node --conntrack-file saved.txt --topology topo.ndjson --node node-a --cluster prod --once
  NODE_NAME=node-a ownercost agent node --cluster prod --sink s3://bucket/agents --config agent.yaml
`,
    )
    .action(async (flags: NodeFlags) => {
      const config: NodeAgentConfig | null = flags.config ? await loadNodeAgentConfig(flags.config) : null;
      const node = flags.node ?? flags.nodeName ?? process.env.NODE_NAME;
      if (!node) throw new UsageError('agent node: give --node or set NODE_NAME');
      const cluster = flags.cluster ?? config?.cluster;
      if (!cluster) throw new UsageError('agent node: give --cluster (or cluster: in --config)');
      let topology: TopologyProvider;
      if (flags.topology) topology = new FileTopologyProvider(flags.topology);
      else if (!flags.kubeconfig && !process.env.KUBERNETES_SERVICE_HOST) {
        // Outside a cluster with no kubeconfig there is no API server to ask.
        log(
          'agent node: no --topology, --kubeconfig or in-cluster API server; pods are unknown (traffic counts as __host__)',
        );
        topology = new StaticTopologyProvider({ nodes: [], pods: [], services: [] });
      } else {
        // The API server: this node's pods (or every pod, for remote zones), nodes and services.
        const { KubeTopologyProvider, loadKubeConfig } = await import('../adapters/kube/index.js');
        topology = new KubeTopologyProvider({
          kubeConfig: loadKubeConfig(flags.kubeconfig),
          nodeName: node,
          cluster,
          podScope: flags.podScope ?? 'cluster',
          log,
        });
      }
      const sink = flags.sink ?? config?.sink;
      const once = flags.once ?? false;
      await runNodeAgent({
        cluster,
        node,
        topology,
        sink,
        conntrackFile: flags.conntrackFile,
        once,
        sampleSeconds: flags.sampleSeconds ?? config?.sampleSeconds ?? 1,
        intervalSeconds: flags.interval ?? config?.intervalSeconds ?? 5,
        shipIntervalSeconds: flags.shipInterval ?? config?.shipIntervalSeconds ?? 60,
        overrides: config?.destinations ?? {},
        ipRanges: config?.ipRanges ?? [],
        region: config?.region,
        zone: config?.zone,
        hostAddresses: config?.hostAddresses ?? [],
        metricsPort: flags.metricsPort ?? config?.metrics?.port ?? 9102,
        listenHost: flags.listen ?? flags.listenHost ?? config?.metrics?.listen ?? '0.0.0.0',
        spoolDir: flags.spoolDir ?? config?.spool?.dir ?? path.join(os.tmpdir(), 'ownercost-node-spool'),
        spoolMaxBytes: flags.spoolMaxBytes ?? config?.spool?.maxBytes ?? DEFAULT_SPOOL_MAX,
        log,
        signal: once ? undefined : shutdownSignal(),
      });
    });

  agent
    .command('cluster')
    .description('Cluster collector: inventory and usage snapshots')
    .requiredOption('--cluster <name>', 'cluster name in records and keys')
    .requiredOption('--sink <url>', 'object store for snapshots (file://, s3://, gs://, azblob://)')
    .option('--interval <seconds>', 'seconds between inventory snapshots', positiveNumber, 300)
    .option('--usage-interval <seconds>', 'seconds between usage samples', positiveNumber, 60)
    .option('--kubeconfig <file>', 'kubeconfig (default: in-cluster service account)')
    .option('--once', 'one snapshot and exit')
    .option(
      '--spool-dir <dir>',
      'spool for batches not yet uploaded',
      path.join(os.tmpdir(), 'ownercost-cluster-spool'),
    )
    .option('--spool-max-bytes <n>', 'spool size bound', wholeBytes, DEFAULT_SPOOL_MAX)
    .option('--metrics-port <n>', 'Prometheus /metrics port, 0 = off', port, 9102)
    .option('--listen <host>', 'metrics listen address', '0.0.0.0')
    .action(
      async (o: {
        cluster: string;
        sink: string;
        interval: number;
        usageInterval: number;
        kubeconfig?: string;
        once?: boolean;
        spoolDir: string;
        spoolMaxBytes: number;
        metricsPort: number;
        listen: string;
      }) => {
        // Loaded on use, so node mode does not load the Kubernetes informers; a static specifier,
        // so the agent bundle (npm run build:agent) carries it.
        const { runClusterAgent } = await import('./cluster/index.js');
        await runClusterAgent({
          cluster: o.cluster,
          sink: o.sink,
          intervalSeconds: o.interval,
          usageIntervalSeconds: o.usageInterval,
          kubeconfig: o.kubeconfig,
          once: o.once ?? false,
          spoolDir: o.spoolDir,
          spoolMaxBytes: o.spoolMaxBytes,
          metricsPort: o.metricsPort,
          listenHost: o.listen,
          log,
          signal: o.once ? undefined : shutdownSignal(),
        });
      },
    );
  return agent;
}
