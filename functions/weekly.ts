/**
 * The weekly pipeline: allocate this week and the week before in one pass, build the reports,
 * render them per team into `<out>/<week>/`, and deliver them (Slack, email, tickets) exactly
 * once per team and week. In dry-run, what would be sent is written under `<out>/<week>/` too and
 * no external service is touched. The cloud functions run this same use-case.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { allocationsCsv, writeAllocationsFocusParquet } from '../adapters/export/allocations.js';
import {
  renderOrgHtml,
  renderTeamEmail,
  renderTeamMarkdown,
  renderTeamSlack,
} from '../adapters/render/index.js';
import { loadWorkloadFacts } from '../adapters/snapshots/duckdb/workloadFacts.js';
import type { Ledger } from '../core/allocation/engine.js';
import { summarize } from '../core/allocation/summarize.js';
import { policyFromConfig } from '../core/config/policy.js';
import type { Config } from '../core/config/schema.js';
import type { Channel } from '../core/delivery/ports.js';
import type { WorkloadChange } from '../core/explain/explain.js';
import { detectFindings, parseFindingThresholds, reviewersFromConfig } from '../core/findings/index.js';
import type { Finding } from '../core/findings/types.js';
import { UNOWNED } from '../core/owners/resolve.js';
import type { ObjectStore } from '../core/ports.js';
import { buildReports, type OrgReport } from '../core/report/model.js';
import { exportRows } from '../core/report/rows.js';
import { OwnercostError, UsageError } from '../core/schema/errors.js';
import { safeName } from '../core/snapshots/keys.js';
import { isoWeekWindow, previousIsoWeek } from '../core/time/window.js';
import { runAllocate } from './allocate.js';
import {
  type DeliverOutcome,
  type DeliveryClients,
  deliverWeek,
  deliverySettingsFromConfig,
  type TeamDelivery,
  teamTargets,
} from './deliver.js';

export interface WeeklyRequest {
  config: Config;
  /** Folder that relative paths in the config are resolved against. */
  baseDir: string;
  week: string;
  outDir: string;
  dryRun: boolean;
  /** Live delivery (required unless `dryRun`): the clients and the store that holds the ledger. */
  delivery?: LiveDelivery;
  /** ISO time of the run (passed in: core reads no clock). */
  now: string;
  onProgress?: (done: number, total: number, what: string) => void;
}

export interface LiveDelivery {
  clients: DeliveryClients;
  store: ObjectStore;
  /** Send again what the ledger says was sent. */
  force?: boolean;
  onlyTeam?: string;
  onlyChannel?: Channel;
  /** Stops further sends; what was sent is in the ledger, so a re-run resumes. */
  signal?: AbortSignal;
}

export interface TeamFiles {
  team: string;
  dir: string;
  files: string[];
}

export interface WeeklyResult {
  week: string;
  org: OrgReport;
  ledger: Ledger;
  previousLedger: Ledger;
  summary: WeeklySummary;
  findings: Finding[];
  weekDir: string;
  teams: TeamFiles[];
  /** What was sent, skipped (already sent, or dry-run) or failed, per team and channel. */
  delivery: DeliverOutcome;
  badInputCount: number;
}

export interface WeeklySummary {
  schema: 'ownercost/summary/v1';
  week: string;
  window: { from: string; to: string };
  previousWindow: { from: string; to: string };
  currency: string;
  generatedAt: string;
  totals: ReturnType<typeof summarize>['totals'];
  billedVsAllocated: {
    billed: number;
    estimated: number;
    rowsTotal: number;
    difference: number;
    relative: number;
  };
  coverage: ReturnType<typeof summarize>['coverage'];
  change: OrgReport['cost'];
  changeSummary: string;
  topTeams: { team: string; cost: number; previous: number; delta: number }[];
  topMovers: { cluster: string; namespace: string; workload: string; delta: number; drivers: string[] }[];
  clusters: { cluster: string; billed: number; cost: number; previous: number; coverage: number }[];
  badInputCount: number;
}

export function resolveUrlOrPath(value: string, baseDir: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    // file://./relative is relative to the config file, like plain paths.
    if (value.startsWith('file://./') || value.startsWith('file://../')) {
      return path.resolve(baseDir, value.slice('file://'.length));
    }
    return value;
  }
  return path.resolve(baseDir, value);
}

/** Teams that get their own report: configured teams and every owner with cost, not special rows. */
function reportTeams(org: OrgReport, config: Config): string[] {
  const names = new Set(Object.keys(config.teams));
  for (const t of org.teams) if (!t.team.startsWith('__') && t.team !== UNOWNED) names.add(t.team);
  return [...names].sort();
}

/** Allocates a week and the week before in one pass over the configured store and bill. */
export async function allocateTwoWeeks(
  config: Config,
  baseDir: string,
  week: string,
  options: { onProgress?: WeeklyRequest['onProgress'] } = {},
) {
  if (config.billing.engine !== 'duckdb') {
    throw new UsageError(
      `report: billing.engine "${config.billing.engine}" is not available in this build yet; use duckdb with billing.duckdb.paths`,
    );
  }
  const paths = config.billing.duckdb?.paths;
  if (!paths || paths.length === 0)
    throw new UsageError('report: billing.duckdb.paths is required for the duckdb engine');
  const current = isoWeekWindow(week);
  const previous = isoWeekWindow(previousIsoWeek(week));
  const policy = policyFromConfig(config);
  const outcome = await runAllocate({
    snapshots: resolveUrlOrPath(config.store, baseDir),
    billing: paths.map((p) => resolveUrlOrPath(p, baseDir)),
    windows: [previous, current],
    policy,
    clusters: config.clusters.length > 0 ? config.clusters.map((c) => c.name) : undefined,
    onProgress: options.onProgress,
    inspect: (db) => loadWorkloadFacts(db, { windowStart: current.start, windowEnd: current.end }),
  });
  if (outcome.currency !== config.currency) {
    throw new UsageError(
      `report: the bill is in ${outcome.currency} but the config says currency: ${config.currency}`,
    );
  }
  const [previousLedger, ledger] = outcome.ledgers;
  const facts = outcome.inspected;
  if (!ledger || !previousLedger || !facts) throw new OwnercostError('report: allocation returned no ledger');
  const changes: WorkloadChange[] = facts.changes.map((c) => ({
    cluster: c.cluster,
    namespace: c.namespace,
    kind: c.kind,
    name: c.name,
    field: c.field,
    before: c.before,
    after: c.after,
    at: c.ts,
  }));
  return { ...outcome, ledger, previousLedger, policy, current, previous, facts, changes };
}

export async function runWeekly(req: WeeklyRequest): Promise<WeeklyResult> {
  const { config } = req;
  if (!req.dryRun && !req.delivery) throw new UsageError('report: live delivery needs clients and a store');
  const outcome = await allocateTwoWeeks(config, req.baseDir, req.week, { onProgress: req.onProgress });
  const { ledger, previousLedger, policy, current, previous } = outcome;
  const findings = detectFindings({
    ledger,
    facts: outcome.facts,
    thresholds: parseFindingThresholds(config.findings),
    reviewers: reviewersFromConfig(config),
    platformTeam: config.owners.platformTeam,
    currency: outcome.currency,
  });
  const org = buildReports({
    week: req.week,
    current: ledger,
    previous: previousLedger,
    currency: outcome.currency,
    knownTeams: Object.keys(config.teams),
  });
  const byTeam = summarize(ledger, ['team'], outcome.currency);
  const rowsTotal = byTeam.rows.reduce((s, r) => s + r.totalCost, 0);
  const expected = byTeam.totals.billed + byTeam.totals.estimated;
  const summary: WeeklySummary = {
    schema: 'ownercost/summary/v1',
    week: req.week,
    window: { from: current.start, to: current.end },
    previousWindow: { from: previous.start, to: previous.end },
    currency: outcome.currency,
    generatedAt: req.now,
    totals: byTeam.totals,
    billedVsAllocated: {
      billed: byTeam.totals.billed,
      estimated: byTeam.totals.estimated,
      rowsTotal,
      difference: rowsTotal - expected,
      relative: expected !== 0 ? (rowsTotal - expected) / expected : 0,
    },
    coverage: byTeam.coverage,
    change: org.cost,
    changeSummary: org.changeSummary,
    topTeams: org.teams
      .filter((t) => !t.team.startsWith('__'))
      .slice(0, 10)
      .map((t) => ({ team: t.team, cost: t.cost.current, previous: t.cost.previous, delta: t.cost.delta })),
    topMovers: org.topMovers.map((m) => ({
      cluster: m.cluster,
      namespace: m.namespace,
      workload: `${m.kind}/${m.name}`,
      delta: m.cost.delta,
      drivers: m.drivers,
    })),
    clusters: org.clusters.map((c) => ({
      cluster: c.cluster,
      billed: c.billed,
      cost: c.cost.current,
      previous: c.cost.previous,
      coverage: c.coverage,
    })),
    badInputCount: outcome.badInputCount,
  };

  // Dry-run delivery: every artefact a team would receive, as files.
  const weekDir = path.join(req.outDir, req.week);
  await mkdir(weekDir, { recursive: true });
  const ctx = {
    generatedAt: req.now,
    findings: findings.map((f) => ({
      team: f.team,
      title: f.title,
      monthlySavings: f.monthlySavings,
      fingerprint: f.fingerprint,
    })),
  };
  await writeFile(path.join(weekDir, 'findings.json'), `${JSON.stringify(findings, null, 2)}\n`);
  await writeFile(path.join(weekDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  await writeFile(path.join(weekDir, 'org.html'), renderOrgHtml(org, ctx));
  const rows = exportRows(ledger);
  await writeFile(path.join(weekDir, 'allocations.csv'), allocationsCsv(rows, outcome.currency));
  await writeAllocationsFocusParquet(
    rows,
    path.join(weekDir, 'allocations.focus.parquet'),
    policy,
    outcome.currency,
  );
  const teams: TeamFiles[] = [];
  const deliveries: TeamDelivery[] = [];
  for (const name of reportTeams(org, config)) {
    const team = org.teams.find((t) => t.team === name);
    if (!team) continue;
    const dir = path.join(weekDir, 'teams', safeName(name));
    await mkdir(dir, { recursive: true });
    const slack = renderTeamSlack(org, team, ctx);
    const email = renderTeamEmail(org, team, ctx);
    const target = teamTargets(config, name);
    const files = {
      'slack.json': `${JSON.stringify({ channel: target.slackChannel ?? null, ...slack }, null, 2)}\n`,
      'email.html': email.html,
      'email.txt': email.text,
      'report.md': renderTeamMarkdown(org, team, ctx),
    };
    for (const [file, body] of Object.entries(files)) await writeFile(path.join(dir, file), body);
    teams.push({ team: name, dir, files: Object.keys(files) });
    deliveries.push({
      team: name,
      ...(target.slackChannel ? { slack: { channel: target.slackChannel, payload: slack } } : {}),
      ...(target.emailTo
        ? {
            email: {
              to: target.emailTo,
              subject: email.subject,
              html: email.html,
              text: email.text,
              csv: allocationsCsv(
                rows.filter((r) => r.team === name),
                outcome.currency,
              ),
            },
          }
        : {}),
      findings: findings.filter((f) => f.team === name),
      ...(target.tracker ? { tracker: target.tracker } : {}),
      ...(target.reviewer ? { reviewer: target.reviewer } : {}),
    });
  }
  // Dry-run: what would be sent (email.eml, tickets/) lands beside the reports; nothing is touched.
  const live = req.dryRun ? undefined : req.delivery;
  const delivery = await deliverWeek({
    week: req.week,
    teams: deliveries,
    clients: live?.clients ?? {},
    settings: deliverySettingsFromConfig(config),
    ...(live ? { store: live.store } : { now: () => new Date(req.now) }),
    ...(live
      ? {
          ...(live.force ? { force: true } : {}),
          ...(live.onlyTeam !== undefined ? { onlyTeam: live.onlyTeam } : {}),
          ...(live.onlyChannel ? { onlyChannel: live.onlyChannel } : {}),
          ...(live.signal ? { signal: live.signal } : {}),
        }
      : { dryRunDir: weekDir }),
  });
  return {
    week: req.week,
    org,
    ledger,
    previousLedger,
    summary,
    findings,
    weekDir,
    teams,
    delivery,
    badInputCount: outcome.badInputCount,
  };
}
