/**
 * SQL that validates `ownercost/v1` records and extracts them into the typed sample tables.
 *
 * A line of a kind is read by two functions that parse it once each: `json_transform` into a typed
 * struct (the values) and a multi-path `json_type` (the JSON type of every field outside arrays,
 * NULL when the key is missing). json_transform alone is lenient (it reads `"0.5"` as 0.5 and `1`
 * as `'1'`), so fields outside arrays are checked by their JSON type, as strictly as the zod
 * schemas in core/schema/records.ts (test/snapshots/load.test.ts compares both on mutated records).
 *
 * Known leniency, for speed: leaves inside arrays (a container's name, resources and restarts, a
 * volume's claim, pod IPs, workload images) are checked by their transformed value only, so a
 * number written as a numeric string or a boolean there is read as a number, and a scalar where a
 * string belongs is read as its text. Checking their JSON types as well costs as much as parsing
 * the line again (wildcard paths cannot be combined in one json_type call).
 */
import { type RecordKind, SCHEMA_V1, TRAFFIC_CLASSES } from '../../../core/schema/records.js';
import { sqlString, sqlStringList } from '../../duckdb/connection.js';
import type { SampleTable } from './tables.js';

type Check =
  | 'string'
  | 'nonEmpty'
  | 'nonNegative'
  | 'positive'
  | 'boolean'
  | 'timestamp'
  | 'object'
  | 'stringMap'
  | 'stringArray'
  | { oneOf: readonly string[] };

interface Field {
  /** JSON path below the record, e.g. `['owner', 'kind']`. */
  path: readonly string[];
  /** Target column; omitted for fields that are only validated. */
  column?: string;
  check: Check;
  /** As in zod: `optional` accepts a missing key, `nullable` a `null`, `nullish` both. */
  presence?: 'optional' | 'nullable' | 'nullish';
  /** Checked only when the object at this path is present (a member of a nullable object). */
  within?: readonly string[];
}

/** Array-valued fields, checked by value (see the leniency note above). */
interface Arrays {
  /** Parts of the json_transform spec, by top-level key. */
  spec: Record<string, unknown>;
  /** `[name, expr]` values over the struct `j`. */
  values: [string, string][];
  /** `[okExpr, reason]` over those values. */
  checks: [string, string][];
  /** `[column, expr]` target columns. */
  columns: [string, string][];
}

interface KindSpec {
  table: SampleTable;
  fields: Field[];
  arrays?: Arrays;
}

const resources = (prefix: string, columns: [string, string, string]): Field[] =>
  (['cpuCores', 'memoryBytes', 'gpus'] as const).map((k, i) => ({
    path: [prefix, k],
    column: columns[i] as string,
    check: 'nonNegative',
  }));

const common: Field[] = [
  { path: ['cluster'], column: 'cluster', check: 'nonEmpty' },
  { path: ['ts'], column: 'ts', check: 'timestamp' },
  { path: ['intervalSeconds'], column: 'interval_s', check: 'positive' },
];

/** SQL of a struct leaf `j."a"."b"`. */
function leaf(path: readonly string[], root = 'j'): string {
  return [root, ...path.map((p) => `"${p.replace(/"/g, '""')}"`)].join('.');
}

/** RFC 3339 UTC as zod's `z.iso.datetime()` accepts it; the cast rejects impossible dates. */
const TS_PATTERN = String.raw`\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?Z`;
const tsValue = (s: string) =>
  `CASE WHEN regexp_full_match(${s}, '${TS_PATTERN}') THEN TRY_CAST(${s} AS TIMESTAMP) END`;
const finiteAtLeast0 = (v: string) => `coalesce(isfinite(${v}) AND ${v} >= 0, false)`;
const NUMBER_TYPES = `('UBIGINT', 'BIGINT', 'DOUBLE')`;
const RESOURCE_SPEC = { cpuCores: 'DOUBLE', memoryBytes: 'DOUBLE', gpus: 'DOUBLE' };

function transformType(check: Check): unknown {
  if (typeof check === 'object') return 'VARCHAR';
  switch (check) {
    case 'string':
    case 'nonEmpty':
    case 'timestamp':
      return 'VARCHAR';
    case 'nonNegative':
    case 'positive':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'object':
    case 'stringMap':
      return 'JSON';
    case 'stringArray':
      return ['VARCHAR'];
  }
}

function describe(check: Check): string {
  if (typeof check === 'object') return `one of ${check.oneOf.join(', ')}`;
  switch (check) {
    case 'string':
      return 'a string';
    case 'nonEmpty':
      return 'a non-empty string';
    case 'nonNegative':
      return 'a number >= 0';
    case 'positive':
      return 'a number > 0';
    case 'boolean':
      return 'true or false';
    case 'timestamp':
      return 'an ISO-8601 UTC timestamp';
    case 'object':
      return 'an object';
    case 'stringMap':
      return 'an object of strings';
    case 'stringArray':
      return 'an array of strings';
  }
}

/** The converted value of a field from its struct leaf. */
function valueExpr(field: Field): string {
  const f = leaf(field.path);
  if (field.check === 'timestamp') return tsValue(f);
  if (field.check === 'stringMap' || field.check === 'object') return `CAST(${f} AS VARCHAR)`;
  return f;
}

/** Whether a present field is valid, from its JSON type `t`, value `v` and struct leaf. */
function okExpr(field: Field, t: string, v: string): string {
  const c = field.check;
  if (typeof c === 'object') return `${t} = 'VARCHAR' AND ${v} IN (${c.oneOf.map(sqlString).join(', ')})`;
  switch (c) {
    case 'string':
      return `${t} = 'VARCHAR'`;
    case 'nonEmpty':
      return `${t} = 'VARCHAR' AND ${v} <> ''`;
    case 'nonNegative':
      return `${t} IN ${NUMBER_TYPES} AND ${finiteAtLeast0(v)}`;
    case 'positive':
      return `${t} IN ${NUMBER_TYPES} AND isfinite(${v}) AND ${v} > 0`;
    case 'boolean':
      return `${t} = 'BOOLEAN'`;
    case 'timestamp':
      return `${t} = 'VARCHAR' AND ${v} IS NOT NULL`;
    case 'object':
      return `${t} = 'OBJECT'`;
    case 'stringMap':
      return `${t} = 'OBJECT' AND coalesce(list_bool_and(list_transform(json_type(${leaf(field.path)}, '$.*'), x -> x = 'VARCHAR')), true)`;
    case 'stringArray':
      return `${t} = 'ARRAY' AND coalesce(list_bool_and(list_transform(${v}, x -> x IS NOT NULL)), true)`;
  }
}

/** Pod containers (Σ per container of max(request, usage)) and mounted claims. */
const podArrays: Arrays = (() => {
  const leaves = ['requests', 'limits', 'usage'].flatMap((side) =>
    ['cpuCores', 'memoryBytes', 'gpus'].map((k) => finiteAtLeast0(`c.${side}."${k}"`)),
  );
  const restarts = 'c.restarts';
  const containerOk = [
    'c.name IS NOT NULL',
    ...leaves,
    `${finiteAtLeast0(restarts)} AND ${restarts} = floor(${restarts}) AND ${restarts} <= 9007199254740991`,
  ].join(' AND ');
  const sum = (e: string) => `coalesce(list_sum(list_transform(j.containers, c -> ${e})), 0)`;
  const maxOf = (k: string) => `greatest(c.requests."${k}", c.usage."${k}")`;
  return {
    spec: {
      containers: [
        {
          name: 'VARCHAR',
          requests: RESOURCE_SPEC,
          limits: RESOURCE_SPEC,
          usage: RESOURCE_SPEC,
          restarts: 'DOUBLE',
        },
      ],
      volumes: [{ claim: 'VARCHAR' }],
    },
    values: [],
    checks: [
      [
        `j.containers IS NOT NULL AND coalesce(list_bool_and(list_transform(j.containers, c -> ${containerOk})), true)`,
        'containers: expected an array of {name, requests, limits, usage, restarts}',
      ],
      [
        `j.volumes IS NOT NULL AND coalesce(list_bool_and(list_transform(j.volumes, v -> v.claim IS NOT NULL)), true)`,
        'volumes: expected an array of {claim: string}',
      ],
    ],
    columns: [
      ['cpu_alloc', sum(maxOf('cpuCores'))],
      ['cpu_req', sum('c.requests."cpuCores"')],
      ['cpu_use', sum('c.usage."cpuCores"')],
      ['ram_alloc_bytes', sum(maxOf('memoryBytes'))],
      ['ram_req_bytes', sum('c.requests."memoryBytes"')],
      ['ram_use_bytes', sum('c.usage."memoryBytes"')],
      ['gpu_alloc', sum(maxOf('gpus'))],
      ['gpu_req', sum('c.requests."gpus"')],
      ['gpu_use', sum('c.usage."gpus"')],
      ['claims', `list_sort(list_distinct(list_transform(j.volumes, v -> v.claim)))`],
    ],
  };
})();

export const KIND_SPECS: Record<RecordKind, KindSpec> = {
  node: {
    table: 'node_samples',
    fields: [
      ...common,
      { path: ['name'], column: 'name', check: 'nonEmpty' },
      { path: ['providerId'], column: 'provider_id', check: 'string' },
      { path: ['instanceType'], column: 'instance_type', check: 'string' },
      { path: ['region'], column: 'region', check: 'string' },
      { path: ['zone'], column: 'zone', check: 'string' },
      { path: ['nodePool'], column: 'node_pool', check: 'string' },
      { path: ['capacityType'], column: 'capacity_type', check: { oneOf: ['on-demand', 'spot'] } },
      ...resources('capacity', ['cpu_cores', 'ram_bytes', 'gpus']),
      ...resources('allocatable', ['alloc_cpu_cores', 'alloc_ram_bytes', 'alloc_gpus']),
      { path: ['labels'], column: 'labels', check: 'stringMap' },
    ],
  },
  pod: {
    table: 'pod_samples',
    fields: [
      ...common,
      { path: ['namespace'], column: 'namespace', check: 'nonEmpty' },
      { path: ['name'], column: 'name', check: 'nonEmpty' },
      { path: ['uid'], column: 'uid', check: 'nonEmpty' },
      { path: ['node'], column: 'node', check: 'string' },
      { path: ['phase'], column: 'phase', check: 'string' },
      { path: ['ips'], check: 'stringArray' },
      { path: ['hostNetwork'], column: 'host_network', check: 'boolean' },
      { path: ['owner', 'kind'], column: 'owner_kind', check: 'string' },
      { path: ['owner', 'name'], column: 'owner_name', check: 'string' },
      { path: ['labels'], column: 'labels', check: 'stringMap' },
    ],
    arrays: podArrays,
  },
  namespace: {
    table: 'namespace_samples',
    fields: [
      ...common,
      { path: ['name'], column: 'name', check: 'nonEmpty' },
      { path: ['labels'], column: 'labels', check: 'stringMap' },
      { path: ['annotations'], column: 'annotations', check: 'stringMap' },
      { path: ['createdAt'], column: 'created_at', check: 'timestamp' },
    ],
  },
  workload: {
    table: 'workload_samples',
    fields: [
      ...common,
      { path: ['namespace'], column: 'namespace', check: 'nonEmpty' },
      { path: ['name'], column: 'name', check: 'nonEmpty' },
      { path: ['controllerKind'], column: 'controller_kind', check: 'string' },
      { path: ['labels'], column: 'labels', check: 'stringMap' },
      { path: ['replicas'], column: 'replicas', check: 'nonNegative' },
      { path: ['schedule'], column: 'schedule', check: 'string', presence: 'optional' },
      { path: ['suspend'], column: 'suspend', check: 'boolean', presence: 'optional' },
      { path: ['parallelism'], column: 'parallelism', check: 'nonNegative', presence: 'optional' },
      { path: ['backoffLimit'], column: 'backoff_limit', check: 'nonNegative', presence: 'optional' },
      { path: ['succeeded'], column: 'succeeded', check: 'nonNegative', presence: 'optional' },
      { path: ['failed'], column: 'failed', check: 'nonNegative', presence: 'optional' },
      { path: ['lastScheduleTime'], column: 'last_schedule_time', check: 'timestamp', presence: 'nullish' },
      { path: ['generation'], column: 'generation', check: 'nonNegative', presence: 'optional' },
      { path: ['images'], column: 'images', check: 'stringArray', presence: 'optional' },
    ],
  },
  pvc: {
    table: 'pvc_samples',
    fields: [
      ...common,
      { path: ['namespace'], column: 'namespace', check: 'nonEmpty' },
      { path: ['name'], column: 'name', check: 'nonEmpty' },
      { path: ['volumeName'], column: 'volume_name', check: 'string' },
      { path: ['storageClass'], column: 'storage_class', check: 'string' },
      { path: ['capacityBytes'], column: 'capacity_bytes', check: 'nonNegative' },
      { path: ['phase'], column: 'phase', check: 'string' },
    ],
  },
  pv: {
    table: 'pv_samples',
    fields: [
      ...common,
      { path: ['name'], column: 'name', check: 'nonEmpty' },
      { path: ['volumeHandle'], column: 'volume_handle', check: 'string' },
      { path: ['storageClass'], column: 'storage_class', check: 'string' },
      { path: ['capacityBytes'], column: 'capacity_bytes', check: 'nonNegative' },
      { path: ['phase'], column: 'phase', check: 'string' },
      { path: ['claim'], check: 'object', presence: 'nullable' },
      { path: ['claim', 'namespace'], column: 'claim_namespace', check: 'string', within: ['claim'] },
      { path: ['claim', 'name'], column: 'claim_name', check: 'string', within: ['claim'] },
      { path: ['reclaimPolicy'], column: 'reclaim_policy', check: 'string' },
    ],
  },
  service: {
    table: 'service_samples',
    fields: [
      ...common,
      { path: ['namespace'], column: 'namespace', check: 'nonEmpty' },
      { path: ['name'], column: 'name', check: 'nonEmpty' },
      { path: ['type'], column: 'type', check: 'string' },
      { path: ['selector'], column: 'selector', check: 'stringMap' },
      { path: ['loadBalancer'], check: 'object' },
      { path: ['loadBalancer', 'hostname'], column: 'lb_hostname', check: 'string', presence: 'optional' },
      { path: ['loadBalancer', 'ip'], column: 'lb_ip', check: 'string', presence: 'optional' },
    ],
  },
  flow: {
    table: 'flow_samples',
    fields: [
      ...common,
      { path: ['node'], column: 'node', check: 'string' },
      { path: ['namespace'], column: 'namespace', check: 'string' },
      { path: ['pod'], column: 'pod', check: 'string' },
      { path: ['direction'], column: 'direction', check: { oneOf: ['egress', 'ingress'] } },
      { path: ['class'], column: 'class', check: { oneOf: TRAFFIC_CLASSES } },
      { path: ['service'], column: 'service', check: 'string', presence: 'nullable' },
      { path: ['viaNat'], column: 'via_nat', check: 'boolean' },
      { path: ['bytes'], column: 'bytes', check: 'nonNegative' },
      { path: ['packets'], column: 'packets', check: 'nonNegative' },
    ],
  },
};

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const [i, key] of path.entries()) {
    if (i === path.length - 1) {
      // An object field with typed members keeps its members (pv.claim, service.loadBalancer).
      if (node[key] === undefined) node[key] = value;
    } else {
      const next = node[key];
      if (typeof next === 'object' && next !== null && !Array.isArray(next)) {
        node = next as Record<string, unknown>;
      } else {
        const created: Record<string, unknown> = {};
        node[key] = created;
        node = created;
      }
    }
  }
}

/** The json_transform structure of a kind. */
export function transformSpec(kind: RecordKind): string {
  const spec = KIND_SPECS[kind];
  const shape: Record<string, unknown> = {};
  // Members first, so an object with members becomes a struct rather than a JSON leaf.
  const fields = [...spec.fields].sort((a, b) => b.path.length - a.path.length);
  for (const f of fields) setPath(shape, f.path, transformType(f.check));
  if (spec.arrays) Object.assign(shape, spec.arrays.spec);
  return JSON.stringify(shape);
}

const jsonPath = (path: readonly string[]) =>
  `$.${path.map((k) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : `"${k.replace(/"/g, '\\"')}"`)).join('.')}`;

/** Numbers the JSON paths whose type a stage reads: `typeOf(path)` is `jt[i]` in its SQL. */
function jsonTypeSlots(): { typePaths: string[]; typeOf: (path: readonly string[]) => string } {
  const typePaths: string[] = [];
  const typeOf = (path: readonly string[]): string => {
    const p = jsonPath(path);
    let i = typePaths.indexOf(p);
    if (i < 0) i = typePaths.push(p) - 1;
    return `jt[${i + 1}]`;
  };
  return { typePaths, typeOf };
}

/**
 * SQL that classifies the rows of `source` (columns `rid BIGINT`, `line VARCHAR`, `sk VARCHAR[]` =
 * [schema, kind] of valid JSON) for one kind into `rid`, the target columns and a `reason` that is
 * NULL for a valid record. Only rows whose schema and kind match are considered.
 */
export function stageSql(kind: RecordKind, source: string): string {
  const spec = KIND_SPECS[kind];
  const values: string[] = [];
  const checks: string[] = [];
  const columns: string[] = [];
  // `jt[i]`: JSON type of a field (NULL when the key is missing, 'NULL' for null).
  const { typePaths, typeOf } = jsonTypeSlots();
  const objectStruct = new Set(spec.fields.filter((f) => f.path.length > 1).map((f) => f.path[0]));
  for (const [i, f] of spec.fields.entries()) {
    const v = `v${i}`;
    const t = typeOf(f.path);
    // An object whose members are typed is a struct: its own value is not needed.
    const isStruct = f.check === 'object' && f.path.length === 1 && objectStruct.has(f.path[0]);
    values.push(`${isStruct ? 'NULL' : valueExpr(f)} AS ${v}`);
    const ok = okExpr(f, t, v);
    const allowed = [
      ...(f.presence === 'optional' || f.presence === 'nullish' ? [`${t} IS NULL`] : []),
      ...(f.presence === 'nullable' || f.presence === 'nullish' ? [`${t} = 'NULL'`] : []),
      ...(f.within ? [`coalesce(${typeOf(f.within)}, 'NULL') <> 'OBJECT'`] : []),
    ];
    const cond = allowed.length > 0 ? `${allowed.join(' OR ')} OR (${t} <> 'NULL' AND ${ok})` : ok;
    checks.push(
      `WHEN NOT coalesce(${cond}, false) THEN ${sqlString(`${f.path.join('.')}: expected ${describe(f.check)}`)}`,
    );
    if (f.column) columns.push(`${v} AS "${f.column}"`);
  }
  if (spec.arrays) {
    for (const key of Object.keys(spec.arrays.spec)) {
      checks.push(
        `WHEN ${typeOf([key])} IS DISTINCT FROM 'ARRAY' THEN ${sqlString(`${key}: expected an array`)}`,
      );
    }
    for (const [name, expr] of spec.arrays.values) values.push(`${expr} AS ${name}`);
    for (const [ok, reason] of spec.arrays.checks)
      checks.push(`WHEN NOT coalesce(${ok}, false) THEN ${sqlString(reason)}`);
    for (const [column, expr] of spec.arrays.columns) values.push(`${expr} AS "${column}"`);
    for (const [column] of spec.arrays.columns) columns.push(`"${column}"`);
  }
  // Checks run in field order, so the reason names the first bad field.
  return `SELECT rid, ${columns.join(', ')}, CASE ${checks.join(' ')} END AS reason
FROM (
  SELECT rid, j, jt, ${values.join(',\n    ')}
  FROM (
    SELECT rid, json_transform(line, ${sqlString(transformSpec(kind))}) AS j, json_type(line, ${sqlStringList(typePaths)}) AS jt
    FROM ${source}
    WHERE sk[1] = ${sqlString(SCHEMA_V1)} AND sk[2] = ${sqlString(kind)}
  )
)`;
}

/** Target columns of a kind, in stage order (the typed table's column list for INSERT). */
export function stageColumns(kind: RecordKind): string[] {
  const spec = KIND_SPECS[kind];
  const cols = spec.fields.flatMap((f) => (f.column ? [f.column] : []));
  if (spec.arrays) cols.push(...spec.arrays.columns.map(([c]) => c));
  return cols;
}

/*
 * The fast stage: one parse per line instead of two.
 *
 * `json_transform` reads every field outside arrays as a JSON leaf (its JSON text, `NULL` when the
 * key is missing or the value is `null`), so a field's JSON type is the first character of its text
 * and its value is converted from that text; arrays are transformed exactly as in `stageSql`. Only
 * fields where a missing key and a `null` mean different things (optional or nullable fields,
 * objects with typed members) also get a multi-path `json_type`, and only for those paths.
 *
 * A row passes (`ok`) only if every check that `stageSql` makes holds, and then its values are the
 * ones `stageSql` computes. The checks are never looser than `stageSql`'s and may be stricter
 * (numbers with 20 or more characters of JSON text are not passed): rows that do not pass go to
 * `stageSql`, which decides and reports them. So the fast stage changes speed, never results.
 */

/** The value of a string's JSON text: escapes decoded only when there are any. */
const jsonStr = (x: string) => `json_extract_string(${x}, '$')`;
const isJsonStr = (x: string) => `prefix(${x}, '"')`;
/**
 * A number's JSON text as DOUBLE: NULL unless the text is a number token (a JSON string or `true`
 * would cast). Long texts (integers beyond 64 bits) are left to `stageSql`.
 */
const jsonNum = (x: string) =>
  `CASE WHEN strlen(${x}) < 20 AND (ascii(${x}) BETWEEN 48 AND 57 OR ascii(${x}) = 45) THEN TRY_CAST(${x} AS DOUBLE) END`;

function fastTransformType(check: Check, hasMembers: boolean): unknown {
  if (check === 'stringArray') return ['VARCHAR'];
  // An object whose members are typed is a struct of JSON leaves (set by its members).
  if (check === 'object' && hasMembers) return undefined;
  return 'JSON';
}

/** The json_transform structure of a kind for the fast stage. */
export function fastTransformSpec(kind: RecordKind): string {
  const spec = KIND_SPECS[kind];
  const shape: Record<string, unknown> = {};
  const parents = new Set(
    spec.fields.filter((f) => f.path.length > 1).map((f) => f.path.slice(0, -1).join('.')),
  );
  const fields = [...spec.fields].sort((a, b) => b.path.length - a.path.length);
  for (const f of fields) {
    const t = fastTransformType(f.check, parents.has(f.path.join('.')));
    if (t !== undefined) setPath(shape, f.path, t);
  }
  if (spec.arrays) Object.assign(shape, spec.arrays.spec);
  return JSON.stringify(shape);
}

/**
 * SQL that checks and extracts the rows of `source` (columns `rid BIGINT`, `line VARCHAR`, all of
 * them valid JSON of this schema and kind) into `rid`, the target columns and `ok`: true when the
 * row is valid and its values are the ones `stageSql` would give; false (never NULL) otherwise.
 */
export function fastStageSql(kind: RecordKind, source: string): string {
  const spec = KIND_SPECS[kind];
  const parents = new Set(
    spec.fields.filter((f) => f.path.length > 1).map((f) => f.path.slice(0, -1).join('.')),
  );
  // Paths whose JSON type is needed: optional or nullable fields, objects, parents of `within`.
  const { typePaths, typeOf } = jsonTypeSlots();
  const values: string[] = [];
  const checks: string[] = [];
  const columns: string[] = [];
  for (const [i, f] of spec.fields.entries()) {
    // JSON text as plain VARCHAR: casts and comparisons of the JSON type follow JSON semantics
    // (the JSON string "0.5" casts to the number 0.5); this text is checked character by character.
    const x = f.check === 'stringArray' ? leaf(f.path) : `CAST(${leaf(f.path)} AS VARCHAR)`;
    const v = `v${i}`;
    const c = f.check;
    const struct = c === 'object' && parents.has(f.path.join('.'));
    let value: string;
    let ok: string;
    if (typeof c === 'object') {
      value = jsonStr(x);
      ok = `${isJsonStr(x)} AND ${v} IN (${c.oneOf.map(sqlString).join(', ')})`;
    } else {
      switch (c) {
        case 'string':
          value = jsonStr(x);
          ok = isJsonStr(x);
          break;
        case 'nonEmpty':
          value = jsonStr(x);
          ok = `${isJsonStr(x)} AND ${x} <> '""'`;
          break;
        case 'nonNegative':
          value = jsonNum(x);
          ok = finiteAtLeast0(v);
          break;
        case 'positive':
          value = jsonNum(x);
          ok = `isfinite(${v}) AND ${v} > 0`;
          break;
        case 'boolean':
          value = `${x} = 'true'`;
          ok = `${x} IN ('true', 'false')`;
          break;
        case 'timestamp':
          value = tsValue(jsonStr(x));
          ok = `${isJsonStr(x)} AND ${v} IS NOT NULL`;
          break;
        case 'object':
          value = struct ? 'NULL' : `CAST(${x} AS VARCHAR)`;
          ok = `${typeOf(f.path)} = 'OBJECT'`;
          break;
        case 'stringMap':
          value = `CAST(${x} AS VARCHAR)`;
          ok = `prefix(${x}, '{') AND coalesce(list_bool_and(list_transform(json_type(${x}, '$.*'), t -> t = 'VARCHAR')), true)`;
          break;
        case 'stringArray':
          // A typed list is NULL unless the JSON value is an array; elements as in stageSql.
          value = x;
          ok = `${x} IS NOT NULL AND coalesce(list_bool_and(list_transform(${x}, e -> e IS NOT NULL)), true)`;
          break;
      }
    }
    values.push(`${value} AS ${v}`);
    // Where a missing key and a null differ, the JSON type decides; elsewhere both fail `ok`.
    const allowed: string[] = [];
    if (f.presence) {
      const t = typeOf(f.path);
      if (f.presence === 'optional' || f.presence === 'nullish') allowed.push(`${t} IS NULL`);
      if (f.presence === 'nullable' || f.presence === 'nullish') allowed.push(`${t} = 'NULL'`);
      ok = `${t} IS NOT NULL AND ${t} <> 'NULL' AND ${ok}`;
    }
    if (f.within) allowed.push(`coalesce(${typeOf(f.within)}, 'NULL') <> 'OBJECT'`);
    checks.push(allowed.length > 0 ? `(${allowed.join(' OR ')} OR (${ok}))` : `(${ok})`);
    if (f.column) columns.push(`${v} AS "${f.column}"`);
  }
  if (spec.arrays) {
    // A typed list is NULL unless the JSON value is an array (the `expected an array` check).
    for (const key of Object.keys(spec.arrays.spec)) checks.push(`j."${key}" IS NOT NULL`);
    for (const [name, expr] of spec.arrays.values) values.push(`${expr} AS ${name}`);
    for (const [ok] of spec.arrays.checks) checks.push(`(${ok})`);
    for (const [column, expr] of spec.arrays.columns) values.push(`${expr} AS "${column}"`);
    for (const [column] of spec.arrays.columns) columns.push(`"${column}"`);
  }
  const jt = typePaths.length > 0 ? `, json_type(line, ${sqlStringList(typePaths)}) AS jt` : '';
  return `SELECT rid, ${columns.join(', ')}, coalesce(${checks.join('\n    AND ')}, false) AS ok
FROM (
  SELECT rid, j${typePaths.length > 0 ? ', jt' : ''}, ${values.join(',\n    ')}
  FROM (
    SELECT rid, json_transform(line, ${sqlString(fastTransformSpec(kind))}) AS j${jt}
    FROM ${source}
  )
)`;
}
