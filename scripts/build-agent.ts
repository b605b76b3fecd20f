/**
 * Bundles the agent (agent/main.ts) into one ESM file run by plain node, as the agent image runs
 * it: tsx alone adds about 49 MiB of RSS, more than a third of the 128 MiB budget at 1M flows.
 * Usage: `npm run build:agent [-- <outfile>]` (default dist/ownercost-agent.mjs).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_AGENT_BUNDLE = path.join(REPO, 'dist', 'ownercost-agent.mjs');

export async function buildAgentBundle(outfile: string = DEFAULT_AGENT_BUNDLE): Promise<string> {
  await build({
    entryPoints: [path.join(REPO, 'agent', 'main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'warning',
    // Some bundled CommonJS packages call require() for node built-ins.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
  return outfile;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await buildAgentBundle(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
  process.stdout.write(`${path.relative(process.cwd(), out)}\n`);
}
