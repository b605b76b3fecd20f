import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAgentCommands } from '../../../agent/cli.js';
import { parseNodeAgentConfig } from '../../../agent/config.js';
import { FlowRecord } from '../../../core/schema/records.js';
import { buildAgentBundle } from '../../../scripts/build-agent.js';

const run = promisify(execFile);
const REPO = path.resolve(import.meta.dirname, '../../..');
const FIX = path.join(import.meta.dirname, '../../fixtures');

/** Runs the agent from its TypeScript sources, or from the bundle the image ships. */
async function agent(
  args: string[],
  from: 'sources' | 'bundle' = 'sources',
): Promise<{ code: number; stdout: string; stderr: string }> {
  const entry = from === 'bundle' ? [bundle] : ['--import', 'tsx', 'agent/main.ts'];
  try {
    const { stdout, stderr } = await run(process.execPath, [...entry, ...args], {
      cwd: REPO,
      env: { ...process.env, NODE_NAME: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('agent node configuration', () => {
  it('accepts CIDR classifications, range files and intervals', () => {
    const c = parseNodeAgentConfig(
      `cluster: prod
destinations:
  directClassification:
    - { region: us-east-1, zone: us-east-1b, cidrs: [10.20.0.0/16, "fd00:20::/32"] }
  internet: [100.64.0.0/10]
ipRanges: [ranges/aws.json, https://ip-ranges.amazonaws.com/ip-ranges.json]
intervalSeconds: 10
metrics: { port: 0 }
`,
      '/etc/ownercost/agent.yaml',
    );
    expect(c.destinations.directClassification[0]?.cidrs).toEqual(['10.20.0.0/16', 'fd00:20::/32']);
    expect(c.ipRanges).toEqual([
      '/etc/ownercost/ranges/aws.json',
      'https://ip-ranges.amazonaws.com/ip-ranges.json',
    ]);
    expect(c.metrics?.port).toBe(0);
  });

  it.each([
    ['an unknown key', 'destinations:\n  inzone: [10.0.0.0/8]\n', 'unknown key "destinations.inzone"'],
    ['a bad CIDR', 'destinations:\n  internet: [10.0.0.0/40]\n', 'destinations.internet.0: not a CIDR'],
    [
      'a direct classification with no place',
      'destinations:\n  directClassification: [{ cidrs: [10.0.0.0/8] }]\n',
      'needs a region or a zone',
    ],
    ['broken YAML', 'destinations: [\n', 'YAML syntax error'],
  ])('rejects %s, naming the file', (_what, text, message) => {
    expect(() => parseNodeAgentConfig(text, 'agent.yaml')).toThrow(message);
    expect(() => parseNodeAgentConfig(text, 'agent.yaml')).toThrow('agent.yaml');
  });
});

describe('agent commands', () => {
  it('registers `agent node` and `agent cluster` with their options', () => {
    const program = new Command('ownercost');
    registerAgentCommands(program);
    const agentCmd = program.commands.find((c) => c.name() === 'agent');
    const node = agentCmd?.commands.find((c) => c.name() === 'node');
    const cluster = agentCmd?.commands.find((c) => c.name() === 'cluster');
    const longs = (c: Command | undefined) => c?.options.map((o) => o.long) ?? [];
    expect(longs(node)).toEqual(
      expect.arrayContaining([
        '--topology',
        '--node',
        '--cluster',
        '--conntrack-file',
        '--once',
        '--sample-seconds',
        '--interval',
        '--sink',
        '--config',
        '--metrics-port',
        '--listen',
      ]),
    );
    expect(longs(cluster)).toEqual(
      expect.arrayContaining([
        '--cluster',
        '--sink',
        '--interval',
        '--usage-interval',
        '--kubeconfig',
        '--once',
        '--spool-dir',
        '--spool-max-bytes',
        '--metrics-port',
      ]),
    );
  });
});

let bundle = '';

describe('agent node --conntrack-file --once', () => {
  let tmp = '';
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'oc-cli-'));
    bundle = await buildAgentBundle(path.join(tmp, 'ownercost-agent.mjs'));
  }, 120_000);
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it.each(['sources', 'bundle'] as const)(
    'prints valid flow records of a saved table, skips bad topology lines, and ships them (from %s)',
    async (from) => {
      const sink = path.join(tmp, `sink-${from}`);
      await writeFile(
        path.join(tmp, 'agent.yaml'),
        `ipRanges: [${path.join(FIX, 'ip-ranges/aws-ip-ranges.small.json')}]\n`,
      );
      const r = await agent(
        [
          'agent',
          'node',
          '--topology',
          path.join(FIX, 'conntrack/topology.ndjson'),
          '--node',
          'node-a',
          '--cluster',
          'c1',
          '--conntrack-file',
          path.join(FIX, 'conntrack/node-a.conntrack-L.txt'),
          '--once',
          '--config',
          path.join(tmp, 'agent.yaml'),
          '--sink',
          `file://${sink}`,
          '--spool-dir',
          path.join(tmp, `spool-${from}`),
        ],
        from,
      );
      expect(r.code, r.stderr).toBe(0);
      const records = r.stdout
        .trim()
        .split('\n')
        .map((l) => FlowRecord.parse(JSON.parse(l)));
      expect(records).toHaveLength(10);
      expect(records.find((x) => x.service === 's3' && x.direction === 'ingress')).toMatchObject({
        pod: 'web-1',
        class: 'in-zone',
        viaNat: true,
        bytes: 400000,
      });
      expect(r.stderr).toContain('2 topology record(s) skipped');
      expect(r.stderr).toMatch(/skipped lines: .*1 unknown-protocol/);
      const keys = await readdir(path.join(sink, 'snapshots/v1/kind=network/cluster=c1'), {
        recursive: true,
      });
      expect(keys.some((k) => String(k).endsWith('-node-node-a.ndjson.gz'))).toBe(true);
    },
  );

  it('warns once, with the fix, when the table has no byte counters', async () => {
    const file = path.join(tmp, 'noacct.txt');
    await writeFile(
      file,
      'ipv4     2 tcp      6 431999 ESTABLISHED src=10.0.1.5 dst=10.0.2.7 sport=1 dport=2 src=10.0.2.7 dst=10.0.1.5 sport=2 dport=1 [ASSURED] mark=0 zone=0 use=2\n'.repeat(
        3,
      ),
    );
    const r = await agent([
      'agent',
      'node',
      '--node',
      'node-a',
      '--cluster',
      'c1',
      '--conntrack-file',
      file,
      '--once',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.match(/nf_conntrack_acct=0/g)).toHaveLength(1);
    expect(r.stderr).toContain('sysctl -w net.netfilter.nf_conntrack_acct=1');
  });

  it.each(['sources', 'bundle'] as const)('carries cluster mode (from %s)', async (from) => {
    const r = await agent(
      [
        'agent',
        'cluster',
        '--cluster',
        'c1',
        '--sink',
        `file://${path.join(tmp, `cluster-sink-${from}`)}`,
        '--spool-dir',
        path.join(tmp, `cluster-spool-${from}`),
        '--kubeconfig',
        path.join(tmp, 'missing'),
        '--once',
      ],
      from,
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('cannot load the kubeconfig');
    expect(r.stderr).not.toContain('Cannot find module');
  });

  it('names the missing option', async () => {
    const r = await agent(['agent', 'node', '--cluster', 'c1', '--once']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('give --node or set NODE_NAME');
  });
});
