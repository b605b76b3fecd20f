/**
 * Helpers that turn a detector's numbers into a reviewed plan: Finding, Evidence, Action, Risk,
 * Rollback, Reviewer, monthly saving, confidence and fingerprint. Text quotes names that came
 * from clusters, so commands quote anything that is not a plain Kubernetes name.
 */
import { UNOWNED } from '../owners/resolve.js';
import type { WorkloadChange, WorkloadRef } from './facts.js';
import { fingerprintOf } from './fingerprint.js';
import type { EvidenceItem, Finding, FindingType } from './types.js';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

/** What every detector gets to write plans with. */
export interface PlanContext {
  currency: string;
  platformTeam: string;
  /** The reviewer of a team's plans (may return '' when none is configured). */
  reviewers: (team: string) => string;
  windowStart: string;
  windowEnd: string;
  /** Multiplier from a window amount to a month (730 h ÷ window hours). */
  monthly: number;
  /** Changes of one workload in the window, oldest first. */
  changesOf: (ref: WorkloadRef) => WorkloadChange[];
  /** Label keys the allocation resolved `team` from (for evidence of unowned cost). */
  teamLabelKeys: readonly string[];
}

/** A plan before its fingerprint and reviewer are filled in. */
export interface Draft {
  type: FindingType;
  cluster: string;
  namespace: string;
  workload: string;
  /** The owning team, before routing (unowned and special rows go to the platform team). */
  team: string;
  title: string;
  finding: string;
  evidence: (EvidenceItem | null | undefined | false)[];
  action: string;
  risk: string;
  rollback: string;
  monthlySavings: number;
  confidence: Finding['confidence'];
  since?: string | undefined;
  workloads?: string[] | undefined;
  monthlyCost?: number | undefined;
}

/** The team a finding goes to: its owner, or the platform team for unowned and special rows. */
export function routeTeam(team: string, ctx: Pick<PlanContext, 'platformTeam'>): string {
  return !team || team === UNOWNED || team.startsWith('__') ? ctx.platformTeam : team;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Completes a draft: routes the team, names the reviewer, drops empty evidence, rounds money and
 * computes the fingerprint. Returns null when the plan is incomplete: a finding without evidence
 * (or with an empty Finding, Action, Risk, Rollback or Reviewer) is never emitted.
 */
export function buildFinding(draft: Draft, ctx: PlanContext): Finding | null {
  const evidence = draft.evidence.filter(
    (e): e is EvidenceItem => !!e && e.label.trim().length > 0 && e.value.trim().length > 0,
  );
  const team = routeTeam(draft.team, ctx);
  const reviewer =
    ctx.reviewers(team).trim() || ctx.reviewers(ctx.platformTeam).trim() || `a lead of team ${team}`;
  const texts = [draft.title, draft.finding, draft.action, draft.risk, draft.rollback, reviewer];
  if (evidence.length === 0 || texts.some((t) => t.trim().length === 0)) return null;
  if (!Number.isFinite(draft.monthlySavings)) return null;
  const out: Finding = {
    type: draft.type,
    fingerprint: fingerprintOf(draft.type, draft.cluster, draft.namespace, draft.workload),
    cluster: draft.cluster,
    namespace: draft.namespace,
    workload: draft.workload,
    team,
    title: draft.title,
    finding: draft.finding,
    evidence,
    action: draft.action,
    risk: draft.risk,
    rollback: draft.rollback,
    reviewer,
    monthlySavings: Math.max(0, round2(draft.monthlySavings)),
    confidence: draft.confidence,
  };
  if (draft.since) out.since = draft.since;
  if (draft.workloads && draft.workloads.length > 0) out.workloads = draft.workloads;
  if (draft.monthlyCost !== undefined && Number.isFinite(draft.monthlyCost)) {
    out.monthlyCost = Math.max(0, round2(draft.monthlyCost));
  }
  return out;
}

// ---------------------------------------------------------------- text

/** `1,234.56 USD`. */
export function money(amount: number, currency: string): string {
  const n = Number.isFinite(amount) ? amount : 0;
  return `${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${currency}`;
}

/** A rate with enough digits to be useful: `0.0312 USD`. */
export function rate(amount: number, currency: string): string {
  return amount >= 1 ? money(amount, currency) : `${amount.toFixed(4)} ${currency}`;
}

export function cores(x: number): string {
  const text = x >= 10 ? x.toFixed(1) : x >= 0.1 || x === 0 ? x.toFixed(2) : x.toPrecision(2);
  return `${text} cores`;
}

export function gib(bytes: number): string {
  return bytes >= 100 * GIB ? `${(bytes / GIB).toFixed(0)} GiB` : `${(bytes / GIB).toFixed(2)} GiB`;
}

/** A byte count for people: `3.27 TiB`, `812 GiB`, `40.0 MiB`. */
export function bytesText(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

export function pct(share: number): string {
  const p = share * 100;
  return `${p >= 10 || p === 0 ? p.toFixed(0) : p.toFixed(1)}%`;
}

/** A number of hours without a unit: `504`, `10.5`. */
export function hoursNumber(h: number): string {
  return h >= 100 ? h.toFixed(0) : h.toFixed(1);
}

export function hoursText(h: number): string {
  return `${hoursNumber(h)} h`;
}

/** CPU for a manifest: whole millicores, rounded up (`224m`). */
export function cpuQuantity(coresValue: number): string {
  return `${Math.max(1, Math.ceil(coresValue * 1000 - 1e-9))}m`;
}

/** Memory for a manifest: whole MiB, rounded up (`1275Mi`). */
export function memoryQuantity(bytes: number): string {
  return `${Math.max(1, Math.ceil(bytes / MIB - 1e-9))}Mi`;
}

/** A shell word: plain Kubernetes names as they are, anything else single-quoted. */
export function sh(value: string): string {
  return /^[A-Za-z0-9._/:=@%+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `deployment/name` for kubectl. */
export function kubectlRef(kind: string, name: string): string {
  return sh(`${kind.toLowerCase()}/${name}`);
}

export function workloadLabel(kind: string, name: string): string {
  return `${kind}/${name}`;
}

export function days(ms: number): number {
  return ms / 86_400_000;
}

/** The change that started it: the latest change of one of `fields` (preferred in that order). */
export function sinceOf(
  changes: readonly WorkloadChange[],
  fields: readonly WorkloadChange['field'][],
): string | undefined {
  for (const field of fields) {
    const latest = [...changes].reverse().find((c) => c.field === field);
    if (latest) return describeChange(latest);
  }
  return undefined;
}

export function describeChange(c: WorkloadChange): string {
  const what =
    c.field === 'image'
      ? 'image'
      : c.field === 'generation'
        ? 'spec (generation)'
        : c.field === 'replicas'
          ? 'replicas'
          : c.field;
  return `${c.ts}: ${what} changed from ${JSON.stringify(c.before)} to ${JSON.stringify(c.after)}`;
}

/**
 * Evidence about changes: "Change that started it" when one of `starting` changed in the window,
 * else "Latest change" (any field), else nothing.
 */
export function changeEvidence(
  changes: readonly WorkloadChange[],
  starting: readonly WorkloadChange['field'][],
): EvidenceItem | null {
  const start = sinceOf(changes, starting);
  if (start) return ev('Change that started it', start);
  const latest = changes[changes.length - 1];
  return latest ? ev('Latest change', describeChange(latest)) : null;
}

/** An evidence line. */
export function ev(label: string, value: string): EvidenceItem {
  return { label, value };
}

/** The owner evidence line every workload plan carries. */
export function ownerEvidence(team: string, owner?: string | null): EvidenceItem {
  if (!team || team === UNOWNED)
    return ev('Owner', 'no team label on pod, controller or namespace (unowned)');
  return ev('Owner', owner && owner !== UNOWNED ? `team ${team}, owner ${owner}` : `team ${team}`);
}
