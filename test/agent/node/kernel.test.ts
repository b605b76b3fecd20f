/**
 * The node collector against the real kernel conntrack, in two network namespaces joined by a
 * veth pair: `ocpod` (10.231.0.2, fd00:231::2) plays the local pod and is where the collector
 * reads; `ocremote` holds the remote ends, one address per (family, protocol) so that each
 * traffic class carries one kind of packet and the IP/TCP/UDP header overhead is exact:
 *
 *   10.231.0.3  TCP/IPv4 → cross-zone (config inRegion)
 *   10.231.0.5  TCP/IPv4, connects to the pod → cross-zone (config direct classification)
 *   10.231.0.4  UDP/IPv4 → cross-region (config crossRegion)
 *   fd00:231::3 TCP/IPv6 → internet (config internet)
 *   fd00:231::4 UDP/IPv6 → in-zone (config inZone)
 *
 * conntrack counts IP-level bytes per skb: payload + header × packets (+8 bytes of SYN options
 * per handshake packet). The assertion removes `header × packets` from the counted bytes and
 * compares with the payload the traffic driver moved: UDP exactly, TCP within 1%.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNdjson } from '../../../adapters/snapshots/ndjson.js';
import { FsObjectStore } from '../../../adapters/storage/fs.js';
import type { FlowRecord, SnapshotRecord } from '../../../core/schema/records.js';

const REPO = path.resolve(import.meta.dirname, '../../..');
const NETNS_DIR = path.join(import.meta.dirname, 'netns');

function has(bin: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const skipReason =
  process.getuid?.() !== 0
    ? 'kernel conntrack test needs root (network namespaces, nftables)'
    : (['ip', 'nft', 'conntrack'].find((b) => !has(b)) ?? null) !== null
      ? `kernel conntrack test needs ${['ip', 'nft', 'conntrack'].filter((b) => !has(b)).join(', ')} (apt-get install -y iproute2 nftables conntrack)`
      : null;
if (skipReason) console.warn(`SKIP kernel conntrack test: ${skipReason}`);

const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

function cleanupNetns(): void {
  for (const ns of ['ocpod', 'ocremote']) {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      // not there
    }
  }
}

/** Resolves with the first line of `stream` matching, or rejects after `ms`. */
function waitForLine(
  child: ChildProcess,
  which: 'stdout' | 'stderr',
  match: RegExp,
  ms: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const stream = child[which];
    if (!stream) return reject(new Error(`no ${which}`));
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${match} on ${which}; got: ${buf.slice(-2000)}`)),
      ms,
    );
    const onData = (c: Buffer) => {
      buf += c.toString();
      const line = buf.split('\n').find((l) => match.test(l));
      if (line !== undefined) {
        clearTimeout(timer);
        stream.off('data', onData);
        resolve(line);
      }
    };
    stream.on('data', onData);
  });
}

function collect(child: ChildProcess): {
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
} {
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { out: () => out, err: () => err, exit };
}

const record = (o: Record<string, unknown>) =>
  JSON.stringify({
    schema: 'ownercost/v1',
    cluster: 'kt',
    ts: '2026-11-16T00:00:00.000Z',
    intervalSeconds: 60,
    ...o,
  });

describe.skipIf(skipReason !== null)(
  'node collector on the kernel conntrack table (network namespaces)',
  () => {
    let tmp = '';
    const children: ChildProcess[] = [];
    let records: FlowRecord[] = [];
    let collectorErr = '';
    const shipped: SnapshotRecord[] = [];

    beforeAll(async () => {
      tmp = await mkdtemp(path.join(os.tmpdir(), 'oc-kernel-'));
      cleanupNetns();
      sh(`
      set -e
      ip netns add ocpod
      ip netns add ocremote
      ip -n ocpod link add vp type veth peer name vr netns ocremote
      ip -n ocpod link set lo up
      ip -n ocremote link set lo up
      ip -n ocpod addr add 10.231.0.2/24 dev vp
      ip -n ocpod addr add fd00:231::2/64 dev vp nodad
      for a in 10.231.0.3/24 10.231.0.4/24 10.231.0.5/24; do ip -n ocremote addr add $a dev vr; done
      for a in fd00:231::3/64 fd00:231::4/64; do ip -n ocremote addr add $a dev vr nodad; done
      ip -n ocpod link set vp up
      ip -n ocremote link set vr up
      ip netns exec ocpod sysctl -qw net.netfilter.nf_conntrack_acct=1
      ip netns exec ocpod nft add table inet oc
      ip netns exec ocpod nft add chain inet oc out '{ type filter hook output priority 0; }'
      ip netns exec ocpod nft add rule inet oc out ct state new counter
    `);

      await writeFile(
        path.join(tmp, 'topology.ndjson'),
        [
          record({
            kind: 'node',
            name: 'ocnode',
            providerId: 'test:///ocnode',
            instanceType: 'test',
            region: 'test-region',
            zone: 'test-zone-a',
            nodePool: 'p',
            capacityType: 'on-demand',
            capacity: { cpuCores: 2, memoryBytes: 1, gpus: 0 },
            allocatable: { cpuCores: 2, memoryBytes: 1, gpus: 0 },
            labels: {},
          }),
          record({
            kind: 'pod',
            namespace: 'octest',
            name: 'traffic',
            uid: 'u-traffic',
            node: 'ocnode',
            phase: 'Running',
            ips: ['10.231.0.2', 'fd00:231::2'],
            hostNetwork: false,
            owner: { kind: 'Deployment', name: 'traffic' },
            labels: {},
            containers: [],
            volumes: [],
          }),
        ].join('\n'),
      );
      await writeFile(
        path.join(tmp, 'agent.yaml'),
        `destinations:
  directClassification:
    - { region: test-region, zone: test-zone-b, cidrs: [10.231.0.5/32] }
  inRegion: [10.231.0.3/32]
  crossRegion: [10.231.0.4/32]
  internet: [fd00:231::3/128]
  inZone: [fd00:231::4/128]
`,
      );

      const remote = spawn('ip', ['netns', 'exec', 'ocremote', process.execPath, 'remote.mjs'], {
        cwd: NETNS_DIR,
      });
      children.push(remote);
      await waitForLine(remote, 'stdout', /^ready$/, 30_000);
      const driver = spawn('ip', ['netns', 'exec', 'ocpod', process.execPath, 'driver.mjs'], {
        cwd: NETNS_DIR,
      });
      children.push(driver);
      await waitForLine(driver, 'stdout', /^pre-done$/, 30_000);

      const collector = spawn(
        'ip',
        [
          'netns',
          'exec',
          'ocpod',
          process.execPath,
          '--import',
          'tsx',
          'agent/main.ts',
          'agent',
          'node',
          '--topology',
          path.join(tmp, 'topology.ndjson'),
          '--node',
          'ocnode',
          '--cluster',
          'kt',
          '--once',
          '--sample-seconds',
          '5',
          '--config',
          path.join(tmp, 'agent.yaml'),
          '--sink',
          `file://${path.join(tmp, 'sink')}`,
          '--spool-dir',
          path.join(tmp, 'spool'),
        ],
        { cwd: REPO },
      );
      children.push(collector);
      const out = collect(collector);
      await waitForLine(collector, 'stderr', /baseline read/, 60_000);

      // Inside the sample: traffic on the long connections, new short connections, UDP, and a
      // connection from the remote side; then the IPv4 short connections are deleted from the
      // table, so only their DESTROY events carry their bytes.
      driver.stdin?.write('go\n');
      await waitForLine(driver, 'stdout', /^go-done$/, 30_000);
      remote.stdin?.write('connect 30000 70000\n');
      await waitForLine(remote, 'stdout', /^connect-done$/, 30_000);
      sh('ip netns exec ocpod conntrack -D -f ipv4 -p tcp --dport 7004 2>&1 || true');

      const code = await out.exit;
      collectorErr = out.err();
      expect(code, collectorErr).toBe(0);
      records = out
        .out()
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as FlowRecord);

      const store = new FsObjectStore(path.join(tmp, 'sink'));
      for await (const key of store.list('snapshots/v1/kind=network/')) {
        const body = await store.get(key);
        if (body) for await (const r of readNdjson(body, key, () => {})) shipped.push(r);
      }
    }, 120_000);

    afterAll(async () => {
      for (const c of children) {
        c.stdin?.end();
        if (c.exitCode === null) c.kill('SIGKILL');
      }
      cleanupNetns();
      if (tmp) await rm(tmp, { recursive: true, force: true });
    });

    const sum = (cls: string, direction: 'egress' | 'ingress') => {
      const rs = records.filter((r) => r.class === cls && r.direction === direction);
      return {
        bytes: rs.reduce((a, r) => a + r.bytes, 0),
        packets: rs.reduce((a, r) => a + r.packets, 0),
        n: rs.length,
      };
    };

    // payload bytes the driver moved inside the sample (TCP exchanges carry an 8-byte header up)
    const cases = [
      {
        cls: 'cross-zone',
        direction: 'egress',
        payload: 200_008 + 3 * 50_008 + 70_000,
        header: 52,
        what: 'TCP/IPv4',
      },
      {
        cls: 'cross-zone',
        direction: 'ingress',
        payload: 100_000 + 3 * 20_000 + 30_008,
        header: 52,
        what: 'TCP/IPv4',
      },
      { cls: 'internet', direction: 'egress', payload: 200_008 + 3 * 50_008, header: 72, what: 'TCP/IPv6' },
      { cls: 'internet', direction: 'ingress', payload: 100_000 + 3 * 20_000, header: 72, what: 'TCP/IPv6' },
      { cls: 'cross-region', direction: 'egress', payload: 50 * 1000, header: 28, what: 'UDP/IPv4' },
      { cls: 'cross-region', direction: 'ingress', payload: 50 * 500, header: 28, what: 'UDP/IPv4' },
      { cls: 'in-zone', direction: 'egress', payload: 50 * 1000, header: 48, what: 'UDP/IPv6' },
      { cls: 'in-zone', direction: 'ingress', payload: 50 * 500, header: 48, what: 'UDP/IPv6' },
    ] as const;

    it.each(cases)(
      'counts $what $direction bytes of class $cls within 1% of the payload moved during the sample',
      ({ cls, direction, payload, header }) => {
        const s = sum(cls, direction);
        expect(s.n, collectorErr).toBeGreaterThan(0);
        const net = s.bytes - header * s.packets;
        expect(s.bytes).toBeGreaterThanOrEqual(payload);
        expect(Math.abs(net - payload) / payload).toBeLessThanOrEqual(0.01);
        // Tighter still: what is left is at most the SYN options (8 bytes per handshake packet).
        expect(net - payload).toBeGreaterThanOrEqual(0);
        expect(net - payload).toBeLessThanOrEqual(8 * 4);
        if (header === 28 || header === 48) expect(net).toBe(payload);
      },
    );

    it('attributes everything to the local pod, without NAT, and nothing from before the first read', () => {
      expect(records.length).toBeGreaterThan(0);
      for (const r of records) {
        expect(r).toMatchObject({
          kind: 'flow',
          cluster: 'kt',
          node: 'ocnode',
          namespace: 'octest',
          pod: 'traffic',
          viaNat: false,
          service: null,
        });
      }
      // The only classes are the four configured ones.
      expect(new Set(records.map((r) => r.class))).toEqual(
        new Set(['cross-zone', 'internet', 'cross-region', 'in-zone']),
      );
    });

    it('counts the connections deleted during the sample through their DESTROY events', () => {
      const m = /(\d+) DESTROY event\(s\) counted/.exec(collectorErr);
      expect(m, collectorErr).not.toBeNull();
      expect(Number(m?.[1])).toBeGreaterThanOrEqual(3);
    });

    it('ships the same flow records to the sink', () => {
      const key = (r: FlowRecord) => `${r.class}|${r.direction}|${r.viaNat}|${r.service}`;
      const norm = (rs: FlowRecord[]) => [...rs].sort((a, b) => key(a).localeCompare(key(b)));
      expect(norm(shipped as FlowRecord[])).toEqual(norm(records));
    });
  },
);
