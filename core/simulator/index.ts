/**
 * The seeded simulator of an AI-heavy organisation on Kubernetes: snapshots (`ownercost/v1`
 * NDJSON), the matching hourly bill (FOCUS lines, CUR 2.0 rows with split cost allocation) and
 * the ground truth of what was planted. Pure: no I/O, no clock; same options ⇒ same bytes.
 */
import { type Billing, buildBilling, type SimBillingLine } from './billing.js';
import { type Cur2Row, curRows } from './cur.js';
import { defineOrganisation, type Organisation, type Scale } from './org.js';
import { aliveCount, buildClusterPlan, type ClusterPlan } from './plan.js';
import { type Batch, ClusterRenderer, type Partition, SOURCE } from './records.js';
import { DEFAULT_WEEK_START_MS, diurnal, isoAt, makeWindow, SAMPLE_MS, type SimWindow } from './time.js';
import { billedTotals, buildTruth, type Truth } from './truth.js';

export type { SimBillingLine } from './billing.js';
export type { Cur2Row } from './cur.js';
export { CUR2_COLUMNS, curTagKey } from './cur.js';
export type { CauseKind, HealthyWorkload, PlantedCause, PlantedWaste, Scale, WasteType } from './org.js';
export type { ClusterPlan } from './plan.js';
export type { Batch, Partition } from './records.js';
export { SOURCE } from './records.js';
export type { SimWindow } from './time.js';
export { DEFAULT_WEEK_START_MS, isoWeekLabel, makeWindow } from './time.js';
export type { BilledTotal, Truth } from './truth.js';

/** What to simulate. Everything else follows from the seed. */
export interface SimulationOptions {
  seed: number;
  /** Whole ISO weeks to simulate (default 2). Planted changes happen in the last week. */
  weeks?: number;
  scale?: Scale;
  /** Monday 00:00 UTC of the first week, in ms (default 2026-11-09, so week 2 is 2026-W47). */
  weekStartMs?: number;
}

/** A built simulation: plans of every cluster, and renderers of records and bills. */
export interface Simulation {
  readonly seed: number;
  readonly scale: Scale;
  readonly window: SimWindow;
  readonly org: Organisation;
  readonly clusters: readonly ClusterPlan[];
  /** ISO timestamp of sample k. */
  tsAt(k: number): string;
  /**
   * The NDJSON batch of one cluster, partition and sample (`source` names the object). Network
   * batches hold the flow records of 15 minutes (FLOW_SAMPLES samples) and are empty except at
   * every third sample.
   */
  batch(clusterIdx: number, k: number, partition: Partition): Batch & { source: string };
  /** Pods alive per cluster at sample k. */
  livePods(k: number): number;
  /** The hourly bill (computed once). */
  billing(): Billing;
  /** CUR 2.0 rows of the AWS clusters (computed once). */
  curRows(): Cur2Row[];
  truth(): Truth;
}

/**
 * Builds a simulation: the organisation, every cluster's nodes and pods for the window. Records
 * and bills are produced on demand from the returned object.
 */
export function createSimulation(options: SimulationOptions): Simulation {
  const seed = options.seed >>> 0;
  const scale = options.scale ?? 'small';
  const window = makeWindow(options.weekStartMs ?? DEFAULT_WEEK_START_MS, options.weeks ?? 2);
  const org = defineOrganisation(window, scale, seed);
  const clusters = org.clusters.map((spec) => buildClusterPlan(spec, window, seed));
  const diurnalBySample = new Float64Array(window.samples);
  for (let k = 0; k < window.samples; k++) diurnalBySample[k] = diurnal(window.startMs + k * SAMPLE_MS);
  const renderers = clusters.map((plan) => new ClusterRenderer(plan, window, diurnalBySample));
  let billing: Billing | null = null;
  let cur: Cur2Row[] | null = null;

  const sim: Simulation = {
    seed,
    scale,
    window,
    org,
    clusters,
    tsAt: (k) => isoAt(window.startMs + k * SAMPLE_MS),
    batch(clusterIdx, k, partition) {
      const r = renderers[clusterIdx];
      if (!r) throw new Error(`simulator: no cluster #${clusterIdx}`);
      if (k < 0 || k >= window.samples) throw new Error(`simulator: sample ${k} outside the window`);
      return { ...r.render(k, partition), source: SOURCE[partition] };
    },
    livePods: (k) => clusters.reduce((s, c) => s + aliveCount(c.podIndex, k), 0),
    billing() {
      billing ??= buildBilling(clusters, window, diurnalBySample);
      return billing;
    },
    curRows() {
      if (!cur) {
        const b = sim.billing();
        cur = clusters
          .filter((c) => c.spec.provider === 'aws')
          .flatMap((c) => curRows(c, b, window, diurnalBySample));
      }
      return cur;
    },
    truth() {
      return buildTruth(org, clusters, window, seed, scale, billedTotals(sim.billing().lines, window));
    },
  };
  return sim;
}

/** The billing lines of a simulation's bill as plain FOCUS cost lines. */
export function focusLines(lines: readonly SimBillingLine[]) {
  return lines.map((l) => l.line);
}
