/**
 * `ownercost demo`: simulate two weeks into a local object store (a folder), write the config a
 * platform team would write for that organisation, then run the real weekly pipeline for week 2
 * on DuckDB with dry-run delivery into `<out>/<week>/`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { parseConfig } from '../adapters/config/load.js';
import type { ConfigInput } from '../core/config/schema.js';
import { isoWeekOf } from '../core/time/window.js';
import { progress } from './local/render.js';
import { runSimulate } from './simulate.js';
import { runWeekly, type WeeklyResult } from './weekly.js';

export interface DemoRequest {
  outDir: string;
  seed: number;
  /** ISO time of the run, for the reports' "generated at". */
  now: string;
  write: (text: string) => void;
}

interface TruthFile {
  teams: string[];
  clusters: { name: string; provider: 'aws' | 'gcp'; region: string }[];
  window: { start: string; weeks: string[] };
}

/** The configuration of the simulated organisation: every team gets a channel, a list and a board. */
export function demoConfig(truth: TruthFile): ConfigInput {
  const teams: NonNullable<ConfigInput['teams']> = {};
  for (const team of truth.teams) {
    teams[team] = {
      slack: `#${team}-costs`,
      email: [`${team}-leads@example.com`],
      tickets: {
        tracker: 'jira',
        project:
          team
            .replace(/[^A-Za-z]/g, '')
            .slice(0, 6)
            .toUpperCase() || 'OPS',
      },
      reviewer: `${team}-lead@example.com`,
    };
  }
  return {
    currency: 'USD',
    costMetric: 'EffectiveCost',
    store: 'file://./store',
    clusters: truth.clusters.map((c) => ({ name: c.name, provider: c.provider, region: c.region })),
    billing: { engine: 'duckdb', duckdb: { paths: ['./billing/focus-parquet'] } },
    allocation: {
      idle: 'separate',
      shared: {
        namespaces: ['kube-system', 'monitoring'],
        labels: { 'app.kubernetes.io/part-of': 'platform' },
        split: 'weighted',
      },
    },
    owners: { platformTeam: 'platform' },
    teams,
    delivery: {
      slack: { token: 'env:SLACK_BOT_TOKEN' },
      email: { transport: 'smtp', url: 'env:SMTP_URL', from: 'ownercost <finops@example.com>' },
      tickets: { maxNewPerTeamPerRun: 5 },
    },
  };
}

const money = (v: number) =>
  `$${v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const signed = (v: number) => `${v >= 0 ? '+' : '-'}${money(Math.abs(v))}`;
const pct = (r: number | null) => (r === null ? 'new' : `${r >= 0 ? '+' : ''}${(r * 100).toFixed(1)}%`);

export function terminalSummary(result: WeeklyResult, seconds: number): string {
  const { org, summary } = result;
  const lines: string[] = [];
  lines.push(
    `ownercost demo — week ${result.week} (${summary.window.from.slice(0, 10)} to ${summary.window.to.slice(0, 10)})`,
  );
  lines.push('');
  lines.push(
    `Organisation total ${money(org.cost.current)}  (${signed(org.cost.delta)}, ${pct(org.cost.ratio)} vs last week)`,
  );
  lines.push(
    `  billed ${money(summary.totals.billed)} = allocated ${money(summary.totals.allocated)} + idle ${money(summary.totals.idle)} + unmounted ${money(summary.totals.unmounted)} + unallocated ${money(summary.totals.unallocated)}` +
      (summary.totals.estimated ? ` (− estimated ${money(summary.totals.estimated)})` : ''),
  );
  lines.push('');
  lines.push('Top teams');
  for (const t of summary.topTeams.slice(0, 5)) {
    lines.push(`  ${t.team.padEnd(24)} ${money(t.cost).padStart(12)}  ${signed(t.delta).padStart(12)}`);
  }
  lines.push('');
  lines.push('Top movers');
  for (const m of summary.topMovers.slice(0, 5)) {
    lines.push(
      `  ${`${m.namespace}/${m.workload}`.padEnd(48)} ${signed(m.delta).padStart(12)}  ${m.drivers.join(', ')}`,
    );
  }
  lines.push('');
  lines.push(`Why: ${org.changeSummary}`);
  const saving = result.findings.reduce((x, f) => x + f.monthlySavings, 0);
  lines.push('');
  lines.push(`Findings: ${result.findings.length} reviewed plans, est. ${money(saving)}/month in savings`);
  for (const f of result.findings.slice(0, 5)) {
    lines.push(`  ${money(f.monthlySavings).padStart(12)}/mo  ${f.team.padEnd(18)} ${f.title}`);
  }
  lines.push(
    `Coverage: ${(summary.coverage.observedRatio * 100).toFixed(1)}% of billed node-hours observed; ${(summary.coverage.estimatedShare * 100).toFixed(1)}% estimated`,
  );
  lines.push('');
  lines.push(`Files: ${result.weekDir}/`);
  lines.push('  summary.json  org.html  findings.json  allocations.csv  allocations.focus.parquet');
  lines.push(
    `  teams/<team>/{email.html, email.txt, email.eml, slack.json, report.md, tickets/} for ${result.teams.length} teams`,
  );
  lines.push(`Done in ${seconds.toFixed(1)} s.`);
  return `${lines.join('\n')}\n`;
}

/** The weekly pipeline on a simulated organisation: writes its config, reports week 2. */
export async function reportSimulation(
  simDir: string,
  outDir: string,
  now: string,
  onProgress?: (done: number, total: number, what: string) => void,
): Promise<WeeklyResult> {
  const truth = JSON.parse(await readFile(path.join(simDir, 'truth.json'), 'utf8')) as TruthFile;
  const configFile = path.join(simDir, 'ownercost.yaml');
  const yaml = `# The configuration of the simulated organisation (written by ownercost demo).\n${stringify(demoConfig(truth))}`;
  await writeFile(configFile, yaml);
  const config = parseConfig(yaml, configFile);
  const week = truth.window.weeks[1] ?? isoWeekOf(Date.parse(truth.window.start) + 7 * 86_400_000);
  return runWeekly({ config, baseDir: simDir, week, outDir, dryRun: true, now, onProgress });
}

export async function runDemo(req: DemoRequest): Promise<WeeklyResult> {
  const started = performance.now();
  const simDir = path.join(req.outDir, 'sim');
  await runSimulate({
    outDir: simDir,
    seed: req.seed,
    weeks: 2,
    scale: 'small',
    // The demo's config reads the FOCUS Parquet export only; the CUR 2.0 export is not written.
    cur2: false,
    onProgress: progress('simulate'),
  });
  const result = await reportSimulation(simDir, req.outDir, req.now, progress('allocate'));
  req.write(terminalSummary(result, (performance.now() - started) / 1000));
  return result;
}
