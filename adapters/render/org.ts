/**
 * The organisation's weekly page (`out/<week>/org.html`): one self-contained HTML file with inline
 * SVG charts, no scripts and no external resources. Names stay raw in the view; handlebars escapes
 * them in HTML text, attributes and SVG text alike.
 */
import { AI_CATEGORIES, type OrgReport, type TeamReport } from '../../core/report/model.js';
import { donut, OTHER_COLOR, pairedBars, SERIES_COLORS, type Series, stackedDaily } from './charts.js';
import { DELTA_COLOR, renderHtml } from './engine.js';
import { clean, safeUrl, shorten } from './escape.js';
import { delta, direction, money, pct } from './format.js';
import {
  AI_COLOR,
  AI_LABEL,
  aiRows,
  componentViews,
  isSpecialTeam,
  namespaceView,
  type RenderContext,
  take,
  teamName,
  workloadView,
} from './view.js';

const SERIES = 8;
const NAME = 70;
const raw = (s: string) => s;

/** Top teams by cost over both weeks as chart series, the rest as "N other teams". */
function teamSeries(org: OrgReport): { series: Series[]; colorOf: Map<TeamReport, string> } {
  const ranked = [...org.teams]
    .map((t) => ({ t, total: t.daily.reduce((a, b) => a + Math.max(0, b), 0) }))
    .filter((x) => x.total > 0)
    .sort((a, b) => b.total - a.total);
  const top = ranked.slice(0, SERIES);
  const rest = ranked.slice(SERIES);
  const colorOf = new Map<TeamReport, string>();
  const series: Series[] = top.map((x, i) => {
    const color =
      x.t.team === '__idle__' ? '#94a3b8' : (SERIES_COLORS[i % SERIES_COLORS.length] ?? OTHER_COLOR);
    colorOf.set(x.t, color);
    return {
      name: shorten(clean(teamName(x.t.team)), 40),
      color,
      values: org.days.map((_, d) => x.t.daily[d] ?? 0),
      total: x.t.cost.current,
    };
  });
  if (rest.length) {
    series.push({
      name: `${rest.length} other team${rest.length === 1 ? '' : 's'}`,
      color: OTHER_COLOR,
      values: org.days.map((_, d) => rest.reduce((s, x) => s + (x.t.daily[d] ?? 0), 0)),
      total: rest.reduce((s, x) => s + x.t.cost.current, 0),
    });
  }
  return { series, colorOf };
}

function teamRow(org: OrgReport, t: TeamReport, maxCost: number, color: string | null, open: boolean) {
  const ai = aiRows(t.ai);
  const segments = componentViews(t.breakdown, t.previousBreakdown)
    .filter((c) => c.cost.current > 0)
    .map((c) => ({ label: c.label, color: c.color, share: c.share, cost: c.cost.current }));
  return {
    id: `team-${org.teams.indexOf(t)}`,
    open,
    name: shorten(clean(teamName(t.team)), 60),
    special: isSpecialTeam(t.team),
    color,
    cost: t.cost,
    share: org.cost.current > 0 ? t.cost.current / org.cost.current : 0,
    bar: maxCost > 0 ? Math.max(0, t.cost.current) / maxCost : 0,
    segments,
    aiShare: ai.share,
    efficiency: t.efficiency.total,
    estimatedShare: t.estimatedShare,
    workloadCount: t.workloads.filter((w) => w.cost.current !== 0).length,
    workloads: take(
      t.workloads.filter((w) => w.cost.current !== 0).map((w) => workloadView(w, t.cost.current, raw, NAME)),
      12,
    ),
    namespaces: take(
      t.namespaces
        .filter((n) => n.cost.current !== 0 || n.cost.previous !== 0)
        .map((n) => namespaceView(n, t.cost.current, raw, NAME)),
      8,
    ),
  };
}

function orgView(org: OrgReport, ctx: RenderContext) {
  const cur = org.currency;
  const { series, colorOf } = teamSeries(org);
  const splitAt = org.days.filter((d) => d < org.windowStart.slice(0, 10)).length;
  const daily = stackedDaily(org.days, series, cur, splitAt);
  const components = componentViews(org.breakdown, org.previousBreakdown);
  const componentChart = pairedBars(
    components.map((c) => ({
      label: c.label,
      color: c.color,
      current: c.cost.current,
      previous: c.cost.previous,
      delta: delta(c.cost, cur),
      deltaColor: DELTA_COLOR[direction(c.cost)],
    })),
    cur,
  );
  const ai = aiRows(org.ai);
  const aiDonut = donut(
    ai.rows.map((r) => ({ label: r.label, value: r.cost, color: r.color })),
    cur,
  );
  const maxMove = Math.max(0, ...org.topMovers.map((m) => Math.abs(m.cost.delta)));
  const teamOfKey = new Map<string, string>();
  for (const t of org.teams) for (const w of t.workloads) teamOfKey.set(w.key, teamName(t.team));
  const movers = org.topMovers
    .filter((m) => Math.abs(m.cost.delta) >= 0.005)
    .map((m) => {
      const v = workloadView(m, org.cost.current, raw, NAME);
      const dir = direction(m.cost);
      return {
        ...v,
        team: shorten(clean(teamOfKey.get(m.key) ?? ''), 40),
        dir,
        color: DELTA_COLOR[dir],
        // Diverging bar: half the cell each side of the centre line.
        barUp: dir === 'up' && maxMove > 0 ? (Math.abs(m.cost.delta) / maxMove) * 50 : 0,
        barDown: dir === 'down' && maxMove > 0 ? (Math.abs(m.cost.delta) / maxMove) * 50 : 0,
      };
    });
  const maxTeam = Math.max(0, ...org.teams.map((t) => t.cost.current));
  // The largest real team starts unfolded in "Teams in detail".
  const firstTeam = org.teams.find((t) => !isSpecialTeam(t.team) && t.cost.current > 0);
  const teams = org.teams
    .filter((t) => t.cost.current !== 0 || t.cost.previous !== 0)
    .map((t) => teamRow(org, t, maxTeam, colorOf.get(t) ?? null, t === firstTeam));
  const quiet = org.teams
    .filter((t) => t.cost.current === 0 && t.cost.previous === 0)
    .map((t) => shorten(clean(teamName(t.team)), 60));
  const total = org.cost.current;
  const share = (v: number) => (total > 0 ? v / total : 0);
  const kpis = [
    {
      label: 'Total cost',
      value: money(total, cur),
      sub: delta(org.cost, cur),
      subColor: DELTA_COLOR[direction(org.cost)],
      note: `last week ${money(org.cost.previous, cur)}`,
    },
    {
      label: 'Allocated to teams',
      value: money(org.totals.allocated, cur),
      sub: `${pct(share(org.totals.allocated))} of cost`,
      subColor: '#475467',
      note: `${org.teams.filter((t) => !isSpecialTeam(t.team) && t.cost.current > 0).length} teams`,
    },
    {
      label: 'AI workloads',
      value: money(ai.total, cur),
      sub: `${pct(ai.share)} of workload cost`,
      subColor: '#475467',
      note:
        AI_CATEGORIES.filter((k) => org.ai[k] > 0)
          .map((k) => AI_LABEL[k].toLowerCase())
          .join(', ') || 'none',
    },
    {
      label: 'Idle capacity',
      value: money(org.totals.idle, cur),
      sub: `${pct(share(org.totals.idle))} of cost`,
      subColor: '#475467',
      note: 'paid for, not requested',
    },
    {
      label: 'Unowned',
      value: money(org.unowned.cost, cur),
      sub: `${pct(share(org.unowned.cost))} of cost`,
      subColor: org.unowned.cost > 0 ? '#b54708' : '#475467',
      note: `${org.unowned.workloads.length} workloads without a team`,
    },
    {
      label: 'Coverage',
      value: pct(org.coverage.observedRatio, 1),
      sub: `${pct(org.coverage.estimatedShare, 1)} estimated`,
      subColor: '#475467',
      note: 'node-hours observed',
    },
  ];
  return {
    currency: cur,
    week: clean(org.week),
    windowStart: org.windowStart,
    windowEnd: org.windowEnd,
    previousWindowStart: org.previousWindowStart,
    generatedAt: ctx.generatedAt,
    reportUrl: safeUrl(ctx.reportUrl),
    cost: org.cost,
    kpis,
    changeSummary: clean(org.changeSummary),
    daily,
    components,
    componentChart,
    ai: { ...ai, rows: ai.rows.map((r) => ({ ...r, color: AI_COLOR[r.key] })), donut: aiDonut },
    movers,
    namespaceMovers: org.namespaceMovers
      .filter((n) => Math.abs(n.cost.delta) >= 0.005)
      .slice(0, 8)
      .map((n) => namespaceView(n, total, raw, NAME)),
    unowned: {
      cost: org.unowned.cost,
      share: share(org.unowned.cost),
      ...take(
        org.unowned.workloads.map((w) => workloadView(w, org.unowned.cost, raw, NAME)),
        10,
      ),
    },
    coverage: org.coverage,
    totals: org.totals,
    clusters: org.clusters.map((c) => ({
      name: shorten(clean(c.cluster), 50),
      cost: c.cost,
      billed: c.billed,
      coverage: c.coverage,
      share: share(c.cost.current),
    })),
    teams,
    quiet,
  };
}

/** The organisation page: a static, self-contained HTML document. */
export function renderOrgHtml(org: OrgReport, ctx: RenderContext): string {
  return renderHtml('org/org.html.hbs', orgView(org, ctx));
}
