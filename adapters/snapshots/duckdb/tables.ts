/**
 * The typed sample tables that snapshot records are loaded into, one row per valid record.
 *
 * These tables are the contract between loading and the hour-facts SQL: `hourFacts.ts` reads only
 * these tables (never raw lines), so a benchmark or another loader can fill them directly with SQL
 * and reuse the same reduction. Conventions for every table:
 * - `ts` is the sample time as a `TIMESTAMP` holding UTC (no time zone arithmetic anywhere);
 *   the sample stands for `[ts, ts + interval_s)`.
 * - CPU is in cores, memory and disk in bytes, GPUs in devices, network in bytes.
 * - Label, annotation and selector maps are JSON object text with string values (`'{}'` when empty).
 */
import type { DuckDb } from '../../duckdb/connection.js';

/**
 * `pod_samples`: one row per pod sample. Resource columns are sums over the pod's containers of the
 * per-container values; `*_alloc` is Σ_containers max(request, usage), the quantity a pod is charged
 * for (DESIGN.md, allocation rule 3). `claims` are the distinct PVC names the pod mounts (in its
 * namespace). Samples with phase `Succeeded` or `Failed` end the previous sample's span but hold no
 * resources themselves (see hourFacts.ts).
 */
export const POD_SAMPLES_DDL = `CREATE TABLE IF NOT EXISTS pod_samples (
  cluster VARCHAR NOT NULL,
  ts TIMESTAMP NOT NULL,            -- UTC sample time
  interval_s DOUBLE NOT NULL,       -- seconds this sample stands for, from ts (> 0)
  namespace VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  uid VARCHAR NOT NULL,             -- identity of the pod across samples
  node VARCHAR NOT NULL,            -- '' while unscheduled
  phase VARCHAR NOT NULL,           -- Pending | Running | Succeeded | Failed | Unknown
  host_network BOOLEAN NOT NULL,
  owner_kind VARCHAR NOT NULL,      -- top controller kind (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod)
  owner_name VARCHAR NOT NULL,
  labels VARCHAR NOT NULL,          -- JSON object of string values
  cpu_alloc DOUBLE NOT NULL,        -- cores: Σ_containers max(request, usage)
  cpu_req DOUBLE NOT NULL,          -- cores: Σ requests
  cpu_use DOUBLE NOT NULL,          -- cores: Σ usage
  ram_alloc_bytes DOUBLE NOT NULL,  -- bytes: Σ_containers max(request, usage)
  ram_req_bytes DOUBLE NOT NULL,
  ram_use_bytes DOUBLE NOT NULL,
  gpu_alloc DOUBLE NOT NULL,        -- devices: Σ_containers max(request, usage)
  gpu_req DOUBLE NOT NULL,
  gpu_use DOUBLE NOT NULL,
  claims VARCHAR[] NOT NULL         -- distinct PVC names mounted, [] when none
)`;

/** `node_samples`: one row per node sample. `cpu_cores`, `ram_bytes`, `gpus` are CAPACITY. */
export const NODE_SAMPLES_DDL = `CREATE TABLE IF NOT EXISTS node_samples (
  cluster VARCHAR NOT NULL,
  ts TIMESTAMP NOT NULL,            -- UTC sample time
  interval_s DOUBLE NOT NULL,
  name VARCHAR NOT NULL,            -- identity of the node across samples (with cluster)
  provider_id VARCHAR NOT NULL,     -- e.g. aws:///us-east-1a/i-0abc
  instance_type VARCHAR NOT NULL,
  region VARCHAR NOT NULL,
  zone VARCHAR NOT NULL,
  node_pool VARCHAR NOT NULL,
  capacity_type VARCHAR NOT NULL,   -- on-demand | spot
  cpu_cores DOUBLE NOT NULL,        -- capacity
  ram_bytes DOUBLE NOT NULL,        -- capacity
  gpus DOUBLE NOT NULL,             -- capacity
  alloc_cpu_cores DOUBLE NOT NULL,  -- allocatable
  alloc_ram_bytes DOUBLE NOT NULL,
  alloc_gpus DOUBLE NOT NULL,
  labels VARCHAR NOT NULL           -- JSON object of string values
)`;

export const PVC_SAMPLES_DDL = `CREATE TABLE IF NOT EXISTS pvc_samples (
  cluster VARCHAR NOT NULL,
  ts TIMESTAMP NOT NULL,
  interval_s DOUBLE NOT NULL,
  namespace VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  volume_name VARCHAR NOT NULL,
  storage_class VARCHAR NOT NULL,
  capacity_bytes DOUBLE NOT NULL,
  phase VARCHAR NOT NULL
)`;

export const PV_SAMPLES_DDL = `CREATE TABLE IF NOT EXISTS pv_samples (
  cluster VARCHAR NOT NULL,
  ts TIMESTAMP NOT NULL,
  interval_s DOUBLE NOT NULL,
  name VARCHAR NOT NULL,
  volume_handle VARCHAR NOT NULL,   -- provider disk id
  storage_class VARCHAR NOT NULL,
  capacity_bytes DOUBLE NOT NULL,
  phase VARCHAR NOT NULL,
  claim_namespace VARCHAR,          -- NULL when unbound
  claim_name VARCHAR,
  reclaim_policy VARCHAR NOT NULL
)`;

export const SERVICE_SAMPLES_DDL = `CREATE TABLE IF NOT EXISTS service_samples (
  cluster VARCHAR NOT NULL,
  ts TIMESTAMP NOT NULL,
  interval_s DOUBLE NOT NULL,
  namespace VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  type VARCHAR NOT NULL,            -- ClusterIP | NodePort | LoadBalancer | ExternalName
  selector VARCHAR NOT NULL,        -- JSON object of string values
  lb_hostname VARCHAR,
  lb_ip VARCHAR
)`;

/** `flow_samples`: byte and packet counts over [ts, ts + interval_s). */
export const FLOW_SAMPLES_DDL = `CREATE TABLE IF NOT EXISTS flow_samples (
  cluster VARCHAR NOT NULL,
  ts TIMESTAMP NOT NULL,
  interval_s DOUBLE NOT NULL,
  node VARCHAR NOT NULL,
  namespace VARCHAR NOT NULL,
  pod VARCHAR NOT NULL,             -- or __host__ for host-network traffic
  direction VARCHAR NOT NULL,       -- egress | ingress
  class VARCHAR NOT NULL,           -- in-zone | cross-zone | cross-region | internet | unknown
  service VARCHAR,                  -- s3, gcs, azure-storage, … or NULL
  via_nat BOOLEAN NOT NULL,
  bytes DOUBLE NOT NULL,
  packets DOUBLE NOT NULL
)`;

export const NAMESPACE_SAMPLES_DDL = `CREATE TABLE IF NOT EXISTS namespace_samples (
  cluster VARCHAR NOT NULL,
  ts TIMESTAMP NOT NULL,
  interval_s DOUBLE NOT NULL,
  name VARCHAR NOT NULL,
  labels VARCHAR NOT NULL,          -- JSON object of string values
  annotations VARCHAR NOT NULL,     -- JSON object of string values
  created_at TIMESTAMP NOT NULL
)`;

export const WORKLOAD_SAMPLES_DDL = `CREATE TABLE IF NOT EXISTS workload_samples (
  cluster VARCHAR NOT NULL,
  ts TIMESTAMP NOT NULL,
  interval_s DOUBLE NOT NULL,
  namespace VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  controller_kind VARCHAR NOT NULL,
  labels VARCHAR NOT NULL,          -- JSON object of string values
  replicas DOUBLE NOT NULL,
  schedule VARCHAR,
  suspend BOOLEAN,
  parallelism DOUBLE,
  backoff_limit DOUBLE,
  succeeded DOUBLE,
  failed DOUBLE,
  last_schedule_time TIMESTAMP,
  generation DOUBLE,
  images VARCHAR[]
)`;

export const SAMPLE_TABLES = [
  'pod_samples',
  'node_samples',
  'pvc_samples',
  'pv_samples',
  'service_samples',
  'flow_samples',
  'namespace_samples',
  'workload_samples',
] as const;
export type SampleTable = (typeof SAMPLE_TABLES)[number];

export const SAMPLE_TABLES_DDL: readonly string[] = [
  POD_SAMPLES_DDL,
  NODE_SAMPLES_DDL,
  PVC_SAMPLES_DDL,
  PV_SAMPLES_DDL,
  SERVICE_SAMPLES_DDL,
  FLOW_SAMPLES_DDL,
  NAMESPACE_SAMPLES_DDL,
  WORKLOAD_SAMPLES_DDL,
];

/** Creates the (empty) sample tables that do not exist yet. */
export async function createSampleTables(db: DuckDb): Promise<void> {
  for (const ddl of SAMPLE_TABLES_DDL) await db.conn.run(ddl);
}
