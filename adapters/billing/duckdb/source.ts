/**
 * `BillingSource` over local FOCUS CSV/Parquet and AWS CUR 2.0 Parquet files, with DuckDB as the
 * engine. Filtering, aggregation and money sums happen in DuckDB; lines stream out chunk by chunk.
 */
import type {
  BillingQuery,
  BillingSource,
  BillingSummaryQuery,
  BillingSummaryRow,
} from '../../../core/ports.js';
import type { CostLine } from '../../../core/schema/costLine.js';
import { type BadInput, OwnercostError, UsageError } from '../../../core/schema/errors.js';
import { type DuckDbBillingOptions, validateDuckDbBillingConfiguration } from './configuration.js';
import { type BillingFile, type BillingFormat, discoverBillingFiles, FORMAT_LABELS } from './files.js';
import { CostLineDecoder, toBadInputs, toSummaryRow } from './integration.js';
import { DuckDbBillingQuerier } from './querier.js';
import { DIMENSIONS, type Dimension } from './sql.js';
import { curTagKeyMap, KNOWN_TAG_KEYS, tagKeyAliases } from './tags.js';

/** Columns `summarize` can group by. */
export const SUMMARY_DIMENSIONS: readonly Dimension[] = DIMENSIONS;

/** An ISO-8601 instant → the UTC `YYYY-MM-DD HH:MM:SS.mmm` DuckDB takes as a TIMESTAMP. */
function toDuckTimestamp(iso: string, name: string): string {
  const m = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.exec(iso);
  // Without an offset the time is UTC (core passes UTC everywhere), not the host's local time.
  const ms = m ? Date.parse(m[1] && !m[2] ? `${iso}Z` : iso) : Number.NaN;
  if (Number.isNaN(ms))
    throw new UsageError(`DuckDbBillingSource: ${name} ${JSON.stringify(iso)} is not an ISO-8601 time`);
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

function toWindow(start: string, end: string): { windowStart: string; windowEnd: string } {
  const windowStart = toDuckTimestamp(start, 'windowStart');
  const windowEnd = toDuckTimestamp(end, 'windowEnd');
  if (!(windowStart < windowEnd)) {
    throw new UsageError(`DuckDbBillingSource: empty window [${start}, ${end})`);
  }
  return { windowStart, windowEnd };
}

export class DuckDbBillingSource implements BillingSource {
  readonly description: string;
  private closed = false;

  constructor(
    private readonly querier: DuckDbBillingQuerier,
    readonly files: readonly BillingFile[],
    private readonly bad: readonly BadInput[],
    /** All bad inputs found, including those beyond the kept list. */
    readonly badInputCount: number,
  ) {
    const counts = new Map<BillingFormat, number>();
    for (const f of files) counts.set(f.format, (counts.get(f.format) ?? 0) + 1);
    const parts = [...counts].map(([fmt, n]) => `${n} ${FORMAT_LABELS[fmt]} file${n === 1 ? '' : 's'}`);
    this.description = `DuckDB over ${parts.join(', ')}`;
  }

  /** Rows skipped (or kept without tags), with file and line; at most `maxBadInputs` of them. */
  badInputs(): BadInput[] {
    return [...this.bad];
  }

  /**
   * Lines overlapping [windowStart, windowEnd) that carry one of `clusterNames` under one of
   * `clusterTagKeys`, or whose ResourceId (whole, or any `/`-segment) is one of `resourceIds`;
   * summed per charge period, resource, usage type, SKU, service, charge category, provider,
   * region, zone, unit, tags and currency. Charge periods come out as `…T00:00:00.000Z`.
   */
  async *costLines(query: BillingQuery): AsyncIterable<CostLine> {
    this.assertOpen();
    const w = toWindow(query.windowStart, query.windowEnd);
    const stream = this.querier.streamCostLines({
      ...w,
      tagKeys: tagKeyAliases(query.clusterTagKeys),
      clusterNames: query.clusterNames,
      resourceIds: query.resourceIds,
    });
    const decoder = new CostLineDecoder();
    for await (const { start, batch } of stream) yield* decoder.decode(start, batch);
  }

  /**
   * Totals per `by` over the window (all lines when no window), largest EffectiveCost first.
   * Sums are exact decimals converted once at the end. Throws when the bill has several currencies.
   */
  async summarize(
    query: BillingSummaryQuery,
  ): Promise<{ currency: string | null; rows: BillingSummaryRow[] }> {
    this.assertOpen();
    const by: Dimension[] = [];
    for (const col of query.by) {
      if (!(DIMENSIONS as readonly string[]).includes(col)) {
        throw new UsageError(
          `DuckDbBillingSource: cannot summarize by ${JSON.stringify(col)}; use one of ${DIMENSIONS.join(', ')}`,
        );
      }
      if (!by.includes(col as Dimension)) by.push(col as Dimension);
    }
    if ((query.windowStart === undefined) !== (query.windowEnd === undefined)) {
      throw new UsageError('DuckDbBillingSource: give both windowStart and windowEnd, or neither');
    }
    const w =
      query.windowStart !== undefined && query.windowEnd !== undefined
        ? toWindow(query.windowStart, query.windowEnd)
        : null;
    const currencies = await this.querier.currencies(w);
    if (currencies.length > 1) {
      throw new UsageError(
        `DuckDbBillingSource: the bill has several currencies (${currencies.join(', ')}); totals across them would be meaningless`,
      );
    }
    const rows = await this.querier.summary(by, w);
    return { currency: currencies[0] ?? null, rows: rows.map((r) => toSummaryRow(r, by)) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.querier.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new OwnercostError('DuckDbBillingSource: already closed');
  }
}

/**
 * Opens the bill under `paths` (files or folders, read recursively): FOCUS 1.0–1.2 CSV
 * (`NULL` or empty cells are null), FOCUS Parquet, or AWS CUR 2.0 Parquet (e.g.
 * `BILLING_PERIOD=2026-11/*.parquet`). Rows that cannot be used are counted and reported with
 * file and line (`badInputs()`), not thrown. Throws a `UsageError` naming the path when it does not
 * exist, holds no billing file, or mixes formats.
 */
export async function openDuckDbBillingSource(
  paths: string[],
  options: DuckDbBillingOptions = {},
): Promise<DuckDbBillingSource> {
  const config = validateDuckDbBillingConfiguration(paths, options);
  const querier = await DuckDbBillingQuerier.create(config.options);
  try {
    const { files, emptyFiles } = await discoverBillingFiles(config.paths, (f) => querier.describeParquet(f));
    const knownTagKeys = curTagKeyMap([...(config.options.tagKeys ?? []), ...KNOWN_TAG_KEYS]);
    await querier.createView(files, knownTagKeys);
    const diagnostics = await querier.diagnose(files, knownTagKeys, config.options.maxBadInputs);
    const bad = await toBadInputs(diagnostics.rows);
    for (const file of emptyFiles) bad.unshift({ file, line: 0, reason: 'empty file' });
    const kept = bad.slice(0, config.options.maxBadInputs);
    return new DuckDbBillingSource(querier, files, kept, diagnostics.total + emptyFiles.length);
  } catch (err) {
    querier.close();
    throw err;
  }
}
