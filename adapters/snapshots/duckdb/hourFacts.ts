/**
 * Reduces the typed sample tables (tables.ts) to hourly facts (core/allocation/types.ts) in SQL,
 * and streams them to JavaScript one hour at a time.
 *
 * Time rules (DESIGN.md, "Allocation model"):
 * - A sample stands for `[ts, ts + interval_s)`. A gap is carried forward for up to three
 *   intervals: a sample's span is `least(next_ts − ts, 4 × interval_s)` where `next_ts` is the
 *   same object's next sample (pods by uid, nodes by name, PVs by name, services by namespace/name),
 *   or `interval_s` for its last sample.
 * - Spans are clipped to the window and split at hour boundaries, so a span crossing an hour
 *   counts in both hours for exactly the seconds it covers in each.
 * - Flows are counts, not states: no carry-forward; a flow sample's bytes are split over the
 *   hours (and clipped to the window) in proportion to the time of `[ts, ts + interval_s)` in each.
 * - Pod samples in phase `Succeeded` or `Failed` end the previous sample's span but hold no
 *   resources, so they add no pod-hour (the kubelet releases a finished pod's requests).
 *
 * - A claim's share of a pod sample is its seconds divided by the number of active pods of the
 *   same cluster and namespace mounting that claim at the same `ts`.
 *
 * All of this runs in DuckDB once per window (on first use) into `oc_*_hours` temp tables sorted by
 * hour, with strings as codes into one dictionary that JavaScript loads once. JavaScript then reads
 * a block of hours per query (zone maps skip the other hours): as many hours as keep the block
 * under BLOCK_FACTS facts (one hour at least, a day at most), so memory stays bounded however
 * large the window, and a week takes a handful of queries instead of hundreds.
 */

import type { DuckDBPreparedStatement } from '@duckdb/node-api';
import type {
  FlowHour,
  HourFacts,
  Labels,
  NodeHour,
  OwnerContext,
  PodHour,
  ServiceHour,
  VolumeHour,
} from '../../../core/allocation/types.js';
import { emptyHourFacts } from '../../../core/allocation/types.js';
import { loadBalancerAssetIds, nodeAssetId, volumeAssetId } from '../../../core/billing/classify.js';
import type { TrafficClass } from '../../../core/schema/records.js';
import type { DuckDb } from '../../duckdb/connection.js';
import { createSampleTables } from './tables.js';

const HOUR_MS = 3_600_000;
const GIB = 1_073_741_824;

export interface HourFactsWindow {
  /** ISO-8601 UTC, inclusive. */
  windowStart: string;
  /** ISO-8601 UTC, exclusive. */
  windowEnd: string;
}

export interface HourFactsReader {
  readonly windowStart: string;
  readonly windowEnd: string;
  /**
   * Every hour overlapping [windowStart, windowEnd), in order, with the facts of all clusters;
   * hours without samples yield empty arrays. Facts of one hour are read per step.
   */
  hourFacts(): AsyncIterable<HourFacts>;
  /** Latest labels of namespaces and controllers sampled before windowEnd (loaded samples only). */
  ownerContext(): Promise<OwnerContext>;
  /** Provider resource ids of nodes, disks and load balancers seen in the window, sorted. */
  assetIds(): Promise<string[]>;
  /** Clusters with any node, pod, volume, service or flow in the window, sorted. */
  clusters(): Promise<string[]>;
  /** Drops the temp tables of the reduction (the sample tables stay). */
  close(): Promise<void>;
}

/** Parses and checks a window; throws on an empty or unparsable one. */
export function parseWindow(window: HourFactsWindow): { startMs: number; endMs: number } {
  const startMs = Date.parse(window.windowStart);
  const endMs = Date.parse(window.windowEnd);
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs <= startMs) {
    throw new Error(
      `hour facts: invalid window [${String(window.windowStart)}, ${String(window.windowEnd)}): expected ISO-8601 UTC times with start < end`,
    );
  }
  return { startMs, endMs };
}

const sec = (column: string) => `(epoch_us(${column}) / 1e6)`;

/**
 * Pieces of sample spans per hour: the selected columns plus `ts`, `h` (epoch hour number) and
 * `sec` (seconds of the span inside hour `h` and the window). With `carry`, spans are carried
 * forward per `key`; otherwise a span is `[ts, ts + interval_s)` and `span_s` is its full length.
 * A span covers at most `maxHours` hours (from the longest interval in the tables); crossing with
 * a constant range is much cheaper than building and unnesting a list per sample.
 */
function piecesSql(opts: {
  table: string;
  key: readonly string[];
  columns: readonly string[];
  carry: boolean;
  w0: number;
  w1: number;
  maxHours: number;
  /** Filter applied after spans are computed (a filtered sample still ends its predecessor). */
  keep?: string;
}): string {
  const { table, key, columns, carry, w0, w1 } = opts;
  const t0 = sec('ts');
  const t1 = carry
    ? `${t0} + least(coalesce(${sec(`lead(ts) OVER (PARTITION BY ${key.join(', ')} ORDER BY ts)`)} - ${t0}, interval_s), 4 * interval_s)`
    : `${t0} + interval_s`;
  const reach = carry ? '4 * interval_s' : 'interval_s';
  const cols = columns.join(', ');
  return `SELECT ${cols}, ts, h0 + o.k AS h, span_s,
      least(b, (h0 + o.k + 1) * 3600.0) - greatest(a, (h0 + o.k) * 3600.0) AS sec
    FROM (
      SELECT ${cols}, ts, span_s, a, b, CAST(floor(a / 3600) AS BIGINT) AS h0, CAST(ceil(b / 3600) AS BIGINT) AS h1
      FROM (
        SELECT ${cols}, ts, t1 - t0 AS span_s, greatest(t0, ${w0}) AS a, least(t1, ${w1}) AS b
        FROM (
          SELECT ${cols}, ts, ${t0} AS t0, ${t1} AS t1
          FROM ${table}
          WHERE ${t0} + ${reach} > ${w0}
        )
        WHERE least(t1, ${w1}) > greatest(t0, ${w0})${opts.keep ? ` AND (${opts.keep})` : ''}
      )
    ) CROSS JOIN (SELECT range AS k FROM range(0, ${Math.max(1, Math.ceil(opts.maxHours))})) o
    WHERE h0 + o.k < h1`;
}

const POD_ACTIVE = `phase NOT IN ('Succeeded', 'Failed')`;
const GIB_HOURS = `/ 3600.0 / ${GIB}`;

/**
 * The reduction, one statement per hour table. Wide columns (labels, names) are not carried
 * through the window sort: pieces keep the sample's rowid, and each hour's latest sample is joined
 * back.
 */
function buildSql(w0: number, w1: number, maxHours: number): string[] {
  // Pods are keyed by a dense integer (sorting by it is twice as fast as by cluster and uid), and
  // pieces are aggregated as they stream out of the window, never stored; the pieces of pods that
  // mount claims (a pod's volumes never change) are computed a second time, for the shares.
  const podPieces = (where: string) =>
    piecesSql({
      table: `(SELECT s.rowid AS rid, k.pid, s.ts, s.interval_s, ${POD_ACTIVE} AS active, s.cpu_alloc, s.cpu_req, s.cpu_use, s.ram_alloc_bytes, s.ram_req_bytes, s.ram_use_bytes, s.gpu_alloc
        FROM pod_samples s JOIN oc_pod_keys k ON k.cluster = s.cluster AND k.uid = s.uid WHERE ${where})`,
      key: ['pid'],
      columns: [
        'rid',
        'pid',
        'active',
        'cpu_alloc',
        'cpu_req',
        'cpu_use',
        'ram_alloc_bytes',
        'ram_req_bytes',
        'ram_use_bytes',
        'gpu_alloc',
      ],
      carry: true,
      w0,
      w1,
      maxHours,
      keep: 'active',
    });
  return [
    `CREATE OR REPLACE TEMP TABLE oc_pod_keys AS
    SELECT cluster, uid, row_number() OVER () AS pid FROM (SELECT DISTINCT cluster, uid FROM pod_samples)`,
    // A claim's concurrent mounters: active pods sampled at the same ts mounting it (same namespace).
    `CREATE OR REPLACE TEMP TABLE oc_pod_hours_s AS
    WITH agg AS (
      SELECT pid, h, arg_max(rid, ts) AS latest_rid,
        sum(sec) AS seconds,
        sum(cpu_alloc * sec) / 3600.0 AS cpu_core_hours,
        sum(ram_alloc_bytes * sec) ${GIB_HOURS} AS ram_gib_hours,
        sum(gpu_alloc * sec) / 3600.0 AS gpu_hours,
        sum(cpu_req * sec) / 3600.0 AS cpu_request_core_hours,
        sum(cpu_use * sec) / 3600.0 AS cpu_usage_core_hours,
        sum(ram_req_bytes * sec) ${GIB_HOURS} AS ram_request_gib_hours,
        sum(ram_use_bytes * sec) ${GIB_HOURS} AS ram_usage_gib_hours
      FROM (${podPieces('true')})
      GROUP BY pid, h
    ),
    mounted AS (
      SELECT p.pid, p.h, s.cluster, s.namespace, p.ts, p.sec, s.uid, unnest(s.claims) AS claim
      FROM (${podPieces('len(s.claims) > 0')}) p JOIN pod_samples s ON s.rowid = p.rid
    ),
    mounters AS (
      SELECT cluster, namespace, ts, claim, count(DISTINCT uid) AS n
      FROM (SELECT cluster, namespace, ts, uid, unnest(claims) AS claim FROM pod_samples WHERE len(claims) > 0 AND ${POD_ACTIVE})
      GROUP BY ALL
    ),
    shares AS (
      SELECT pid, h, to_json(list({'claim': claim, 'shareHours': share_hours} ORDER BY claim))::VARCHAR AS claims
      FROM (
        SELECT m.pid, m.h, m.claim, sum(m.sec / c.n) / 3600.0 AS share_hours
        FROM mounted m JOIN mounters c USING (cluster, namespace, ts, claim)
        GROUP BY ALL
      )
      GROUP BY ALL
    )
    SELECT a.h, s.cluster, s.uid, s.namespace, s.name, s.node, s.owner_kind, s.owner_name, s.labels,
      a.seconds, a.cpu_core_hours, a.ram_gib_hours, a.gpu_hours, a.cpu_request_core_hours,
      a.cpu_usage_core_hours, a.ram_request_gib_hours, a.ram_usage_gib_hours, sh.claims
    FROM agg a
    JOIN pod_samples s ON s.rowid = a.latest_rid
    LEFT JOIN shares sh ON sh.pid = a.pid AND sh.h = a.h
    ORDER BY a.h, s.cluster, s.uid`,
    'DROP TABLE IF EXISTS oc_pod_keys',
    `CREATE OR REPLACE TEMP TABLE oc_node_hours_s AS
    SELECT h, cluster, name, l.provider_id, l.instance_type, l.node_pool, l.capacity_type, l.region, l.zone,
      l.cpu_cores, l.ram_bytes, l.gpus, observed_seconds, l.labels
    FROM (
      SELECT cluster, h, name,
        arg_max({'provider_id': provider_id, 'instance_type': instance_type, 'node_pool': node_pool, 'capacity_type': capacity_type, 'region': region, 'zone': zone, 'cpu_cores': cpu_cores, 'ram_bytes': ram_bytes, 'gpus': gpus, 'labels': labels}, ts) AS l,
        least(sum(sec), 3600.0) AS observed_seconds
      FROM (${piecesSql({ table: 'node_samples', key: ['cluster', 'name'], columns: ['cluster', 'name', 'provider_id', 'instance_type', 'node_pool', 'capacity_type', 'region', 'zone', 'cpu_cores', 'ram_bytes', 'gpus', 'labels'], carry: true, w0, w1, maxHours })})
      GROUP BY cluster, h, name
    )
    ORDER BY h, cluster, name`,
    `CREATE OR REPLACE TEMP TABLE oc_volume_hours_s AS
    SELECT h, cluster, name, l.volume_handle, l.storage_class, l.capacity_bytes, l.claim_namespace, l.claim_name
    FROM (
      SELECT cluster, h, name,
        arg_max({'volume_handle': volume_handle, 'storage_class': storage_class, 'capacity_bytes': capacity_bytes, 'claim_namespace': claim_namespace, 'claim_name': claim_name}, ts) AS l
      FROM (${piecesSql({ table: 'pv_samples', key: ['cluster', 'name'], columns: ['cluster', 'name', 'volume_handle', 'storage_class', 'capacity_bytes', 'claim_namespace', 'claim_name'], carry: true, w0, w1, maxHours })})
      GROUP BY cluster, h, name
    )
    ORDER BY h, cluster, name`,
    `CREATE OR REPLACE TEMP TABLE oc_service_hours_s AS
    SELECT h, cluster, namespace, name, l.type, l.selector, l.lb_hostname, l.lb_ip
    FROM (
      SELECT cluster, h, namespace, name,
        arg_max({'type': type, 'selector': selector, 'lb_hostname': lb_hostname, 'lb_ip': lb_ip}, ts) AS l
      FROM (${piecesSql({ table: 'service_samples', key: ['cluster', 'namespace', 'name'], columns: ['cluster', 'namespace', 'name', 'type', 'selector', 'lb_hostname', 'lb_ip'], carry: true, w0, w1, maxHours })})
      GROUP BY cluster, h, namespace, name
    )
    ORDER BY h, cluster, namespace, name`,
    `CREATE OR REPLACE TEMP TABLE oc_flow_hours_s AS
    SELECT h, cluster, namespace, pod, direction, class, service, via_nat, sum(bytes * sec / span_s) AS bytes
    FROM (${piecesSql({ table: 'flow_samples', key: [], columns: ['cluster', 'namespace', 'pod', 'direction', 'class', 'service', 'via_nat', 'bytes'], carry: false, w0, w1, maxHours })})
    GROUP BY ALL
    ORDER BY h, cluster, namespace, pod, direction, class, service, via_nat`,
  ];
}

/**
 * The hour tables and their string columns. Strings repeat across hours (a pod's uid, name, node,
 * labels), and decoding a string from a result costs more than building the fact, so each table
 * is stored with its strings as codes into one dictionary that JavaScript loads once per window.
 */
const HOUR_TABLES: { name: string; strings: string[] }[] = [
  {
    name: 'oc_pod_hours',
    strings: ['cluster', 'uid', 'namespace', 'name', 'node', 'owner_kind', 'owner_name', 'labels'],
  },
  {
    name: 'oc_node_hours',
    strings: [
      'cluster',
      'name',
      'provider_id',
      'instance_type',
      'node_pool',
      'capacity_type',
      'region',
      'zone',
      'labels',
    ],
  },
  {
    name: 'oc_volume_hours',
    strings: ['cluster', 'name', 'volume_handle', 'storage_class', 'claim_namespace', 'claim_name'],
  },
  {
    name: 'oc_service_hours',
    strings: ['cluster', 'namespace', 'name', 'type', 'selector', 'lb_hostname', 'lb_ip'],
  },
  { name: 'oc_flow_hours', strings: ['cluster', 'namespace', 'pod', 'direction', 'class', 'service'] },
];

/** Statements that turn each `<table>_s` into `<table>` with string columns as UINTEGER codes. */
function encodeSql(dictType: string): string[] {
  const all = HOUR_TABLES.flatMap((t) => t.strings.map((c) => `SELECT ${c} AS s FROM ${t.name}_s`));
  const out = [
    `DROP TYPE IF EXISTS ${dictType}`,
    `CREATE TYPE ${dictType} AS ENUM (SELECT DISTINCT s FROM (SELECT '' AS s UNION ALL ${all.join(' UNION ALL ')}) WHERE s IS NOT NULL)`,
  ];
  for (const t of HOUR_TABLES) {
    out.push(`CREATE OR REPLACE TEMP TABLE ${t.name} AS
      SELECT * REPLACE (${t.strings.map((c) => `CAST(enum_code(CAST(${c} AS ${dictType})) AS UINTEGER) AS ${c}`).join(', ')})
      FROM ${t.name}_s`);
  }
  return out;
}

/** Most facts (rows of all hour tables) and hours read from DuckDB in one block of hours. */
const BLOCK_FACTS = 50_000;
const BLOCK_HOURS = 24;

/** A column of a result chunk; `getItem` converts one value (UINTEGER, DOUBLE → number…). */
interface Column {
  getItem(row: number): unknown;
}

/**
 * Creates a reader of hour facts over the sample tables already in `db` (missing sample tables are
 * created empty). The `oc_*_hours` temp tables are built on first use; they have fixed names, so
 * use one reader per connection at a time. Label objects in the facts are shared between facts of
 * the same labels: treat them as read-only.
 */
export function createHourFactsReader(db: DuckDb, window: HourFactsWindow): HourFactsReader {
  const { startMs, endMs } = parseWindow(window);
  const w0 = startMs / 1000;
  const w1 = endMs / 1000;
  const firstHour = Math.floor(startMs / HOUR_MS);
  const endHour = Math.ceil(endMs / HOUR_MS);
  // The dictionary ENUM is a catalog object: a name of its own per reader.
  const dictType = `oc_hour_str_${Math.random().toString(36).slice(2, 10)}`;
  let dict: string[] = [];
  let blockHours = 1;
  let parsed: (Labels | undefined)[] = [];
  let prepared: Promise<void> | null = null;

  const prepare = (): Promise<void> => {
    prepared ??= (async () => {
      await createSampleTables(db);
      // The most hours one span can cover: a carried span is at most four intervals long.
      const longest = await db.conn.runAndReadAll(
        `SELECT max(m) FROM (${['pod_samples', 'node_samples', 'pv_samples', 'service_samples', 'flow_samples'].map((t) => `SELECT max(interval_s) AS m FROM ${t}`).join(' UNION ALL ')})`,
      );
      const maxInterval = Number(longest.getRowsJS()[0]?.[0] ?? 0);
      const maxHours = Math.ceil((4 * maxInterval) / 3600) + 1;
      for (const sql of [...buildSql(w0, w1, maxHours), ...encodeSql(dictType)]) await db.conn.run(sql);
      const values = await db.conn.runAndReadAll(`SELECT unnest(enum_range(NULL::${dictType}))`);
      dict = (values.getColumnsJS()[0] ?? []) as string[];
      parsed = new Array(dict.length);
      for (const t of HOUR_TABLES) await db.conn.run(`DROP TABLE IF EXISTS ${t.name}_s`);
      await db.conn.run(`DROP TYPE IF EXISTS ${dictType}`);
      // Hours are read in blocks of at most BLOCK_FACTS facts (and BLOCK_HOURS hours).
      const busiest = await db.conn.runAndReadAll(
        `SELECT max(n) FROM (SELECT h, count(*) AS n FROM (${HOUR_TABLES.map((t) => `SELECT h FROM ${t.name}`).join(' UNION ALL ')}) GROUP BY h)`,
      );
      const perHour = Number(busiest.getRowsJS()[0]?.[0] ?? 0);
      blockHours = Math.max(1, Math.min(BLOCK_HOURS, Math.floor(BLOCK_FACTS / Math.max(1, perHour))));
    })();
    return prepared;
  };

  // The block queries run once per block and hour table: prepared once, bound per block.
  const statements = new Map<string, DuckDBPreparedStatement>();
  const destroyStatements = (): void => {
    for (const stmt of statements.values()) stmt.destroySync();
    statements.clear();
  };

  /** Runs a query and builds one value per row from the columns, chunk by chunk. */
  async function mapRows<T>(
    sql: string,
    params: number[],
    build: (c: Column[], i: number) => T,
  ): Promise<T[]> {
    let stmt = statements.get(sql);
    if (!stmt) {
      stmt = await db.conn.prepare(sql);
      statements.set(sql, stmt);
    }
    stmt.bind(params);
    const result = await stmt.run();
    const out: T[] = [];
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const cols: Column[] = [];
      for (let c = 0; c < chunk.columnCount; c++) cols.push(chunk.getColumnVector(c) as Column);
      for (let i = 0; i < chunk.rowCount; i++) out.push(build(cols, i));
    }
    return out;
  }

  // Readers of column k at row i: strings are dictionary codes.
  const str = (c: Column[], k: number, i: number): string =>
    dict[(c[k] as Column).getItem(i) as number] as string;
  const strOrNull = (c: Column[], k: number, i: number): string | null => {
    const code = (c[k] as Column).getItem(i) as number | null;
    return code === null ? null : (dict[code] as string);
  };
  const num = (c: Column[], k: number, i: number): number => (c[k] as Column).getItem(i) as number;
  const labelsAt = (c: Column[], k: number, i: number): Labels => {
    const code = (c[k] as Column).getItem(i) as number;
    let v = parsed[code];
    if (v === undefined) {
      v = JSON.parse(dict[code] as string) as Labels;
      parsed[code] = v;
    }
    return v;
  };

  /**
   * Facts of hours [h0, h1), one query per hour table for the whole block; rows come in table
   * order (by hour, then key), the order the facts of one hour always had.
   */
  async function readHours(h0: number, h1: number): Promise<HourFacts[]> {
    const hourStarts: string[] = [];
    for (let h = h0; h < h1; h++) hourStarts.push(new Date(h * HOUR_MS).toISOString());
    const at = [h0, h1];
    // The hour of a row is its last column.
    const hourOf = (c: Column[], i: number): number => Number((c[c.length - 1] as Column).getItem(i)) - h0;
    const pods = await mapRows<PodHour>(
      `SELECT cluster, uid, namespace, name, node, owner_kind, owner_name, labels, seconds, cpu_core_hours,
        ram_gib_hours, gpu_hours, cpu_request_core_hours, cpu_usage_core_hours, ram_request_gib_hours,
        ram_usage_gib_hours, claims, h FROM oc_pod_hours WHERE h >= $1 AND h < $2`,
      at,
      (c, i) => {
        const claims = (c[16] as Column).getItem(i) as string | null;
        return {
          cluster: str(c, 0, i),
          hourStart: hourStarts[hourOf(c, i)] as string,
          uid: str(c, 1, i),
          namespace: str(c, 2, i),
          name: str(c, 3, i),
          node: str(c, 4, i),
          ownerKind: str(c, 5, i),
          ownerName: str(c, 6, i),
          labels: labelsAt(c, 7, i),
          seconds: num(c, 8, i),
          cpuCoreHours: num(c, 9, i),
          ramGiBHours: num(c, 10, i),
          gpuHours: num(c, 11, i),
          cpuRequestCoreHours: num(c, 12, i),
          cpuUsageCoreHours: num(c, 13, i),
          ramRequestGiBHours: num(c, 14, i),
          ramUsageGiBHours: num(c, 15, i),
          claims: claims === null ? [] : (JSON.parse(claims) as PodHour['claims']),
        };
      },
    );
    const nodes = await mapRows<NodeHour>(
      `SELECT cluster, name, provider_id, instance_type, node_pool, capacity_type, region, zone, cpu_cores,
        ram_bytes, gpus, observed_seconds, labels, h FROM oc_node_hours WHERE h >= $1 AND h < $2`,
      at,
      (c, i) => ({
        cluster: str(c, 0, i),
        hourStart: hourStarts[hourOf(c, i)] as string,
        name: str(c, 1, i),
        providerId: str(c, 2, i),
        instanceType: str(c, 3, i),
        nodePool: str(c, 4, i),
        capacityType: str(c, 5, i) as NodeHour['capacityType'],
        region: str(c, 6, i),
        zone: str(c, 7, i),
        cpuCores: num(c, 8, i),
        ramGiB: num(c, 9, i) / GIB,
        gpus: num(c, 10, i),
        observedSeconds: num(c, 11, i),
        labels: labelsAt(c, 12, i),
      }),
    );
    const volumes = await mapRows<VolumeHour>(
      `SELECT cluster, name, volume_handle, storage_class, capacity_bytes, claim_namespace, claim_name,
        h FROM oc_volume_hours WHERE h >= $1 AND h < $2`,
      at,
      (c, i) => ({
        cluster: str(c, 0, i),
        hourStart: hourStarts[hourOf(c, i)] as string,
        pvName: str(c, 1, i),
        volumeHandle: str(c, 2, i),
        storageClass: str(c, 3, i),
        capacityGiB: num(c, 4, i) / GIB,
        claimNamespace: strOrNull(c, 5, i),
        claimName: strOrNull(c, 6, i),
      }),
    );
    const services = await mapRows<ServiceHour>(
      `SELECT cluster, namespace, name, type, selector, lb_hostname, lb_ip, h FROM oc_service_hours WHERE h >= $1 AND h < $2`,
      at,
      (c, i) => ({
        cluster: str(c, 0, i),
        hourStart: hourStarts[hourOf(c, i)] as string,
        namespace: str(c, 1, i),
        name: str(c, 2, i),
        type: str(c, 3, i),
        selector: labelsAt(c, 4, i),
        lbHostname: strOrNull(c, 5, i),
        lbIp: strOrNull(c, 6, i),
      }),
    );
    const flows = await mapRows<FlowHour>(
      `SELECT cluster, namespace, pod, direction, class, service, via_nat, bytes, h FROM oc_flow_hours WHERE h >= $1 AND h < $2`,
      at,
      (c, i) => ({
        cluster: str(c, 0, i),
        hourStart: hourStarts[hourOf(c, i)] as string,
        namespace: str(c, 1, i),
        pod: str(c, 2, i),
        direction: str(c, 3, i) as FlowHour['direction'],
        class: str(c, 4, i) as TrafficClass,
        service: strOrNull(c, 5, i),
        viaNat: (c[6] as Column).getItem(i) as boolean,
        bytes: num(c, 7, i),
      }),
    );
    const out: HourFacts[] = hourStarts.map(emptyHourFacts);
    const index = new Map(out.map((f) => [f.hourStart, f]));
    const into = <T extends { hourStart: string }>(facts: T[], pick: (f: HourFacts) => T[]): void => {
      for (const f of facts) pick(index.get(f.hourStart) as HourFacts).push(f);
    };
    into(pods, (f) => f.pods);
    into(nodes, (f) => f.nodes);
    into(volumes, (f) => f.volumes);
    into(services, (f) => f.services);
    into(flows, (f) => f.flows);
    return out;
  }

  /** Distinct decoded values of string columns over the hour tables. */
  const distinct = async (sql: string): Promise<(string | null)[][]> =>
    ((await db.conn.runAndReadAll(sql)).getRowsJS() as (number | null)[][]).map((row) =>
      row.map((code) => (code === null ? null : (dict[code] ?? null))),
    );

  return {
    windowStart: window.windowStart,
    windowEnd: window.windowEnd,

    async *hourFacts(): AsyncIterable<HourFacts> {
      await prepare();
      for (let h = firstHour; h < endHour; h += blockHours) {
        for (const facts of await readHours(h, Math.min(h + blockHours, endHour))) yield facts;
      }
    },

    async ownerContext(): Promise<OwnerContext> {
      await createSampleTables(db);
      const end = `make_timestamp(${Math.round(endMs * 1000)})`;
      const namespaceLabels = new Map<string, Labels>();
      const rows = async (sql: string) => (await db.conn.runAndReadAll(sql)).getRowsJS() as string[][];
      for (const [cluster, name, labels] of await rows(
        `SELECT cluster, name, arg_max(labels, ts) FROM namespace_samples WHERE ts < ${end} GROUP BY ALL`,
      )) {
        namespaceLabels.set(`${cluster}/${name}`, JSON.parse(labels as string) as Labels);
      }
      const workloadLabels = new Map<string, Labels>();
      for (const [cluster, namespace, kind, name, labels] of await rows(
        `SELECT cluster, namespace, controller_kind, name, arg_max(labels, ts) FROM workload_samples WHERE ts < ${end} GROUP BY ALL`,
      )) {
        workloadLabels.set(`${cluster}/${namespace}/${kind}/${name}`, JSON.parse(labels as string) as Labels);
      }
      return { namespaceLabels, workloadLabels };
    },

    async assetIds(): Promise<string[]> {
      await prepare();
      const ids = new Set<string>();
      for (const [id] of await distinct('SELECT DISTINCT provider_id FROM oc_node_hours')) {
        if (id) ids.add(nodeAssetId(id));
      }
      for (const [id] of await distinct('SELECT DISTINCT volume_handle FROM oc_volume_hours')) {
        if (id) ids.add(volumeAssetId(id));
      }
      for (const [type, hostname, ip] of await distinct(
        'SELECT DISTINCT type, lb_hostname, lb_ip FROM oc_service_hours',
      )) {
        if (type !== 'LoadBalancer') continue;
        for (const id of loadBalancerAssetIds(hostname ?? null, ip ?? null)) if (id) ids.add(id);
      }
      return [...ids].sort();
    },

    async clusters(): Promise<string[]> {
      await prepare();
      const rows = await distinct(
        `SELECT DISTINCT cluster FROM (${HOUR_TABLES.map((t) => `SELECT cluster FROM ${t.name}`).join(' UNION ALL ')})`,
      );
      return rows.map(([c]) => c as string).sort();
    },

    async close(): Promise<void> {
      if (prepared) await prepared.catch(() => undefined);
      destroyStatements();
      for (const t of HOUR_TABLES) {
        await db.conn.run(`DROP TABLE IF EXISTS ${t.name}`);
        await db.conn.run(`DROP TABLE IF EXISTS ${t.name}_s`);
      }
      await db.conn.run('DROP TABLE IF EXISTS oc_pod_keys');
      await db.conn.run(`DROP TYPE IF EXISTS ${dictType}`);
      prepared = null;
    },
  };
}
