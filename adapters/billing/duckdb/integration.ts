/**
 * Rows from DuckDB → domain values: cost lines, summary rows, and bad inputs with the file and
 * physical line they came from.
 */
import type { BillingSummaryRow } from '../../../core/ports.js';
import type { CostLine } from '../../../core/schema/costLine.js';
import type { BadInput } from '../../../core/schema/errors.js';
import { locateRecords } from './csvText.js';
import type { RawBadRow } from './querier.js';
import { COST_LINE_FIELDS, type Dimension } from './sql.js';

function str(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v ?? 0);
}

function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : num(v);
}

/** `[{"key":"k","value":"v"}, …]` (sorted) → `{k: v}`. */
export function tagsFromJson(json: unknown): Record<string, string> {
  const tags: Record<string, string> = {};
  if (typeof json !== 'string' || json === '') return tags;
  const entries = JSON.parse(json) as { key: string; value: string | null }[];
  for (const e of entries) tags[e.key] = e.value ?? '';
  return tags;
}

const FIELD = Object.fromEntries(COST_LINE_FIELDS.map((name, i) => [name, i])) as Record<
  (typeof COST_LINE_FIELDS)[number],
  number
>;

/**
 * Turns the hourly batches of `costLinesQuery` into cost lines. Tag sets repeat across lines, so
 * each distinct one is parsed once (every line still gets its own copy).
 */
export class CostLineDecoder {
  private readonly tags = new Map<string, Record<string, string>>();

  decode(start: string, batch: string): CostLine[] {
    const rows = JSON.parse(batch) as (string | null)[][];
    return rows.map((r) => this.line(start, r));
  }

  private line(start: string, r: readonly (string | null)[]): CostLine {
    const f = (name: (typeof COST_LINE_FIELDS)[number]) => r[FIELD[name]] ?? null;
    return {
      ChargePeriodStart: start,
      ChargePeriodEnd: String(f('ChargePeriodEnd')),
      BilledCost: num(f('BilledCost')),
      EffectiveCost: num(f('EffectiveCost')),
      ListCost: num(f('ListCost')),
      BillingCurrency: String(f('BillingCurrency')),
      ProviderName: f('ProviderName'),
      ServiceName: f('ServiceName'),
      ServiceCategory: f('ServiceCategory'),
      ChargeCategory: f('ChargeCategory'),
      ResourceId: f('ResourceId'),
      SkuId: f('SkuId'),
      RegionId: f('RegionId'),
      AvailabilityZone: f('AvailabilityZone'),
      ConsumedQuantity: numOrNull(f('ConsumedQuantity')),
      ConsumedUnit: f('ConsumedUnit'),
      Tags: { ...this.tagsOf(f('Tags')) },
      x_UsageType: f('x_UsageType'),
    };
  }

  private tagsOf(json: string | null): Record<string, string> {
    const key = json ?? '';
    let tags = this.tags.get(key);
    if (!tags) {
      if (this.tags.size >= 10_000) this.tags.clear();
      tags = tagsFromJson(json);
      this.tags.set(key, tags);
    }
    return tags;
  }
}

export function toSummaryRow(r: Record<string, unknown>, by: readonly Dimension[]): BillingSummaryRow {
  const key: Record<string, string | null> = {};
  for (const d of by) key[d] = str(r[d]);
  return {
    key,
    BilledCost: num(r.BilledCost),
    EffectiveCost: num(r.EffectiveCost),
    ListCost: num(r.ListCost),
    rows: num(r.rows),
  };
}

/**
 * Bad rows → `BadInput`s. CSV records are located by one pass over their file (only files with bad
 * rows are read), so `line` is the physical line on which the record starts even when quoted fields
 * span lines. For Parquet, `line` is the 1-based row number in the file.
 */
export async function toBadInputs(rows: readonly RawBadRow[]): Promise<BadInput[]> {
  const byFile = new Map<string, RawBadRow[]>();
  for (const r of rows) {
    const list = byFile.get(r.file) ?? [];
    list.push(r);
    byFile.set(r.file, list);
  }
  const out: BadInput[] = [];
  for (const [file, list] of byFile) {
    const csv = list.filter((r) => r.kind !== 'parquet-row');
    let located: Awaited<ReturnType<typeof locateRecords>> | null = null;
    if (csv.length > 0) {
      located = await locateRecords(
        file,
        new Set(csv.filter((r) => r.kind === 'csv-record').map((r) => r.position)),
        new Set(csv.filter((r) => r.kind === 'csv-rejected').map((r) => r.position)),
      );
    }
    for (const r of list) {
      let line: number;
      if (r.kind === 'parquet-row') line = r.position + 1;
      else if (r.kind === 'csv-record') line = located?.acceptedLines.get(r.position) ?? r.position + 1;
      else line = located?.rejectedLines.get(r.position) ?? r.position;
      out.push({ file, line, reason: r.reason });
    }
  }
  out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  return out;
}
