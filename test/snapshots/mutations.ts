/** Valid records of every kind and the mutations the loader's property tests apply to them. */
import { flow, namespace, node, pod, pv, service, workload } from './fixtures.js';

/** Records of every kind, valid by construction. */
export const validRecords = (ts: string): Record<string, unknown>[] => [
  pod(ts, {
    claims: ['data'],
    containers: [
      { req: 0.5, use: 0.2, reqRam: 1e9, useRam: 5e8 },
      { req: 0, use: 0.1 },
    ],
  }),
  node(ts),
  pv(ts),
  pv(ts, { claim: null }),
  service(ts),
  service(ts, { ip: '203.0.113.7' }),
  flow(ts),
  flow(ts, { service: 's3', class: 'internet' }),
  namespace(ts, 'shop', { team: 'checkout' }),
  workload(ts, 'api', { team: 'checkout' }),
  {
    ...workload(ts, 'nightly', {}),
    controllerKind: 'CronJob',
    schedule: '0 3 * * *',
    suspend: false,
    lastScheduleTime: null,
  },
  {
    schema: 'ownercost/v1',
    kind: 'pvc',
    cluster: 'prod-use1',
    ts,
    intervalSeconds: 300,
    namespace: 'shop',
    name: 'data-db-0',
    volumeName: 'pvc-1f2e3d4c',
    storageClass: 'gp3',
    capacityBytes: 107374182400,
    phase: 'Bound',
  },
];

/** Paths of every leaf and object in a record, except nullable keys whose absence zod rejects but we accept. */
export function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = prefix.length ? [prefix] : [];
  if (v && typeof v === 'object') {
    for (const [k, c] of Object.entries(v))
      out.push(...paths(c, [...prefix, Array.isArray(v) ? Number(k) : k]));
  }
  return out;
}

/** Written as the JSON number `1e400`, which parses to Infinity in JavaScript and DuckDB alike. */
export const HUGE = '__1e400__';
export const toLine = (r: unknown) => JSON.stringify(r).replaceAll(`"${HUGE}"`, '1e400');

export const replacements: unknown[] = [
  null,
  '',
  'x',
  '0.5',
  'true',
  -1,
  0,
  1.5,
  HUGE,
  true,
  [],
  {},
  ['x'],
  { a: 'b' },
  '2026-11-16T00:05:00Z',
  '2026-11-16T00:05:00+00:00',
  '2026-02-30T00:00:00Z',
];

export type Mutation = { kind: 'delete' | 'set'; path: (string | number)[]; value?: unknown };

export function mutate(record: unknown, m: Mutation): unknown {
  const copy = structuredClone(record) as Record<string | number, unknown>;
  let parent: Record<string | number, unknown> = copy;
  for (const p of m.path.slice(0, -1)) parent = parent[p] as Record<string | number, unknown>;
  const last = m.path[m.path.length - 1] as string | number;
  if (m.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else {
    parent[last] = m.value;
  }
  return copy;
}

/**
 * The documented leniency of recordSql.ts: inside arrays, json_transform reads a numeric string or
 * a boolean as a number, and a scalar or object as the text of a string.
 */
export function lenient(record: unknown, m: Mutation): boolean {
  if (m.kind !== 'set' || !m.path.some((p) => typeof p === 'number')) return false;
  let original: unknown = record;
  for (const p of m.path) original = (original as Record<string | number, unknown>)?.[p];
  const v = m.value;
  if (typeof original === 'number') {
    return typeof v === 'boolean' || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)));
  }
  if (typeof original === 'string') return v !== null && (typeof v !== 'string' || v === HUGE);
  return false;
}
