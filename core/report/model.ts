/**
 * Report models: what a team, a cluster and the organisation receive for a week, next to the
 * week before. Built from two ledgers; pure data, rendered by templates.
 */

import { BILLED_NETWORK_CLASSES, type Ledger, type Unit, unitDirectCost } from '../allocation/engine.js';
import { distributeShared, SPECIAL } from '../allocation/summarize.js';
import type { BilledNetworkClass } from '../billing/classify.js';
import type { Owners } from '../owners/resolve.js';
import { UNOWNED } from '../owners/resolve.js';

export type Component = 'compute' | 'gpu' | 'storage' | 'loadBalancer' | 'network' | 'shared' | 'idle';
export const COMPONENTS: readonly Component[] = [
  'compute',
  'gpu',
  'storage',
  'loadBalancer',
  'network',
  'shared',
  'idle',
];
export type AiCategory = 'serving' | 'training' | 'evaluation' | 'embedding';
export const AI_CATEGORIES: readonly AiCategory[] = ['serving', 'training', 'evaluation', 'embedding'];

export interface Breakdown {
  compute: number;
  gpu: number;
  storage: number;
  loadBalancer: number;
  network: number;
  networkByClass: Record<BilledNetworkClass, number>;
  shared: number;
  idle: number;
  total: number;
}

export interface Change {
  current: number;
  previous: number;
  delta: number;
  /** delta ÷ previous; null when there was nothing before. */
  ratio: number | null;
}

export interface Efficiency {
  cpu: number | null;
  ram: number | null;
  /** CPU and RAM efficiency weighted by their cost, as Kubecost defines it. */
  total: number | null;
}

export interface WorkloadLine {
  cluster: string;
  namespace: string;
  kind: string;
  name: string;
  /** `cluster/namespace/Kind/name`: stable across weeks. */
  key: string;
  owners: Owners | null;
  ai: AiCategory | null;
  cost: Change;
  breakdown: Breakdown;
  cpuCoreHours: number;
  gpuHours: number;
  podHours: number;
  previousGpuHours: number;
  previousPodHours: number;
  previousCpuCoreHours: number;
  efficiency: Efficiency;
  estimated: boolean;
  isNew: boolean;
  /** A short, human list of what moved: "new this week", "GPU-hours ×3.0", "pod-hours ×6.1". */
  drivers: string[];
}

export interface NamespaceLine {
  cluster: string;
  namespace: string;
  cost: Change;
  isNew: boolean;
  workloads: number;
}

export interface TeamReport {
  team: string;
  cost: Change;
  breakdown: Breakdown;
  previousBreakdown: Breakdown;
  namespaces: NamespaceLine[];
  workloads: WorkloadLine[];
  ai: Record<AiCategory, number> & { core: number };
  efficiency: Efficiency;
  estimatedShare: number;
  movers: WorkloadLine[];
  /** Daily cost over the previous week then this week (14 values for two full weeks). */
  daily: number[];
}

export interface ClusterReport {
  cluster: string;
  cost: Change;
  breakdown: Breakdown;
  billed: number;
  coverage: number;
}

export interface OrgReport {
  week: string;
  windowStart: string;
  windowEnd: string;
  previousWindowStart: string;
  currency: string;
  totals: {
    billed: number;
    previousBilled: number;
    allocated: number;
    idle: number;
    shared: number;
    unmounted: number;
    unallocated: number;
    estimated: number;
  };
  cost: Change;
  breakdown: Breakdown;
  previousBreakdown: Breakdown;
  teams: TeamReport[];
  clusters: ClusterReport[];
  topMovers: WorkloadLine[];
  namespaceMovers: NamespaceLine[];
  ai: Record<AiCategory, number> & { core: number };
  unowned: { cost: number; workloads: WorkloadLine[] };
  coverage: { observedRatio: number; estimatedShare: number; unobservedCost: number };
  /** Day labels (YYYY-MM-DD) of the previous week then this week. */
  days: string[];
  /** A one-paragraph plain-text answer to "why did it change?". */
  changeSummary: string;
}

export interface ReportInput {
  week: string;
  current: Ledger;
  previous: Ledger | null;
  currency: string;
  /** Teams to produce reports for even when they had no cost (e.g. configured teams). */
  knownTeams?: readonly string[];
  topN?: number;
}

const emptyBreakdown = (): Breakdown => ({
  compute: 0,
  gpu: 0,
  storage: 0,
  loadBalancer: 0,
  network: 0,
  networkByClass: { 'cross-zone': 0, 'cross-region': 0, internet: 0, nat: 0 },
  shared: 0,
  idle: 0,
  total: 0,
});

function addUnit(b: Breakdown, u: Unit, shared: number): void {
  if (u.kind === 'shared' || (u.kind === 'pod' && u.isShared)) return;
  b.compute += u.cpuCost + u.ramCost;
  b.gpu += u.gpuCost;
  b.storage += u.pvCost;
  b.loadBalancer += u.lbCost;
  b.network += u.networkCost;
  for (const c of BILLED_NETWORK_CLASSES) b.networkByClass[c] += u.networkByClass[c];
  b.idle += u.idleCost;
  b.shared += shared;
  b.total += unitDirectCost(u) + shared;
}

export function change(current: number, previous: number): Change {
  return {
    current,
    previous,
    delta: current - previous,
    ratio: previous !== 0 ? (current - previous) / previous : null,
  };
}

/** The team a unit is billed to: its `team` owner, or the special row it belongs to. */
export function teamOf(u: Unit): string {
  if (u.kind === 'idle') return SPECIAL.idle;
  if (u.kind === 'shared') return SPECIAL.shared;
  if (u.kind === 'unmounted') return u.owners?.team ?? SPECIAL.unmounted;
  return u.owners?.team ?? UNOWNED;
}

const AI_PATTERNS: [RegExp, AiCategory][] = [
  [/eval/i, 'evaluation'],
  [/train|finetune|fine-tune/i, 'training'],
  [/embed/i, 'embedding'],
  [/serv|inference|llm|vllm|triton/i, 'serving'],
];

/** AI category from the `workload_type` owner attribute, else from names of GPU workloads. */
export function aiCategoryOf(u: Unit): AiCategory | null {
  const t = u.owners?.workload_type;
  if (t && (AI_CATEGORIES as readonly string[]).includes(t)) return t as AiCategory;
  if (t && t !== UNOWNED) return null;
  if (u.gpuHours <= 0) return null;
  const text = `${u.namespace} ${u.controllerName}`;
  for (const [re, cat] of AI_PATTERNS) if (re.test(text)) return cat;
  return null;
}

export function workloadKeyOf(u: Unit): string {
  return `${u.cluster}/${u.namespace}/${u.controllerKind}/${u.controllerName}`;
}

interface WorkloadAcc {
  line: WorkloadLine;
  cpuReq: number;
  cpuUse: number;
  ramReq: number;
  ramUse: number;
  cpuCost: number;
  ramCost: number;
  team: string;
  daily: number[];
}

function efficiencyOf(a: {
  cpuReq: number;
  cpuUse: number;
  ramReq: number;
  ramUse: number;
  cpuCost: number;
  ramCost: number;
}): Efficiency {
  const cpu = a.cpuReq > 0 ? a.cpuUse / a.cpuReq : a.cpuUse > 0 ? 1 : null;
  const ram = a.ramReq > 0 ? a.ramUse / a.ramReq : a.ramUse > 0 ? 1 : null;
  const weight = (cpu !== null ? a.cpuCost : 0) + (ram !== null ? a.ramCost : 0);
  const total = weight > 0 ? ((cpu ?? 0) * a.cpuCost + (ram ?? 0) * a.ramCost) / weight : null;
  return { cpu, ram, total };
}

/** Aggregates one ledger into workloads (the special rows become one pseudo-workload each). */
function collectWorkloads(ledger: Ledger): Map<string, WorkloadAcc> {
  const { sharedOf } = distributeShared(ledger, ['team']);
  const out = new Map<string, WorkloadAcc>();
  for (const u of ledger.units) {
    if (u.kind === 'shared' || (u.kind === 'pod' && u.isShared)) continue;
    const key = workloadKeyOf(u);
    let acc = out.get(key);
    if (!acc) {
      acc = {
        line: {
          cluster: u.cluster,
          namespace: u.namespace,
          kind: u.controllerKind,
          name: u.controllerName,
          key,
          owners: u.owners,
          ai: null,
          cost: change(0, 0),
          breakdown: emptyBreakdown(),
          cpuCoreHours: 0,
          gpuHours: 0,
          podHours: 0,
          previousGpuHours: 0,
          previousPodHours: 0,
          previousCpuCoreHours: 0,
          efficiency: { cpu: null, ram: null, total: null },
          estimated: false,
          isNew: false,
          drivers: [],
        },
        cpuReq: 0,
        cpuUse: 0,
        ramReq: 0,
        ramUse: 0,
        cpuCost: 0,
        ramCost: 0,
        team: teamOf(u),
        daily: new Array<number>(ledger.days).fill(0),
      };
      out.set(key, acc);
    }
    const shared = sharedOf.get(u) ?? 0;
    addUnit(acc.line.breakdown, u, shared);
    acc.line.cpuCoreHours += u.cpuCoreHours;
    acc.line.gpuHours += u.gpuHours;
    acc.line.podHours += u.podHours;
    acc.line.estimated ||= u.estimatedCost !== 0;
    acc.line.ai ??= aiCategoryOf(u);
    acc.cpuReq += u.cpuRequestCoreHours;
    acc.cpuUse += u.cpuUsageCoreHours;
    acc.ramReq += u.ramRequestGiBHours;
    acc.ramUse += u.ramUsageGiBHours;
    acc.cpuCost += u.cpuCost;
    acc.ramCost += u.ramCost;
    const direct = unitDirectCost(u);
    u.dailyCost.forEach((d, i) => {
      acc.daily[i] = (acc.daily[i] ?? 0) + d + (direct !== 0 ? (shared * d) / direct : 0);
    });
  }
  return out;
}

const fmtRatio = (now: number, before: number) => `×${(now / before).toFixed(1)}`;

function driversOf(w: WorkloadLine): string[] {
  if (w.isNew) return ['new this week'];
  const drivers: string[] = [];
  if (w.cost.current === 0 && w.cost.previous > 0) return ['gone this week'];
  if (w.previousGpuHours > 0 && w.gpuHours / w.previousGpuHours > 1.2)
    drivers.push(`GPU-hours ${fmtRatio(w.gpuHours, w.previousGpuHours)}`);
  if (w.previousPodHours > 0 && Math.abs(w.podHours / w.previousPodHours - 1) > 0.2)
    drivers.push(`pod-hours ${fmtRatio(w.podHours, w.previousPodHours)}`);
  else if (w.previousCpuCoreHours > 0 && Math.abs(w.cpuCoreHours / w.previousCpuCoreHours - 1) > 0.2)
    drivers.push(`CPU core-hours ${fmtRatio(w.cpuCoreHours, w.previousCpuCoreHours)}`);
  return drivers;
}

function sortByDelta<T extends { cost: Change }>(xs: T[]): T[] {
  return xs.sort((a, b) => Math.abs(b.cost.delta) - Math.abs(a.cost.delta));
}

/** Builds the organisation report with one report per team. */
export function buildReports(input: ReportInput): OrgReport {
  const topN = input.topN ?? 10;
  const { current, previous } = input;
  const now = collectWorkloads(current);
  const before = previous ? collectWorkloads(previous) : new Map<string, WorkloadAcc>();
  const days = [
    ...(previous ? dayLabels(previous.windowStart, previous.days) : []),
    ...dayLabels(current.windowStart, current.days),
  ];
  const prevDays = previous ? previous.days : 0;

  // Workloads of this week, with last week beside them; workloads that vanished keep a line too.
  const workloads = new Map<
    string,
    { line: WorkloadLine; team: string; daily: number[]; acc: WorkloadAcc | null }
  >();
  for (const [key, acc] of now) {
    const prev = before.get(key);
    const line = acc.line;
    line.cost = change(line.breakdown.total, prev?.line.breakdown.total ?? 0);
    line.previousGpuHours = prev?.line.gpuHours ?? 0;
    line.previousPodHours = prev?.line.podHours ?? 0;
    line.previousCpuCoreHours = prev?.line.cpuCoreHours ?? 0;
    line.isNew = previous !== null && !prev;
    line.efficiency = efficiencyOf(acc);
    const daily = [...(prev?.daily ?? new Array<number>(prevDays).fill(0)), ...acc.daily];
    workloads.set(key, { line, team: acc.team, daily, acc });
  }
  for (const [key, prev] of before) {
    if (now.has(key)) continue;
    const line: WorkloadLine = {
      ...prev.line,
      cost: change(0, prev.line.breakdown.total),
      breakdown: emptyBreakdown(),
      cpuCoreHours: 0,
      gpuHours: 0,
      podHours: 0,
      previousGpuHours: prev.line.gpuHours,
      previousPodHours: prev.line.podHours,
      previousCpuCoreHours: prev.line.cpuCoreHours,
    };
    workloads.set(key, {
      line,
      team: prev.team,
      daily: [...prev.daily, ...new Array<number>(current.days).fill(0)],
      acc: null,
    });
  }
  for (const w of workloads.values()) w.line.drivers = driversOf(w.line);

  // Teams.
  const teamNames = new Set<string>(input.knownTeams ?? []);
  for (const w of workloads.values()) teamNames.add(w.team);
  const teams: TeamReport[] = [];
  for (const team of teamNames) {
    const mine = [...workloads.values()].filter((w) => w.team === team);
    const breakdown = emptyBreakdown();
    const previousBreakdown = emptyBreakdown();
    const ai = { serving: 0, training: 0, evaluation: 0, embedding: 0, core: 0 };
    const daily = new Array<number>(days.length).fill(0);
    const eff = { cpuReq: 0, cpuUse: 0, ramReq: 0, ramUse: 0, cpuCost: 0, ramCost: 0 };
    let estimated = 0;
    const namespaces = new Map<string, NamespaceLine>();
    for (const w of mine) {
      mergeBreakdown(breakdown, w.line.breakdown);
      const prev = before.get(w.line.key);
      if (prev) mergeBreakdown(previousBreakdown, prev.line.breakdown);
      ai[w.line.ai ?? 'core'] += w.line.cost.current;
      w.daily.forEach((d, i) => {
        daily[i] = (daily[i] ?? 0) + d;
      });
      if (w.acc) {
        eff.cpuReq += w.acc.cpuReq;
        eff.cpuUse += w.acc.cpuUse;
        eff.ramReq += w.acc.ramReq;
        eff.ramUse += w.acc.ramUse;
        eff.cpuCost += w.acc.cpuCost;
        eff.ramCost += w.acc.ramCost;
      }
      if (w.line.estimated) estimated += w.line.cost.current;
      const nsKey = `${w.line.cluster}/${w.line.namespace}`;
      const ns = namespaces.get(nsKey) ?? {
        cluster: w.line.cluster,
        namespace: w.line.namespace,
        cost: change(0, 0),
        isNew: true,
        workloads: 0,
      };
      ns.cost = change(ns.cost.current + w.line.cost.current, ns.cost.previous + w.line.cost.previous);
      ns.isNew &&= previous !== null && w.line.cost.previous === 0;
      if (w.line.cost.current !== 0) ns.workloads += 1;
      namespaces.set(nsKey, ns);
    }
    teams.push({
      team,
      cost: change(breakdown.total, previousBreakdown.total),
      breakdown,
      previousBreakdown,
      namespaces: [...namespaces.values()].sort((a, b) => b.cost.current - a.cost.current),
      workloads: mine.map((w) => w.line).sort((a, b) => b.cost.current - a.cost.current),
      ai,
      efficiency: efficiencyOf(eff),
      estimatedShare: breakdown.total > 0 ? estimated / breakdown.total : 0,
      movers: sortByDelta(mine.map((w) => w.line)).slice(0, topN),
      daily,
    });
  }
  teams.sort((a, b) => b.cost.current - a.cost.current);

  // Organisation.
  const breakdown = emptyBreakdown();
  const previousBreakdown = emptyBreakdown();
  const ai = { serving: 0, training: 0, evaluation: 0, embedding: 0, core: 0 };
  for (const t of teams) {
    mergeBreakdown(breakdown, t.breakdown);
    mergeBreakdown(previousBreakdown, t.previousBreakdown);
    for (const k of [...AI_CATEGORIES, 'core'] as const) ai[k] += t.ai[k];
  }
  // Shared cost that found no allocation still counts in the organisation's total.
  const leftover = (l: Ledger) =>
    [...distributeShared(l, ['team']).leftover.values()].reduce((a, b) => a + b, 0);
  const curLeft = leftover(current);
  breakdown.shared += curLeft;
  breakdown.total += curLeft;
  if (previous) {
    const prevLeft = leftover(previous);
    previousBreakdown.shared += prevLeft;
    previousBreakdown.total += prevLeft;
  }

  const namespaceMap = new Map<string, NamespaceLine>();
  for (const t of teams)
    for (const n of t.namespaces) {
      const k = `${n.cluster}/${n.namespace}`;
      const prev = namespaceMap.get(k);
      namespaceMap.set(
        k,
        prev
          ? {
              ...prev,
              cost: change(prev.cost.current + n.cost.current, prev.cost.previous + n.cost.previous),
              isNew: prev.isNew && n.isNew,
              workloads: prev.workloads + n.workloads,
            }
          : { ...n },
      );
    }
  const clusters: ClusterReport[] = current.clusters.map((c) => {
    const b = emptyBreakdown();
    for (const w of workloads.values()) if (w.line.cluster === c.cluster) mergeBreakdown(b, w.line.breakdown);
    const prevC = previous?.clusters.find((p) => p.cluster === c.cluster);
    return {
      cluster: c.cluster,
      cost: change(c.billed + c.estimated, prevC ? prevC.billed + prevC.estimated : 0),
      breakdown: b,
      billed: c.billed,
      coverage: c.nodeHoursBilled > 0 ? c.nodeHoursObserved / c.nodeHoursBilled : 1,
    };
  });

  const sum = (l: Ledger | null, f: (c: Ledger['clusters'][number]) => number) =>
    l ? l.clusters.reduce((s, c) => s + f(c), 0) : 0;
  const billed = sum(current, (c) => c.billed);
  const estimatedTotal = sum(current, (c) => c.estimated);
  const nodeHoursBilled = sum(current, (c) => c.nodeHoursBilled);
  const movable = [...workloads.values()]
    .map((w) => w.line)
    .filter((w) => !w.kind.startsWith('__') && !w.namespace.startsWith('__'));
  const topMovers = sortByDelta(movable).slice(0, topN);
  const namespaceMovers = sortByDelta(
    [...namespaceMap.values()].filter((n) => !n.namespace.startsWith('__')),
  ).slice(0, topN);
  const unownedLines = [...workloads.values()]
    .filter((w) => w.team === UNOWNED && w.line.cost.current > 0)
    .map((w) => w.line)
    .sort((a, b) => b.cost.current - a.cost.current);
  const previousBilled = sum(previous, (c) => c.billed);
  const totalNow = billed + estimatedTotal;
  const totalBefore = previousBilled + sum(previous, (c) => c.estimated);
  const report: OrgReport = {
    week: input.week,
    windowStart: current.windowStart,
    windowEnd: current.windowEnd,
    previousWindowStart: previous?.windowStart ?? current.windowStart,
    currency: input.currency,
    totals: {
      billed,
      previousBilled,
      allocated: teams.filter((t) => !t.team.startsWith('__')).reduce((s, t) => s + t.cost.current, 0),
      idle: teams.find((t) => t.team === SPECIAL.idle)?.cost.current ?? 0,
      shared: breakdown.shared,
      unmounted: teams.filter((t) => t.team === SPECIAL.unmounted).reduce((s, t) => s + t.cost.current, 0),
      unallocated: curLeft,
      estimated: estimatedTotal,
    },
    cost: change(totalNow, totalBefore),
    breakdown,
    previousBreakdown,
    teams,
    clusters,
    topMovers,
    namespaceMovers,
    ai,
    unowned: { cost: unownedLines.reduce((s, w) => s + w.cost.current, 0), workloads: unownedLines },
    coverage: {
      observedRatio: nodeHoursBilled > 0 ? sum(current, (c) => c.nodeHoursObserved) / nodeHoursBilled : 1,
      estimatedShare: totalNow > 0 ? estimatedTotal / totalNow : 0,
      unobservedCost: sum(current, (c) => c.unobservedCost),
    },
    days,
    changeSummary: '',
  };
  report.changeSummary = summarizeChange(report);
  return report;
}

function mergeBreakdown(into: Breakdown, b: Breakdown): void {
  into.compute += b.compute;
  into.gpu += b.gpu;
  into.storage += b.storage;
  into.loadBalancer += b.loadBalancer;
  into.network += b.network;
  for (const c of BILLED_NETWORK_CLASSES) into.networkByClass[c] += b.networkByClass[c];
  into.shared += b.shared;
  into.idle += b.idle;
  into.total += b.total;
}

function dayLabels(windowStart: string, days: number): string[] {
  const start = Date.parse(windowStart);
  return Array.from({ length: days }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
}

const usd = (v: number, currency: string) =>
  `${v < 0 ? '-' : ''}${currency === 'USD' ? '$' : `${currency} `}${Math.abs(v).toLocaleString('en-US', { maximumFractionDigits: 0 })}`;

/** "Cost rose $X (+Y%) to $Z. Most of it: ai-evals/Job/llm-eval (+$A, GPU-hours ×3.0); …" */
export function summarizeChange(r: OrgReport): string {
  const { delta, ratio, current } = r.cost;
  const dir = delta >= 0 ? 'rose' : 'fell';
  const pct = ratio === null ? '' : ` (${delta >= 0 ? '+' : ''}${(ratio * 100).toFixed(1)}%)`;
  const head = `Cost ${dir} ${usd(Math.abs(delta), r.currency)}${pct} to ${usd(current, r.currency)} week over week.`;
  const same = r.topMovers
    .filter((m) => Math.sign(m.cost.delta) === Math.sign(delta) && m.cost.delta !== 0)
    .slice(0, 4);
  if (same.length === 0) return head;
  const parts = same.map(
    (m) =>
      `${m.namespace}/${m.name} (${m.cost.delta >= 0 ? '+' : '-'}${usd(Math.abs(m.cost.delta), r.currency)}${m.drivers.length ? `, ${m.drivers.join(', ')}` : ''})`,
  );
  const explained = same.reduce((s, m) => s + m.cost.delta, 0);
  const share = delta !== 0 ? ` — ${Math.round((explained / delta) * 100)}% of the change` : '';
  return `${head} Biggest movers: ${parts.join('; ')}${share}.`;
}
