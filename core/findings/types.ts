/**
 * A finding is a reviewed plan, never a guess (DESIGN.md, "Findings and plans"): Finding,
 * Evidence, Action, Risk, Rollback, Reviewer, an estimated monthly saving, a confidence, and a
 * stable fingerprint (type + cluster + namespace + workload) that tickets are deduplicated on.
 */
export type FindingType =
  | 'overprovisioned-requests'
  | 'idle-workload'
  | 'cronjob-too-often'
  | 'job-retrying'
  | 'old-preview-env'
  | 'nodepool-overprovisioned'
  | 'orphan-volume'
  | 'expensive-storage-class'
  | 'gpu-warm-idle'
  | 'eval-on-ondemand'
  | 'cross-zone-traffic'
  | 'nat-storage-traffic'
  | 'unowned';

export interface EvidenceItem {
  /** What was measured, e.g. "CPU request vs p95 usage". */
  label: string;
  /** The measured value in words and numbers, e.g. "4.00 cores requested, p95 0.31 cores". */
  value: string;
}

export interface Finding {
  type: FindingType;
  /** Stable id: a hash of type + cluster + namespace + workload. */
  fingerprint: string;
  cluster: string;
  namespace: string;
  /** `Kind/name` of the workload, or a node pool / volume name for those findings. */
  workload: string;
  /** The owning team (routing), or the platform team for idle, shared and unowned cost. */
  team: string;
  title: string;
  /** What is wrong, in one or two sentences. */
  finding: string;
  evidence: EvidenceItem[];
  /** What to change (a concrete patch or command where possible). */
  action: string;
  risk: string;
  rollback: string;
  reviewer: string;
  /** Estimated saving per month (30.4 days) in the billing currency. */
  monthlySavings: number;
  confidence: 'high' | 'medium' | 'low';
  /** The change that started it, when known (image, generation, replicas, parallelism, schedule). */
  since?: string;
  /**
   * For a namespace-wide finding (old preview environment, unowned cost): the `Kind/name` of each
   * workload it covers, so a report or a test can name them without parsing the evidence.
   */
  workloads?: string[];
  /** What the finding's subject costs per month (30.4 days) in the billing currency, when it differs from the saving. */
  monthlyCost?: number;
}
