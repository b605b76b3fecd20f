/**
 * Findings: every detector over one window's ledger and workload facts, each finding a reviewed
 * plan (DESIGN.md, "Findings and plans"). Pure: the facts come from the query engine
 * (adapters/snapshots/duckdb/workloadFacts.ts), the ledger from the allocation.
 */
import type { Ledger } from '../allocation/engine.js';
import type { Config } from '../config/schema.js';
import { indexLedger } from './costs.js';
import type { Detector, DetectorInput } from './detectors/common.js';
import { detectCronJobs } from './detectors/cronJobs.js';
import { detectExpensiveStorage } from './detectors/expensiveStorage.js';
import { detectEvalOnDemand, detectWarmGpuPools } from './detectors/gpu.js';
import { detectIdleWorkloads } from './detectors/idleWorkload.js';
import { detectJobRetries } from './detectors/jobRetrying.js';
import { detectCrossZoneTraffic, detectNatStorageTraffic } from './detectors/network.js';
import { detectNodePools } from './detectors/nodePools.js';
import { detectOrphanVolumes } from './detectors/orphanVolumes.js';
import { detectOverprovisionedRequests } from './detectors/overprovisionedRequests.js';
import { detectOldPreviewEnvironments } from './detectors/previewEnvironments.js';
import { detectUnowned } from './detectors/unowned.js';
import { type WorkloadChange, type WorkloadFacts, type WorkloadRef, workloadKey } from './facts.js';
import type { PlanContext } from './plan.js';
import { DEFAULT_THRESHOLDS, type FindingThresholds } from './thresholds.js';
import type { Finding, FindingType } from './types.js';

export interface DetectFindingsInput {
  ledger: Ledger;
  facts: WorkloadFacts;
  thresholds?: FindingThresholds;
  /** The reviewer of a team's plans; '' when none is configured (the platform team's is used). */
  reviewers: (team: string) => string;
  /** Receives idle, shared, node-pool and unowned findings. */
  platformTeam: string;
  /** The billing currency the ledger is in. */
  currency: string;
}

/** The detectors, one per finding type (GPU and network detectors cover two types each). */
export const DETECTORS: readonly { types: readonly FindingType[]; detect: Detector }[] = [
  { types: ['overprovisioned-requests'], detect: detectOverprovisionedRequests },
  { types: ['idle-workload'], detect: detectIdleWorkloads },
  { types: ['cronjob-too-often'], detect: detectCronJobs },
  { types: ['job-retrying'], detect: detectJobRetries },
  { types: ['old-preview-env'], detect: detectOldPreviewEnvironments },
  { types: ['nodepool-overprovisioned'], detect: detectNodePools },
  { types: ['orphan-volume'], detect: detectOrphanVolumes },
  { types: ['expensive-storage-class'], detect: detectExpensiveStorage },
  { types: ['gpu-warm-idle'], detect: detectWarmGpuPools },
  { types: ['eval-on-ondemand'], detect: detectEvalOnDemand },
  { types: ['cross-zone-traffic'], detect: detectCrossZoneTraffic },
  { types: ['nat-storage-traffic'], detect: detectNatStorageTraffic },
  { types: ['unowned'], detect: detectUnowned },
];

/** Orders findings: largest monthly saving first, then largest cost, then fingerprint (stable). */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    b.monthlySavings - a.monthlySavings ||
    (b.monthlyCost ?? 0) - (a.monthlyCost ?? 0) ||
    (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0)
  );
}

/**
 * Runs every enabled detector over one window and returns the findings sorted by monthly saving.
 * An idle workload is not also reported as over-requesting (scaling it to zero is the plan), nothing
 * inside an old preview environment is reported besides the environment itself, and a fingerprint
 * appears at most once.
 */
export function detectFindings(input: DetectFindingsInput): Finding[] {
  const thresholds = input.thresholds ?? DEFAULT_THRESHOLDS;
  const costs = indexLedger(input.ledger);
  const changes = new Map<string, WorkloadChange[]>();
  for (const c of input.facts.changes) {
    const k = workloadKey(c);
    const list = changes.get(k);
    if (list) list.push(c);
    else changes.set(k, [c]);
  }
  for (const list of changes.values()) list.sort((a, b) => a.ts.localeCompare(b.ts));
  const plan: PlanContext = {
    currency: input.currency,
    platformTeam: input.platformTeam,
    reviewers: input.reviewers,
    windowStart: input.ledger.windowStart,
    windowEnd: input.ledger.windowEnd,
    monthly: costs.monthly,
    changesOf: (ref: WorkloadRef) => changes.get(workloadKey(ref)) ?? [],
    teamLabelKeys: input.ledger.policy.owners.labels.team,
  };
  const detectorInput: DetectorInput = { facts: input.facts, costs, thresholds, plan };
  const disabled = new Set<FindingType>(thresholds.disabled);
  const all: Finding[] = [];
  for (const d of DETECTORS) {
    if (d.types.every((t) => disabled.has(t))) continue;
    for (const f of d.detect(detectorInput)) if (!disabled.has(f.type)) all.push(f);
  }
  const idle = new Set(
    all.filter((f) => f.type === 'idle-workload').map((f) => `${f.cluster}/${f.namespace}/${f.workload}`),
  );
  // Deleting an old preview environment supersedes every plan for what runs inside it.
  const doomed = new Set(
    all.filter((f) => f.type === 'old-preview-env').map((f) => `${f.cluster}/${f.namespace}`),
  );
  const seen = new Set<string>();
  const out: Finding[] = [];
  for (const f of all.sort(compareFindings)) {
    if (f.type === 'overprovisioned-requests' && idle.has(`${f.cluster}/${f.namespace}/${f.workload}`))
      continue;
    if (f.type !== 'old-preview-env' && f.type !== 'unowned' && doomed.has(`${f.cluster}/${f.namespace}`))
      continue;
    if (f.evidence.length === 0 || seen.has(f.fingerprint)) continue;
    seen.add(f.fingerprint);
    out.push(f);
  }
  return out;
}

/** Reviewers from the config: the team's `reviewer`, else the platform team's, else ''. */
export function reviewersFromConfig(config: Pick<Config, 'teams' | 'owners'>): (team: string) => string {
  return (team) => config.teams[team]?.reviewer ?? config.teams[config.owners.platformTeam]?.reviewer ?? '';
}

export { type CostIndex, indexLedger, type WorkloadCost } from './costs.js';
export { cronCadence } from './cron.js';
export type { DetectorInput } from './detectors/common.js';
export * from './facts.js';
export { fingerprintOf, fnv1a64 } from './fingerprint.js';
export { buildFinding, type Draft, type PlanContext, routeTeam } from './plan.js';
export {
  DEFAULT_THRESHOLDS,
  FINDING_TYPES,
  type FindingThresholds,
  type FindingThresholdsInput,
  FindingThresholdsSchema,
  parseFindingThresholds,
  withThresholds,
} from './thresholds.js';
export type { EvidenceItem, Finding, FindingType } from './types.js';
