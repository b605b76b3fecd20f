/** The `ownercost` command line: a thin translator from arguments to use-cases. */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { openDuckDbBillingSource } from '../../adapters/billing/duckdb/index.js';
import { loadConfig } from '../../adapters/config/load.js';
import { renderExplanationMarkdown, renderExplanationTable } from '../../adapters/render/explain.js';
import { openObjectStore } from '../../adapters/storage/index.js';
import { registerAgentCommands } from '../../agent/cli.js';
import { type AllocationPolicy, DEFAULT_POLICY } from '../../core/allocation/policy.js';
import { parseDimensions, summarize } from '../../core/allocation/summarize.js';
import { policyFromConfig } from '../../core/config/policy.js';
import { CHANNELS, type Channel } from '../../core/delivery/ports.js';
import type { BadInput } from '../../core/schema/errors.js';
import { OwnercostError, UsageError } from '../../core/schema/errors.js';
import {
  isoWeekOf,
  isoWeekWindow,
  parseInstant,
  parseWindow,
  previousIsoWeek,
} from '../../core/time/window.js';
import { runAllocate } from '../allocate.js';
import { buildDeliveryClients, type DeliveryClients } from '../deliver.js';
import { runDemo, terminalSummary } from '../demo.js';
import { runExplain } from '../explain.js';
import { runSimulate } from '../simulate.js';
import { resolveUrlOrPath, runWeekly } from '../weekly.js';
import { type Format, progress, renderAllocation, renderBillingSummary, renderDelivery } from './render.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number');
  return n;
}

/** `cpu=9,ram=1,gpu=0` → weights; `ram` is per GiB. */
export function parseWeights(spec: string): AllocationPolicy['weights'] {
  const weights = { ...DEFAULT_POLICY.weights };
  for (const part of spec.split(',')) {
    const [k, v] = part.split('=');
    const n = Number(v);
    if (!v || !Number.isFinite(n) || n < 0)
      throw new UsageError(`--weights: "${part}" must be name=non-negative number`);
    if (k === 'cpu') weights.cpu = n;
    else if (k === 'ram' || k === 'ramGiB') weights.ramGiB = n;
    else if (k === 'gpu') weights.gpu = n;
    else throw new UsageError(`--weights: unknown resource "${k}" (use cpu, ram, gpu)`);
  }
  return weights;
}

function warnBadInputs(list: BadInput[], count: number): void {
  if (count === 0) return;
  process.stderr.write(`warning: ${count} bad input record(s) skipped\n`);
  for (const b of list.slice(0, 10)) process.stderr.write(`  ${b.file}:${b.line}: ${b.reason}\n`);
  if (count > 10) process.stderr.write(`  … and ${count - 10} more\n`);
}

export function buildProgram(): Command {
  const program = new Command('ownercost')
    .description(
      'Which team owns each Kubernetes cost, reconciled to the bill, and what it can safely do about it.',
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('simulate')
    .description('Simulate an organisation: snapshots into <out>/store, three billing exports, truth.json')
    .requiredOption('--out <dir>', 'output folder')
    .option('--seed <n>', 'random seed', positiveInt, 1)
    .option('--weeks <n>', 'ISO weeks to simulate', positiveInt, 2)
    .addOption(
      new Option('--scale <scale>', 'organisation size').choices(['small', 'large']).default('small'),
    )
    .addHelpText('after', '\nExample:\n  ownercost simulate --out /tmp/sim --seed 7\n')
    .action(async (o: { out: string; seed: number; weeks: number; scale: 'small' | 'large' }) => {
      if (o.weeks < 1) throw new UsageError('--weeks must be at least 1');
      const summary = await runSimulate({
        outDir: o.out,
        seed: o.seed,
        weeks: o.weeks,
        scale: o.scale,
        onProgress: progress('simulate'),
      });
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    });

  program
    .command('allocate')
    .description('Allocate billed cost to pods, namespaces, controllers and owners for a window')
    .requiredOption(
      '--snapshots <dir|url>',
      'object-store root holding snapshots/v1/… (folder, file://, s3://, gs://, azblob://)',
    )
    .requiredOption('--billing <file|dir>', 'billing export file or folder (repeatable)', collect)
    .option('--from <ISO>', 'window start (inclusive, UTC)')
    .option('--to <ISO>', 'window end (exclusive, UTC)')
    .option('--week <YYYY-Www>', 'an ISO week instead of --from/--to')
    .option(
      '--by <dims>',
      'group by pod|namespace|controller|node|cluster|owner|team|service|env|cost_center|workload_type|label:<key>, comma-separated',
      'namespace',
    )
    .addOption(new Option('--idle <policy>', 'idle cost policy').choices(['separate', 'share']))
    .option('--weights <spec>', 'relative hourly prices, e.g. cpu=0.031611,ram=0.004237,gpu=0.95')
    .option('--cluster <name>', 'only this cluster (repeatable)', collect)
    .option('--config <file>', 'ownercost.yaml for owners, shared namespaces and policies')
    .addOption(
      new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'),
    )
    .addHelpText(
      'after',
      `
Examples:
  ownercost allocate --snapshots out/sim/store --billing out/sim/billing/focus-csv --week 2026-W47 --by team
  ownercost allocate --snapshots file:///data/store --billing cur2/ --from 2026-11-16 --to 2026-11-23 \\
      --by namespace,controller --idle share --weights cpu=9,ram=1,gpu=0 --format json
`,
    )
    .action(
      async (o: {
        snapshots: string;
        billing: string[];
        from?: string;
        to?: string;
        week?: string;
        by: string;
        idle?: 'separate' | 'share';
        weights?: string;
        cluster?: string[];
        config?: string;
        format: Format;
      }) => {
        const window = o.week
          ? isoWeekWindow(o.week)
          : o.from && o.to
            ? parseWindow(o.from, o.to)
            : (() => {
                throw new UsageError('allocate: give --week, or both --from and --to');
              })();
        const dims = parseDimensions(o.by);
        let policy: AllocationPolicy = o.config
          ? policyFromConfig((await loadConfig(o.config)).config)
          : DEFAULT_POLICY;
        if (o.idle) policy = { ...policy, idle: o.idle };
        if (o.weights) policy = { ...policy, weights: parseWeights(o.weights) };
        const outcome = await runAllocate({
          snapshots: o.snapshots,
          billing: o.billing,
          windows: [window],
          policy,
          clusters: o.cluster,
          onProgress: progress('allocate'),
        });
        warnBadInputs(outcome.badInputs, outcome.badInputCount);
        const [ledger] = outcome.ledgers;
        if (!ledger) throw new UsageError('allocate: no ledger');
        const result = summarize(ledger, dims, outcome.currency);
        process.stdout.write(renderAllocation(result, dims, o.format));
      },
    );

  const billing = program.command('billing').description('Inspect billing exports');
  billing
    .command('summarize')
    .description(
      'Totals of an export by provider, service, category or region, to check it before trusting it',
    )
    .requiredOption('--billing <file|dir>', 'billing export file or folder (repeatable)', collect)
    .option('--from <ISO>', 'window start (inclusive, UTC)')
    .option('--to <ISO>', 'window end (exclusive, UTC)')
    .option(
      '--by <columns>',
      'ProviderName|ServiceName|ServiceCategory|RegionId|ChargeCategory, comma-separated',
      'ProviderName',
    )
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .addHelpText(
      'after',
      '\nExample:\n  ownercost billing summarize --billing ../shared/fixtures/billing/focus-1.0-sample.csv --by ProviderName,ServiceCategory\n',
    )
    .action(
      async (o: { billing: string[]; from?: string; to?: string; by: string; format: 'table' | 'json' }) => {
        const by = o.by
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const source = await openDuckDbBillingSource(o.billing);
        try {
          const summary = await source.summarize({
            windowStart: o.from ? parseInstant(o.from, '--from') : undefined,
            windowEnd: o.to ? parseInstant(o.to, '--to') : undefined,
            by,
          });
          warnBadInputs(source.badInputs(), source.badInputCount);
          process.stdout.write(renderBillingSummary(summary, by, o.format));
        } finally {
          await source.close();
        }
      },
    );

  program
    .command('report')
    .description(
      'Run the weekly pipeline: allocate the week and the week before, build the reports and deliver them to each team (Slack, email, tickets) exactly once',
    )
    .requiredOption('--config <file>', 'ownercost.yaml')
    .option('--week <YYYY-Www>', 'ISO week to report (default: the last complete week)')
    .option('--dry-run', 'write what would be sent under --out and touch no external service', false)
    .option('--out <dir>', 'output folder for the reports (and, in a dry run, what would be sent)', 'out')
    .option('--force', 'send again what the delivery ledger says was already sent', false)
    .option('--only-team <team>', 'deliver to this team only')
    .addOption(new Option('--only-channel <channel>', 'deliver on this channel only').choices([...CHANNELS]))
    .addHelpText(
      'after',
      '\nExamples:\n  ownercost report --config ownercost.yaml --week 2026-W47 --dry-run --out out\n  ownercost report --config ownercost.yaml --week 2026-W47\n  ownercost report --config ownercost.yaml --week 2026-W47 --only-team ml-platform --only-channel slack --force\n\nExit codes: 0 everything delivered (or already delivered), 1 a delivery failed (re-run to retry it), 2 bad arguments or config.\n',
    )
    .action(
      async (o: {
        config: string;
        week?: string;
        dryRun: boolean;
        out: string;
        force: boolean;
        onlyTeam?: string;
        onlyChannel?: Channel;
      }) => {
        const started = performance.now();
        const { config, baseDir } = await loadConfig(o.config);
        const now = new Date();
        const week = o.week ?? previousIsoWeek(isoWeekOf(now.getTime()));
        isoWeekWindow(week);
        if (o.dryRun && (o.force || o.onlyTeam !== undefined || o.onlyChannel)) {
          throw new UsageError(
            'report: --force, --only-team and --only-channel apply to live delivery, not --dry-run',
          );
        }
        const abort = new AbortController();
        const stop = () => {
          if (abort.signal.aborted) process.exit(130);
          process.stderr.write('ownercost: stopping after the current send (signal again to quit now)\n');
          abort.abort();
        };
        let clients: DeliveryClients | undefined;
        process.on('SIGINT', stop).on('SIGTERM', stop);
        try {
          clients = o.dryRun ? undefined : buildDeliveryClients(config);
          const result = await runWeekly({
            config,
            baseDir,
            week,
            outDir: o.out,
            dryRun: o.dryRun,
            ...(clients
              ? {
                  delivery: {
                    clients,
                    store: openObjectStore(resolveUrlOrPath(config.store, baseDir)),
                    force: o.force,
                    ...(o.onlyTeam !== undefined ? { onlyTeam: o.onlyTeam } : {}),
                    ...(o.onlyChannel ? { onlyChannel: o.onlyChannel } : {}),
                    signal: abort.signal,
                  },
                }
              : {}),
            now: now.toISOString(),
            onProgress: progress('allocate'),
          });
          warnBadInputs([], result.badInputCount);
          const seconds = (performance.now() - started) / 1000;
          process.stdout.write(
            terminalSummary(result, seconds).replace(/^ownercost demo/, 'ownercost report'),
          );
          if (o.dryRun) {
            process.stdout.write(
              `Dry run: nothing was sent. What would be sent is in ${result.weekDir}/teams/<team>/ (slack.json, email.eml, tickets/).\n`,
            );
            return;
          }
          process.stdout.write(`\n${renderDelivery(result.delivery)}`);
          const failed = result.delivery.results.filter((r) => r.status === 'failed').length;
          if (failed > 0) {
            throw new OwnercostError(
              `report: ${failed} deliver${failed === 1 ? 'y' : 'ies'} failed; re-run the same command to retry (what was sent is not sent again)`,
            );
          }
        } finally {
          clients?.close?.();
          process.off('SIGINT', stop).off('SIGTERM', stop);
        }
      },
    );

  program
    .command('explain')
    .description(
      'Which namespaces and workloads explain the change of a cluster (or a team) this week, and why',
    )
    .requiredOption('--config <file>', 'ownercost.yaml')
    .option('--cluster <name>', 'the cluster to explain')
    .option('--team <name>', 'explain a team instead of a cluster')
    .option('--week <YYYY-Www>', 'ISO week (default: the last complete week)')
    .option('--target <share>', 'share of the change the ranked workloads must explain', '0.8')
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['table', 'json', 'markdown'])
        .default('table'),
    )
    .addHelpText(
      'after',
      '\nExamples:\n  ownercost explain --config out/sim/ownercost.yaml --cluster prod-use1 --week 2026-W47\n  ownercost explain --config ownercost.yaml --team ml-platform --format markdown\n',
    )
    .action(
      async (o: {
        config: string;
        cluster?: string;
        team?: string;
        week?: string;
        target: string;
        format: 'table' | 'json' | 'markdown';
      }) => {
        if (!o.cluster && !o.team) throw new UsageError('explain: give --cluster or --team');
        const target = Number(o.target);
        if (!(target > 0 && target <= 1)) throw new UsageError('--target must be a share in (0, 1]');
        const { config, baseDir } = await loadConfig(o.config);
        const week = o.week ?? previousIsoWeek(isoWeekOf(Date.now()));
        isoWeekWindow(week);
        const ex = await runExplain({ config, baseDir, week, cluster: o.cluster, team: o.team, target });
        process.stdout.write(
          o.format === 'json'
            ? `${JSON.stringify(ex, null, 2)}\n`
            : o.format === 'markdown'
              ? renderExplanationMarkdown(ex)
              : renderExplanationTable(ex),
        );
      },
    );

  program
    .command('demo')
    .description('Simulate two weeks and run the weekly pipeline on week 2, with no cloud account')
    .option('--out <dir>', 'output folder', 'out')
    .option('--seed <n>', 'random seed', positiveInt, 1)
    .addHelpText('after', '\nExample:\n  ownercost demo --out out --seed 1\n')
    .action(async (o: { out: string; seed: number }) => {
      await runDemo({
        outDir: o.out,
        seed: o.seed,
        now: new Date().toISOString(),
        write: (s) => process.stdout.write(s),
      });
    });

  registerAgentCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; commander already printed its one-line error otherwise.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`ownercost: ${err.message}\n`);
      return 2;
    }
    if (err instanceof OwnercostError) {
      process.stderr.write(`ownercost: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`ownercost: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

const invoked = process.argv[1] ?? '';
if (/(cli\.ts|ownercost(\.js)?)$/.test(invoked)) {
  process.exitCode = await main(process.argv.slice(2));
}
