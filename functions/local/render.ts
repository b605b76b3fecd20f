/** Terminal output of allocation and billing results: table, JSON or CSV. */
import Table from 'cli-table3';
import { stringify } from 'csv-stringify/sync';
import { clean } from '../../adapters/render/escape.js';
import type { AllocationResult, AllocationRow } from '../../core/allocation/summarize.js';
import type { BillingSummaryRow } from '../../core/ports.js';
import type { DeliverOutcome, DeliveryStatus } from '../deliver.js';

export type Format = 'table' | 'json' | 'csv';

const money = (v: number) =>
  v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(0)}%`);

const ROW_COLUMNS: (keyof AllocationRow)[] = [
  'cpuCost',
  'ramCost',
  'gpuCost',
  'pvCost',
  'lbCost',
  'networkCost',
  'sharedCost',
  'idleCost',
  'totalCost',
  'cpuCoreHours',
  'ramGiBHours',
  'gpuHours',
  'cpuEfficiency',
  'ramEfficiency',
  'estimated',
];

export function renderAllocation(result: AllocationResult, dims: readonly string[], format: Format): string {
  if (format === 'json') return `${JSON.stringify(result, null, 2)}\n`;
  if (format === 'csv') {
    return stringify([
      [...dims, ...ROW_COLUMNS],
      ...result.rows.map((r) => [...dims.map((d) => r.key[d] ?? ''), ...ROW_COLUMNS.map((c) => r[c] ?? '')]),
    ]);
  }
  const table = new Table({
    head: [
      ...dims,
      'CPU',
      'RAM',
      'GPU',
      'PV',
      'LB',
      'Network',
      'Shared',
      'Idle',
      'Total',
      'CPU eff',
      'RAM eff',
    ],
    style: { head: [], border: [] },
    colAligns: [...dims.map(() => 'left' as const), ...Array(11).fill('right')],
  });
  for (const r of result.rows) {
    table.push([
      ...dims.map((d) => r.key[d] ?? ''),
      money(r.cpuCost),
      money(r.ramCost),
      money(r.gpuCost),
      money(r.pvCost),
      money(r.lbCost),
      money(r.networkCost),
      money(r.sharedCost),
      money(r.idleCost),
      `${money(r.totalCost)}${r.estimated ? '*' : ''}`,
      pct(r.cpuEfficiency),
      pct(r.ramEfficiency),
    ]);
  }
  const t = result.totals;
  const lines = [
    `Allocation ${result.window.from} – ${result.window.to} (${result.currency})`,
    table.toString(),
    `billed ${money(t.billed)}  allocated ${money(t.allocated)}  idle ${money(t.idle)}  shared ${money(t.shared)}  unmounted ${money(t.unmounted)}  unallocated ${money(t.unallocated)}${t.estimated ? `  estimated ${money(t.estimated)}` : ''}`,
    `coverage: ${(result.coverage.observedRatio * 100).toFixed(1)}% of billed node-hours observed${result.rows.some((r) => r.estimated) ? '; * = includes estimated cost' : ''}`,
  ];
  return `${lines.join('\n')}\n`;
}

export function renderBillingSummary(
  summary: { currency: string | null; rows: BillingSummaryRow[] },
  by: readonly string[],
  format: Exclude<Format, 'csv'>,
): string {
  if (format === 'json') return `${JSON.stringify(summary, null, 2)}\n`;
  const table = new Table({
    head: [...by, 'BilledCost', 'EffectiveCost', 'ListCost', 'rows'],
    style: { head: [], border: [] },
    colAligns: [...by.map(() => 'left' as const), 'right', 'right', 'right', 'right'],
  });
  for (const r of summary.rows) {
    table.push([
      ...by.map((d) => r.key[d] ?? '(null)'),
      money(r.BilledCost),
      money(r.EffectiveCost),
      money(r.ListCost),
      String(r.rows),
    ]);
  }
  return `${table.toString()}\ncurrency: ${summary.currency ?? '(none)'}\n`;
}

/** A progress line on stderr when it is a terminal; silent otherwise. */
export function progress(label: string): (done: number, total: number, what: string) => void {
  if (!process.stderr.isTTY) return () => {};
  let last = 0;
  return (done, total, what) => {
    const now = Date.now();
    if (now - last < 100 && done < total) return;
    last = now;
    process.stderr.write(`\r${label}: ${done}/${total} ${what}${done >= total ? '\n' : ''}`);
  };
}

/** Per team and channel: what was sent, skipped (already sent) or failed, and the totals. */
export function renderDelivery(outcome: DeliverOutcome): string {
  const counts: Record<DeliveryStatus, number> = { sent: 0, skipped: 0, failed: 0 };
  const table = new Table({
    head: ['team', 'channel', 'status', 'detail'],
    style: { head: [], border: [] },
    wordWrap: true,
    colWidths: [null, null, null, 72],
  });
  // Team names come from cluster labels: no control characters reach the terminal.
  for (const r of outcome.results) {
    counts[r.status]++;
    table.push([clean(r.team), r.channel, r.status, clean(r.detail)]);
  }
  return `Delivery of ${outcome.week}\n${table.toString()}\nsent ${counts.sent}, skipped ${counts.skipped}, failed ${counts.failed}\n`;
}
