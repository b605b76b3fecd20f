/**
 * The simulated organisation: an EKS-like and a GKE-like cluster, about fifteen teams, AI and
 * classic workloads, the planted week-over-week causes and the planted waste. Pure data built
 * from the window, the scale and a seeded generator.
 */
import type { FindingType } from '../findings/types.js';
import { Rng } from './rng.js';
import {
  DAY_MS,
  isoSeconds,
  SAMPLES_PER_DAY,
  SAMPLES_PER_HOUR,
  SAMPLES_PER_WEEK,
  type SimWindow,
  sampleIndex,
} from './time.js';
import type {
  ClusterSpec,
  ContainerSpec,
  CronPhase,
  Labels,
  NamespaceSpec,
  TrafficSpec,
  UsageSpec,
  WorkloadSpec,
} from './types.js';

export type Scale = 'small' | 'large';

/** Replica, parallelism and pool-size multiplier per scale. */
export const SCALE_FACTOR: Record<Scale, number> = { small: 1, large: 5 };

export type CauseKind = 'gpu-parallelism' | 'new-preview-env' | 'cronjob-frequency' | 'new-training-job';

/** A planted reason why the last week costs more than the week before. */
export interface PlantedCause {
  id: string;
  kind: CauseKind;
  description: string;
  cluster: string;
  namespace: string;
  workload?: string;
  /** When the change happened (ISO UTC). */
  startsAt: string;
  /** Where its cost shows up in the bill: a node pool, or the resource ids of new assets. */
  evidence: { nodePool?: string; resourceIds?: string[] };
}

/** What the simulator plants is what the detectors find: one vocabulary. */
export type WasteType = FindingType;

/**
 * Planted waste. `workload` names a controller; for namespace-wide waste it is '' (scope
 * `namespace`), for node pools it is the pool name with namespace '' (scope `nodePool`), for a
 * cluster-scoped volume the PV name with namespace '' (scope `volume`), for a claim the PVC name.
 */
export interface PlantedWaste {
  type: WasteType;
  cluster: string;
  namespace: string;
  workload: string;
  scope: 'workload' | 'namespace' | 'nodePool' | 'volume' | 'claim';
  detail: string;
}

export interface HealthyWorkload {
  cluster: string;
  namespace: string;
  workload: string;
}

export interface Organisation {
  clusters: ClusterSpec[];
  teams: string[];
  causes: PlantedCause[];
  waste: PlantedWaste[];
  healthy: HealthyWorkload[];
}

const MB = 1_000_000;

function qty(cpu: number, memGiB: number, gpus = 0) {
  return { cpu, memGiB, gpus };
}

function container(name: string, image: string, cpu: number, memGiB: number, gpus = 0): ContainerSpec {
  return { name, image, request: qty(cpu, memGiB, gpus), limit: qty(cpu * 2, memGiB, gpus) };
}

function usage(cpu: number, mem: number, diurnal = 0.3, noise = 0.15, gpu?: number): UsageSpec {
  return gpu === undefined ? { cpu, mem, diurnal, noise } : { cpu, mem, diurnal, noise, gpu };
}

function traffic(
  cls: TrafficSpec['class'],
  egress: number,
  ingress: number,
  opts: { service?: string; viaNat?: boolean } = {},
): TrafficSpec {
  return { class: cls, service: opts.service ?? null, viaNat: opts.viaNat ?? false, egress, ingress };
}

/** Builds the organisation for a window and scale. */
export function defineOrganisation(window: SimWindow, scale: Scale, seed: number): Organisation {
  const f = SCALE_FACTOR[scale];
  const rng = Rng.derive(seed, 'org');
  const n = window.samples;
  const change = sampleIndex(window, window.changeWeekStartMs);
  /** Sample index of day `day` (0 = Monday of the change week) at `hour`:`minute`. */
  const at = (day: number, hour: number, minute = 0) =>
    Math.min(n, change + day * SAMPLES_PER_DAY + hour * SAMPLES_PER_HOUR + Math.floor(minute / 5));
  const longAgo = Date.UTC(2025, 2, 3);
  const r = (replicas: number) => Math.max(1, Math.round(replicas * f));

  /** One or two rollouts per week at seeded working hours, for a lively Deployment. */
  const rollouts = (perWeek: number): number[] => {
    const out: number[] = [];
    for (let w = 0; w < window.weeks; w++) {
      for (let i = 0; i < perWeek; i++) {
        const day = rng.int(0, 4);
        const hour = rng.int(9, 17);
        out.push(w * SAMPLES_PER_WEEK + day * SAMPLES_PER_DAY + hour * SAMPLES_PER_HOUR + rng.int(0, 11));
      }
    }
    return out.filter((k) => k > 0 && k < n).sort((a, b) => a - b);
  };

  const base = (
    w: Partial<WorkloadSpec> & Pick<WorkloadSpec, 'name' | 'kind' | 'containers'>,
  ): WorkloadSpec => ({
    labels: {},
    podLabels: {},
    pool: null,
    usage: usage(0.5, 0.6),
    traffic: [],
    replicas: 1,
    fromIdx: 0,
    toIdx: n,
    rollouts: [],
    ...w,
  });
  const deploy = (
    name: string,
    pool: string,
    replicas: number,
    c: ContainerSpec[],
    rest: Partial<WorkloadSpec> = {},
  ): WorkloadSpec => base({ name, kind: 'Deployment', pool, replicas: r(replicas), containers: c, ...rest });
  const sts = (
    name: string,
    pool: string,
    replicas: number,
    c: ContainerSpec[],
    claim: WorkloadSpec['claimTemplate'],
    rest: Partial<WorkloadSpec> = {},
  ): WorkloadSpec =>
    base({ name, kind: 'StatefulSet', pool, replicas, containers: c, claimTemplate: claim, ...rest });
  const daemon = (name: string, c: ContainerSpec[], rest: Partial<WorkloadSpec> = {}): WorkloadSpec =>
    base({ name, kind: 'DaemonSet', containers: c, usage: usage(0.4, 0.7, 0.1, 0.1), ...rest });
  const cron = (
    name: string,
    pool: string,
    phases: CronPhase[],
    podIntervals: number,
    parallelism: number,
    c: ContainerSpec[],
    rest: Partial<WorkloadSpec> = {},
  ): WorkloadSpec =>
    base({
      name,
      kind: 'CronJob',
      pool,
      containers: c,
      cron: { phases, podIntervals, parallelism: r(parallelism), concurrencyPolicy: 'Allow' },
      usage: usage(0.8, 0.7, 0, 0.1),
      ...rest,
    });
  const every = (fromIdx: number, schedule: string, everyMinutes: number, offsetMinutes = 0): CronPhase => ({
    fromIdx,
    schedule,
    everyMinutes,
    offsetMinutes,
  });
  const ns = (
    name: string,
    labels: Labels,
    workloads: WorkloadSpec[],
    rest: Partial<NamespaceSpec> = {},
  ): NamespaceSpec => ({
    name,
    labels,
    annotations: {},
    createdAtMs: longAgo,
    fromIdx: 0,
    workloads,
    ...rest,
  });
  const platform = { 'app.kubernetes.io/part-of': 'platform' };
  const team = (t: string, extra: Labels = {}): Labels => ({ team: t, ...extra });

  // ---------------------------------------------------------------- EKS: prod-use1
  const previewNewIdx = at(1, 10);
  const previewNewMs = window.startMs + previewNewIdx * 300_000;
  const evalsGrowIdx = at(0, 2);
  const eks: ClusterSpec = {
    name: 'prod-use1',
    provider: 'aws',
    region: 'us-east-1',
    zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
    account: '123456789012',
    billingTags: { environment: 'production', 'cost-center': 'CC-100' },
    pools: [
      {
        name: 'general',
        instanceType: 'm6i.2xlarge',
        capacityType: 'on-demand',
        min: 3 * f,
        max: 40 * f,
        autoscale: true,
      },
      {
        name: 'spot',
        instanceType: 'm6i.2xlarge',
        capacityType: 'spot',
        min: 2 * f,
        max: 30 * f,
        autoscale: true,
        interruptionMeanHours: 60,
      },
      {
        name: 'gpu',
        instanceType: 'g5.2xlarge',
        capacityType: 'on-demand',
        min: 1,
        max: 20 * f,
        autoscale: true,
      },
      {
        name: 'gpu-warm',
        instanceType: 'g5.xlarge',
        capacityType: 'on-demand',
        min: 2 * f,
        max: 2 * f,
        autoscale: false,
      },
    ],
    orphanVolumes: [{ storageClass: 'gp3', sizeGiB: 100, zoneIdx: 0 }],
    namespaces: [
      ns('kube-system', {}, [
        daemon('aws-node', [container('aws-node', 'amazon-k8s-cni:v1.19.2', 0.025, 0.0625)], {
          hostNetwork: true,
          labels: platform,
          podLabels: platform,
        }),
        daemon('kube-proxy', [container('kube-proxy', 'kube-proxy:v1.31.3-eksbuild.2', 0.1, 0.125)], {
          hostNetwork: true,
          labels: platform,
          podLabels: platform,
        }),
        daemon('ebs-csi-node', [container('ebs-plugin', 'aws-ebs-csi-driver:v1.38.1', 0.01, 0.04)], {
          labels: platform,
          podLabels: platform,
        }),
        deploy('coredns', 'general', 2, [container('coredns', 'coredns:v1.11.4-eksbuild.2', 0.1, 0.07)], {
          labels: platform,
          podLabels: platform,
          traffic: [traffic('cross-zone', 20_000, 20_000)],
        }),
      ]),
      ns('monitoring', team('platform'), [
        daemon('node-exporter', [container('node-exporter', 'prom/node-exporter:v1.8.2', 0.1, 0.125)], {
          hostNetwork: true,
          labels: platform,
          podLabels: platform,
        }),
        sts(
          'prometheus',
          'general',
          1,
          [container('prometheus', 'prom/prometheus:v3.1.0', 1, 6)],
          {
            storageClass: 'gp3',
            sizeGiB: 200,
          },
          {
            labels: platform,
            podLabels: platform,
            usage: usage(0.7, 0.8, 0.1),
            traffic: [traffic('cross-zone', 150_000, 400_000)],
          },
        ),
        deploy('grafana', 'general', 1, [container('grafana', 'grafana/grafana:11.4.0', 0.2, 0.5)], {
          labels: platform,
          podLabels: platform,
        }),
        deploy(
          'kube-state-metrics',
          'general',
          1,
          [container('ksm', 'kube-state-metrics:v2.14.0', 0.1, 0.25)],
          {
            labels: platform,
            podLabels: platform,
          },
        ),
      ]),
      ns('ml-serving', team('ml-serving', { cost_center: 'CC-310' }), [
        deploy('llm-gateway', 'general', 10, [container('gateway', 'acme/llm-gateway:2.14.1', 1, 2)], {
          podLabels: { team: 'ml-serving', env: 'prod', workload_type: 'serving' },
          usage: usage(0.6, 0.65, 0.35),
          traffic: [
            traffic('internet', 300_000, 150_000, { viaNat: false }),
            traffic('cross-zone', 60_000, 60_000),
          ],
          service: { type: 'LoadBalancer' },
          rollouts: rollouts(1),
        }),
        deploy('llm-serve', 'gpu', 2, [container('vllm', 'vllm/vllm-openai:v0.7.2', 6, 24, 1)], {
          podLabels: { team: 'ml-serving', env: 'prod', workload_type: 'serving' },
          usage: usage(0.45, 0.8, 0.3, 0.1, 0.8),
          traffic: [],
          rollouts: rollouts(1),
        }),
      ]),
      ns('ai-evals', team('ai-evals', { cost_center: 'CC-330' }), [
        base({
          name: 'gpu-eval-suite',
          kind: 'Job',
          pool: 'gpu',
          containers: [container('evaluator', 'acme/eval-harness:0.9.3', 4, 16, 1)],
          podLabels: { workload_type: 'evaluation' },
          usage: usage(0.65, 0.7, 0, 0.1, 0.9),
          traffic: [traffic('in-zone', 50_000, 800_000, { service: 's3' })],
          job: {
            parallelism: [
              { fromIdx: 0, value: 2 * f },
              ...(window.weeks > 1 ? [{ fromIdx: evalsGrowIdx, value: 6 * f }] : []),
            ],
            podIntervals: 20,
            gapIntervals: 1,
            backoffLimit: 6,
            failing: false,
          },
        }),
        cron(
          'cpu-eval-harness',
          'general',
          [every(0, '0 */2 * * *', 120)],
          8,
          3,
          [container('harness', 'acme/eval-harness:0.9.3', 3, 8)],
          { podLabels: { workload_type: 'evaluation' } },
        ),
      ]),
      ns('embeddings', team('embeddings'), [
        deploy('embedder', 'spot', 12, [container('embedder', 'acme/embedder:1.4.0', 1.5, 4)], {
          podLabels: { team: 'embeddings', workload_type: 'embedding' },
          usage: usage(0.6, 0.7, 0.3),
          traffic: [traffic('cross-zone', 2_500_000, 600_000)],
          rollouts: rollouts(1),
        }),
        cron(
          'embed-refresh',
          'spot',
          [every(0, '15 * * * *', 60, 15)],
          3,
          2,
          [container('refresh', 'acme/embedder:1.4.0', 2, 4)],
          {
            podLabels: { team: 'embeddings', workload_type: 'embedding' },
            traffic: [traffic('in-zone', 100_000, 5 * MB, { service: 's3' })],
          },
        ),
      ]),
      ns('vector-search', team('vector-infra'), [
        sts(
          'vector-db',
          'general',
          3,
          [container('qdrant', 'qdrant/qdrant:v1.13.2', 2, 12)],
          {
            storageClass: 'gp3',
            sizeGiB: 500,
          },
          {
            podLabels: { team: 'vector-infra', workload_type: 'app' },
            usage: usage(0.5, 0.85, 0.25),
            traffic: [traffic('cross-zone', 500_000, 2 * MB)],
          },
        ),
        deploy('query-router', 'general', 3, [container('router', 'acme/vector-router:0.6.1', 0.5, 1)], {
          podLabels: { team: 'vector-infra', workload_type: 'app' },
          usage: usage(0.55, 0.6),
          traffic: [traffic('cross-zone', 30_000, 30_000)],
          service: { type: 'LoadBalancer' },
        }),
      ]),
      ns('search', team('search'), [
        deploy('ranker-api', 'general', 3, [container('ranker', 'acme/ranker:3.2.0', 4, 12)], {
          podLabels: { team: 'search', env: 'prod', workload_type: 'serving' },
          usage: usage(0.04, 0.08, 0.3, 0.2),
          traffic: [],
          rollouts: rollouts(1),
        }),
        deploy('query-svc', 'general', 8, [container('query', 'acme/query-svc:5.0.4', 1, 2)], {
          podLabels: { team: 'search', env: 'prod', workload_type: 'app' },
          usage: usage(0.65, 0.7, 0.35),
          traffic: [traffic('internet', 250_000, 80_000)],
          service: { type: 'LoadBalancer' },
          rollouts: rollouts(2),
        }),
      ]),
      ns('recsys', team('recsys'), [
        deploy('recs-api', 'general', 8, [container('recs', 'acme/recs-api:1.22.0', 1, 3)], {
          podLabels: { team: 'recsys', owner: 'maria.chen', workload_type: 'serving' },
          usage: usage(0.6, 0.7, 0.3),
          traffic: [traffic('cross-zone', 40_000, 40_000)],
          rollouts: rollouts(1),
        }),
        cron(
          'recs-train',
          'spot',
          [every(0, '0 2 * * *', 1440, 120)],
          24,
          4,
          [container('trainer', 'acme/recs-train:1.22.0', 4, 16)],
          {
            podLabels: { team: 'recsys', workload_type: 'training' },
            traffic: [traffic('in-zone', 200_000, 8 * MB, { service: 's3' })],
          },
        ),
      ]),
      ns('growth', team('growth'), [
        deploy('legacy-recs', 'general', 2, [container('legacy', 'acme/legacy-recs:0.3.9', 0.5, 2)], {
          podLabels: { team: 'growth', workload_type: 'app' },
          usage: usage(0.004, 0.1, 0, 0.2),
        }),
        deploy('growth-web', 'general', 4, [container('web', 'acme/growth-web:4.1.2', 0.5, 1)], {
          podLabels: { team: 'growth', workload_type: 'app' },
          usage: usage(0.6, 0.65, 0.4),
          traffic: [traffic('internet', 150_000, 40_000)],
          rollouts: rollouts(2),
        }),
      ]),
      ns('data-eng', team('data-eng'), [
        base({
          name: 'migrate-user-events',
          kind: 'Job',
          pool: 'general',
          containers: [container('migrate', 'acme/migrations:2024.10.2', 0.5, 1)],
          podLabels: { team: 'data-eng', workload_type: 'batch' },
          usage: usage(0.3, 0.4, 0, 0.2),
          job: {
            parallelism: [{ fromIdx: 0, value: 1 }],
            podIntervals: 3,
            gapIntervals: 2,
            backoffLimit: 10000,
            failing: true,
          },
        }),
        deploy('dataset-sync', 'general', 2, [container('sync', 'acme/dataset-sync:1.0.7', 1, 2)], {
          podLabels: { team: 'data-eng', workload_type: 'batch' },
          usage: usage(0.3, 0.5, 0.1),
          traffic: [traffic('in-zone', 50_000, 3 * MB, { service: 's3', viaNat: true })],
        }),
      ]),
      ns('payments', team('payments', { cost_center: 'CC-120' }), [
        deploy('payments-api', 'general', 6, [container('api', 'acme/payments-api:7.3.1', 1, 2)], {
          podLabels: {
            team: 'payments',
            owner: 'li.wei',
            cost_center: 'CC-120',
            env: 'prod',
            workload_type: 'app',
          },
          usage: usage(0.6, 0.7, 0.35),
          traffic: [
            traffic('internet', 50_000, 50_000, { viaNat: true }),
            traffic('cross-zone', 50_000, 50_000),
            traffic('cross-region', 40_000, 0),
          ],
          rollouts: rollouts(1),
        }),
        deploy('ledger-worker', 'general', 2, [container('worker', 'acme/ledger:7.3.1', 0.5, 1)], {
          podLabels: { team: 'payments', cost_center: 'CC-120', workload_type: 'batch' },
          usage: usage(0.6, 0.7, 0.2),
        }),
      ]),
      ns('web', team('web'), [
        deploy('storefront', 'general', 10, [container('storefront', 'acme/storefront:12.8.0', 0.5, 1)], {
          podLabels: { team: 'web', env: 'prod', workload_type: 'app' },
          usage: usage(0.6, 0.7, 0.45),
          traffic: [traffic('internet', 400_000, 50_000)],
          service: { type: 'LoadBalancer' },
          rollouts: rollouts(2),
        }),
      ]),
      ns('research', team('ml-research'), [
        base({
          name: 'adhoc-finetune',
          kind: 'Job',
          pool: 'gpu-warm',
          containers: [container('notebook-job', 'acme/finetune:0.2.0', 3, 12, 1)],
          podLabels: { team: 'ml-research', workload_type: 'training' },
          usage: usage(0.7, 0.7, 0, 0.1, 0.9),
          sporadic: { runsPerDay: 2, podIntervals: 9 },
        }),
      ]),
      ns('ml-staging', team('ml-serving', { env: 'staging' }), [
        sts(
          'vector-db-staging',
          'general',
          1,
          [container('qdrant', 'qdrant/qdrant:v1.13.2', 1, 4)],
          {
            storageClass: 'io2',
            sizeGiB: 1000,
            iops: 8000,
          },
          { podLabels: { env: 'staging', workload_type: 'app' }, usage: usage(0.3, 0.6, 0.1) },
        ),
      ]),
      ns('preview-pr-977', team('web', { env: 'preview' }), previewEnv(base, 'preview-pr-977', 20, false), {
        annotations: { 'preview.acme.io/pull-request': '977' },
        createdAtMs: window.changeWeekStartMs - 40 * DAY_MS,
      }),
      ns(
        'preview-pr-1432',
        team('web', { env: 'preview' }),
        previewEnv(base, 'preview-pr-1432', 100, true).map((w) => ({ ...w, fromIdx: previewNewIdx })),
        {
          annotations: { 'preview.acme.io/pull-request': '1432' },
          createdAtMs: previewNewMs,
          fromIdx: previewNewIdx,
        },
      ),
      ns('tmp-jsmith', {}, [
        deploy('scratch-runner', 'general', 1, [container('runner', 'python:3.12-slim', 1, 4)], {
          usage: usage(0.2, 0.3, 0, 0.3),
        }),
      ]),
    ],
  };

  // ---------------------------------------------------------------- GKE: ml-usc1
  const backfillChangeIdx = at(1, 9);
  const finetuneIdx = at(2, 9);
  const gke: ClusterSpec = {
    name: 'ml-usc1',
    provider: 'gcp',
    region: 'us-central1',
    zones: ['us-central1-a', 'us-central1-b', 'us-central1-c'],
    account: 'acme-ml-prod',
    billingTags: { environment: 'production', 'cost-center': 'cc-200' },
    pools: [
      {
        name: 'default-pool',
        instanceType: 'n2-standard-8',
        capacityType: 'on-demand',
        min: 3 * f,
        max: 30 * f,
        autoscale: true,
      },
      {
        name: 'batch-pool',
        instanceType: 'n2-standard-8',
        capacityType: 'spot',
        min: 0,
        max: 20 * f,
        autoscale: true,
        interruptionMeanHours: 48,
      },
      {
        name: 'gpu-pool',
        instanceType: 'g2-standard-8',
        capacityType: 'on-demand',
        min: 1,
        max: 16 * f,
        autoscale: true,
      },
      {
        name: 'legacy-pool',
        instanceType: 'n2-standard-8',
        capacityType: 'on-demand',
        min: 4 * f,
        max: 4 * f,
        autoscale: false,
      },
    ],
    orphanVolumes: [],
    namespaces: [
      ns('kube-system', {}, [
        daemon(
          'kube-proxy',
          [container('kube-proxy', 'gke.gcr.io/kube-proxy-amd64:v1.31.4-gke.1', 0.1, 0.125)],
          {
            hostNetwork: true,
            labels: platform,
            podLabels: platform,
          },
        ),
        daemon(
          'pdcsi-node',
          [
            container(
              'gce-pd-driver',
              'gke.gcr.io/gcp-compute-persistent-disk-csi-driver:v1.15.3',
              0.01,
              0.02,
            ),
          ],
          {
            labels: platform,
            podLabels: platform,
          },
        ),
        daemon('fluentbit-gke', [container('fluentbit', 'gke.gcr.io/fluent-bit:v1.8.12-gke.34', 0.1, 0.2)], {
          labels: platform,
          podLabels: platform,
          traffic: [],
        }),
        deploy(
          'kube-dns',
          'default-pool',
          2,
          [container('kubedns', 'gke.gcr.io/k8s-dns-kube-dns:1.23.0', 0.26, 0.1)],
          {
            labels: platform,
            podLabels: platform,
          },
        ),
        deploy(
          'metrics-server',
          'default-pool',
          1,
          [container('metrics-server', 'gke.gcr.io/metrics-server:v0.7.2', 0.05, 0.1)],
          {
            labels: platform,
            podLabels: platform,
          },
        ),
      ]),
      ns('monitoring', team('platform'), [
        daemon('node-exporter', [container('node-exporter', 'prom/node-exporter:v1.8.2', 0.1, 0.125)], {
          hostNetwork: true,
          labels: platform,
          podLabels: platform,
        }),
        sts(
          'prometheus',
          'default-pool',
          1,
          [container('prometheus', 'prom/prometheus:v3.1.0', 1, 6)],
          {
            storageClass: 'standard-rwo',
            sizeGiB: 200,
          },
          { labels: platform, podLabels: platform, usage: usage(0.7, 0.8, 0.1) },
        ),
        deploy('grafana', 'default-pool', 1, [container('grafana', 'grafana/grafana:11.4.0', 0.2, 0.5)], {
          labels: platform,
          podLabels: platform,
        }),
      ]),
      ns('ml-research', team('ml-research', { cost_center: 'CC-340' }), [
        deploy('jupyter-hub', 'default-pool', 1, [container('hub', 'jupyterhub/k8s-hub:4.0.0', 0.5, 2)], {
          podLabels: { workload_type: 'app' },
          usage: usage(0.3, 0.6),
          service: { type: 'LoadBalancer' },
          traffic: [traffic('internet', 30_000, 20_000)],
        }),
        ...(window.weeks > 1
          ? [
              base({
                name: 'llm-finetune-v3',
                kind: 'Job',
                pool: 'gpu-pool',
                fromIdx: finetuneIdx,
                containers: [container('trainer', 'acme/llm-finetune:3.0.0', 6, 24, 1)],
                podLabels: { team: 'ml-research', owner: 'a.okafor', workload_type: 'training' },
                usage: usage(0.8, 0.85, 0, 0.05, 0.95),
                traffic: [
                  traffic('cross-zone', 1_500_000, 1_500_000),
                  traffic('in-zone', 50_000, 2 * MB, { service: 'gcs' }),
                ],
                job: {
                  parallelism: [{ fromIdx: finetuneIdx, value: 4 * f }],
                  podIntervals: 3 * SAMPLES_PER_DAY,
                  gapIntervals: 0,
                  backoffLimit: 3,
                  failing: false,
                  completions: 4 * f,
                },
              }),
            ]
          : []),
      ]),
      ns('serving', team('ml-serving'), [
        deploy('reranker', 'gpu-pool', 2, [container('reranker', 'acme/reranker-l4:1.1.0', 4, 16, 1)], {
          podLabels: { team: 'ml-serving', env: 'prod', workload_type: 'serving' },
          usage: usage(0.55, 0.75, 0.3, 0.1, 0.75),
          service: { type: 'LoadBalancer' },
          traffic: [traffic('internet', 200_000, 100_000)],
          rollouts: rollouts(1),
        }),
      ]),
      ns('data-pipelines', team('data-platform'), [
        cron(
          'feature-backfill',
          'batch-pool',
          [
            every(0, '0 */6 * * *', 360),
            ...(window.weeks > 1 ? [every(backfillChangeIdx, '*/10 * * * *', 10)] : []),
          ],
          6,
          4,
          [container('backfill', 'acme/feature-backfill:2.3.0', 3, 12)],
          {
            podLabels: { team: 'data-platform', workload_type: 'batch' },
            traffic: [traffic('in-zone', 100_000, 3 * MB, { service: 'gcs' })],
          },
        ),
        cron(
          'daily-etl',
          'batch-pool',
          [every(0, '0 3 * * *', 1440, 180)],
          18,
          6,
          [container('etl', 'acme/etl:5.9.1', 4, 16)],
          {
            podLabels: { team: 'data-platform', workload_type: 'batch' },
            traffic: [
              traffic('in-zone', 1 * MB, 6 * MB, { service: 'gcs' }),
              traffic('cross-zone', 500_000, 500_000),
            ],
          },
        ),
      ]),
      ns(
        'analytics',
        team('analytics'),
        [
          deploy(
            'dashboard-backend',
            'default-pool',
            4,
            [container('backend', 'acme/dashboards:8.0.2', 3, 8)],
            {
              podLabels: { team: 'analytics', workload_type: 'app' },
              usage: usage(0.03, 0.1, 0.3, 0.2),
              traffic: [],
            },
          ),
          deploy('trino-worker', 'legacy-pool', 3, [container('trino', 'trinodb/trino:468', 2, 8)], {
            podLabels: { team: 'analytics', workload_type: 'batch' },
            usage: usage(0.3, 0.6, 0.3),
            traffic: [traffic('cross-zone', 200_000, 200_000)],
          }),
        ],
        {
          unmountedClaims: [{ name: 'scratch-data', storageClass: 'premium-rwo', sizeGiB: 500, zoneIdx: 1 }],
        },
      ),
      ns('fraud', team('fraud', { cost_center: 'CC-220' }), [
        deploy('fraud-scorer', 'default-pool', 10, [container('scorer', 'acme/fraud-scorer:4.4.0', 1, 2)], {
          podLabels: { team: 'fraud', cost_center: 'CC-220', env: 'prod', workload_type: 'serving' },
          usage: usage(0.6, 0.7, 0.35),
          service: { type: 'LoadBalancer' },
          traffic: [
            traffic('internet', 100_000, 60_000, { viaNat: true }),
            traffic('cross-zone', 80_000, 0),
            traffic('cross-region', 30_000, 0),
          ],
          rollouts: rollouts(1),
        }),
        cron(
          'model-refresh',
          'default-pool',
          [every(0, '30 */4 * * *', 240, 30)],
          4,
          1,
          [container('refresh', 'acme/fraud-scorer:4.4.0', 2, 4)],
          { podLabels: { team: 'fraud', workload_type: 'training' } },
        ),
      ]),
      ns('identity', team('identity'), [
        deploy('auth-svc', 'default-pool', 8, [container('auth', 'acme/auth:9.1.0', 0.5, 1)], {
          podLabels: { team: 'identity', env: 'prod', workload_type: 'app' },
          usage: usage(0.6, 0.7, 0.35),
          traffic: [traffic('cross-zone', 40_000, 0)],
          rollouts: rollouts(1),
        }),
        sts(
          'session-cache',
          'default-pool',
          3,
          [container('redis', 'redis:7.4', 0.5, 2)],
          {
            storageClass: 'standard-rwo',
            sizeGiB: 20,
          },
          {
            podLabels: { team: 'identity', workload_type: 'app' },
            usage: usage(0.5, 0.75, 0.2),
            traffic: [],
          },
        ),
      ]),
      ns('dev-sandbox', team('ml-research', { env: 'dev' }), [
        sts(
          'feature-store-dev',
          'default-pool',
          1,
          [container('store', 'acme/feature-store:0.4.0', 1, 4)],
          {
            storageClass: 'pd-extreme',
            sizeGiB: 500,
            iops: 10000,
          },
          { podLabels: { env: 'dev', workload_type: 'app' }, usage: usage(0.2, 0.5, 0.1) },
        ),
      ]),
      ns('default', {}, [
        deploy('debug-shell', 'default-pool', 1, [container('shell', 'busybox:1.37', 0.5, 1)], {
          usage: usage(0.02, 0.1, 0, 0.3),
        }),
      ]),
    ],
  };

  const iso = (k: number) => isoSeconds(window.startMs + k * 300_000);
  const causes: PlantedCause[] =
    window.weeks > 1
      ? [
          {
            id: 'ai-evals-gpu-parallelism',
            kind: 'gpu-parallelism',
            description: `ai-evals raised the parallelism of Job gpu-eval-suite from ${2 * f} to ${6 * f} GPU pods, so the gpu node pool scaled out`,
            cluster: 'prod-use1',
            namespace: 'ai-evals',
            workload: 'gpu-eval-suite',
            startsAt: iso(evalsGrowIdx),
            evidence: { nodePool: 'gpu' },
          },
          {
            id: 'preview-pr-1432',
            kind: 'new-preview-env',
            description:
              'a new preview environment appeared (namespace preview-pr-1432: web, api, a GPU model server, Postgres on a volume, a load balancer)',
            cluster: 'prod-use1',
            namespace: 'preview-pr-1432',
            startsAt: iso(previewNewIdx),
            evidence: {},
          },
          {
            id: 'feature-backfill-schedule',
            kind: 'cronjob-frequency',
            description:
              'CronJob feature-backfill changed its schedule from "0 */6 * * *" to "*/10 * * * *"; runs overlap and the batch-pool scaled out',
            cluster: 'ml-usc1',
            namespace: 'data-pipelines',
            workload: 'feature-backfill',
            startsAt: iso(backfillChangeIdx),
            evidence: { nodePool: 'batch-pool' },
          },
          {
            id: 'llm-finetune-v3',
            kind: 'new-training-job',
            description: `ml-research started Job llm-finetune-v3: ${4 * f} L4 GPU pods for three days on gpu-pool`,
            cluster: 'ml-usc1',
            namespace: 'ml-research',
            workload: 'llm-finetune-v3',
            startsAt: iso(finetuneIdx),
            evidence: { nodePool: 'gpu-pool' },
          },
        ]
      : [];

  const w = (
    type: WasteType,
    cluster: string,
    namespace: string,
    workload: string,
    detail: string,
    scope: PlantedWaste['scope'] = 'workload',
  ): PlantedWaste => ({ type, cluster, namespace, workload, scope, detail });
  const waste: PlantedWaste[] = [
    w(
      'overprovisioned-requests',
      'prod-use1',
      'search',
      'ranker-api',
      'requests 4 cores / 12 GiB per pod, uses about 0.16 cores / 1 GiB',
    ),
    w(
      'overprovisioned-requests',
      'ml-usc1',
      'analytics',
      'dashboard-backend',
      'requests 3 cores / 8 GiB per pod, uses about 0.1 cores / 0.8 GiB',
    ),
    w(
      'idle-workload',
      'prod-use1',
      'growth',
      'legacy-recs',
      'near-zero CPU and no network traffic all window',
    ),
    w(
      'cronjob-too-often',
      'ml-usc1',
      'data-pipelines',
      'feature-backfill',
      'runs every 10 minutes for 30 minutes: runs overlap',
    ),
    w(
      'job-retrying',
      'prod-use1',
      'data-eng',
      'migrate-user-events',
      'every pod fails; backoffLimit 10000, failed count keeps growing',
    ),
    w(
      'old-preview-env',
      'prod-use1',
      'preview-pr-977',
      '',
      'created 40 days before the last week, unchanged since',
      'namespace',
    ),
    w(
      'nodepool-overprovisioned',
      'ml-usc1',
      '',
      'legacy-pool',
      'fixed at 4 nodes, about 20% of CPU requested',
      'nodePool',
    ),
    w(
      'expensive-storage-class',
      'prod-use1',
      'ml-staging',
      'vector-db-staging',
      'io2 volume with 8000 provisioned IOPS in a staging namespace',
    ),
    w(
      'expensive-storage-class',
      'ml-usc1',
      'dev-sandbox',
      'feature-store-dev',
      'pd-extreme volume with 10000 IOPS in a dev namespace',
    ),
    w(
      'gpu-warm-idle',
      'prod-use1',
      '',
      'gpu-warm',
      'two g5.xlarge kept warm for research/adhoc-finetune, which runs twice a day',
      'nodePool',
    ),
    w(
      'eval-on-ondemand',
      'prod-use1',
      'ai-evals',
      'cpu-eval-harness',
      'evaluation CronJob pinned to the on-demand general pool',
    ),
    w(
      'cross-zone-traffic',
      'prod-use1',
      'embeddings',
      'embedder',
      'about 3 MB/s per pod to vector-db replicas in other zones',
    ),
    w(
      'nat-storage-traffic',
      'prod-use1',
      'data-eng',
      'dataset-sync',
      'reads S3 through the NAT gateways instead of a gateway endpoint',
    ),
    w(
      'unowned',
      'prod-use1',
      'tmp-jsmith',
      'scratch-runner',
      'no owner labels on the pod, controller or namespace',
    ),
    w('unowned', 'ml-usc1', 'default', 'debug-shell', 'no owner labels on the pod, controller or namespace'),
    w('orphan-volume', 'ml-usc1', 'analytics', 'scratch-data', 'Bound claim that no pod mounts', 'claim'),
  ];

  const healthy: HealthyWorkload[] = [
    ['prod-use1', 'ml-serving', 'llm-gateway'],
    ['prod-use1', 'vector-search', 'query-router'],
    ['prod-use1', 'search', 'query-svc'],
    ['prod-use1', 'recsys', 'recs-api'],
    ['prod-use1', 'growth', 'growth-web'],
    ['prod-use1', 'payments', 'payments-api'],
    ['prod-use1', 'web', 'storefront'],
    ['ml-usc1', 'fraud', 'fraud-scorer'],
    ['ml-usc1', 'identity', 'auth-svc'],
    ['ml-usc1', 'identity', 'session-cache'],
    ['ml-usc1', 'serving', 'reranker'],
  ].map(([cluster, namespace, workload]) => ({
    cluster: cluster ?? '',
    namespace: namespace ?? '',
    workload: workload ?? '',
  }));

  const teams = [
    ...new Set(
      [eks, gke].flatMap((c) =>
        c.namespaces.flatMap((s) => [s.labels.team, ...s.workloads.map((x) => x.podLabels.team)]),
      ),
    ),
  ]
    .filter((t): t is string => typeof t === 'string')
    .sort();

  return { clusters: [eks, gke], teams, causes, waste, healthy };
}

/** A preview environment: web, api, a Postgres StatefulSet and, for new ones, a seeding Job and a load balancer. */
function previewEnv(
  base: (w: Partial<WorkloadSpec> & Pick<WorkloadSpec, 'name' | 'kind' | 'containers'>) => WorkloadSpec,
  ns: string,
  dbGiB: number,
  fresh: boolean,
): WorkloadSpec[] {
  const labels = { workload_type: 'app', env: 'preview' };
  const replicas = fresh ? 2 : 1;
  const web = base({
    name: 'web',
    kind: 'Deployment',
    pool: 'general',
    replicas,
    containers: [container('web', `acme/storefront:pr-${ns.split('-').pop()}`, 0.5, 1)],
    podLabels: labels,
    usage: usage(0.15, 0.5, 0.2),
    traffic: [],
    ...(fresh ? { service: { type: 'LoadBalancer' as const } } : {}),
  });
  const api = base({
    name: 'api',
    kind: 'Deployment',
    pool: 'general',
    replicas,
    containers: [container('api', `acme/storefront-api:pr-${ns.split('-').pop()}`, 1, 2)],
    podLabels: labels,
    usage: usage(0.15, 0.5, 0.2),
  });
  const db = base({
    name: 'postgres',
    kind: 'StatefulSet',
    pool: 'general',
    replicas: 1,
    containers: [container('postgres', 'postgres:16.6', 1, 4)],
    podLabels: labels,
    usage: usage(0.1, 0.6, 0.1),
    claimTemplate: { storageClass: 'gp3', sizeGiB: dbGiB },
  });
  const out = [web, api, db];
  if (fresh) {
    out.push(
      base({
        name: 'model-server',
        kind: 'Deployment',
        pool: 'gpu',
        replicas: 1,
        containers: [container('vllm', 'vllm/vllm-openai:v0.7.2', 4, 16, 1)],
        podLabels: { workload_type: 'serving', env: 'preview' },
        usage: usage(0.2, 0.6, 0.2, 0.1, 0.3),
      }),
    );
    out.push(
      base({
        name: 'seed-data',
        kind: 'Job',
        pool: 'general',
        containers: [container('seed', 'acme/storefront-api:pr-1432', 2, 4)],
        podLabels: { workload_type: 'batch', env: 'preview' },
        usage: usage(0.9, 0.6, 0, 0.1),
        job: {
          parallelism: [{ fromIdx: 0, value: 1 }],
          podIntervals: 6,
          gapIntervals: 0,
          backoffLimit: 6,
          failing: false,
          completions: 1,
        },
      }),
    );
  }
  return out;
}
