/**
 * Linear's GraphQL API, the operations LinearTracker sends, with state: teams by key (any
 * upper-case key exists), labels by
 * name and issueLabelCreate, issues filtered by team, label and state type (cursor paging),
 * issueCreate, issueUpdate, issue, commentCreate, users by email.
 */
import { type LocalServer, type Reply, startServer } from './http.js';

export interface LinearIssueRecord {
  id: string;
  identifier: string;
  teamId: string;
  title: string;
  description: string;
  labelIds: string[];
  stateType: 'backlog' | 'unstarted' | 'started' | 'completed' | 'canceled';
  assigneeId: string | null;
  comments: string[];
  createdAt: string;
}

export interface FakeLinear {
  server: LocalServer;
  apiUrl: string;
  issues: LinearIssueRecord[];
  labels: { id: string; name: string; teamId: string | null }[];
  pageSize: number;
  setState(identifier: string, type: LinearIssueRecord['stateType']): void;
  close(): Promise<void>;
}

export const LINEAR_KEY = 'lin_api_SECRETlinearkey';

type Filter = {
  team?: { id?: { eq?: string } };
  labels?: { some?: { name?: { eq?: string } } };
  state?: { type?: { nin?: string[] } };
};

export async function startFakeLinear(): Promise<FakeLinear> {
  const teams = [
    { id: 'team-mlp', key: 'MLP' },
    { id: 'team-web', key: 'WEB' },
  ];
  const users = [{ id: 'user-jane', email: 'jane.doe@example.com' }];
  const issues: LinearIssueRecord[] = [];
  const labels: FakeLinear['labels'] = [{ id: 'label-ws-ownercost', name: 'ownercost', teamId: null }];
  const state = { pageSize: 100 };
  let seq = 0;
  const view = (i: LinearIssueRecord) => ({
    id: i.id,
    identifier: i.identifier,
    url: `https://linear.example/issue/${i.identifier}`,
    title: i.title,
    description: i.description,
    createdAt: i.createdAt,
    state: { type: i.stateType },
    labels: { nodes: i.labelIds.map((id) => ({ name: labels.find((l) => l.id === id)?.name ?? '?' })) },
  });
  const server = await startServer((req): Reply => {
    if (req.headers.authorization !== LINEAR_KEY) {
      return {
        status: 400,
        json: {
          errors: [{ message: 'Authentication required', extensions: { type: 'authentication error' } }],
        },
      };
    }
    const { query, variables = {} } = (req.body ?? {}) as {
      query?: string;
      variables?: Record<string, unknown>;
    };
    const op = /(?:query|mutation)\s+(\w+)/.exec(query ?? '')?.[1];
    // biome-ignore lint/suspicious/noExplicitAny: GraphQL variables of several operations
    const v = variables as Record<string, any>;
    switch (op) {
      case 'OwnercostTeam': {
        // Every upper-case key names a team here, so each test can have its own.
        if (/^[A-Z][A-Z0-9]*$/.test(String(v.key)) && !teams.some((t) => t.key === v.key)) {
          teams.push({ id: `team-${String(v.key).toLowerCase()}`, key: String(v.key) });
        }
        return { json: { data: { teams: { nodes: teams.filter((t) => t.key === v.key) } } } };
      }
      case 'OwnercostLabel':
        return {
          json: {
            data: {
              issueLabels: {
                nodes: labels
                  .filter((l) => l.name === v.name)
                  .map((l) => ({ id: l.id, name: l.name, team: l.teamId ? { id: l.teamId } : null })),
              },
            },
          },
        };
      case 'OwnercostLabelCreate': {
        const { name, teamId } = v.input as { name: string; teamId?: string };
        if (labels.some((l) => l.name === name && (l.teamId === (teamId ?? null) || l.teamId === null))) {
          return {
            json: {
              errors: [
                {
                  message: 'duplicate label name',
                  extensions: { userPresentableMessage: 'Label already exists' },
                },
              ],
            },
          };
        }
        const label = { id: `label-${++seq}`, name, teamId: teamId ?? null };
        labels.push(label);
        return {
          json: { data: { issueLabelCreate: { success: true, issueLabel: { id: label.id, name } } } },
        };
      }
      case 'OwnercostIssues': {
        const f = v.filter as Filter;
        const matches = issues.filter((i) => {
          if (f.team?.id?.eq && i.teamId !== f.team.id.eq) return false;
          const ln = f.labels?.some?.name?.eq;
          if (ln && !i.labelIds.some((id) => labels.find((l) => l.id === id)?.name === ln)) return false;
          if (f.state?.type?.nin?.includes(i.stateType)) return false;
          return true;
        });
        const start = v.after ? Number(v.after) : 0;
        const page = matches.slice(start, start + state.pageSize);
        const more = start + state.pageSize < matches.length;
        return {
          json: {
            data: {
              issues: {
                nodes: page.map(view),
                pageInfo: { hasNextPage: more, endCursor: more ? String(start + state.pageSize) : null },
              },
            },
          },
        };
      }
      case 'OwnercostUser':
        return {
          json: {
            data: { users: { nodes: users.filter((u) => u.email === v.email).map((u) => ({ id: u.id })) } },
          },
        };
      case 'OwnercostIssueCreate': {
        const input = v.input as {
          teamId: string;
          title: string;
          description: string;
          labelIds: string[];
          assigneeId?: string;
        };
        const team = teams.find((t) => t.id === input.teamId);
        if (!team) return { json: { errors: [{ message: 'Entity not found: Team' }] } };
        for (const id of input.labelIds) {
          const l = labels.find((x) => x.id === id);
          if (!l || (l.teamId && l.teamId !== team.id))
            return { json: { errors: [{ message: `label ${id} not usable` }] } };
        }
        seq++;
        const rec: LinearIssueRecord = {
          id: `issue-${seq}`,
          identifier: `${team.key}-${issues.filter((i) => i.teamId === team.id).length + 1}`,
          teamId: team.id,
          title: input.title,
          description: input.description,
          labelIds: input.labelIds,
          stateType: 'backlog',
          assigneeId: input.assigneeId ?? null,
          comments: [],
          createdAt: new Date(1_700_000_000_000 + seq * 1000).toISOString(),
        };
        issues.push(rec);
        return { json: { data: { issueCreate: { success: true, issue: view(rec) } } } };
      }
      case 'OwnercostIssueUpdate': {
        const rec = issues.find((i) => i.id === v.id);
        if (!rec) return { json: { errors: [{ message: 'Entity not found: Issue' }] } };
        const input = v.input as { title?: string; description?: string };
        if (input.title !== undefined) rec.title = input.title;
        if (input.description !== undefined) rec.description = input.description;
        return { json: { data: { issueUpdate: { success: true } } } };
      }
      case 'OwnercostIssue': {
        const rec = issues.find((i) => i.id === v.id);
        return { json: { data: { issue: rec ? { id: rec.id, description: rec.description } : null } } };
      }
      case 'OwnercostCommentCreate': {
        const input = v.input as { issueId: string; body: string };
        const rec = issues.find((i) => i.id === input.issueId);
        if (!rec) return { json: { errors: [{ message: 'Entity not found: Issue' }] } };
        rec.comments.push(input.body);
        return { json: { data: { commentCreate: { success: true } } } };
      }
      default:
        return { json: { errors: [{ message: `unknown operation ${op}` }] } };
    }
  });
  return {
    server,
    apiUrl: `${server.url}/graphql`,
    issues,
    labels,
    get pageSize() {
      return state.pageSize;
    },
    set pageSize(n: number) {
      state.pageSize = n;
    },
    setState(identifier, type) {
      const rec = issues.find((i) => i.identifier === identifier);
      if (!rec) throw new Error(`no issue ${identifier}`);
      rec.stateType = type;
    },
    close: () => server.close(),
  };
}
