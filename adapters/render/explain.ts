/** Renders an Explanation as a terminal table or Markdown (untrusted names escaped for Markdown). */
import Table from 'cli-table3';
import type { Explanation } from '../../core/explain/explain.js';
import { escapeMarkdown } from './escape.js';

const money = (v: number) =>
  `${v < 0 ? '-' : ''}$${Math.abs(v).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const signed = (v: number) => `${v >= 0 ? '+' : ''}${money(v)}`;
const pct = (v: number) => `${(v * 100).toFixed(0)}%`;

function headline(ex: Explanation): string {
  const scope = ex.scope.team
    ? `team ${ex.scope.team}`
    : ex.scope.cluster
      ? `cluster ${ex.scope.cluster}`
      : 'all clusters';
  const ratio = ex.ratio === null ? '' : ` (${ex.ratio >= 0 ? '+' : ''}${(ex.ratio * 100).toFixed(1)}%)`;
  return `${scope}: ${money(ex.previous)} → ${money(ex.current)}, ${signed(ex.delta)}${ratio}; the ${ex.items.length} workload(s) below explain ${pct(ex.explainedShare)} of the change`;
}

export function renderExplanationTable(ex: Explanation): string {
  const table = new Table({
    head: ['#', 'namespace', 'workload', 'team', 'before', 'now', 'change', 'share', 'drivers'],
    style: { head: [], border: [] },
    colAligns: ['right', 'left', 'left', 'left', 'right', 'right', 'right', 'right', 'left'],
    wordWrap: true,
    colWidths: [null, null, null, null, null, null, null, null, 60],
  });
  ex.items.forEach((it, i) => {
    table.push([
      String(i + 1),
      it.namespace,
      it.workload,
      it.team,
      money(it.previous),
      money(it.current),
      signed(it.delta),
      pct(it.share),
      it.drivers
        .slice(0, 3)
        .map((d) => `${d.description} (${signed(d.delta)})`)
        .join('\n'),
    ]);
  });
  return `${headline(ex)}\n${table.toString()}\n`;
}

export function renderExplanationMarkdown(ex: Explanation): string {
  const e = escapeMarkdown;
  const lines = [`## Why did it change? ${e(headline(ex))}`, ''];
  lines.push(
    '| # | namespace | workload | change | share | drivers | evidence |',
    '|---:|---|---|---:|---:|---|---|',
  );
  ex.items.forEach((it, i) => {
    lines.push(
      `| ${i + 1} | ${e(it.namespace)} | ${e(it.workload)} | ${e(signed(it.delta))} | ${pct(it.share)} | ${it.drivers
        .slice(0, 3)
        .map((d) => e(`${d.description} (${signed(d.delta)})`))
        .join('<br>')} | ${it.evidence
        .slice(0, 4)
        .map((x) => e(x))
        .join('<br>')} |`,
    );
  });
  lines.push(
    '',
    '### By namespace',
    '',
    '| namespace | before | now | change | share |',
    '|---|---:|---:|---:|---:|',
  );
  for (const ns of ex.namespaces.slice(0, 15)) {
    lines.push(
      `| ${e(ns.namespace)}${ns.isNew ? ' (new)' : ''} | ${e(money(ns.previous))} | ${e(money(ns.current))} | ${e(signed(ns.delta))} | ${pct(ns.share)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
