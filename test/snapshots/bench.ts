/**
 * Load + hour-facts timing on ~1M pod samples.
 *   npx tsx test/snapshots/bench.ts [pods=1000] [hours=84] [--sql N]
 * Writes real gzip NDJSON batches (one object per 5-minute batch, as the agent does) to a temp
 * folder, loads them with openSnapshotWarehouse and streams every hour. With `--sql N`, instead
 * fills `pod_samples`/`node_samples` with N pod samples generated in SQL and times the hour facts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openDuckDb } from '../../adapters/duckdb/connection.js';
import {
  createHourFactsReader,
  createSampleTables,
  openSnapshotWarehouse,
} from '../../adapters/snapshots/duckdb/index.js';
import { encodeNdjsonGz } from '../../adapters/snapshots/ndjson.js';
import { FsObjectStore } from '../../adapters/storage/fs.js';
import { snapshotKey } from '../../core/snapshots/keys.js';
import { flow, node, pod } from './fixtures.js';

const T0 = Date.parse('2026-11-16T00:00:00.000Z');
const HOUR = 3_600_000;
const args = process.argv.slice(2);
const sqlIdx = args.indexOf('--sql');

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function timeHours(iter: AsyncIterable<{ pods: unknown[]; nodes: unknown[]; flows: unknown[] }>) {
  let hours = 0;
  let podHours = 0;
  let maxRss = 0;
  let t = performance.now();
  for await (const h of iter) {
    if (hours === 0) {
      console.log(`  first hour (includes the reduction): ${((performance.now() - t) / 1000).toFixed(2)} s`);
      t = performance.now();
    }
    hours++;
    podHours += h.pods.length;
    maxRss = Math.max(maxRss, process.memoryUsage().rss);
  }
  console.log(`  other hours: ${((performance.now() - t) / 1000).toFixed(2)} s`);
  return { hours, podHours, maxRss };
}

async function fromFiles(pods: number, hours: number): Promise<void> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'ownercost-bench-'));
  try {
    const store = new FsObjectStore(root);
    const nodes = Math.max(1, Math.ceil(pods / 20));
    let t = performance.now();
    let lines = 0;
    for (let b = 0; b < hours * 12; b++) {
      const ts = new Date(T0 + b * 300_000).toISOString();
      const recs: unknown[] = [];
      for (let n = 0; n < nodes; n++)
        recs.push(node(ts, { name: `node-${n}`, providerId: `aws:///us-east-1a/i-${n}` }));
      for (let p = 0; p < pods; p++) {
        recs.push(
          pod(ts, {
            name: `app-${p}-7d9f8c-abcde`,
            uid: `6f1c0000-0000-4000-8000-${String(p).padStart(12, '0')}`,
            namespace: `ns-${p % 40}`,
            node: `node-${p % nodes}`,
            labels: { app: `app-${p}`, team: `team-${p % 12}`, 'pod-template-hash': '7d9f8c', env: 'prod' },
            containers: [
              { req: 0.5, use: 0.2 + (p % 7) / 10, reqRam: 536870912, useRam: 400000000 + p },
              { req: 0.1, use: 0.01, reqRam: 134217728, useRam: 60000000 },
            ],
            ...(p % 10 === 0 ? { claims: [`data-${p % 20}`] } : {}),
          }),
        );
      }
      lines += recs.length;
      await store.put(snapshotKey('pod', 'prod-use1', ts, 'agent'), encodeNdjsonGz(recs));
      const flows: unknown[] = [];
      for (let p = 0; p < pods; p += 4)
        flows.push(flow(ts, { pod: `app-${p}-7d9f8c-abcde`, bytes: 1000 + p }));
      lines += flows.length;
      await store.put(snapshotKey('flow', 'prod-use1', ts, 'node-agent'), encodeNdjsonGz(flows));
    }
    console.log(
      `generated ${lines} lines (${pods * hours * 12} pod samples) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );

    t = performance.now();
    let c = cpu();
    const db = await openDuckDb();
    if (process.env.BENCH_TRACE) traceSql(db);
    const w = await openSnapshotWarehouse({
      db,
      store,
      windowStart: new Date(T0).toISOString(),
      windowEnd: new Date(T0 + hours * HOUR).toISOString(),
    });
    console.log(
      `load: ${((performance.now() - t) / 1000).toFixed(2)} s (cpu ${(cpu() - c).toFixed(1)} s), records ${JSON.stringify(w.stats.records)}, bad ${w.badInputCount}, rss ${mb(process.memoryUsage().rss)}`,
    );
    t = performance.now();
    c = cpu();
    const r = await timeHours(w.hourFacts());
    console.log(
      `hour facts: ${((performance.now() - t) / 1000).toFixed(2)} s (cpu ${(cpu() - c).toFixed(1)} s), ${r.hours} hours, ${r.podHours} pod-hours, max rss ${mb(r.maxRss)}`,
    );
    await w.close();
    db.close();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Logs statements slower than 200 ms (BENCH_TRACE=1). */
function traceSql(db: Awaited<ReturnType<typeof openDuckDb>>): void {
  const conn = db.conn as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  for (const name of ['run', 'runAndReadAll']) {
    const orig = conn[name]?.bind(db.conn);
    if (!orig) continue;
    conn[name] = async (...a: unknown[]) => {
      const t = performance.now();
      const c = cpu();
      try {
        return await orig(...a);
      } finally {
        const ms = performance.now() - t;
        if (ms > 200)
          console.log(
            `  ${(ms / 1000).toFixed(2)} s (cpu ${(cpu() - c).toFixed(1)}) ${String(a[0]).replace(/\s+/g, ' ').slice(0, 110)}`,
          );
      }
    };
  }
}

async function fromSql(samples: number): Promise<void> {
  const db = await openDuckDb();
  await createSampleTables(db);
  const pods = 10_000;
  const perPod = Math.ceil(samples / pods);
  const hours = Math.ceil((perPod * 5) / 60);
  let t = performance.now();
  await db.conn.run(`INSERT INTO pod_samples
    SELECT 'prod-use1', TIMESTAMP '2026-11-16 00:00:00' + to_seconds(s * 300), 300,
      'ns-' || (p % 40), 'app-' || p, 'uid-' || p, 'node-' || (p % 500), 'Running', false, 'Deployment', 'app-' || p,
      '{"app":"app-' || p || '","team":"team-' || (p % 12) || '"}',
      0.5 + (p % 7) / 10, 0.5, 0.2 + (p % 7) / 10, 6.7e8, 6.7e8, 4.6e8, 0, 0, 0,
      CASE WHEN p % 10 = 0 THEN ['data-' || (p % 20)] ELSE [] END
    FROM range(${pods}) r(p), range(${perPod}) q(s)`);
  await db.conn.run(`INSERT INTO node_samples
    SELECT 'prod-use1', TIMESTAMP '2026-11-16 00:00:00' + to_seconds(s * 300), 300, 'node-' || n, 'aws:///us-east-1a/i-' || n,
      'm6i.xlarge', 'us-east-1', 'us-east-1a', 'general', 'on-demand', 4, 17179869184, 0, 3.9, 16106127360, 0, '{}'
    FROM range(500) r(n), range(${perPod}) q(s)`);
  console.log(
    `sql: ${pods * perPod} pod samples over ${hours} h generated in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );
  t = performance.now();
  const c = cpu();
  if (process.env.BENCH_TRACE) traceSql(db);
  const reader = createHourFactsReader(db, {
    windowStart: new Date(T0).toISOString(),
    windowEnd: new Date(T0 + hours * HOUR).toISOString(),
  });
  const r = await timeHours(reader.hourFacts());
  console.log(
    `hour facts: ${((performance.now() - t) / 1000).toFixed(2)} s (cpu ${(cpu() - c).toFixed(1)} s), ${r.hours} hours, ${r.podHours} pod-hours, max rss ${mb(r.maxRss)}`,
  );
  await reader.close();
  db.close();
}

if (sqlIdx >= 0) await fromSql(Number(args[sqlIdx + 1] ?? 1_000_000));
else await fromFiles(Number(args[0] ?? 1000), Number(args[1] ?? 84));
