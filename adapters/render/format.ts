/** Number, money, percentage and date formatting shared by every report format. */
import type { Change } from '../../core/report/model.js';

const MINUS = '\u2212';
const formatters = new Map<string, { whole: Intl.NumberFormat; cents: Intl.NumberFormat } | null>();

function formatterFor(currency: string) {
  let f = formatters.get(currency);
  if (f === undefined) {
    try {
      const opts = { style: 'currency', currency, currencyDisplay: 'narrowSymbol' } as const;
      f = {
        whole: new Intl.NumberFormat('en-US', {
          ...opts,
          maximumFractionDigits: 0,
          minimumFractionDigits: 0,
        }),
        cents: new Intl.NumberFormat('en-US', {
          ...opts,
          maximumFractionDigits: 2,
          minimumFractionDigits: 2,
        }),
      };
    } catch {
      f = null; // not an ISO 4217 code: fall back to "CODE 1,234"
    }
    formatters.set(currency, f);
  }
  return f;
}

const plain = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const plain2 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 });

/** "$12,345" (whole units from 100 up, cents below), "−$3.20"; unknown codes as "XTS 12,345". */
export function money(v: number, currency: string): string {
  if (!Number.isFinite(v)) return '—';
  const abs = Math.abs(v);
  const cents = abs < 100 && abs >= 0.005;
  const f = formatterFor(currency);
  const body = f
    ? (cents ? f.cents : f.whole).format(abs)
    : `${currency} ${(cents ? plain2 : plain).format(abs)}`;
  return `${v < 0 && abs >= 0.005 ? MINUS : ''}${body}`;
}

/** Compact money for chart axes: "$1.2k", "$340", "$2.5M". */
export function moneyShort(v: number, currency: string): string {
  const abs = Math.abs(v);
  const sign = v < 0 ? MINUS : '';
  const unit = abs >= 1e6 ? { d: 1e6, s: 'M' } : abs >= 1e3 ? { d: 1e3, s: 'k' } : { d: 1, s: '' };
  const n = abs / unit.d;
  const digits = unit.s === '' ? 0 : n >= 100 ? 0 : 1;
  const text = `${Number(n.toFixed(digits))}${unit.s}`;
  const sym = formatterFor(currency)
    ?.whole.formatToParts(0)
    .find((p) => p.type === 'currency')?.value;
  return `${sign}${sym ?? `${currency} `}${text}`;
}

/** A share or ratio as a percentage: 0.123 → "12.3%" (whole numbers from 10% up); null → "—". */
export function pct(r: number | null | undefined, digits?: number): string {
  if (r === null || r === undefined || !Number.isFinite(r)) return '—';
  const p = r * 100;
  const d = digits ?? (Math.abs(p) >= 10 || p === 0 ? 0 : 1);
  return `${p.toFixed(d)}%`;
}

/** A signed percentage: "+12.3%", "−4.0%". */
export function signedPct(r: number | null): string {
  if (r === null || !Number.isFinite(r)) return 'new';
  const s = pct(Math.abs(r));
  return `${r > 0 ? '+' : r < 0 ? MINUS : '±'}${s}`;
}

export type Direction = 'up' | 'down' | 'flat';

/** Changes smaller than half a cent, or 0.05% of the larger side, are "flat". */
export function direction(c: Change): Direction {
  const scale = Math.max(Math.abs(c.current), Math.abs(c.previous));
  if (Math.abs(c.delta) < Math.max(0.005, scale * 0.0005)) return 'flat';
  return c.delta > 0 ? 'up' : 'down';
}

/** "▲ $1,234 (+12.3%)", "▼ $500 (−4.0%)", "▲ $800 (new)", "▼ $300 (gone)", "no change". */
export function delta(c: Change, currency: string): string {
  const dir = direction(c);
  if (dir === 'flat') return '– no change';
  const arrow = dir === 'up' ? '▲' : '▼';
  const amount = money(Math.abs(c.delta), currency);
  const rel = c.previous === 0 ? 'new' : c.current === 0 ? 'gone' : signedPct(c.ratio);
  return `${arrow} ${amount} (${rel})`;
}

/** Signed money: "+$1,234", "−$500". */
export function signedMoney(v: number, currency: string): string {
  if (Math.abs(v) < 0.005) return money(0, currency);
  return `${v > 0 ? '+' : ''}${money(v, currency)}`;
}

const DAY = 86_400_000;
const WEEKDAY = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTH = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function parseDay(s: string): Date | null {
  const t = Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s);
  return Number.isFinite(t) ? new Date(t) : null;
}

/** "Mon 16 Nov" (UTC). */
export function day(s: string): string {
  const d = parseDay(s);
  if (!d) return s;
  return `${WEEKDAY[d.getUTCDay()]} ${d.getUTCDate()} ${MONTH[d.getUTCMonth()]}`;
}

/** A short day label for chart axes: "16". */
export function dayOfMonth(s: string): string {
  const d = parseDay(s);
  return d ? String(d.getUTCDate()) : s;
}

/** "16–22 Nov 2026" for the half-open window [start, end). */
export function dateRange(start: string, endExclusive: string): string {
  const a = parseDay(start);
  const b0 = parseDay(endExclusive);
  if (!a || !b0) return `${start} – ${endExclusive}`;
  const b = new Date(b0.getTime() - DAY);
  const ma = MONTH[a.getUTCMonth()];
  const mb = MONTH[b.getUTCMonth()];
  if (a.getUTCFullYear() !== b.getUTCFullYear())
    return `${a.getUTCDate()} ${ma} ${a.getUTCFullYear()} – ${b.getUTCDate()} ${mb} ${b.getUTCFullYear()}`;
  if (ma !== mb) return `${a.getUTCDate()} ${ma} – ${b.getUTCDate()} ${mb} ${b.getUTCFullYear()}`;
  return `${a.getUTCDate()}–${b.getUTCDate()} ${mb} ${b.getUTCFullYear()}`;
}

/** "2026-11-23 06:00 UTC" from an ISO timestamp. */
export function timestamp(iso: string): string {
  const d = parseDay(iso);
  if (!d) return iso;
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
}

/** A text bar for plain-text formats: "██████░░░░" (`width` characters). */
export function textBar(share: number, width = 20): string {
  const n = Math.round(Math.min(1, Math.max(0, share)) * width);
  return '█'.repeat(n) + '░'.repeat(width - n);
}
