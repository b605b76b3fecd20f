/**
 * One cluster's sampling: usage samples accumulate per aligned interval; at the end of an interval
 * the informer caches and that interval's usage averages become `ownercost/v1` records, shipped
 * with ts = the interval's start.
 */
import type { PodMetric } from '@kubernetes/client-node';
import { Counter, Gauge, type Metric, type Registry } from 'prom-client';
import { describeKubeError, RESOURCES, type ResourceName, statusOf } from '../../adapters/kube/informers.js';
import { collectRecords, type InventoryView } from '../../adapters/kube/records.js';
import { UsageAccumulator } from '../../adapters/kube/usage.js';
import { SnapshotRecord } from '../../core/schema/records.js';
import type { Shipper } from '../ship/types.js';

export interface ClusterCollectorOptions {
  cluster: string;
  intervalSeconds: number;
  inventory: InventoryView;
  /** One metrics.k8s.io PodMetrics list. */
  samplePodMetrics: () => Promise<PodMetric[]>;
  shipper: Pick<Shipper, 'enqueue'>;
  log: (line: string) => void;
  registry?: Registry;
}

export interface IntervalResult {
  ts: string;
  records: number;
  byKind: Record<string, number>;
  missing: ResourceName[];
  usageSamples: number;
  invalid: number;
}

function reuse<T extends Metric>(
  registry: Registry | undefined,
  name: string,
  make: (r: Registry[]) => T,
): T {
  return (registry?.getSingleMetric(name) as T | undefined) ?? make(registry ? [registry] : []);
}

export class ClusterCollector {
  private readonly usage = new Map<number, UsageAccumulator>();
  private usageUnavailable: string | null = null;
  private lastUsageErrorLog = Number.NEGATIVE_INFINITY;
  private readonly written: Counter<'kind'>;
  private readonly lastWrite: Gauge;
  private readonly samples: Counter<'result'>;
  private readonly skipped: Counter;

  constructor(private readonly o: ClusterCollectorOptions) {
    const r = o.registry;
    this.written = reuse(
      r,
      'ownercost_cluster_records_written_total',
      (registers) =>
        new Counter({
          name: 'ownercost_cluster_records_written_total',
          help: 'Records handed to the shipper, by kind.',
          labelNames: ['kind'],
          registers,
        }),
    );
    this.lastWrite = reuse(
      r,
      'ownercost_cluster_last_write_timestamp_seconds',
      (registers) =>
        new Gauge({
          name: 'ownercost_cluster_last_write_timestamp_seconds',
          help: 'Unix time the last interval was written to the spool.',
          registers,
        }),
    );
    this.samples = reuse(
      r,
      'ownercost_cluster_usage_samples_total',
      (registers) =>
        new Counter({
          name: 'ownercost_cluster_usage_samples_total',
          help: 'metrics.k8s.io PodMetrics samples, by result (success|error).',
          labelNames: ['result'],
          registers,
        }),
    );
    this.skipped = reuse(
      r,
      'ownercost_cluster_intervals_skipped_total',
      (registers) =>
        new Counter({
          name: 'ownercost_cluster_intervals_skipped_total',
          help: 'Intervals not written because no resource had been listed yet.',
          registers,
        }),
    );
  }

  /** Start (epoch ms) of the interval holding `ms`. */
  alignedStart(ms: number): number {
    const step = this.o.intervalSeconds * 1000;
    return Math.floor(ms / step) * step;
  }

  /** Takes one usage sample into the interval holding `atMs`. Never throws. */
  async sampleUsage(atMs: number): Promise<boolean> {
    let items: PodMetric[];
    try {
      items = await this.o.samplePodMetrics();
    } catch (err) {
      this.samples.inc({ result: 'error' });
      const status = statusOf(err);
      const reason = describeKubeError(err);
      if (status === 403 || status === 404 || status === 503) {
        if (!this.usageUnavailable) {
          this.log(
            `cluster-agent: metrics.k8s.io pod metrics unavailable (${reason})${status === 403 ? '; grant get/list on pods.metrics.k8s.io' : '; is metrics-server installed?'}; pod usage is recorded as 0 until it is`,
          );
        }
        this.usageUnavailable = reason;
      } else if (Date.now() - this.lastUsageErrorLog >= 60_000) {
        this.lastUsageErrorLog = Date.now();
        this.log(`cluster-agent: pod metrics sample failed (${reason}); will retry next sample`);
      }
      return false;
    }
    if (this.usageUnavailable) {
      this.log('cluster-agent: metrics.k8s.io pod metrics available again');
      this.usageUnavailable = null;
    }
    this.samples.inc({ result: 'success' });
    const start = this.alignedStart(atMs);
    let acc = this.usage.get(start);
    if (!acc) {
      acc = new UsageAccumulator();
      this.usage.set(start, acc);
    }
    acc.add(items);
    return true;
  }

  /** Writes the records of the interval starting at `startMs` (ts = that start). */
  async writeInterval(startMs: number): Promise<IntervalResult | null> {
    const ts = new Date(startMs).toISOString();
    const acc = this.usage.get(startMs);
    // Samples of this and earlier intervals are no longer needed.
    for (const k of [...this.usage.keys()]) if (k <= startMs) this.usage.delete(k);
    const { records, missing } = collectRecords(
      this.o.inventory,
      { cluster: this.o.cluster, ts, intervalSeconds: this.o.intervalSeconds },
      acc?.averages() ?? new Map(),
    );
    if (missing.length === RESOURCES.length) {
      this.skipped.inc();
      this.log(`cluster-agent: interval ${ts} not written: no resource has been listed yet`);
      return null;
    }
    // The contract is checked at the boundary: a record the pipeline would reject is not shipped.
    const valid: SnapshotRecord[] = [];
    let invalid = 0;
    let firstProblem = '';
    for (const r of records) {
      const parsed = SnapshotRecord.safeParse(r);
      if (parsed.success) valid.push(parsed.data);
      else {
        invalid++;
        if (!firstProblem) {
          const issue = parsed.error.issues[0];
          const name = 'name' in r ? r.name : '';
          firstProblem = `${r.kind} ${name}: ${issue?.path.join('.')}: ${issue?.message}`;
        }
      }
    }
    if (invalid > 0)
      this.log(
        `cluster-agent: ${invalid} record(s) of ${ts} failed ownercost/v1 validation (${firstProblem})`,
      );
    if (missing.length > 0) {
      this.log(
        `cluster-agent: interval ${ts} written without ${missing.join(', ')} (not listed: forbidden, not served or not synced)`,
      );
    }
    await this.o.shipper.enqueue(valid);
    const byKind: Record<string, number> = {};
    for (const r of valid) byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
    for (const [kind, n] of Object.entries(byKind)) this.written.inc({ kind }, n);
    this.lastWrite.set(Date.now() / 1000);
    return { ts, records: valid.length, byKind, missing, usageSamples: acc?.samples ?? 0, invalid };
  }

  private log(line: string): void {
    this.o.log(line);
  }
}
