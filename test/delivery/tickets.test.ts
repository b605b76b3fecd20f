/**
 * Ticket delivery against stateful local Jira, GitHub and Linear APIs, through the real clients
 * (jira.js, @octokit/rest, @linear/sdk) and deliverWeek: deduplication across runs and weeks,
 * weekly updates, won't-do suppression, "resolved" comments and the per-team cap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adfText } from '../../adapters/delivery/tickets/adf.js';
import { GitHubTracker } from '../../adapters/delivery/tickets/github.js';
import { JiraTracker } from '../../adapters/delivery/tickets/jira.js';
import { LinearTracker } from '../../adapters/delivery/tickets/linear.js';
import { fingerprintLabel, parseTicketMarker, teamLabel } from '../../core/delivery/labels.js';
import type { TicketMarker, TicketTracker, TrackerKind } from '../../core/delivery/ports.js';
import type { Finding } from '../../core/findings/types.js';
import { type DeliverRequest, deliverWeek, type TeamDelivery } from '../../functions/deliver.js';
import { failure, finding, loadFindings, tempStore } from './helpers.js';
import { type FakeGitHub, GITHUB_TOKEN, startFakeGitHub } from './servers/github.js';
import { type FakeJira, JIRA_EMAIL, JIRA_TOKEN, startFakeJira } from './servers/jira.js';
import { type FakeLinear, LINEAR_KEY, startFakeLinear } from './servers/linear.js';

interface Ticket {
  key: string;
  title: string;
  labels: string[];
  state: 'open' | 'closed-done' | 'closed-wont-do';
  body: string;
  comments: string[];
  assignee: string | null;
}

interface Harness {
  kind: TrackerKind;
  project: string;
  tracker: TicketTracker;
  tickets(): Ticket[];
  close(key: string, how: 'done' | 'wont-do'): void;
  pageSize(n: number): void;
}

let jira: FakeJira;
let github: FakeGitHub;
let linear: FakeLinear;
let projectSeq = 0;

beforeAll(async () => {
  [jira, github, linear] = await Promise.all([startFakeJira(), startFakeGitHub(), startFakeLinear()]);
});
afterAll(async () => {
  await Promise.all([jira.close(), github.stop(), linear.close()]);
});

/** A fresh project per test, so tests share the servers but not their tickets. */
const harnesses: Record<TrackerKind, () => Harness> = {
  jira: () => {
    const project = `P${++projectSeq}`;
    return {
      kind: 'jira',
      project,
      tracker: new JiraTracker({ host: jira.url, email: JIRA_EMAIL, apiToken: JIRA_TOKEN }),
      tickets: () =>
        [...jira.issues.values()]
          .filter((i) => i.project === project)
          .map((i) => ({
            key: i.key,
            title: i.summary,
            labels: i.labels,
            state:
              i.category !== 'done' ? 'open' : i.resolution === "Won't Do" ? 'closed-wont-do' : 'closed-done',
            body: adfText(i.description),
            comments: i.comments.map(adfText),
            assignee: i.assignee,
          })),
      close: (key, how) => jira.resolve(key, how === 'done' ? 'Done' : "Won't Do"),
      pageSize: (n) => {
        jira.pageSize = n;
      },
    };
  },
  github: () => {
    const project = `acme/repo${++projectSeq}`;
    const [owner, repo] = project.split('/');
    return {
      kind: 'github',
      project,
      tracker: new GitHubTracker({ token: GITHUB_TOKEN, baseUrl: github.url }),
      tickets: () =>
        github.issues
          .filter((i) => i.owner === owner && i.repo === repo && !i.pull_request)
          .map((i) => ({
            key: String(i.number),
            title: i.title,
            labels: i.labels,
            state:
              i.state === 'open'
                ? 'open'
                : i.state_reason === 'not_planned'
                  ? 'closed-wont-do'
                  : 'closed-done',
            body: i.body ?? '',
            comments: i.comments,
            assignee: i.assignees[0] ?? null,
          })),
      close: (key, how) => github.close(Number(key), how === 'done' ? 'completed' : 'not_planned'),
      pageSize: (n) => {
        github.pageSize = n;
      },
    };
  },
  linear: () => {
    const project = `L${++projectSeq}`;
    const teamId = `team-${project.toLowerCase()}`;
    return {
      kind: 'linear',
      project,
      tracker: new LinearTracker({ apiKey: LINEAR_KEY, apiUrl: linear.apiUrl }),
      tickets: () =>
        linear.issues
          .filter((i) => i.teamId === teamId)
          .map((i) => ({
            key: i.identifier,
            title: i.title,
            labels: i.labelIds.map((id) => linear.labels.find((l) => l.id === id)?.name ?? '?'),
            state:
              i.stateType === 'completed'
                ? 'closed-done'
                : i.stateType === 'canceled'
                  ? 'closed-wont-do'
                  : 'open',
            body: i.description,
            comments: i.comments,
            assignee: i.assigneeId,
          })),
      close: (key, how) => linear.setState(key, how === 'done' ? 'completed' : 'canceled'),
      pageSize: (n) => {
        linear.pageSize = n;
      },
    };
  },
};

/** Tickets of one team (Linear shares a team key between tests, so filter on the team label). */
function teamTickets(h: Harness, team: string): Ticket[] {
  return h.tickets().filter((t) => t.labels.includes(teamLabel(team)));
}

function markerOf(t: Ticket | undefined): TicketMarker | null {
  return parseTicketMarker(t?.body);
}

let teamSeq = 0;
const uniqueTeam = (name: string) => `${name}-${++teamSeq}`;

async function run(
  h: Harness,
  team: string,
  findings: Finding[],
  week: string,
  extra: Partial<DeliverRequest> = {},
) {
  const t: TeamDelivery = {
    team,
    findings: findings.map((f) => ({ ...f, team })),
    tracker: { kind: h.kind, project: h.project },
    reviewer: 'jane.doe@example.com',
  };
  const { store } = extra.store ? { store: extra.store } : await tempStore();
  const outcome = await deliverWeek({
    week,
    teams: [t],
    clients: { tracker: () => h.tracker },
    store,
    onlyChannel: 'tickets',
    settings: { currency: 'USD', ticketPolicy: { maxNewPerTeamPerRun: 5 } },
    now: () => new Date('2026-03-23T08:00:00Z'),
    ...extra,
  });
  const result = outcome.results[0];
  if (!result) throw new Error('no result');
  return result;
}

const two = () => [
  finding({ fingerprint: 'aa11', title: 'Lower CPU requests of Deployment/frontend', monthlySavings: 150 }),
  finding({
    fingerprint: 'bb22',
    title: 'Delete preview environment pr-981',
    workload: 'Namespace/pr-981',
    monthlySavings: 75,
  }),
];

describe.each(['jira', 'github', 'linear'] as const)('tickets in %s', (kind) => {
  it('files each finding once: a second run, a forced run and a run without the ledger file nothing new', async () => {
    const h = harnesses[kind]();
    const team = uniqueTeam('web');
    const { store } = await tempStore();
    const first = await run(h, team, two(), '2026-W12', { store });
    expect(first.status).toBe('sent');
    expect(first.detail).toMatch(/^created 2, updated 0, resolved 0/);
    expect(teamTickets(h, team)).toHaveLength(2);
    const second = await run(h, team, two(), '2026-W12', { store });
    expect(second).toMatchObject({ status: 'skipped', ids: first.ids });
    const forced = await run(h, team, two(), '2026-W12', { store, force: true });
    expect(forced.detail).toMatch(/^created 0, updated 0, resolved 0, quiet 2/);
    const noLedger = await run(h, team, two(), '2026-W12');
    expect(noLedger.detail).toMatch(/^created 0, updated 0, resolved 0, quiet 2/);
    const tickets = teamTickets(h, team);
    expect(tickets).toHaveLength(2);
    expect(tickets.every((t) => t.comments.length === 0)).toBe(true);
    expect(tickets.map((t) => t.labels.find((l) => l.startsWith('ownercost-fp-'))).sort()).toEqual([
      fingerprintLabel('aa11'),
      fingerprintLabel('bb22'),
    ]);
    for (const t of tickets) {
      expect(t.labels).toContain('ownercost');
      expect(t.assignee).not.toBeNull();
      expect(t.body).toContain('Evidence');
      expect(t.body).toContain('Rollback');
      expect(markerOf(t)?.week).toBe('2026-W12');
    }
  });

  it('updates the open tickets in the next week instead of filing duplicates, commenting when the saving moved', async () => {
    const h = harnesses[kind]();
    const team = uniqueTeam('web');
    await run(h, team, two(), '2026-W12');
    const [a, b] = two();
    const next = await run(h, team, [{ ...a, monthlySavings: 300 } as Finding, b as Finding], '2026-W13');
    expect(next.status).toBe('sent');
    expect(next.detail).toMatch(/^created 0, updated 2, resolved 0/);
    const tickets = teamTickets(h, team);
    expect(tickets).toHaveLength(2);
    const ta = tickets.find((t) => t.labels.includes(fingerprintLabel('aa11')));
    const tb = tickets.find((t) => t.labels.includes(fingerprintLabel('bb22')));
    expect(markerOf(ta)).toEqual({ week: '2026-W13', monthlySavings: 300, status: 'active' });
    expect(markerOf(tb)).toEqual({ week: '2026-W13', monthlySavings: 75, status: 'active' });
    expect(ta?.comments).toHaveLength(1);
    expect(ta?.comments[0]).toContain('300.00 USD per month (was 150.00 USD)');
    expect(tb?.comments).toHaveLength(0);
  });

  it("stays quiet on a won't-do ticket until the saving more than doubles, then speaks once", async () => {
    const h = harnesses[kind]();
    const team = uniqueTeam('web');
    const [a] = two();
    await run(h, team, [a as Finding], '2026-W12');
    const key = teamTickets(h, team)[0]?.key as string;
    h.close(key, 'wont-do');
    const w13 = await run(h, team, [{ ...(a as Finding), monthlySavings: 290 }], '2026-W13');
    expect(w13.detail).toMatch(/^created 0, updated 0, resolved 0, quiet 1/);
    expect(teamTickets(h, team)[0]?.comments).toHaveLength(0);
    const w14 = await run(h, team, [{ ...(a as Finding), monthlySavings: 301 }], '2026-W14');
    expect(w14.detail).toMatch(/^created 0, updated 1/);
    const w15 = await run(h, team, [{ ...(a as Finding), monthlySavings: 400 }], '2026-W15');
    expect(w15.detail).toMatch(/^created 0, updated 0, resolved 0, quiet 1/);
    const tickets = teamTickets(h, team);
    expect(tickets).toHaveLength(1);
    expect(tickets[0]?.state).toBe('closed-wont-do');
    expect(tickets[0]?.comments).toHaveLength(1);
    expect(tickets[0]?.comments[0]).toContain("closed as won't do at an estimated saving of 150.00 USD");
    expect(tickets[0]?.comments[0]).toContain('301.00 USD per month (2.0×)');
    expect(markerOf(tickets[0])?.monthlySavings).toBe(301);
  });

  it('comments "resolved" once when a finding no longer appears, and again only if it comes back', async () => {
    const h = harnesses[kind]();
    const team = uniqueTeam('web');
    const [a, b] = two() as [Finding, Finding];
    await run(h, team, [a, b], '2026-W12');
    const w13 = await run(h, team, [a], '2026-W13');
    expect(w13.detail).toMatch(/^created 0, updated 1, resolved 1/);
    await run(h, team, [a], '2026-W14');
    const gone = teamTickets(h, team).find((t) => t.labels.includes(fingerprintLabel('bb22')));
    expect(gone?.comments).toHaveLength(1);
    expect(gone?.comments[0]).toContain(
      'Resolved: this finding no longer appears in the analysis of week 2026-W13',
    );
    expect(markerOf(gone)?.status).toBe('resolved');
    expect(gone?.body).toContain('Evidence');
    const w15 = await run(h, team, [a, b], '2026-W15');
    expect(w15.detail).toMatch(/^created 0, updated 2/);
    const back = teamTickets(h, team).find((t) => t.labels.includes(fingerprintLabel('bb22')));
    expect(back?.comments).toHaveLength(2);
    expect(back?.comments[1]).toContain('The finding is back in week 2026-W15');
    expect(markerOf(back)?.status).toBe('active');
  });

  it('files a new ticket, pointing at the old one, when a finding comes back after being closed as done', async () => {
    const h = harnesses[kind]();
    const team = uniqueTeam('web');
    const [a] = two() as [Finding];
    await run(h, team, [a], '2026-W12');
    const old = teamTickets(h, team)[0]?.key as string;
    h.close(old, 'done');
    await run(h, team, [a], '2026-W13');
    const tickets = teamTickets(h, team);
    expect(tickets).toHaveLength(2);
    expect(tickets[1]?.body).toContain(`Came back after ${old} was closed as done`);
  });

  it('files at most five new tickets per team and run, biggest savings first, the rest in later weeks', async () => {
    const h = harnesses[kind]();
    const team = uniqueTeam('ml-platform');
    const seven = (await loadFindings()).filter((f) => f.team === 'ml-platform');
    expect(seven).toHaveLength(7);
    const w12 = await run(h, team, seven, '2026-W12');
    expect(w12.status).toBe('sent');
    expect(teamTickets(h, team)).toHaveLength(5);
    const smallest = [...seven].sort((x, y) => x.monthlySavings - y.monthlySavings).slice(0, 2);
    expect(w12.heldBack?.map((x) => x.fingerprintLabel).sort()).toEqual(
      smallest.map((f) => fingerprintLabel(f.fingerprint)).sort(),
    );
    expect(w12.detail).toContain('held back 2');
    const w13 = await run(h, team, seven, '2026-W13');
    expect(w13.detail).toMatch(/^created 2, updated 5/);
    expect(teamTickets(h, team)).toHaveLength(7);
    const hostile = teamTickets(h, team).find((t) => t.labels.includes(fingerprintLabel('f60718293a4b5c6d')));
    expect(hostile?.title).toBe('Idle notebook <b>@channel</b> `rm -rf`');
    if (kind !== 'jira') expect(hostile?.body).not.toMatch(/(^|[^\\])@channel/);
  });

  it('reads every page of a label search', async () => {
    const h = harnesses[kind]();
    const label = fingerprintLabel(`paging${kind}${++teamSeq}`);
    for (let i = 0; i < 3; i++) {
      await h.tracker.create({
        project: h.project,
        title: `t${i}`,
        body: { blocks: [{ type: 'paragraph', text: 'x' }] },
        labels: ['ownercost', label],
      });
    }
    h.pageSize(1);
    try {
      const found = await h.tracker.findByFingerprint(h.project, label);
      expect(found.map((r) => r.title)).toEqual(['t0', 't1', 't2']);
      expect(found.every((r) => r.state === 'open' && r.labels.includes(label))).toBe(true);
    } finally {
      h.pageSize(100);
    }
  });
});

describe('tracker specifics', () => {
  it('Jira: searches with JQL on the enhanced search endpoint and writes Atlassian Document Format', async () => {
    const h = harnesses.jira();
    const team = uniqueTeam('web');
    const before = jira.server.requests.length;
    await run(h, team, two().slice(0, 1), '2026-W12');
    const reqs = jira.server.requests.slice(before);
    const search = reqs.find((r) => r.path === '/rest/api/3/search/jql');
    expect(search?.query.get('jql')).toBe(
      `project = "${h.project}" AND labels = "${fingerprintLabel('aa11')}" ORDER BY created ASC`,
    );
    const create = reqs.find((r) => r.method === 'POST' && r.path === '/rest/api/3/issue');
    const fields = (create?.body as { fields: Record<string, unknown> } | undefined)?.fields ?? {};
    expect((fields.description as { type?: string }).type).toBe('doc');
    expect(fields.assignee).toEqual({ accountId: 'acc-jane' });
    expect(fields.issuetype).toEqual({ name: 'Task' });
    expect((fields.labels as string[]).every((l) => !/\s/.test(l))).toBe(true);
  });

  it('GitHub: skips pull requests carrying the label and files unassigned when the reviewer has no access', async () => {
    const h = harnesses.github();
    const team = uniqueTeam('web');
    const [owner, repo] = h.project.split('/') as [string, string];
    github.issues.push({
      number: github.issues.length + 1,
      owner,
      repo,
      title: 'PR',
      body: null,
      labels: [fingerprintLabel('aa11')],
      assignees: [],
      state: 'open',
      state_reason: null,
      comments: [],
      pull_request: true,
    });
    await run(h, team, [finding({ fingerprint: 'aa11', reviewer: 'outsider' })], '2026-W12');
    const filed = teamTickets(h, team);
    expect(filed).toHaveLength(1);
    expect(filed[0]?.assignee).toBeNull();
    expect(filed[0]?.labels.every((l) => l.length <= 50)).toBe(true);
  });

  it('Linear: creates each missing label once, in the team', async () => {
    const h = harnesses.linear();
    const team = uniqueTeam('web');
    await run(h, team, two(), '2026-W12');
    const names = linear.labels.map((l) => l.name);
    expect(names.filter((n) => n === teamLabel(team))).toHaveLength(1);
    expect(names.filter((n) => n === 'ownercost')).toHaveLength(1);
    expect(linear.labels.find((l) => l.name === teamLabel(team))?.teamId).toBe(
      `team-${h.project.toLowerCase()}`,
    );
  });

  it('errors name the tracker and project but never the credentials', async () => {
    const bad = [
      new JiraTracker({ host: jira.url, email: JIRA_EMAIL, apiToken: 'wrong-SECRET-1' }),
      new GitHubTracker({ token: 'wrong-SECRET-2', baseUrl: github.url }),
      new LinearTracker({ apiKey: 'wrong-SECRET-3', apiUrl: linear.apiUrl }),
    ];
    for (const tracker of bad) {
      const project = tracker.kind === 'github' ? 'acme/x' : 'MLP';
      const err = await failure(tracker.findByFingerprint(project, 'ownercost-fp-x'));
      expect(err).toBeInstanceOf(Error);
      expect(err.message).toMatch(/^(JiraTracker|GitHubTracker|LinearTracker): /);
      expect(
        `${err.message} ${JSON.stringify(err)} ${String((err as { cause?: unknown }).cause)}`,
      ).not.toMatch(/SECRET/);
    }
  });
});
