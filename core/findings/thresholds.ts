/**
 * Per-detector thresholds: the `findings` object of `ownercost.yaml`, parsed by one strict zod
 * schema so a typo is an error naming the key. Every field has a default a FinOps engineer would
 * pick; money thresholds are in the billing currency, per month (730 hours).
 *
 * ```yaml
 * findings:
 *   overprovisionedRequests: { maxRecommendedShare: 0.4, includeHpaScaled: true }
 *   previewEnvironments: { namespacePatterns: ["preview-*", "review-*"], maxAgeDays: 10 }
 *   disabled: [cross-zone-traffic]
 * ```
 */
import { z } from 'zod';
import { UsageError } from '../schema/errors.js';
import type { FindingType } from './types.js';

const MIB = 1024 ** 2;

export const FINDING_TYPES: readonly FindingType[] = [
  'overprovisioned-requests',
  'idle-workload',
  'cronjob-too-often',
  'job-retrying',
  'old-preview-env',
  'nodepool-overprovisioned',
  'orphan-volume',
  'expensive-storage-class',
  'gpu-warm-idle',
  'eval-on-ondemand',
  'cross-zone-traffic',
  'nat-storage-traffic',
  'unowned',
];

const ratio = z.number().min(0).max(1);
const money = z.number().nonnegative();
const positive = z.number().positive();

export const FindingThresholdsSchema = z
  .strictObject({
    /** Detectors to switch off, by finding type. */
    disabled: z.array(z.enum(FINDING_TYPES as [FindingType, ...FindingType[]])).default([]),
    /**
     * Workloads that carry one of these controller labels (any value but `"false"`) are treated as
     * autoscaled (HPA, KEDA…), as are Deployments and StatefulSets whose desired replicas changed
     * during the window: the snapshot contract has no HPA object.
     */
    autoscaledLabels: z
      .array(z.string().min(1))
      .default(['ownercost.io/autoscaled', 'autoscaling.ownercost.io/hpa']),
    /** Label keys that name a namespace's environment, tried in order. */
    envLabelKeys: z.array(z.string().min(1)).default(['env', 'environment']),
    /** Environment values that count as production. */
    productionEnvs: z.array(z.string().min(1)).default(['prod', 'production', 'prd']),
    overprovisionedRequests: z
      .strictObject({
        /** CPU recommendation: this percentile of per-pod usage (only 95 is computed by the SQL). */
        cpuPercentile: z.literal(95).default(95),
        /** Memory recommendation: peak usage plus this headroom. */
        memoryHeadroom: z.number().min(0).max(4).default(0.15),
        cpuFloorCores: positive.default(0.01),
        memoryFloorBytes: positive.default(100 * MIB),
        /** Fire when a recommendation is at most this share of the current request (CPU or memory). */
        maxRecommendedShare: ratio.default(0.5),
        /** Pod-hours of usage needed before recommending (a day of one pod by default). */
        minPodHours: positive.default(24),
        minMonthlySavings: money.default(10),
        /** Also right-size autoscaled workloads (changing requests changes how an HPA scales). */
        includeHpaScaled: z.boolean().default(false),
        kinds: z.array(z.string()).default(['Deployment', 'StatefulSet', 'DaemonSet']),
      })
      .prefault({}),
    idleWorkloads: z
      .strictObject({
        /** p95 CPU of one pod at or below this (cores) is idle. */
        maxCpuP95Cores: positive.default(0.01),
        /** Network bytes (all classes, both directions) per pod-day at or below this is idle. */
        maxNetworkBytesPerPodDay: z
          .number()
          .nonnegative()
          .default(16 * MIB),
        /** Seen for at least this many hours of the window. */
        minObservedHours: positive.default(72),
        minMonthlyCost: money.default(5),
        kinds: z.array(z.string()).default(['Deployment', 'StatefulSet']),
      })
      .prefault({}),
    cronJobs: z
      .strictObject({
        /** A schedule firing more often than this (minutes between runs) runs too often. */
        minIntervalMinutes: positive.default(15),
        /** More runs than this at once is an overlap. */
        maxConcurrentRuns: z.number().int().positive().default(1),
        minMonthlySavings: money.default(10),
      })
      .prefault({}),
    jobRetries: z
      .strictObject({
        /** Failed pods in the window at or above this… */
        minFailedAttempts: z.number().int().positive().default(10),
        /** …with at most this share of attempts succeeding. */
        maxSuccessShare: ratio.default(0.1),
        minMonthlySavings: money.default(0),
      })
      .prefault({}),
    previewEnvironments: z
      .strictObject({
        /** Namespace name globs (`*` any characters). */
        namespacePatterns: z.array(z.string().min(1)).default(['preview-*', 'pr-*']),
        /** Or a namespace label; default `env: preview`. */
        labels: z.record(z.string(), z.string()).default({ env: 'preview' }),
        maxAgeDays: positive.default(14),
        /** No workload change for this many days. */
        quietDays: positive.default(14),
        minMonthlyCost: money.default(5),
      })
      .prefault({}),
    nodePools: z
      .strictObject({
        /** Σ requested ÷ Σ allocatable of the binding resource (CPU or memory) at or below this. */
        maxRequestedShare: ratio.default(0.5),
        /** Packing to plan a smaller pool for: the peak requests fill nodes to this share. */
        targetRequestedShare: ratio.default(0.75),
        minMonthlySavings: money.default(20),
      })
      .prefault({}),
    orphanVolumes: z
      .strictObject({
        /** PV phases without a consumer. */
        phases: z.array(z.string().min(1)).default(['Released', 'Available', 'Failed']),
        /** Share of the window a PV spent in those phases, or a bound claim spent unmounted. */
        minShareOfWindow: ratio.default(0.9),
        minMonthlySavings: money.default(0),
      })
      .prefault({}),
    expensiveStorage: z
      .strictObject({
        /** Storage class names (globs) that cost a premium. */
        storageClasses: z
          .array(z.string().min(1))
          .default([
            'io1',
            'io2',
            'io2-*',
            'pd-extreme',
            'hyperdisk-extreme',
            'premium-rwo',
            'managed-premium',
            'managed-csi-premium',
            'ultra-*',
          ]),
        /** Part of the volume cost a general-purpose class (gp3, pd-balanced, standard SSD) saves. */
        expectedSavingShare: ratio.default(0.6),
        minMonthlySavings: money.default(10),
      })
      .prefault({}),
    gpuPools: z
      .strictObject({
        /** GPU-requested hours ÷ GPU node-hours at or below this: warm for sporadic work. */
        maxRequestedShare: ratio.default(0.3),
        minGpuNodeHours: positive.default(24),
        minMonthlySavings: money.default(20),
      })
      .prefault({}),
    evalPlacement: z
      .strictObject({
        /** `workload_type` values of evaluation and experiment work. */
        workloadTypes: z.array(z.string().min(1)).default(['evaluation', 'experiment', 'eval']),
        /** Or a controller name matching this (case-insensitive) regular expression. */
        namePattern: z
          .string()
          .default('(^|[-_.])(eval|evals|evaluation|experiment|exp)([-_.]|$)')
          .refine(
            (p) => {
              try {
                new RegExp(p, 'i');
                return true;
              } catch {
                return false;
              }
            },
            { message: 'must be a valid regular expression' },
          ),
        /** Node pool globs that count as production pools. */
        productionPools: z.array(z.string().min(1)).default(['*prod*']),
        /** Minimum share of the workload's pod-hours on on-demand or production pools. */
        minShare: ratio.default(0.5),
        /** Expected spot discount against on-demand for the compute moved. */
        spotDiscount: ratio.default(0.6),
        minMonthlySavings: money.default(10),
      })
      .prefault({}),
    crossZoneTraffic: z
      .strictObject({
        /** Cross-zone transfer cost per month at or above this… */
        minMonthlyCost: money.default(100),
        /** …and at least this share of the workload's cost. */
        minShareOfCost: ratio.default(0.1),
        /** Share of the transfer cost topology-aware routing is expected to remove. */
        expectedReduction: ratio.default(0.7),
      })
      .prefault({}),
    natStorageTraffic: z
      .strictObject({
        /** Provider services reachable without NAT (gateway endpoints, Private Google Access, service endpoints). */
        services: z.array(z.string().min(1)).default(['s3', 'gcs', 'azure-storage', 'dynamodb']),
        minMonthlyCost: money.default(10),
      })
      .prefault({}),
    unowned: z
      .strictObject({
        /** Unowned cost of a namespace per month at or above this. */
        minMonthlyCost: money.default(1),
      })
      .prefault({}),
  })
  .prefault({});

export type FindingThresholds = z.output<typeof FindingThresholdsSchema>;
export type FindingThresholdsInput = z.input<typeof FindingThresholdsSchema>;

/** The defaults (an empty `findings` object). */
export const DEFAULT_THRESHOLDS: FindingThresholds = FindingThresholdsSchema.parse({});

/**
 * Parses the config's `findings` object. Throws a UsageError naming every bad key, e.g.
 * `findings.cronJobs.minIntervalMinuts: unrecognized key`.
 */
export function parseFindingThresholds(input: unknown): FindingThresholds {
  const parsed = FindingThresholdsSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const base = ['findings', ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((k) => `${base}.${k}: unknown key`).join('; ');
    }
    return `${base}: ${issue.message}`;
  });
  throw new UsageError(`config: invalid findings thresholds: ${problems.join('; ')}`);
}

/** Thresholds with some sections replaced (tests and programmatic callers). */
export function withThresholds(input: FindingThresholdsInput): FindingThresholds {
  return parseFindingThresholds(input);
}
