/**
 * The subset of the GitHub REST API that GitHubTracker uses, with state: list issues by label
 * (with Link-header paging), create (labels ≤ 50 characters, assignees must be collaborators),
 * get, update, comment, and user search by email.
 */
import { type LocalServer, type Reply, startServer } from './http.js';

export interface GitHubIssueRecord {
  number: number;
  owner: string;
  repo: string;
  title: string;
  body: string | null;
  labels: string[];
  assignees: string[];
  state: 'open' | 'closed';
  state_reason: 'completed' | 'not_planned' | 'reopened' | null;
  comments: string[];
  pull_request?: boolean;
}

export interface FakeGitHub {
  server: LocalServer;
  url: string;
  issues: GitHubIssueRecord[];
  pageSize: number;
  close(number: number, reason: 'completed' | 'not_planned'): void;
  stop(): Promise<void>;
}

export const GITHUB_TOKEN = 'ghp_SECRETgithubtoken000';

export async function startFakeGitHub(): Promise<FakeGitHub> {
  const issues: GitHubIssueRecord[] = [];
  const collaborators = new Set(['janedoe']);
  const users = [{ login: 'janedoe', email: 'jane.doe@example.com' }];
  const state = { pageSize: 100 };
  let base = '';
  const view = (i: GitHubIssueRecord) => ({
    number: i.number,
    id: 1000 + i.number,
    html_url: `${base}/${i.owner}/${i.repo}/issues/${i.number}`,
    title: i.title,
    body: i.body,
    state: i.state,
    state_reason: i.state_reason,
    labels: i.labels.map((name) => ({ name })),
    assignees: i.assignees.map((login) => ({ login })),
    ...(i.pull_request ? { pull_request: { url: 'x' } } : {}),
  });
  const server = await startServer((req): Reply => {
    const auth = req.headers.authorization ?? '';
    if (
      auth !== `token ${GITHUB_TOKEN}` &&
      auth !== `bearer ${GITHUB_TOKEN}` &&
      auth !== `Bearer ${GITHUB_TOKEN}`
    ) {
      return { status: 401, json: { message: 'Bad credentials' } };
    }
    if (req.method === 'GET' && req.path === '/search/users') {
      const q = (req.query.get('q') ?? '').replace(/\s+in:email$/, '').toLowerCase();
      const items = users.filter((u) => u.email === q).map((u) => ({ login: u.login }));
      return { json: { total_count: items.length, incomplete_results: false, items } };
    }
    const m = /^\/repos\/([^/]+)\/([^/]+)\/issues(?:\/(\d+)(\/comments)?)?$/.exec(req.path);
    if (!m) return { status: 404, json: { message: 'Not Found' } };
    const [, owner, repo, num, comments] = m as unknown as [
      string,
      string,
      string,
      string | undefined,
      string | undefined,
    ];
    if (!num && req.method === 'GET') {
      const labels = (req.query.get('labels') ?? '').split(',').filter(Boolean);
      const want = req.query.get('state') ?? 'open';
      const all = issues.filter(
        (i) =>
          i.owner === owner &&
          i.repo === repo &&
          labels.every((l) => i.labels.some((x) => x.toLowerCase() === l.toLowerCase())) &&
          (want === 'all' || i.state === want),
      );
      const per = Math.min(Number(req.query.get('per_page') ?? '30'), state.pageSize);
      const page = Number(req.query.get('page') ?? '1');
      const slice = all.slice((page - 1) * per, page * per);
      const headers: Record<string, string> = {};
      if (page * per < all.length) {
        const next = new URL(`${base}${req.path}`);
        for (const [k, v] of req.query) next.searchParams.set(k, v);
        next.searchParams.set('page', String(page + 1));
        headers.link = `<${next.href}>; rel="next"`;
      }
      return { headers, json: slice.map(view) };
    }
    if (!num && req.method === 'POST') {
      const b = (req.body ?? {}) as {
        title?: string;
        body?: string;
        labels?: string[];
        assignees?: string[];
      };
      const labels = b.labels ?? [];
      const bad = labels.find((l) => l.length > 50);
      if (bad)
        return {
          status: 422,
          json: {
            message: 'Validation Failed',
            errors: [{ resource: 'Label', code: 'invalid', field: 'name' }],
          },
        };
      const assignees = b.assignees ?? [];
      if (assignees.some((a) => !collaborators.has(a))) {
        return {
          status: 422,
          json: {
            message: 'Validation Failed',
            errors: [{ resource: 'Issue', code: 'invalid', field: 'assignees' }],
          },
        };
      }
      const rec: GitHubIssueRecord = {
        number: issues.length + 1,
        owner,
        repo,
        title: b.title ?? '',
        body: b.body ?? null,
        labels,
        assignees,
        state: 'open',
        state_reason: null,
        comments: [],
      };
      issues.push(rec);
      return { status: 201, json: view(rec) };
    }
    const rec = issues.find((i) => i.owner === owner && i.repo === repo && i.number === Number(num));
    if (!rec) return { status: 404, json: { message: 'Not Found' } };
    if (comments && req.method === 'POST') {
      rec.comments.push(String((req.body as { body?: string }).body ?? ''));
      return { status: 201, json: { id: rec.comments.length, body: rec.comments.at(-1) } };
    }
    if (req.method === 'GET') return { json: view(rec) };
    if (req.method === 'PATCH') {
      const b = (req.body ?? {}) as { title?: string; body?: string };
      if (b.title !== undefined) rec.title = b.title;
      if (b.body !== undefined) rec.body = b.body;
      return { json: view(rec) };
    }
    return { status: 404, json: { message: 'Not Found' } };
  });
  base = server.url;
  return {
    server,
    url: server.url,
    issues,
    get pageSize() {
      return state.pageSize;
    },
    set pageSize(n: number) {
      state.pageSize = n;
    },
    close(number, reason) {
      const rec = issues.find((i) => i.number === number);
      if (!rec) throw new Error(`no issue ${number}`);
      rec.state = 'closed';
      rec.state_reason = reason;
    },
    stop: () => server.close(),
  };
}
