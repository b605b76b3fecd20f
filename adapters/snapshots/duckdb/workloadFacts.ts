/**
 * Workload facts for the detectors (core/findings/facts.ts), reduced in DuckDB from the typed
 * sample tables (tables.ts). One statement per need, each aggregated in SQL: JavaScript only
 * receives one row per workload, namespace, node pool, volume, claim or change.
 *
 * Conventions:
 * - Usage statistics count samples with `ts` in `[windowStart, windowEnd)` and phases other than
 *   `Succeeded`/`Failed` (a finished pod holds nothing). Hours are Σ `interval_s` ÷ 3600.
 * - A pod's workload is its top controller (`owner_kind`, `owner_name`); a flow's workload is the
 *   owner of the latest pod sample with that name in its namespace (flows carry pod names).
 * - A node's pool and capacity type come from its latest sample (nodes do not change pools).
 * - Changes compare consecutive records of one workload across all loaded samples (the pad hour
 *   before the window included), so a change at the window's first sample is seen; only changes
 *   inside the window are listed. Namespaces' `lastChangeAt` looks at every loaded sample.
 */
import type { Labels } from '../../../core/allocation/types.js';
import type {
  ChangeField,
  ClaimFact,
  CronHistory,
  JobHistory,
  NamespaceFact,
  NetworkBytes,
  NodePoolFact,
  PoolPlacement,
  VolumeFact,
  WorkloadChange,
  WorkloadFact,
  WorkloadFacts,
} from '../../../core/findings/facts.js';
import type { TrafficClass } from '../../../core/schema/records.js';
import type { DuckDb } from '../../duckdb/connection.js';

export interface WorkloadFactsWindow {
  /** ISO-8601 UTC, inclusive. */
  windowStart: string;
  /** ISO-8601 UTC, exclusive. */
  windowEnd: string;
}

const GIB = 1_073_741_824;
const ACTIVE = `phase NOT IN ('Succeeded', 'Failed')`;
/** Changes kept per workload and field: the first one of the window and the latest few. */
const CHANGES_KEPT_LATEST = 4;

/** A DuckDB TIMESTAMP literal for a parsed ISO time (built from a Date, never from raw text). */
function tsLiteral(ms: number): string {
  return `TIMESTAMP '${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')}'`;
}

/** A DOUBLE column as text without a trailing `.0` (`3`, not `3.0`). */
const numText = (column: string) => `regexp_replace(CAST(${column} AS VARCHAR), '\\.0$', '')`;

const iso = (column: string) => `strftime(${column}, '%Y-%m-%dT%H:%M:%SZ')`;

type Row = Record<string, unknown>;

async function rows(db: DuckDb, sql: string): Promise<Row[]> {
  const reader = await db.conn.runAndReadAll(sql);
  return reader.getRowObjectsJson() as Row[];
}

const num = (v: unknown): number => (typeof v === 'number' ? v : v == null ? 0 : Number(v));
const numOrNull = (v: unknown): number | null => (v == null ? null : num(v));
const str = (v: unknown): string => (v == null ? '' : String(v));
const strOrNull = (v: unknown): string | null => (v == null ? null : String(v));

function labelsOf(text: unknown): Labels {
  if (typeof text !== 'string' || text.length === 0) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    const out: Labels = {};
    for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
      if (typeof v === 'string') out[k] = v;
    }
    return out;
  } catch {
    return {};
  }
}

function parseJsonList<T>(text: unknown): T[] {
  if (typeof text !== 'string' || text.length === 0) return [];
  const parsed = JSON.parse(text) as unknown;
  return Array.isArray(parsed) ? (parsed as T[]) : [];
}

const wkey = (r: Row) => `${str(r.cluster)}\u0000${str(r.namespace)}\u0000${str(r.kind)}\u0000${str(r.name)}`;

function group<T>(list: Row[], map: (r: Row) => T): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of list) {
    const k = wkey(r);
    const v = map(r);
    const l = out.get(k);
    if (l) l.push(v);
    else out.set(k, [v]);
  }
  return out;
}

/** The statements, in order; each returns rows (temp tables first). */
function statements(t0: string, t1: string) {
  const within = (ts: string) => `${ts} >= ${t0} AND ${ts} < ${t1}`;
  const inWindow = within('ts');
  const runName = `coalesce(json_extract_string(labels, '$."batch.kubernetes.io/job-name"'), json_extract_string(labels, '$."job-name"'), regexp_replace(name, '-[a-z0-9]+$', ''))`;
  return {
    setup: [
      `CREATE OR REPLACE TEMP TABLE oc_wf_node_pool AS
        SELECT cluster, name AS node, arg_max(node_pool, ts) AS node_pool, arg_max(capacity_type, ts) AS capacity_type
        FROM node_samples GROUP BY cluster, name`,
      `CREATE OR REPLACE TEMP TABLE oc_wf_pods AS
        SELECT rowid AS rid, cluster, ts, interval_s, namespace, name, uid, node, owner_kind AS kind, owner_name AS wname,
          cpu_req, cpu_use, ram_req_bytes, ram_use_bytes, gpu_req, claims, labels
        FROM pod_samples WHERE ${inWindow} AND ${ACTIVE}`,
    ],
    workloads: `
      WITH pods AS (
        SELECT cluster, namespace, kind, wname AS name,
          CAST(count(DISTINCT uid) AS DOUBLE) AS pods,
          sum(interval_s) / 3600.0 AS pod_hours,
          sum(cpu_req * interval_s) / sum(interval_s) AS cpu_req,
          quantile_cont(cpu_use, 0.95) AS cpu_p95,
          sum(cpu_use * interval_s) / sum(interval_s) AS cpu_avg,
          sum(ram_req_bytes * interval_s) / sum(interval_s) AS ram_req,
          max(ram_use_bytes) AS ram_peak,
          sum(ram_use_bytes * interval_s) / sum(interval_s) AS ram_avg,
          sum(gpu_req * interval_s) / sum(interval_s) AS gpu_req,
          min(ts) AS first_ts, max(ts) AS last_ts
        FROM oc_wf_pods GROUP BY ALL
      ),
      recs AS (
        SELECT cluster, namespace, controller_kind AS kind, name,
          arg_max(labels, ts) AS labels,
          min(replicas) AS replicas_min, max(replicas) AS replicas_max, arg_max(replicas, ts) AS replicas_last,
          arg_max(generation, ts) FILTER (WHERE generation IS NOT NULL) AS generation,
          arg_max(images, ts) FILTER (WHERE images IS NOT NULL) AS images,
          arg_max(schedule, ts) FILTER (WHERE schedule IS NOT NULL) AS schedule,
          arg_max(suspend, ts) FILTER (WHERE suspend IS NOT NULL) AS suspend,
          arg_max(parallelism, ts) FILTER (WHERE parallelism IS NOT NULL) AS parallelism,
          arg_max(backoff_limit, ts) FILTER (WHERE backoff_limit IS NOT NULL) AS backoff_limit,
          arg_min(succeeded, ts) FILTER (WHERE succeeded IS NOT NULL) AS succeeded_first,
          arg_max(succeeded, ts) FILTER (WHERE succeeded IS NOT NULL) AS succeeded_last,
          arg_min(failed, ts) FILTER (WHERE failed IS NOT NULL) AS failed_first,
          arg_max(failed, ts) FILTER (WHERE failed IS NOT NULL) AS failed_last,
          min(ts) AS first_ts, max(ts) AS last_ts
        FROM workload_samples WHERE ${inWindow} GROUP BY ALL
      )
      SELECT coalesce(p.cluster, r.cluster) AS cluster, coalesce(p.namespace, r.namespace) AS namespace,
        coalesce(p.kind, r.kind) AS kind, coalesce(p.name, r.name) AS name,
        r.labels, coalesce(p.pods, 0) AS pods, coalesce(p.pod_hours, 0) AS pod_hours,
        coalesce(p.cpu_req, 0) AS cpu_req, coalesce(p.cpu_p95, 0) AS cpu_p95, coalesce(p.cpu_avg, 0) AS cpu_avg,
        coalesce(p.ram_req, 0) AS ram_req, coalesce(p.ram_peak, 0) AS ram_peak, coalesce(p.ram_avg, 0) AS ram_avg,
        coalesce(p.gpu_req, 0) AS gpu_req,
        r.replicas_min, r.replicas_max, r.replicas_last, r.generation, to_json(r.images)::VARCHAR AS images,
        r.schedule, r.suspend, r.parallelism, r.backoff_limit,
        r.succeeded_first, r.succeeded_last, r.failed_first, r.failed_last,
        r.kind IS NOT NULL AS has_record,
        ${iso('least(coalesce(p.first_ts, r.first_ts), coalesce(r.first_ts, p.first_ts))')} AS first_seen,
        ${iso('greatest(coalesce(p.last_ts, r.last_ts), coalesce(r.last_ts, p.last_ts))')} AS last_seen
      FROM pods p FULL OUTER JOIN recs r
        ON p.cluster = r.cluster AND p.namespace = r.namespace AND p.kind = r.kind AND p.name = r.name
      ORDER BY 1, 2, 3, 4`,
    placement: `
      SELECT p.cluster, p.namespace, p.kind, p.wname AS name,
        coalesce(n.node_pool, '') AS node_pool, coalesce(n.capacity_type, '') AS capacity_type,
        sum(p.interval_s) / 3600.0 AS pod_hours, sum(p.gpu_req * p.interval_s) / 3600.0 AS gpu_request_hours
      FROM oc_wf_pods p LEFT JOIN oc_wf_node_pool n ON n.cluster = p.cluster AND n.node = p.node
      WHERE p.node <> ''
      GROUP BY ALL ORDER BY 1, 2, 3, 4, 7 DESC`,
    claims: `
      SELECT cluster, namespace, kind, wname AS name, claim, sum(interval_s) / 3600.0 AS pod_hours
      FROM (SELECT cluster, namespace, kind, wname, interval_s, unnest(claims) AS claim FROM oc_wf_pods WHERE len(claims) > 0)
      GROUP BY ALL ORDER BY 1, 2, 3, 4, 5`,
    network: `
      WITH owners AS (
        SELECT cluster, namespace, name, arg_max(owner_kind, ts) AS kind, arg_max(owner_name, ts) AS wname
        FROM pod_samples GROUP BY cluster, namespace, name
      )
      SELECT f.cluster, f.namespace, o.kind, o.wname AS name, f.class, f.direction, f.service, f.via_nat,
        sum(f.bytes) AS bytes
      FROM flow_samples f JOIN owners o ON o.cluster = f.cluster AND o.namespace = f.namespace AND o.name = f.pod
      WHERE ${within('f.ts')}
      GROUP BY ALL HAVING sum(f.bytes) > 0 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8`,
    cron: `
      WITH runs AS (
        SELECT cluster, namespace, kind, wname AS name, run,
          sum(interval_s) / 3600.0 AS pod_hours,
          (max(epoch(ts) + interval_s) - min(epoch(ts))) / 60.0 AS minutes
        FROM (SELECT *, ${runName} AS run FROM oc_wf_pods WHERE kind = 'CronJob')
        GROUP BY ALL
      ),
      concurrent AS (
        SELECT cluster, namespace, kind, name, max(n) AS max_concurrent
        FROM (
          SELECT cluster, namespace, kind, wname AS name, ts, count(DISTINCT ${runName}) AS n
          FROM oc_wf_pods WHERE kind = 'CronJob' GROUP BY ALL
        )
        GROUP BY ALL
      )
      SELECT r.cluster, r.namespace, r.kind, r.name, CAST(count(*) AS DOUBLE) AS runs,
        sum(r.pod_hours) / count(*) AS pod_hours_per_run, avg(r.minutes) AS avg_minutes, max(r.minutes) AS max_minutes,
        CAST(any_value(c.max_concurrent) AS DOUBLE) AS max_concurrent
      FROM runs r JOIN concurrent c USING (cluster, namespace, kind, name)
      GROUP BY ALL ORDER BY 1, 2, 3, 4`,
    changes: `
      WITH seq AS (
        SELECT cluster, namespace, controller_kind AS kind, name, ts,
          ${numText('generation')} AS generation,
          array_to_string(list_sort(images), ', ') AS image,
          CASE WHEN controller_kind IN ('Deployment', 'StatefulSet') THEN ${numText('replicas')} END AS replicas,
          ${numText('parallelism')} AS parallelism,
          schedule
        FROM workload_samples WHERE ts < ${t1}
      ),
      lagged AS (
        SELECT *,
          lag(generation) OVER w AS p_generation, lag(image) OVER w AS p_image, lag(replicas) OVER w AS p_replicas,
          lag(parallelism) OVER w AS p_parallelism, lag(schedule) OVER w AS p_schedule
        FROM seq
        WINDOW w AS (PARTITION BY cluster, namespace, kind, name ORDER BY ts)
      ),
      changes AS (
        SELECT cluster, namespace, kind, name, ts, field, before, after FROM (
          SELECT cluster, namespace, kind, name, ts, 'image' AS field, p_image AS before, image AS after FROM lagged
          UNION ALL SELECT cluster, namespace, kind, name, ts, 'generation', p_generation, generation FROM lagged
          UNION ALL SELECT cluster, namespace, kind, name, ts, 'replicas', p_replicas, replicas FROM lagged
          UNION ALL SELECT cluster, namespace, kind, name, ts, 'parallelism', p_parallelism, parallelism FROM lagged
          UNION ALL SELECT cluster, namespace, kind, name, ts, 'schedule', p_schedule, schedule FROM lagged
        )
        WHERE before IS NOT NULL AND after IS NOT NULL AND before <> after
      ),
      -- Requests live in pods: each new pod (by its first sample) carries its template's requests.
      pod_first AS (
        SELECT cluster, namespace, owner_kind AS kind, owner_name AS name, uid, min(ts) AS ts,
          printf('cpu %dm, memory %dMi', CAST(round(arg_min(cpu_req, ts) * 1000) AS BIGINT),
            CAST(round(arg_min(ram_req_bytes, ts) / 1048576) AS BIGINT)) AS req
        FROM pod_samples WHERE ts < ${t1} AND ${ACTIVE}
        GROUP BY cluster, namespace, owner_kind, owner_name, uid
      ),
      request_changes AS (
        SELECT cluster, namespace, kind, name, ts, 'requests' AS field, p_req AS before, req AS after
        FROM (SELECT *, lag(req) OVER (PARTITION BY cluster, namespace, kind, name ORDER BY ts, uid) AS p_req FROM pod_first)
        WHERE p_req IS NOT NULL AND p_req <> req
      ),
      all_changes AS (SELECT * FROM changes UNION ALL SELECT * FROM request_changes)
      SELECT cluster, namespace, kind, name, field, before, after, ${iso('ts')} AS ts
      FROM all_changes
      WHERE ts >= ${t0}
      QUALIFY row_number() OVER (PARTITION BY cluster, namespace, kind, name, field ORDER BY ts) = 1
        OR row_number() OVER (PARTITION BY cluster, namespace, kind, name, field ORDER BY ts DESC) <= ${CHANGES_KEPT_LATEST}
      ORDER BY cluster, namespace, kind, name, ts, field`,
    namespaces: `
      WITH ns AS (
        SELECT cluster, name, arg_max(labels, ts) AS labels, arg_max(annotations, ts) AS annotations,
          arg_max(created_at, ts) AS created_at, min(ts) AS observed_since
        FROM namespace_samples WHERE ts < ${t1} GROUP BY cluster, name
      ),
      seq AS (
        SELECT cluster, namespace, controller_kind, name, ts,
          lag(ts) OVER w AS p_ts,
          lag(generation) OVER w IS DISTINCT FROM generation
            OR lag(images) OVER w IS DISTINCT FROM images
            OR lag(parallelism) OVER w IS DISTINCT FROM parallelism
            OR lag(schedule) OVER w IS DISTINCT FROM schedule
            OR (controller_kind IN ('Deployment', 'StatefulSet') AND lag(replicas) OVER w IS DISTINCT FROM replicas) AS changed
        FROM workload_samples WHERE ts < ${t1}
        WINDOW w AS (PARTITION BY cluster, namespace, controller_kind, name ORDER BY ts)
      ),
      first_record AS (SELECT cluster, min(ts) AS first_ts FROM workload_samples GROUP BY cluster),
      last_change AS (
        -- A change, or a workload appearing after the cluster's first loaded record.
        SELECT s.cluster, s.namespace, max(s.ts) AS ts
        FROM seq s JOIN first_record f USING (cluster)
        WHERE (s.p_ts IS NOT NULL AND s.changed) OR (s.p_ts IS NULL AND s.ts > f.first_ts)
        GROUP BY ALL
      ),
      counts AS (
        SELECT cluster, namespace, CAST(count(*) AS DOUBLE) AS workloads FROM (
          SELECT DISTINCT cluster, namespace, kind, wname FROM oc_wf_pods
          UNION SELECT DISTINCT cluster, namespace, controller_kind, name FROM workload_samples WHERE ${inWindow}
        ) GROUP BY ALL
      )
      SELECT n.cluster, n.name, n.labels, n.annotations, ${iso('n.created_at')} AS created_at,
        ${iso('n.observed_since')} AS observed_since, ${iso('c.ts')} AS last_change_at,
        coalesce(k.workloads, 0) AS workloads
      FROM ns n
      LEFT JOIN last_change c ON c.cluster = n.cluster AND c.namespace = n.name
      LEFT JOIN counts k ON k.cluster = n.cluster AND k.namespace = n.name
      ORDER BY 1, 2`,
    nodePools: `
      WITH n AS (
        SELECT s.cluster, p.node_pool, s.capacity_type, s.instance_type, s.name, s.ts, s.interval_s,
          s.provider_id, s.region, s.labels,
          s.alloc_cpu_cores, s.alloc_ram_bytes, s.alloc_gpus, s.gpus
        FROM node_samples s JOIN oc_wf_node_pool p ON p.cluster = s.cluster AND p.node = s.name
        WHERE ${within('s.ts')}
      ),
      cluster_times AS (SELECT cluster, count(DISTINCT ts) AS times FROM n GROUP BY cluster),
      counts AS (
        SELECT cluster, node_pool, min(k) AS k_min, max(k) AS k_max, count(*) AS times
        FROM (SELECT cluster, node_pool, ts, count(DISTINCT name) AS k FROM n GROUP BY ALL)
        GROUP BY ALL
      ),
      cap AS (
        SELECT cluster, node_pool,
          arg_max(capacity_type, ct_hours) AS capacity_type,
          sum(ct_hours) AS node_hours
        FROM (SELECT cluster, node_pool, capacity_type, sum(interval_s) / 3600.0 AS ct_hours FROM n GROUP BY ALL)
        GROUP BY ALL
      ),
      alloc AS (
        SELECT cluster, node_pool,
          arg_max(split_part(provider_id, ':', 1), ts) AS provider, arg_max(region, ts) AS region,
          arg_max(labels, ts) AS node_labels,
          to_json(list(DISTINCT instance_type ORDER BY instance_type))::VARCHAR AS instance_types,
          sum(alloc_cpu_cores * interval_s) / 3600.0 AS alloc_cpu_h,
          sum(alloc_ram_bytes * interval_s) / 3600.0 / ${GIB} AS alloc_ram_gibh,
          sum(alloc_gpus * interval_s) / 3600.0 AS alloc_gpu_h,
          sum(gpus * interval_s) / 3600.0 AS gpu_node_hours,
          avg(alloc_cpu_cores) AS node_cpu, avg(alloc_ram_bytes) AS node_ram, avg(alloc_gpus) AS node_gpus
        FROM n GROUP BY ALL
      ),
      pod_pool AS (
        SELECT p.cluster, n.node_pool, p.ts, p.interval_s, p.cpu_req, p.ram_req_bytes, p.gpu_req
        FROM oc_wf_pods p JOIN oc_wf_node_pool n ON n.cluster = p.cluster AND n.node = p.node
      ),
      req AS (
        SELECT cluster, node_pool,
          sum(cpu_req * interval_s) / 3600.0 AS req_cpu_h,
          sum(ram_req_bytes * interval_s) / 3600.0 / ${GIB} AS req_ram_gibh,
          sum(gpu_req * interval_s) / 3600.0 AS req_gpu_h
        FROM pod_pool GROUP BY ALL
      ),
      peak AS (
        SELECT cluster, node_pool, max(cpu) AS peak_cpu, max(ram) AS peak_ram, max(gpu) AS peak_gpu
        FROM (SELECT cluster, node_pool, ts, sum(cpu_req) AS cpu, sum(ram_req_bytes) AS ram, sum(gpu_req) AS gpu FROM pod_pool GROUP BY ALL)
        GROUP BY ALL
      )
      SELECT c.cluster, c.node_pool, cap.capacity_type, a.instance_types, a.provider, a.region, a.node_labels,
        CAST(CASE WHEN c.times < t.times THEN 0 ELSE c.k_min END AS DOUBLE) AS nodes_min,
        CAST(c.k_max AS DOUBLE) AS nodes_max, cap.node_hours,
        a.alloc_cpu_h, a.alloc_ram_gibh, a.alloc_gpu_h, a.gpu_node_hours, a.node_cpu, a.node_ram, a.node_gpus,
        coalesce(r.req_cpu_h, 0) AS req_cpu_h, coalesce(r.req_ram_gibh, 0) AS req_ram_gibh, coalesce(r.req_gpu_h, 0) AS req_gpu_h,
        coalesce(pk.peak_cpu, 0) AS peak_cpu, coalesce(pk.peak_ram, 0) AS peak_ram, coalesce(pk.peak_gpu, 0) AS peak_gpu
      FROM counts c
      JOIN cluster_times t USING (cluster)
      JOIN cap USING (cluster, node_pool)
      JOIN alloc a USING (cluster, node_pool)
      LEFT JOIN req r USING (cluster, node_pool)
      LEFT JOIN peak pk USING (cluster, node_pool)
      ORDER BY 1, 2`,
    volumes: `
      WITH v AS (
        SELECT cluster, name, arg_max(volume_handle, ts) AS volume_handle, arg_max(storage_class, ts) AS storage_class,
          arg_max(capacity_bytes, ts) AS capacity_bytes, arg_max(reclaim_policy, ts) AS reclaim_policy,
          arg_max(claim_namespace, ts) AS claim_namespace, arg_max(claim_name, ts) AS claim_name,
          arg_max(phase, ts) AS last_phase, sum(interval_s) / 3600.0 AS hours
        FROM pv_samples WHERE ${inWindow} GROUP BY cluster, name
      ),
      p AS (
        SELECT cluster, name, to_json(map_from_entries(list({'k': phase, 'v': hours})))::VARCHAR AS phase_hours
        FROM (SELECT cluster, name, phase, sum(interval_s) / 3600.0 AS hours FROM pv_samples WHERE ${inWindow} GROUP BY ALL)
        GROUP BY cluster, name
      )
      SELECT v.*, p.phase_hours FROM v JOIN p USING (cluster, name) ORDER BY 1, 2`,
    pvcs: `
      WITH c AS (
        SELECT cluster, namespace, name, arg_max(volume_name, ts) AS volume_name, arg_max(storage_class, ts) AS storage_class,
          arg_max(capacity_bytes, ts) AS capacity_bytes, arg_max(phase, ts) AS phase, sum(interval_s) / 3600.0 AS hours
        FROM pvc_samples WHERE ${inWindow} GROUP BY cluster, namespace, name
      ),
      m AS (
        SELECT cluster, namespace, claim AS name, sum(interval_s) / 3600.0 AS pod_hours,
          to_json(list(DISTINCT {'kind': kind, 'name': wname})) ::VARCHAR AS mounted_by
        FROM (SELECT cluster, namespace, kind, wname, interval_s, unnest(claims) AS claim FROM oc_wf_pods WHERE len(claims) > 0)
        GROUP BY ALL
      )
      SELECT c.*, coalesce(m.pod_hours, 0) AS mounted_pod_hours, m.mounted_by
      FROM c LEFT JOIN m USING (cluster, namespace, name)
      ORDER BY 1, 2, 3`,
    teardown: ['DROP TABLE IF EXISTS oc_wf_pods', 'DROP TABLE IF EXISTS oc_wf_node_pool'],
  };
}

/**
 * Reduces the loaded sample tables to the facts detectors need for `[windowStart, windowEnd)`.
 * The tables must have been loaded (e.g. by `openSnapshotWarehouse` into the same DuckDB); samples
 * outside the window are ignored except for the change history (see the module comment).
 */
export async function loadWorkloadFacts(db: DuckDb, window: WorkloadFactsWindow): Promise<WorkloadFacts> {
  const startMs = Date.parse(window.windowStart);
  const endMs = Date.parse(window.windowEnd);
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs <= startMs) {
    throw new Error(
      `loadWorkloadFacts: invalid window [${String(window.windowStart)}, ${String(window.windowEnd)}): expected ISO-8601 UTC times with start < end`,
    );
  }
  const sql = statements(tsLiteral(startMs), tsLiteral(endMs));
  try {
    for (const s of sql.setup) await db.conn.run(s);
    const [wRows, placeRows, claimRows, netRows, cronRows, changeRows, nsRows, poolRows, pvRows, pvcRows] = [
      await rows(db, sql.workloads),
      await rows(db, sql.placement),
      await rows(db, sql.claims),
      await rows(db, sql.network),
      await rows(db, sql.cron),
      await rows(db, sql.changes),
      await rows(db, sql.namespaces),
      await rows(db, sql.nodePools),
      await rows(db, sql.volumes),
      await rows(db, sql.pvcs),
    ];

    const placement = group<PoolPlacement>(placeRows, (r) => ({
      nodePool: str(r.node_pool),
      capacityType: str(r.capacity_type),
      podHours: num(r.pod_hours),
      gpuRequestHours: num(r.gpu_request_hours),
    }));
    const claims = group<string>(claimRows, (r) => str(r.claim));
    const network = group<NetworkBytes>(netRows, (r) => ({
      class: str(r.class) as TrafficClass,
      direction: str(r.direction) === 'ingress' ? 'ingress' : 'egress',
      service: strOrNull(r.service),
      viaNat: r.via_nat === true,
      bytes: num(r.bytes),
    }));
    const cron = new Map<string, Row>(cronRows.map((r) => [wkey(r), r]));

    const workloads: WorkloadFact[] = wRows.map((r) => {
      const k = wkey(r);
      const kind = str(r.kind);
      const hasRecord = r.has_record === true;
      const job: JobHistory | null =
        kind === 'Job' && hasRecord
          ? {
              parallelism: numOrNull(r.parallelism),
              backoffLimit: numOrNull(r.backoff_limit),
              succeededFirst: numOrNull(r.succeeded_first),
              succeededLast: numOrNull(r.succeeded_last),
              failedFirst: numOrNull(r.failed_first),
              failedLast: numOrNull(r.failed_last),
            }
          : null;
      const c = cron.get(k);
      const cronHistory: CronHistory | null =
        kind === 'CronJob'
          ? {
              schedule: strOrNull(r.schedule),
              suspend: typeof r.suspend === 'boolean' ? r.suspend : null,
              parallelism: numOrNull(r.parallelism),
              runs: num(c?.runs),
              maxConcurrentRuns: num(c?.max_concurrent),
              podHoursPerRun: num(c?.pod_hours_per_run),
              avgRunMinutes: num(c?.avg_minutes),
              maxRunMinutes: num(c?.max_minutes),
            }
          : null;
      return {
        cluster: str(r.cluster),
        namespace: str(r.namespace),
        kind,
        name: str(r.name),
        labels: labelsOf(r.labels),
        pods: num(r.pods),
        podHours: num(r.pod_hours),
        cpuRequestCores: num(r.cpu_req),
        cpuUsageP95Cores: num(r.cpu_p95),
        cpuUsageAvgCores: num(r.cpu_avg),
        ramRequestBytes: num(r.ram_req),
        ramUsagePeakBytes: num(r.ram_peak),
        ramUsageAvgBytes: num(r.ram_avg),
        gpuRequest: num(r.gpu_req),
        replicas: hasRecord
          ? { min: num(r.replicas_min), max: num(r.replicas_max), last: num(r.replicas_last) }
          : null,
        generation: numOrNull(r.generation),
        images: parseJsonList<string>(r.images),
        network: network.get(k) ?? [],
        placement: placement.get(k) ?? [],
        claims: claims.get(k) ?? [],
        job,
        cron: cronHistory,
        firstSeen: str(r.first_seen),
        lastSeen: str(r.last_seen),
      };
    });

    const changes: WorkloadChange[] = changeRows.map((r) => ({
      cluster: str(r.cluster),
      namespace: str(r.namespace),
      kind: str(r.kind),
      name: str(r.name),
      field: str(r.field) as ChangeField,
      before: str(r.before),
      after: str(r.after),
      ts: str(r.ts),
    }));

    const namespaces: NamespaceFact[] = nsRows.map((r) => ({
      cluster: str(r.cluster),
      name: str(r.name),
      labels: labelsOf(r.labels),
      annotations: labelsOf(r.annotations),
      createdAt: str(r.created_at),
      lastChangeAt: strOrNull(r.last_change_at),
      observedSince: str(r.observed_since),
      workloads: num(r.workloads),
    }));

    const nodePools: NodePoolFact[] = poolRows.map((r) => ({
      cluster: str(r.cluster),
      nodePool: str(r.node_pool),
      provider: str(r.provider),
      region: str(r.region),
      nodeLabels: labelsOf(r.node_labels),
      capacityType: str(r.capacity_type),
      instanceTypes: parseJsonList<string>(r.instance_types),
      nodesMin: num(r.nodes_min),
      nodesMax: num(r.nodes_max),
      nodeHours: num(r.node_hours),
      allocatable: {
        cpuCoreHours: num(r.alloc_cpu_h),
        ramGiBHours: num(r.alloc_ram_gibh),
        gpuHours: num(r.alloc_gpu_h),
      },
      requested: {
        cpuCoreHours: num(r.req_cpu_h),
        ramGiBHours: num(r.req_ram_gibh),
        gpuHours: num(r.req_gpu_h),
      },
      peakRequested: { cpuCores: num(r.peak_cpu), ramBytes: num(r.peak_ram), gpus: num(r.peak_gpu) },
      allocatablePerNode: { cpuCores: num(r.node_cpu), ramBytes: num(r.node_ram), gpus: num(r.node_gpus) },
      gpuNodeHours: num(r.gpu_node_hours),
    }));

    const volumes: VolumeFact[] = pvRows.map((r) => {
      const phaseHours: Record<string, number> = {};
      const parsed = typeof r.phase_hours === 'string' ? (JSON.parse(r.phase_hours) as unknown) : null;
      if (parsed && typeof parsed === 'object') {
        for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) phaseHours[k] = num(v);
      }
      return {
        cluster: str(r.cluster),
        name: str(r.name),
        volumeHandle: str(r.volume_handle),
        storageClass: str(r.storage_class),
        capacityBytes: num(r.capacity_bytes),
        reclaimPolicy: str(r.reclaim_policy),
        claimNamespace: strOrNull(r.claim_namespace),
        claimName: strOrNull(r.claim_name),
        phaseHours,
        lastPhase: str(r.last_phase),
        hours: num(r.hours),
      };
    });

    const claimFacts: ClaimFact[] = pvcRows.map((r) => ({
      cluster: str(r.cluster),
      namespace: str(r.namespace),
      name: str(r.name),
      volumeName: str(r.volume_name),
      storageClass: str(r.storage_class),
      capacityBytes: num(r.capacity_bytes),
      phase: str(r.phase),
      hours: num(r.hours),
      mountedPodHours: num(r.mounted_pod_hours),
      mountedBy: parseJsonList<{ kind: string; name: string }>(r.mounted_by).sort(
        (a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name),
      ),
    }));

    return {
      windowStart: window.windowStart,
      windowEnd: window.windowEnd,
      workloads,
      namespaces,
      nodePools,
      volumes,
      claims: claimFacts,
      changes,
    };
  } finally {
    for (const s of sql.teardown) await db.conn.run(s);
  }
}
