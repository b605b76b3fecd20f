/**
 * Runs `agent …` through registerAgentCommands, as functions/local/cli.ts will once the lead wires
 * it in: `node --import tsx test/agent/node/agentMain.ts agent node …`. The tests spawn this.
 */
import { Command, CommanderError } from 'commander';
import { registerAgentCommands } from '../../../agent/cli.js';
import { OwnercostError, UsageError } from '../../../core/schema/errors.js';

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
