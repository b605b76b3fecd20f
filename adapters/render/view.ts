/**
 * View models of a team's weekly report, shared by the Slack, email, text and Markdown renderers.
 * Every untrusted string (team, cluster, namespace, workload, driver text, finding title) passes
 * through `clean`, is shortened for display, then through the format's `esc`; numbers stay numbers
 * for the template helpers to format.
 */
import {
  AI_CATEGORIES,
  type AiCategory,
  type Breakdown,
  type Change,
  COMPONENTS,
  type Component,
  change,
  type Efficiency,
  type NamespaceLine,
  type OrgReport,
  type TeamReport,
  type WorkloadLine,
} from '../../core/report/model.js';
import { clean, safeUrl, shorten } from './escape.js';
import {
  delta,
  direction,
  money as fmtMoney,
  signedMoney as fmtSignedMoney,
  money,
  pct,
  signedPct,
} from './format.js';

export type Escape = (s: string) => string;

/** What a renderer needs beyond the reports. */
export interface RenderContext {
  /** Link to the full report (only http and https URLs are used). */
  reportUrl?: string;
  /** ISO timestamp of the run, shown in footers (time is passed in, never read). */
  generatedAt: string;
  /** Findings of the run; a team's report lists its own, largest saving first. */
  findings?: { team: string; title: string; monthlySavings: number; fingerprint: string }[];
}

/** A truncated list: the items shown and how many were left out ("and N more"). */
export interface Listing<T> {
  items: T[];
  more: number;
  total: number;
  /** This week's cost of the items left out (lists of costs only). */
  moreCost?: number;
}

/** The first `n` items; for lists of costs, what the rest cost together. */
export function take<T>(xs: readonly T[], n: number): Listing<T> {
  const items = xs.slice(0, Math.max(0, n));
  const rest: unknown[] = xs.slice(items.length);
  const listing: Listing<T> = { items, more: rest.length, total: xs.length };
  if (rest.length > 0 && rest.every(hasCost)) listing.moreCost = rest.reduce((s, x) => s + x.cost.current, 0);
  return listing;
}

function hasCost(x: unknown): x is { cost: Change } {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as { cost?: { current?: unknown } }).cost?.current === 'number'
  );
}

export const COMPONENT_LABEL: Record<Component, string> = {
  compute: 'Compute (CPU + memory)',
  gpu: 'GPU',
  storage: 'Storage',
  loadBalancer: 'Load balancers',
  network: 'Network',
  shared: 'Shared platform',
  idle: 'Idle capacity',
};

export const COMPONENT_COLOR: Record<Component, string> = {
  compute: '#4f6bed',
  gpu: '#8b5cf6',
  storage: '#0ea5a4',
  loadBalancer: '#f59e0b',
  network: '#ec4899',
  shared: '#64748b',
  idle: '#cbd5e1',
};

export const AI_LABEL: Record<AiCategory | 'core', string> = {
  serving: 'Serving',
  training: 'Training',
  evaluation: 'Evaluation',
  embedding: 'Embedding',
  core: 'Core (non-AI)',
};

export const AI_COLOR: Record<AiCategory | 'core', string> = {
  serving: '#7c3aed',
  training: '#2563eb',
  evaluation: '#db2777',
  embedding: '#0d9488',
  core: '#94a3b8',
};

// A Map, not an object: team names are untrusted and may be `toString` or `__proto__`.
const SPECIAL_TEAMS = new Map<string, string>([
  ['__idle__', 'Idle capacity'],
  ['__unmounted__', 'Unmounted volumes'],
  ['__shared__', 'Shared (unallocated)'],
  ['unowned', 'Unowned'],
]);

/** Human name of a team, special rows included (raw: escape it for the format). */
export function teamName(team: string): string {
  return SPECIAL_TEAMS.get(team) ?? team;
}

export function isSpecialTeam(team: string): boolean {
  return SPECIAL_TEAMS.has(team);
}

/** Display limits per list; renderers pick what fits their medium. */
export interface Limits {
  movers: number;
  namespaces: number;
  workloads: number;
  unowned: number;
  findings: number;
  /** Characters of a displayed name before it is shortened with "…". */
  name: number;
}

export interface ComponentView {
  key: Component;
  label: string;
  color: string;
  cost: Change;
  /** Share of the team's total this week, 0..1. */
  share: number;
  /** Bar length relative to the largest component, 0..1. */
  bar: number;
}

export interface WorkloadView {
  /** "namespace/name" (or "idle · pool" for special rows), escaped. */
  name: string;
  namespace: string;
  workload: string;
  kind: string;
  cluster: string;
  cost: Change;
  share: number;
  ai: string | null;
  drivers: string;
  efficiency: number | null;
  isNew: boolean;
  gpuHours: number;
}

export interface NamespaceView {
  name: string;
  cluster: string;
  cost: Change;
  share: number;
  /** Bar length relative to the largest namespace, 0..1. */
  bar: number;
  workloads: number;
  isNew: boolean;
}

export interface AiRow {
  key: AiCategory | 'core';
  label: string;
  color: string;
  cost: number;
  share: number;
}

export interface FindingView {
  title: string;
  monthlySavings: number;
}

export interface DailyBar {
  day: string;
  value: number;
  /** Height relative to the largest day, 0..1. */
  height: number;
  thisWeek: boolean;
  /** The first day of this week, after days of last week (where a divider goes). */
  weekStart: boolean;
}

export interface TeamView {
  currency: string;
  week: string;
  windowStart: string;
  windowEnd: string;
  previousWindowStart: string;
  generatedAt: string;
  reportUrl: string | undefined;
  team: string;
  special: boolean;
  cost: Change;
  orgShare: number;
  rank: number;
  teams: number;
  components: ComponentView[];
  topComponents: ComponentView[];
  movers: Listing<WorkloadView>;
  namespaces: Listing<NamespaceView>;
  workloads: Listing<WorkloadView>;
  ai: { rows: AiRow[]; total: number; share: number; hasAi: boolean };
  efficiency: Efficiency;
  estimatedShare: number;
  unowned: Listing<WorkloadView> & { cost: number };
  findings: Listing<FindingView> & { savings: number };
  daily: DailyBar[];
  dailyMax: number;
  hasDaily: boolean;
  /** One or two sentences: how the cost changed and what moved it most (names escaped). */
  summary: string;
}

export function componentViews(b: Breakdown, prev: Breakdown): ComponentView[] {
  const max = Math.max(0, ...COMPONENTS.map((k) => b[k]));
  return COMPONENTS.map((key) => ({
    key,
    label: COMPONENT_LABEL[key],
    color: COMPONENT_COLOR[key],
    cost: change(b[key], prev[key]),
    share: b.total > 0 ? Math.max(0, b[key]) / b.total : 0,
    bar: max > 0 ? Math.max(0, b[key]) / max : 0,
  }))
    .filter((c) => Math.abs(c.cost.current) >= 0.005 || Math.abs(c.cost.previous) >= 0.005)
    .sort((a, b2) => b2.cost.current - a.cost.current);
}

/** The display name of a workload line: "namespace/name", or what a special row stands for. */
export function workloadName(w: WorkloadLine): string {
  if (w.kind === '__idle__')
    return `idle capacity · ${w.name === '__idle__' ? 'all pools' : `pool ${w.name}`}`;
  if (w.kind === '__shared__') return 'shared cluster cost';
  if (w.kind === 'PersistentVolume') return `${w.namespace}/${w.name} (unmounted volume)`;
  return `${w.namespace}/${w.name}`;
}

export function workloadView(w: WorkloadLine, teamTotal: number, esc: Escape, nameLen: number): WorkloadView {
  const s = (x: string, n = nameLen) => esc(shorten(clean(x), n));
  return {
    name: s(workloadName(w)),
    namespace: s(w.namespace),
    workload: s(w.name),
    kind: s(w.kind.startsWith('__') ? '' : w.kind, 24),
    cluster: s(w.cluster, 40),
    cost: w.cost,
    share: teamTotal > 0 ? Math.max(0, w.cost.current) / teamTotal : 0,
    ai: w.ai ? AI_LABEL[w.ai] : null,
    drivers: s(w.drivers.join(', '), 120),
    efficiency: w.efficiency.total,
    isNew: w.isNew,
    gpuHours: w.gpuHours,
  };
}

export function namespaceView(
  n: NamespaceLine,
  teamTotal: number,
  esc: Escape,
  nameLen: number,
): NamespaceView {
  return {
    name: esc(shorten(clean(n.namespace), nameLen)),
    cluster: esc(shorten(clean(n.cluster), 40)),
    cost: n.cost,
    share: teamTotal > 0 ? Math.max(0, n.cost.current) / teamTotal : 0,
    bar: 0,
    workloads: n.workloads,
    isNew: n.isNew,
  };
}

export function aiRows(ai: TeamReport['ai']): TeamView['ai'] {
  const keys = [...AI_CATEGORIES, 'core'] as const;
  const total = keys.reduce((s, k) => s + Math.max(0, ai[k]), 0);
  const aiTotal = AI_CATEGORIES.reduce((s, k) => s + Math.max(0, ai[k]), 0);
  return {
    rows: keys
      .filter((key) => Math.abs(ai[key]) >= 0.005)
      .map((key) => ({
        key,
        label: AI_LABEL[key],
        color: AI_COLOR[key],
        cost: ai[key],
        share: total > 0 ? Math.max(0, ai[key]) / total : 0,
      })),
    total: aiTotal,
    share: total > 0 ? aiTotal / total : 0,
    hasAi: aiTotal >= 0.005,
  };
}

/** Movers with a visible change, largest absolute change first. */
function moversOf(team: TeamReport): WorkloadLine[] {
  return team.movers.filter((m) => Math.abs(m.cost.delta) >= 0.005);
}

/** Unowned workloads in the namespaces this team runs in: the ones it is most likely to own. */
function unownedNear(org: OrgReport, team: TeamReport): WorkloadLine[] {
  if (team.team === 'unowned') return [];
  const mine = new Set(team.namespaces.map((n) => `${n.cluster}\u0000${n.namespace}`));
  return org.unowned.workloads.filter((w) => mine.has(`${w.cluster}\u0000${w.namespace}`));
}

export function buildTeamView(
  org: OrgReport,
  team: TeamReport,
  ctx: RenderContext,
  esc: Escape,
  limits: Limits,
  escMoney?: Escape,
): TeamView {
  const total = team.cost.current;
  const components = componentViews(team.breakdown, team.previousBreakdown);
  const findings = (ctx.findings ?? [])
    .filter((f) => f.team === team.team && Number.isFinite(f.monthlySavings))
    .sort((a, b) => b.monthlySavings - a.monthlySavings);
  const unowned = unownedNear(org, team);
  const maxDay = Math.max(0, ...team.daily);
  const thisWeekFrom = org.days.filter((d) => d < org.windowStart.slice(0, 10)).length;
  const ranked = org.teams.filter((t) => !isSpecialTeam(t.team));
  const namespaces = team.namespaces
    .filter((n) => n.cost.current !== 0 || n.cost.previous !== 0)
    .map((n) => namespaceView(n, total, esc, limits.name));
  const maxNamespace = Math.max(0, ...namespaces.map((n) => n.cost.current));
  for (const n of namespaces) n.bar = maxNamespace > 0 ? Math.max(0, n.cost.current) / maxNamespace : 0;
  return {
    currency: org.currency,
    week: esc(clean(org.week)),
    windowStart: org.windowStart,
    windowEnd: org.windowEnd,
    previousWindowStart: org.previousWindowStart,
    generatedAt: ctx.generatedAt,
    reportUrl: safeUrl(ctx.reportUrl),
    team: esc(shorten(clean(teamName(team.team)), 80)),
    special: isSpecialTeam(team.team),
    cost: team.cost,
    orgShare: org.cost.current > 0 ? total / org.cost.current : 0,
    rank: ranked.indexOf(team) + 1,
    teams: ranked.length,
    components,
    topComponents: components.filter((c) => c.cost.current > 0).slice(0, 3),
    movers: take(
      moversOf(team).map((w) => workloadView(w, total, esc, limits.name)),
      limits.movers,
    ),
    namespaces: take(namespaces, limits.namespaces),
    workloads: take(
      team.workloads.filter((w) => w.cost.current !== 0).map((w) => workloadView(w, total, esc, limits.name)),
      limits.workloads,
    ),
    ai: aiRows(team.ai),
    efficiency: team.efficiency,
    estimatedShare: team.estimatedShare,
    unowned: {
      ...take(
        unowned.map((w) => workloadView(w, org.unowned.cost, esc, limits.name)),
        limits.unowned,
      ),
      cost: unowned.reduce((s, w) => s + w.cost.current, 0),
    },
    findings: {
      ...take(
        findings.map((f) => ({ title: esc(shorten(clean(f.title), 140)), monthlySavings: f.monthlySavings })),
        limits.findings,
      ),
      savings: findings.reduce((s, f) => s + Math.max(0, f.monthlySavings), 0),
    },
    daily: team.daily.map((value, i) => ({
      day: org.days[i] ?? '',
      value,
      height: maxDay > 0 ? Math.max(0, value) / maxDay : 0,
      thisWeek: i >= thisWeekFrom,
      weekStart: i > 0 && i === thisWeekFrom,
    })),
    dailyMax: maxDay,
    hasDaily: team.daily.length > 0 && maxDay > 0,
    summary: teamSummary(team, org.currency, esc, limits.name, escMoney),
  };
}

/** "Cost rose $5,863 (+29%) to $25,863. Biggest mover: ai-training/finetune (+$5,623, GPU-hours ×3.0)." */
export function teamSummary(
  team: TeamReport,
  currency: string,
  esc: Escape,
  nameLen: number,
  escMoney: Escape = (x) => x,
): string {
  const money = (v: number, cur: string) => escMoney(fmtMoney(v, cur));
  const signedMoney = (v: number, cur: string) => escMoney(fmtSignedMoney(v, cur));
  const c = team.cost;
  const dir = direction(c);
  const head =
    c.previous === 0 && c.current !== 0
      ? `First week with cost: ${money(c.current, currency)}.`
      : dir === 'flat'
        ? `Cost held steady at ${money(c.current, currency)}.`
        : `Cost ${dir === 'up' ? 'rose' : 'fell'} ${money(Math.abs(c.delta), currency)} (${signedPct(c.ratio)}) to ${money(c.current, currency)}.`;
  const mover = moversOf(team).find((m) => dir !== 'flat' && Math.sign(m.cost.delta) === Math.sign(c.delta));
  if (!mover) return head;
  const drivers = mover.drivers.length ? `, ${mover.drivers.join(', ')}` : '';
  const share = c.delta !== 0 ? ` — ${pct(mover.cost.delta / c.delta)} of the change` : '';
  return `${head} Biggest mover: ${esc(shorten(clean(workloadName(mover)), nameLen))} (${signedMoney(mover.cost.delta, currency)}${esc(clean(drivers))})${share}.`;
}

/** "ml-platform: $25,863 this week, ▲ $5,863 (+29%)" (team escaped). */
export function headline(view: TeamView): string {
  return `${view.team}: ${money(view.cost.current, view.currency)} in week ${view.week}, ${delta(view.cost, view.currency)} vs last week`;
}
