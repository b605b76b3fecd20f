/**
 * The subset of Jira Cloud REST API v3 that JiraTracker uses, with state: enhanced JQL search by
 * label, create, edit, get, comment, transitions (with resolution) and user search. Bodies are
 * Atlassian Document Format and are checked to be a `doc`.
 */
import { adfText } from '../../../adapters/delivery/tickets/adf.js';
import { type LocalServer, type Reply, startServer } from './http.js';

export interface JiraIssueRecord {
  id: string;
  key: string;
  project: string;
  summary: string;
  description: unknown;
  labels: string[];
  issuetype: string;
  assignee: string | null;
  category: 'new' | 'indeterminate' | 'done';
  resolution: string | null;
  comments: unknown[];
  created: number;
}

export interface FakeJira {
  server: LocalServer;
  url: string;
  issues: Map<string, JiraIssueRecord>;
  users: { accountId: string; emailAddress: string }[];
  /** Results per search page (to exercise paging). */
  pageSize: number;
  /** Close an issue with a resolution, as a person would. */
  resolve(key: string, resolution: string): void;
  commentsText(key: string): string[];
  descriptionText(key: string): string;
  close(): Promise<void>;
}

export const JIRA_EMAIL = 'bot@example.com';
export const JIRA_TOKEN = 'jira-SECRET-api-token';

function isAdfDoc(x: unknown): boolean {
  return (
    !!x &&
    typeof x === 'object' &&
    (x as { type?: unknown }).type === 'doc' &&
    (x as { version?: unknown }).version === 1
  );
}

export async function startFakeJira(): Promise<FakeJira> {
  const issues = new Map<string, JiraIssueRecord>();
  const users = [{ accountId: 'acc-jane', emailAddress: 'jane.doe@example.com' }];
  const counters = new Map<string, number>();
  let created = 0;
  const state = { pageSize: 100 };
  const auth = `Basic ${Buffer.from(`${JIRA_EMAIL}:${JIRA_TOKEN}`).toString('base64')}`;

  const view = (i: JiraIssueRecord, fields: string[] | null) => {
    const all: Record<string, unknown> = {
      summary: i.summary,
      description: i.description,
      labels: i.labels,
      status: { name: i.category === 'done' ? 'Done' : 'To Do', statusCategory: { key: i.category } },
      resolution: i.resolution ? { name: i.resolution } : null,
      created: new Date(1_700_000_000_000 + i.created * 1000).toISOString(),
      assignee: i.assignee ? { accountId: i.assignee } : null,
    };
    const picked = fields ? Object.fromEntries(Object.entries(all).filter(([k]) => fields.includes(k))) : all;
    return { id: i.id, key: i.key, self: `/rest/api/3/issue/${i.id}`, fields: picked };
  };

  const server = await startServer((req): Reply => {
    if (req.headers.authorization !== auth) return { status: 401, json: { errorMessages: ['unauthorized'] } };
    const p = req.path;
    if (req.method === 'GET' && p === '/rest/api/3/search/jql') {
      const jql = req.query.get('jql') ?? '';
      const m =
        /^project = "([A-Z0-9_]+)" AND labels = "([a-z0-9-]+)"( AND statusCategory != Done)? ORDER BY created ASC$/.exec(
          jql,
        );
      if (!m) return { status: 400, json: { errorMessages: [`unsupported JQL: ${jql}`] } };
      const fields = (req.query.get('fields') ?? '').split(',').filter(Boolean);
      const matches = [...issues.values()]
        .filter(
          (i) => i.project === m[1] && i.labels.includes(m[2] as string) && (!m[3] || i.category !== 'done'),
        )
        .sort((a, b) => a.created - b.created);
      const start = Number(req.query.get('nextPageToken') ?? '0');
      const size = Math.min(Number(req.query.get('maxResults') ?? '50'), state.pageSize);
      const page = matches.slice(start, start + size);
      const more = start + size < matches.length;
      return {
        json: {
          issues: page.map((i) => view(i, fields.length > 0 ? fields : null)),
          isLast: !more,
          ...(more ? { nextPageToken: String(start + size) } : {}),
        },
      };
    }
    if (req.method === 'POST' && p === '/rest/api/3/issue') {
      const f = ((req.body ?? {}) as { fields?: Record<string, unknown> }).fields ?? {};
      const project = (f.project as { key?: string } | undefined)?.key;
      const labels = (f.labels as string[] | undefined) ?? [];
      if (!project) return { status: 400, json: { errors: { project: 'project is required' } } };
      if (labels.some((l) => /\s/.test(l) || l.length > 255)) {
        return { status: 400, json: { errors: { labels: 'a label cannot contain spaces' } } };
      }
      if (f.description !== undefined && !isAdfDoc(f.description)) {
        return {
          status: 400,
          json: { errors: { description: 'Operation value must be an Atlassian Document' } },
        };
      }
      const n = (counters.get(project) ?? 0) + 1;
      counters.set(project, n);
      created++;
      const rec: JiraIssueRecord = {
        id: String(10_000 + created),
        key: `${project}-${n}`,
        project,
        summary: String(f.summary ?? ''),
        description: f.description ?? null,
        labels,
        issuetype: (f.issuetype as { name?: string } | undefined)?.name ?? '',
        assignee: (f.assignee as { accountId?: string } | undefined)?.accountId ?? null,
        category: 'new',
        resolution: null,
        comments: [],
        created,
      };
      issues.set(rec.key, rec);
      return { status: 201, json: { id: rec.id, key: rec.key, self: `/rest/api/3/issue/${rec.id}` } };
    }
    const issueMatch = /^\/rest\/api\/3\/issue\/([^/]+)(\/comment|\/transitions)?$/.exec(p);
    if (issueMatch) {
      const key = decodeURIComponent(issueMatch[1] as string);
      const rec = issues.get(key) ?? [...issues.values()].find((i) => i.id === key);
      if (!rec)
        return {
          status: 404,
          json: { errorMessages: ['Issue does not exist or you do not have permission to see it.'] },
        };
      const sub = issueMatch[2];
      if (!sub && req.method === 'GET') {
        const fields = (req.query.get('fields') ?? '').split(',').filter(Boolean);
        return { json: view(rec, fields.length > 0 ? fields : null) };
      }
      if (!sub && req.method === 'PUT') {
        const f = ((req.body ?? {}) as { fields?: Record<string, unknown> }).fields ?? {};
        if (f.description !== undefined && !isAdfDoc(f.description)) {
          return {
            status: 400,
            json: { errors: { description: 'Operation value must be an Atlassian Document' } },
          };
        }
        if (typeof f.summary === 'string') rec.summary = f.summary;
        if (f.description !== undefined) rec.description = f.description;
        return { status: 204 };
      }
      if (sub === '/comment' && req.method === 'POST') {
        const body = (req.body as { body?: unknown } | undefined)?.body;
        if (!isAdfDoc(body))
          return { status: 400, json: { errors: { comment: 'Comment body is not valid!' } } };
        rec.comments.push(body);
        return { status: 201, json: { id: String(rec.comments.length) } };
      }
      if (sub === '/transitions' && req.method === 'POST') {
        const b = (req.body ?? {}) as { fields?: { resolution?: { name?: string } } };
        rec.category = 'done';
        rec.resolution = b.fields?.resolution?.name ?? 'Done';
        return { status: 204 };
      }
    }
    if (req.method === 'GET' && p === '/rest/api/3/user/search') {
      const q = (req.query.get('query') ?? '').toLowerCase();
      return { json: users.filter((u) => u.emailAddress.toLowerCase() === q) };
    }
    return { status: 404, json: { errorMessages: [`no route ${req.method} ${p}`] } };
  });

  return {
    server,
    url: server.url,
    issues,
    users,
    get pageSize() {
      return state.pageSize;
    },
    set pageSize(n: number) {
      state.pageSize = n;
    },
    resolve(key, resolution) {
      const rec = issues.get(key);
      if (!rec) throw new Error(`no issue ${key}`);
      rec.category = 'done';
      rec.resolution = resolution;
    },
    commentsText: (key) => (issues.get(key)?.comments ?? []).map(adfText),
    descriptionText: (key) => adfText(issues.get(key)?.description),
    close: () => server.close(),
  };
}
