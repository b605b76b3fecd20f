/**
 * Benchmark of the node collector's cycle: read a kernel-format conntrack table from a file,
 * parse, delta, classify (real AWS ranges + 25,000 cluster endpoints), aggregate.
 *
 *   npm run bench:conntrack        (node --expose-gc --import tsx test/bench/conntrack.bench.ts)
 *   … conntrack.bench.ts 100000    (one size)
 *
 * Each size runs in a fresh child process so its RSS is its own. The child is an esbuild bundle
 * run by plain node, as a production agent image would run it (tsx alone adds ~45 MiB of RSS);
 * without esbuild it falls back to `--import tsx` and says so. Two tables alternate (B shares
 * 95% of A's flows with larger counters), so every cycle moves every entry: the worst case.
 * Reported: wall and CPU ms per cycle (the machine may be shared: CPU time is the steadier
 * figure), entries/s, peak RSS, and the time of just reading the file in the same process.
 * Targets: ≤ 1 s per cycle and ≤ 128 MiB RSS at 1,000,000 entries.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, createWriteStream, openSync, readFileSync, readSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlowAttributor, LocalEndpoints } from '../../core/network/attribute.js';
import { type ClusterEndpoint, NetworkClassifier } from '../../core/network/classify.js';
import { ConntrackPipeline } from '../../core/network/pipeline.js';
import { parseProviderRanges } from '../../core/network/providers.js';

const SELF = fileURLToPath(import.meta.url);
const REPO = path.resolve(path.dirname(SELF), '../..');
const AWS = path.resolve(REPO, '../shared/fixtures/ip-ranges/aws-ip-ranges.json');
const CYCLES = 8;
/**
 * A small young generation: the collector allocates almost nothing per entry, so a larger one is
 * no faster (measured at 1,000,000 entries: 4 MiB semi-spaces +6 MiB of RSS, 16 MiB or V8's
 * default +28 MiB, the same CPU time). The node DaemonSet sets the same flag (NODE_OPTIONS in
 * agent/deploy/base/daemonset.yaml). (The image runs the TypeScript through tsx, not a bundle:
 * see "empty process peak RSS" below for what that adds.)
 */
const CHILD_FLAGS = ['--max-semi-space-size=1', '--expose-gc'];

/**
 * all-moving: two tables alternate, B shares 95% of A's flows with larger counters, so every
 * entry moves every cycle (the worst case). quarter-moving: the same flows, a quarter of them
 * moving each cycle (the others idle, as most entries of a real table are).
 */
const SCENARIOS = [
  { name: 'all-moving', growthA: 0, growthB: 5, movingEvery: 1, churn: true },
  { name: 'quarter-moving', growthA: 1, growthB: 2, movingEvery: 4, churn: false },
] as const;
const CHUNK = 1 << 20;

interface ChildResult {
  entries: number;
  fileMiB: number;
  readMs: number;
  buildMs: number;
  cycles: { wallMs: number; cpuMs: number; parsed: number; moved: number; rssMiB: number }[];
  peakRssMiB: number;
  setupRssMiB: number;
  setupHeapMiB: number;
  flowsMiB: number;
  runner: string;
}

// ------------------------------------------------------------------------------------------------
// Kernel-format tables: IPv4 and IPv6 mixed, TCP and UDP, local pods talking to pods on other
// nodes, to Services (DNAT to a backend pod), to S3 and EC2 addresses, and to the internet
// (masqueraded).

/** Deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const LOCAL_PODS = 110;
export const NODE_IP = '10.0.0.10';
export const NODE_IP6 = 'fd00:0:0:0:0:0:0:a';

export function localPodIp(i: number): string {
  return `10.0.1.${(i % 250) + 2}`;
}
export function localPodIp6(i: number): string {
  return `fd00:0:0:1:0:0:0:${((i % 250) + 2).toString(16)}`;
}
/** Pods on other nodes: 10.0.<2..101>.<2..251>, fd00::<n>:… */
export function remotePodIp(n: number): string {
  return `10.0.${2 + ((n >>> 8) % 100)}.${(n % 250) + 2}`;
}
export function remotePodIp6(n: number): string {
  return `fd00:0:0:${(2 + ((n >>> 8) % 100)).toString(16)}:0:0:0:${((n % 250) + 2).toString(16)}`;
}

/** Full-form IPv6 as /proc prints it (0000:0000:…). */
function full6(short: string): string {
  const parts = short.split(':');
  return parts.map((p) => p.padStart(4, '0')).join(':');
}

interface Flow {
  v6: boolean;
  proto: 6 | 17;
  osrc: string;
  odst: string;
  rsrc: string;
  rdst: string;
  sport: number;
  dport: number;
  ob: number;
  op: number;
  rb: number;
  rp: number;
}

function flowFor(index: number): Flow {
  const r = rng(index * 7919 + 17);
  const v6 = r() < 0.3;
  const proto = r() < 0.85 ? 6 : 17;
  const local = Math.floor(r() * LOCAL_PODS);
  const osrc = v6 ? localPodIp6(local) : localPodIp(local);
  const kind = r();
  const sport = 32768 + (index % 28000);
  let odst: string;
  let rsrc: string;
  let rdst = osrc;
  let dport = 443;
  if (kind < 0.45) {
    // pod to pod on another node
    const n = Math.floor(r() * 25000);
    odst = v6 ? remotePodIp6(n) : remotePodIp(n);
    rsrc = odst;
    dport = 8080;
  } else if (kind < 0.7) {
    // pod to a Service VIP, DNAT to a backend pod
    const n = Math.floor(r() * 25000);
    odst = v6 ? `fd00:0:0:ffff:0:0:0:${(n % 4000).toString(16)}` : `172.20.${(n >>> 8) % 16}.${n % 250}`;
    rsrc = v6 ? remotePodIp6(n) : remotePodIp(n);
    dport = 80;
  } else if (kind < 0.8) {
    // S3 us-east-1 (52.216.0.0/15) and an EC2 address, masqueraded to the node IP
    odst = v6
      ? `2600:1f18:0:0:0:0:0:${(index % 65000).toString(16)}`
      : `52.${216 + (index % 2)}.${(index >>> 8) % 256}.${index % 256}`;
    rsrc = odst;
    rdst = v6 ? NODE_IP6 : NODE_IP;
  } else {
    // internet, masqueraded
    const a = 1 + Math.floor(r() * 200);
    odst = v6
      ? `2a00:1450:4001:${(index % 4096).toString(16)}:0:0:0:${(index % 9999).toString(16)}`
      : `${a === 10 || a === 172 || a === 127 ? 8 : a}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}`;
    rsrc = odst;
    rdst = v6 ? NODE_IP6 : NODE_IP;
  }
  return {
    v6,
    proto,
    osrc,
    odst,
    rsrc,
    rdst,
    sport,
    dport,
    ob: 100 + Math.floor(r() * 1e7),
    op: 2 + Math.floor(r() * 9000),
    rb: 100 + Math.floor(r() * 5e7),
    rp: 2 + Math.floor(r() * 30000),
  };
}

function line(f: Flow, growth: number): string {
  const a = f.v6 ? full6 : (s: string) => s;
  const l3 = f.v6 ? 'ipv6     10' : 'ipv4     2';
  const l4 = f.proto === 6 ? 'tcp      6 431999 ESTABLISHED' : 'udp      17 176';
  const ob = f.ob + growth * 1500;
  const op = f.op + growth;
  const rb = f.rb + growth * 3000;
  const rp = f.rp + growth * 2;
  return `${l3} ${l4} src=${a(f.osrc)} dst=${a(f.odst)} sport=${f.sport} dport=${f.dport} packets=${op} bytes=${ob} src=${a(f.rsrc)} dst=${a(f.rdst)} sport=${f.dport} dport=${f.sport} packets=${rp} bytes=${rb} [ASSURED] mark=0 zone=0 use=2\n`;
}

/**
 * Writes a table of `entries` flows. Flow indexes are [offset, offset + entries): two tables with
 * offsets 0 and entries/20 share 95% of their flows (5% churn). `growth` adds to the counters of
 * every `movingEvery`-th flow.
 */
export async function writeTable(
  file: string,
  entries: number,
  offset: number,
  growth: number,
  movingEvery = 1,
): Promise<number> {
  const out = createWriteStream(file);
  let batch = '';
  let bytes = 0;
  for (let i = 0; i < entries; i++) {
    const index = offset + i;
    batch += line(flowFor(index), index % movingEvery === 0 ? growth : 0);
    if (batch.length > 1 << 20) {
      bytes += batch.length;
      if (!out.write(batch)) await once(out, 'drain');
      batch = '';
    }
  }
  bytes += batch.length;
  out.end(batch);
  await once(out, 'finish');
  return bytes;
}

// ------------------------------------------------------------------------------------------------
// Child: one size, one process.

function readOnly(file: string, buf: Buffer): number {
  const fd = openSync(file, 'r');
  let total = 0;
  for (;;) {
    const n = readSync(fd, buf, 0, CHUNK, null);
    if (n === 0) break;
    total += n;
  }
  closeSync(fd);
  return total;
}

function child(size: number, fileA: string, fileB: string, runner: string, awsPath: string): void {
  const buf = Buffer.allocUnsafe(CHUNK);
  const reads: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    readOnly(fileA, buf);
    reads.push(performance.now() - t);
  }

  const t0 = performance.now();
  const ranges = parseProviderRanges(JSON.parse(readFileSync(awsPath, 'utf8')));
  const endpoints: ClusterEndpoint[] = [];
  for (let n = 0; n < 25_000; n++) {
    const zone = n % 3 === 0 ? 'us-east-1a' : n % 3 === 1 ? 'us-east-1b' : 'us-east-1c';
    endpoints.push({ ip: remotePodIp(n), kind: 'pod', node: `node-${n % 100}`, region: 'us-east-1', zone });
    endpoints.push({ ip: remotePodIp6(n), kind: 'pod', node: `node-${n % 100}`, region: 'us-east-1', zone });
  }
  const classifier = new NetworkClassifier({
    local: { node: 'node-bench', region: 'us-east-1', zone: 'us-east-1a' },
    endpoints,
    providerPrefixes: ranges?.prefixes ?? [],
  });
  const pods = Array.from({ length: LOCAL_PODS }, (_, i) => ({
    namespace: `ns-${i % 12}`,
    name: `pod-${i}`,
    ips: [localPodIp(i), localPodIp6(i)],
    hostNetwork: false,
  }));
  const pipeline = new ConntrackPipeline(
    new FlowAttributor(classifier, new LocalEndpoints(pods, [NODE_IP, NODE_IP6])),
  );
  const buildMs = performance.now() - t0;
  // Setup garbage (the parsed JSON) need not stay resident; a long-running agent gets there too.
  (globalThis as { gc?: () => void }).gc?.();
  const setup = process.memoryUsage();
  const setupRssMiB = setup.rss / 1048576;
  const setupHeapMiB = setup.heapUsed / 1048576;

  const cycles: ChildResult['cycles'] = [];
  for (let c = 0; c < CYCLES; c++) {
    const file = c % 2 === 0 ? fileA : fileB;
    const cpu0 = process.cpuUsage();
    const w0 = performance.now();
    pipeline.beginDump();
    const fd = openSync(file, 'r');
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      pipeline.pushDump(buf.subarray(0, n));
    }
    closeSync(fd);
    const stats = pipeline.endDump();
    pipeline.flushCycle();
    pipeline.window.drain();
    const wallMs = performance.now() - w0;
    const cpu = process.cpuUsage(cpu0);
    cycles.push({
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      parsed: stats.parsed,
      moved: stats.moved,
      rssMiB: process.memoryUsage().rss / 1048576,
    });
  }
  const result: ChildResult = {
    entries: size,
    fileMiB: 0,
    readMs: Math.min(...reads),
    buildMs,
    cycles,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    setupRssMiB,
    setupHeapMiB,
    flowsMiB: pipeline.delta.memoryBytes / 1048576,
    runner,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// ------------------------------------------------------------------------------------------------
// Parent: generate tables, run one child per size, report.

async function bundleChild(dir: string): Promise<string | null> {
  try {
    // esbuild comes with tsx (not a direct dependency): a computed specifier keeps tsc out of it.
    const specifier = 'esbuild';
    const esbuild = (await import(specifier)) as {
      build(options: Record<string, unknown>): Promise<unknown>;
    };
    const out = path.join(dir, 'bench-child.mjs');
    await esbuild.build({
      entryPoints: [SELF],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: out,
      external: ['esbuild'],
      logLevel: 'silent',
      banner: {
        js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
      },
    });
    return out;
  } catch {
    return null;
  }
}

function runChild(args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], cwd: REPO });
    let out = '';
    p.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`bench child exited ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}') as ChildResult);
    });
  });
}

function emptyRss(args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [...args], { stdio: ['ignore', 'pipe', 'ignore'], cwd: REPO });
    let out = '';
    p.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    p.on('close', () => resolve(Number(out.trim())));
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

async function parent(sizes: number[]): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'oc-bench-conntrack-'));
  try {
    const bundle = await bundleChild(dir);
    const runner = bundle ? 'node (esbuild bundle)' : 'node --import tsx';
    const childArgs = (size: number, a: string, b: string) =>
      bundle
        ? [...CHILD_FLAGS, bundle, '--child', String(size), a, b, runner, AWS]
        : [...CHILD_FLAGS, '--import', 'tsx', SELF, '--child', String(size), a, b, runner, AWS];
    const plainRss = await emptyRss(['-e', 'console.log(process.resourceUsage().maxRSS / 1024)']);
    const emptyTs = path.join(dir, 'empty.ts');
    await writeFile(emptyTs, 'console.log(process.resourceUsage().maxRSS / 1024);\n');
    const tsxRss = await emptyRss(['--import', 'tsx', emptyTs]);
    console.log(
      `conntrack collector benchmark — ${os.cpus().length} CPU(s), load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}, child: ${runner}`,
    );
    console.log(
      `empty process peak RSS: node ${plainRss.toFixed(0)} MiB, node --import tsx ${tsxRss.toFixed(0)} MiB\n`,
    );
    const rows: string[] = [];
    for (const size of sizes) {
      for (const scenario of SCENARIOS) {
        const a = path.join(dir, `a-${size}.txt`);
        const b = path.join(dir, `b-${size}.txt`);
        const g0 = performance.now();
        await writeTable(a, size, 0, scenario.growthA, scenario.movingEvery);
        await writeTable(
          b,
          size,
          scenario.churn ? Math.floor(size / 20) : 0,
          scenario.growthB,
          scenario.movingEvery,
        );
        const fileMiB = (await stat(a)).size / 1048576;
        console.log(
          `${size.toLocaleString('en')} entries, ${scenario.name}: tables generated in ${((performance.now() - g0) / 1000).toFixed(1)} s (${fileMiB.toFixed(0)} MiB, ${((fileMiB * 1048576) / size).toFixed(0)} B/entry)`,
        );
        const r = await runChild(childArgs(size, a, b));
        const steady = r.cycles.slice(1); // cycle 1 is the baseline read (and JIT warm-up)
        const wall = median(steady.map((c) => c.wallMs));
        const cpu = median(steady.map((c) => c.cpuMs));
        const worst = Math.max(...steady.map((c) => c.wallMs));
        const moved = median(steady.map((c) => c.moved));
        rows.push(
          [
            size.toLocaleString('en').padStart(9),
            scenario.name.padEnd(14),
            `${((moved / size) * 100).toFixed(0)}%`.padStart(5),
            `${wall.toFixed(0)} ms`.padStart(9),
            `${cpu.toFixed(0)} ms`.padStart(9),
            `${worst.toFixed(0)} ms`.padStart(9),
            `${(((size / wall) * 1000) / 1e6).toFixed(2)} M/s`.padStart(10),
            `${r.readMs.toFixed(0)} ms`.padStart(9),
            `${r.peakRssMiB.toFixed(0)} MiB`.padStart(9),
            `${r.flowsMiB.toFixed(0)} MiB`.padStart(9),
          ].join(' '),
        );
        await rm(a, { force: true });
        await rm(b, { force: true });
      }
    }
    console.log(
      `\n  entries scenario      moved cycle(wall) cycle(cpu) worst     rate  read-only  peak RSS flow table`,
    );
    for (const r of rows) console.log(r);
    console.log(
      `\ncycle = read file + parse + delta + classify + aggregate, median of cycles 2–${CYCLES}; read-only = reading the same file, no parsing; child flags: ${CHILD_FLAGS.join(' ')}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  child(Number(argv[1]), argv[2] as string, argv[3] as string, argv[4] ?? '', argv[5] ?? AWS);
} else {
  const sizes = argv.length > 0 ? argv.map(Number) : [100_000, 1_000_000];
  await parent(sizes);
}
