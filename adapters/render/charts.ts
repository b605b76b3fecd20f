/**
 * Geometry of the organisation page's SVG charts. Only numbers and our own labels are computed
 * here; the templates draw them, and handlebars escapes every string (team names included).
 */
import { moneyShort } from './format.js';

/** A restrained categorical palette (8 series) and a neutral for "other". */
export const SERIES_COLORS = [
  '#4f46e5',
  '#0ea5a4',
  '#f59e0b',
  '#db2777',
  '#2563eb',
  '#16a34a',
  '#9333ea',
  '#ea580c',
];
export const OTHER_COLOR = '#cbd5e1';

/** Round axis steps: 1, 2, 2.5, 5 × 10^k. */
export function niceStep(max: number, ticks: number): number {
  if (!(max > 0)) return 1;
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

export interface Series {
  name: string;
  color: string;
  values: number[];
  total: number;
}

export interface StackedChart {
  width: number;
  height: number;
  plot: { x: number; y: number; w: number; h: number };
  yTicks: { y: number; label: string }[];
  xLabels: { x: number; dom: string; weekday: string; y: number }[];
  bars: { x: number; y: number; w: number; h: number; color: string; title: string }[];
  totals: { x: number; y: number; label: string }[];
  divider: { x: number; y1: number; y2: number } | null;
  weekLabels: { x: number; y: number; label: string }[];
  legend: { name: string; color: string; total: number }[];
}

const WEEKDAY = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTH = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const r1 = (v: number) => Math.round(v * 10) / 10;

/**
 * Daily stacked bars, one stack per day, series bottom-up in the given order. `splitAt` is the
 * index of the first day of this week (a dashed divider and "last week" / "this week" labels).
 */
export function stackedDaily(
  days: readonly string[],
  series: readonly Series[],
  currency: string,
  splitAt: number,
  size = { width: 1080, height: 320 },
): StackedChart {
  const margin = { top: 28, right: 12, bottom: 44, left: 64 };
  const plot = {
    x: margin.left,
    y: margin.top,
    w: size.width - margin.left - margin.right,
    h: size.height - margin.top - margin.bottom,
  };
  const n = days.length;
  const totals = days.map((_, i) => series.reduce((s, se) => s + Math.max(0, se.values[i] ?? 0), 0));
  const step = niceStep(Math.max(0, ...totals), 4);
  const top = Math.max(step, Math.ceil(Math.max(0, ...totals) / step) * step);
  const y = (v: number) => plot.y + plot.h - (v / top) * plot.h;
  const band = n > 0 ? plot.w / n : plot.w;
  const gap = Math.min(14, band * 0.28);
  const barW = Math.max(1, band - gap);
  const bars: StackedChart['bars'] = [];
  days.forEach((d, i) => {
    let acc = 0;
    for (const s of series) {
      const v = Math.max(0, s.values[i] ?? 0);
      if (v <= 0) continue;
      const y0 = y(acc);
      const y1 = y(acc + v);
      bars.push({
        x: r1(plot.x + i * band + gap / 2),
        y: r1(y1),
        w: r1(barW),
        h: Math.max(0.5, r1(y0 - y1)),
        color: s.color,
        title: `${s.name} · ${dayLabel(d)}: ${moneyShort(v, currency)}`,
      });
      acc += v;
    }
  });
  const yTicks: StackedChart['yTicks'] = [];
  for (let v = 0; v <= top + step / 2; v += step)
    yTicks.push({ y: r1(y(v)), label: moneyShort(v, currency) });
  const xLabels = days.map((d, i) => {
    const t = Date.parse(`${d}T00:00:00Z`);
    const date = Number.isFinite(t) ? new Date(t) : null;
    return {
      x: r1(plot.x + i * band + band / 2),
      y: plot.y + plot.h + 16,
      dom: date ? String(date.getUTCDate()) : d,
      weekday: date ? (WEEKDAY[date.getUTCDay()] ?? '') : '',
    };
  });
  const divider =
    splitAt > 0 && splitAt < n
      ? { x: r1(plot.x + splitAt * band), y1: plot.y - 18, y2: plot.y + plot.h }
      : null;
  const weekLabels = [];
  if (splitAt > 0)
    weekLabels.push({ x: r1(plot.x + (splitAt * band) / 2), y: plot.y - 10, label: 'last week' });
  if (splitAt < n)
    weekLabels.push({
      x: r1(plot.x + splitAt * band + ((n - splitAt) * band) / 2),
      y: plot.y - 10,
      label: 'this week',
    });
  return {
    width: size.width,
    height: size.height,
    plot,
    yTicks,
    xLabels,
    bars,
    totals: totals.map((t, i) => ({
      x: r1(plot.x + i * band + band / 2),
      y: r1(y(t) - 5),
      label: moneyShort(t, currency),
    })),
    divider,
    weekLabels,
    legend: series.map((s) => ({ name: s.name, color: s.color, total: s.total })),
  };
}

function dayLabel(d: string): string {
  const t = Date.parse(`${d}T00:00:00Z`);
  if (!Number.isFinite(t)) return d;
  const date = new Date(t);
  return `${WEEKDAY[date.getUTCDay()]} ${date.getUTCDate()} ${MONTH[date.getUTCMonth()]}`;
}

export interface PairedBarChart {
  width: number;
  height: number;
  labelWidth: number;
  rows: {
    label: string;
    color: string;
    y: number;
    prev: { x: number; y: number; w: number; h: number; value: string };
    cur: { x: number; y: number; w: number; h: number; value: string };
    valueX: number;
    deltaText: string;
    deltaFill: string;
  }[];
  axis: { x: number; label: string }[];
  axisY: number;
}

/** Horizontal bars of this week (strong) over last week (pale) per row, with values at the end. */
export function pairedBars(
  rows: readonly {
    label: string;
    color: string;
    current: number;
    previous: number;
    delta: string;
    deltaColor: string;
  }[],
  currency: string,
  width = 560,
): PairedBarChart {
  const labelWidth = 176;
  const valueWidth = 132;
  const rowH = 40;
  const plotW = width - labelWidth - valueWidth;
  const max = Math.max(0, ...rows.flatMap((r) => [r.current, r.previous]));
  const step = niceStep(max, 4);
  const top = Math.max(step, Math.ceil(max / step) * step);
  const scale = (v: number) => (Math.max(0, v) / top) * plotW;
  const top0 = 8;
  const out = rows.map((r, i) => {
    const y = top0 + i * rowH;
    return {
      label: r.label,
      color: r.color,
      y: y + 19,
      cur: {
        x: labelWidth,
        y: y + 4,
        w: r1(Math.max(scale(r.current), r.current > 0 ? 1.5 : 0)),
        h: 16,
        value: moneyShort(r.current, currency),
      },
      prev: {
        x: labelWidth,
        y: y + 22,
        w: r1(Math.max(scale(r.previous), r.previous > 0 ? 1.5 : 0)),
        h: 7,
        value: moneyShort(r.previous, currency),
      },
      valueX: labelWidth + plotW + 10,
      deltaText: r.delta,
      deltaFill: r.deltaColor,
    };
  });
  const axis = [];
  for (let v = 0; v <= top + step / 2; v += step)
    axis.push({ x: r1(labelWidth + scale(v)), label: moneyShort(v, currency) });
  const axisY = top0 + rows.length * rowH + 4;
  return { width, height: axisY + 22, labelWidth, rows: out, axis, axisY };
}

export interface Donut {
  size: number;
  r: number;
  stroke: number;
  circumference: number;
  segments: { color: string; dash: string; offset: number; title: string }[];
}

/** A donut of shares, drawn as dashed circle strokes (no path arithmetic to get wrong). */
export function donut(
  parts: readonly { label: string; value: number; color: string }[],
  currency: string,
): Donut {
  const size = 180;
  const stroke = 26;
  const r = (size - stroke) / 2;
  const c = 2 * Math.PI * r;
  const total = parts.reduce((s, p) => s + Math.max(0, p.value), 0);
  let acc = 0;
  const segments = [];
  for (const p of parts) {
    const v = Math.max(0, p.value);
    if (total <= 0 || v <= 0) continue;
    const len = (v / total) * c;
    segments.push({
      color: p.color,
      dash: `${r1(Math.max(0, len - 1.5))} ${r1(c)}`,
      offset: r1(-acc),
      title: `${p.label}: ${moneyShort(v, currency)}`,
    });
    acc += len;
  }
  return { size, r: r1(r), stroke, circumference: r1(c), segments };
}
