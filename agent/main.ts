/**
 * The agent image's entry point: only the `agent node|cluster` commands, so its bundle
 * (`npm run build:agent`, see agent/deploy/Dockerfile) carries neither DuckDB nor the reports.
 * `ownercost agent …` in the full CLI registers the same commands.
 */
import { Command, CommanderError } from 'commander';
import { OwnercostError, UsageError } from '../core/schema/errors.js';
import { registerAgentCommands } from './cli.js';

const program = new Command('ownercost').exitOverride();
registerAgentCommands(program);
try {
  await program.parseAsync(process.argv.slice(2), { from: 'user' });
} catch (err) {
  if (err instanceof CommanderError) process.exitCode = err.exitCode === 0 ? 0 : 2;
  else if (err instanceof UsageError) {
    process.stderr.write(`ownercost: ${err.message}\n`);
    process.exitCode = 2;
  } else if (err instanceof OwnercostError) {
    process.stderr.write(`ownercost: ${err.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`ownercost: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  }
}
