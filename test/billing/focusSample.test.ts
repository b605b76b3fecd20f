/**
 * The FinOps Foundation's FOCUS 1.0 sample (1,000 real, anonymized rows; CC BY 4.0) read through
 * DuckDB must give the same per-provider totals as an independent hand sum in JavaScript.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DuckDbBillingSource, openDuckDbBillingSource } from '../../adapters/billing/duckdb/index.js';
import { FOCUS_SAMPLE } from './helpers.js';

/** RFC 4180 records of a whole text: `,` separated, `"` quoted with `""` escapes, CRLF or LF. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

const SCALE = 16;

/** A plain decimal string → an exact integer count of 10^-16. */
function toScaled(decimal: string): bigint {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(decimal.trim());
  if (!m) throw new Error(`not a plain decimal: ${decimal}`);
  const frac = (m[3] ?? '').padEnd(SCALE, '0').slice(0, SCALE);
  const value = BigInt(`${m[2] || '0'}${frac}`);
  return m[1] === '-' ? -value : value;
}

function fromScaled(v: bigint): number {
  return Number(v) / 10 ** SCALE;
}

interface HandTotals {
  billed: bigint;
  effective: bigint;
  list: bigint;
  rows: number;
}

function handTotalsByProvider(): Map<string, HandTotals> {
  const [header, ...rows] = parseCsv(readFileSync(FOCUS_SAMPLE, 'utf8'));
  if (!header) throw new Error('empty sample');
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`no column ${name}`);
    return i;
  };
  const [provider, billed, effective, list] = ['ProviderName', 'BilledCost', 'EffectiveCost', 'ListCost'].map(
    col,
  );
  const totals = new Map<string, HandTotals>();
  for (const r of rows) {
    if (r.length !== header.length) throw new Error(`record with ${r.length} fields`);
    const cell = (i: number | undefined) => {
      const v = r[i ?? -1] ?? '';
      return v === 'NULL' || v === '' ? '0' : v;
    };
    const key = r[provider ?? -1] ?? '';
    const t = totals.get(key) ?? { billed: 0n, effective: 0n, list: 0n, rows: 0 };
    t.billed += toScaled(cell(billed));
    t.effective += toScaled(cell(effective));
    t.list += toScaled(cell(list));
    t.rows++;
    totals.set(key, t);
  }
  return totals;
}

describe('DuckDbBillingSource over the FOCUS 1.0 sample', () => {
  let source: DuckDbBillingSource;
  beforeAll(async () => {
    source = await openDuckDbBillingSource([FOCUS_SAMPLE]);
  });
  afterAll(async () => {
    await source.close();
  });

  it('reads every one of the 1,000 rows without a bad input', async () => {
    const { rows } = await source.summarize({ by: [] });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.rows).toBe(1000);
    expect(source.badInputCount).toBe(0);
    expect(source.badInputs()).toEqual([]);
  });

  it('reports per-provider BilledCost, EffectiveCost and ListCost equal to an independent hand sum', async () => {
    const hand = handTotalsByProvider();
    const { currency, rows } = await source.summarize({ by: ['ProviderName'] });
    expect(currency).toBe('USD');
    expect(rows.map((r) => r.key.ProviderName).sort()).toEqual([...hand.keys()].sort());
    for (const r of rows) {
      const h = hand.get(r.key.ProviderName ?? '');
      if (!h) throw new Error(`unexpected provider ${r.key.ProviderName}`);
      expect(Math.abs(r.BilledCost - fromScaled(h.billed))).toBeLessThan(1e-9);
      expect(Math.abs(r.EffectiveCost - fromScaled(h.effective))).toBeLessThan(1e-9);
      expect(Math.abs(r.ListCost - fromScaled(h.list))).toBeLessThan(1e-9);
      expect(r.rows).toBe(h.rows);
    }
  });

  it('keeps the known totals (regression anchor), largest EffectiveCost first', async () => {
    const { rows } = await source.summarize({ by: ['ProviderName'] });
    expect(rows).toEqual([
      {
        key: { ProviderName: 'AWS' },
        BilledCost: 18.0066386184,
        EffectiveCost: 13,
        ListCost: 18.1493176406,
        rows: 942,
      },
      {
        key: { ProviderName: 'Microsoft' },
        BilledCost: 1.97651418586,
        EffectiveCost: 1.97651418586,
        ListCost: 1.97651418586,
        rows: 51,
      },
      {
        key: { ProviderName: 'Oracle' },
        BilledCost: 0.53707392473,
        EffectiveCost: 0,
        ListCost: 0.26507392473,
        rows: 7,
      },
    ]);
  });

  it('sums a window to the lines overlapping it, half-open', async () => {
    // The sample's charge periods run 2024-09-01 … 2024-10-01; September 30th alone is a subset.
    const all = await source.summarize({ by: [] });
    const lastDay = await source.summarize({
      windowStart: '2024-09-30T00:00:00Z',
      windowEnd: '2024-10-01T00:00:00Z',
      by: [],
    });
    const none = await source.summarize({
      windowStart: '2024-10-01T00:00:00Z',
      windowEnd: '2024-10-02T00:00:00Z',
      by: [],
    });
    expect(lastDay.rows[0]?.rows).toBeGreaterThan(0);
    expect(lastDay.rows[0]?.rows).toBeLessThan(all.rows[0]?.rows ?? 0);
    expect(none).toEqual({ currency: null, rows: [] });
  });

  it('parses Tags JSON with commas inside quotes into a record', async () => {
    const lines = [];
    for await (const line of source.costLines({
      windowStart: '2024-09-01T00:00:00Z',
      windowEnd: '2024-10-01T00:00:00Z',
      clusterTagKeys: ['business_unit'],
      clusterNames: ['ViennaAI'],
      resourceIds: [],
    }))
      lines.push(line);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l.Tags.business_unit).toBe('ViennaAI');
    expect(lines.some((l) => l.Tags.application === 'BrightLensMatrix' && l.Tags.environment === 'dev')).toBe(
      true,
    );
  });
});
