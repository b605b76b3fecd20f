/**
 * TicketTracker over Linear's GraphQL API, through @linear/sdk's LinearClient (its GraphQL client,
 * with small documents that ask only for the fields used here). The project is a Linear team key
 * (`MLP`). Labels are team labels, created on first use. Won't-do is a state of type `canceled`;
 * done is `completed`.
 */
import { LinearClient } from '@linear/sdk';
import { parseTicketMarker, replaceMarker } from '../../../core/delivery/labels.js';
import type {
  TicketCreate,
  TicketDoc,
  TicketMarker,
  TicketRef,
  TicketState,
  TicketTracker,
} from '../../../core/delivery/ports.js';
import { renderMarkdown } from '../../../core/delivery/ticketBody.js';
import { DeliveryError, reasonOf, redact, statusOf } from '../errors.js';

export interface LinearOptions {
  apiKey: string;
  /** GraphQL endpoint; default `https://api.linear.app/graphql` (http only for local servers). */
  apiUrl?: string;
}

interface LinearIssue {
  id: string;
  identifier: string;
  url: string;
  title: string;
  description?: string | null;
  createdAt?: string;
  state?: { type?: string | null } | null;
  labels?: { nodes: { name: string }[] } | null;
}

const ISSUE_FIELDS = 'id identifier url title description createdAt state { type } labels { nodes { name } }';

const Q_TEAM = `query OwnercostTeam($key: String!) {
  teams(filter: { key: { eq: $key } }) { nodes { id key } }
}`;
const Q_LABEL = `query OwnercostLabel($name: String!) {
  issueLabels(filter: { name: { eq: $name } }) { nodes { id name team { id } } }
}`;
const M_LABEL = `mutation OwnercostLabelCreate($input: IssueLabelCreateInput!) {
  issueLabelCreate(input: $input) { success issueLabel { id name } }
}`;
const Q_ISSUES = `query OwnercostIssues($filter: IssueFilter!, $after: String) {
  issues(filter: $filter, first: 100, after: $after) {
    nodes { ${ISSUE_FIELDS} }
    pageInfo { hasNextPage endCursor }
  }
}`;
const Q_USER = `query OwnercostUser($email: String!) {
  users(filter: { email: { eq: $email } }) { nodes { id } }
}`;
const M_CREATE = `mutation OwnercostIssueCreate($input: IssueCreateInput!) {
  issueCreate(input: $input) { success issue { ${ISSUE_FIELDS} } }
}`;
const M_UPDATE = `mutation OwnercostIssueUpdate($id: String!, $input: IssueUpdateInput!) {
  issueUpdate(id: $id, input: $input) { success }
}`;
const M_COMMENT = `mutation OwnercostCommentCreate($input: CommentCreateInput!) {
  commentCreate(input: $input) { success }
}`;
const Q_DESCRIPTION = `query OwnercostIssue($id: String!) {
  issue(id: $id) { id description }
}`;

export class LinearTracker implements TicketTracker {
  readonly kind = 'linear' as const;
  private readonly client: LinearClient;
  private readonly teamIds = new Map<string, string>();
  private readonly labelIds = new Map<string, string>();
  private readonly userIds = new Map<string, string | null>();

  constructor(private readonly options: LinearOptions) {
    this.client = new LinearClient({
      apiKey: options.apiKey,
      ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
    });
  }

  async findByFingerprint(project: string, fingerprintLabel: string): Promise<TicketRef[]> {
    const teamId = await this.teamId(project);
    return this.issues({
      team: { id: { eq: teamId } },
      labels: { some: { name: { eq: fingerprintLabel } } },
    });
  }

  async findOpenByLabel(project: string, label: string): Promise<TicketRef[]> {
    const teamId = await this.teamId(project);
    return this.issues({
      team: { id: { eq: teamId } },
      labels: { some: { name: { eq: label } } },
      state: { type: { nin: ['completed', 'canceled', 'duplicate'] } },
    });
  }

  async create(input: TicketCreate): Promise<TicketRef> {
    const teamId = await this.teamId(input.project);
    const labelIds: string[] = [];
    for (const name of input.labels) labelIds.push(await this.labelId(teamId, name));
    const assigneeId = input.assignee ? await this.userId(input.assignee) : null;
    const res = await this.request<{ issueCreate: { success: boolean; issue: LinearIssue | null } }>(
      `create issue in team ${input.project}`,
      M_CREATE,
      {
        input: {
          teamId,
          title: input.title,
          description: renderMarkdown(input.body),
          labelIds,
          ...(assigneeId ? { assigneeId } : {}),
        },
      },
    );
    const issue = res.issueCreate.issue;
    if (!res.issueCreate.success || !issue) {
      throw new DeliveryError(`LinearTracker: create issue in team ${input.project} was not successful`);
    }
    return toRef(issue);
  }

  async update(ref: TicketRef, change: { title?: string; body?: TicketDoc }): Promise<void> {
    await this.request(`update ${ref.key}`, M_UPDATE, {
      id: this.idOf(ref),
      input: {
        ...(change.title !== undefined ? { title: change.title } : {}),
        ...(change.body !== undefined ? { description: renderMarkdown(change.body) } : {}),
      },
    });
  }

  async comment(ref: TicketRef, body: TicketDoc): Promise<void> {
    await this.request(`comment on ${ref.key}`, M_COMMENT, {
      input: { issueId: this.idOf(ref), body: renderMarkdown(body) },
    });
  }

  async setMarker(ref: TicketRef, marker: TicketMarker): Promise<void> {
    const res = await this.request<{ issue: { description?: string | null } | null }>(
      `read ${ref.key}`,
      Q_DESCRIPTION,
      {
        id: this.idOf(ref),
      },
    );
    await this.request(`update ${ref.key}`, M_UPDATE, {
      id: this.idOf(ref),
      input: { description: replaceMarker(res.issue?.description, marker) },
    });
  }

  private idOf(ref: TicketRef): string {
    return ref.id ?? ref.key;
  }

  private async issues(filter: Record<string, unknown>): Promise<TicketRef[]> {
    const out: LinearIssue[] = [];
    let after: string | null = null;
    for (let page = 0; page < 50; page++) {
      const res: {
        issues: { nodes: LinearIssue[]; pageInfo: { hasNextPage: boolean; endCursor?: string | null } };
      } = await this.request('list issues', Q_ISSUES, { filter, after });
      out.push(...res.issues.nodes);
      if (!res.issues.pageInfo.hasNextPage || !res.issues.pageInfo.endCursor) break;
      after = res.issues.pageInfo.endCursor;
    }
    out.sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? ''));
    return out.map(toRef);
  }

  private async teamId(key: string): Promise<string> {
    const cached = this.teamIds.get(key);
    if (cached) return cached;
    const res = await this.request<{ teams: { nodes: { id: string; key: string }[] } }>(
      `look up team ${key}`,
      Q_TEAM,
      {
        key,
      },
    );
    const team = res.teams.nodes.find((t) => t.key === key);
    if (!team) throw new DeliveryError(`LinearTracker: no Linear team with key ${JSON.stringify(key)}`);
    this.teamIds.set(key, team.id);
    return team.id;
  }

  /** A label usable in the team: the team's own or a workspace label; created in the team when missing. */
  private async labelId(teamId: string, name: string): Promise<string> {
    const cacheKey = `${teamId}/${name}`;
    const cached = this.labelIds.get(cacheKey);
    if (cached) return cached;
    const found = await this.request<{
      issueLabels: { nodes: { id: string; name: string; team?: { id: string } | null }[] };
    }>(`look up label ${name}`, Q_LABEL, { name });
    const usable = found.issueLabels.nodes.filter(
      (l) => l.name === name && (!l.team || l.team.id === teamId),
    );
    let id = (usable.find((l) => l.team?.id === teamId) ?? usable[0])?.id;
    if (!id) {
      const created = await this.request<{
        issueLabelCreate: { success: boolean; issueLabel: { id: string } | null };
      }>(`create label ${name}`, M_LABEL, { input: { name, teamId } });
      id = created.issueLabelCreate.issueLabel?.id;
      if (!id) throw new DeliveryError(`LinearTracker: creating label ${name} was not successful`);
    }
    this.labelIds.set(cacheKey, id);
    return id;
  }

  private async userId(assignee: string): Promise<string | null> {
    if (!assignee.includes('@')) return null;
    const cached = this.userIds.get(assignee);
    if (cached !== undefined) return cached;
    const res = await this.request<{ users: { nodes: { id: string }[] } }>('look up the assignee', Q_USER, {
      email: assignee,
    });
    const id = res.users.nodes.length === 1 ? (res.users.nodes[0]?.id ?? null) : null;
    this.userIds.set(assignee, id);
    return id;
  }

  private async request<T>(what: string, document: string, variables: Record<string, unknown>): Promise<T> {
    try {
      return await this.client.client.request<T, Record<string, unknown>>(document, variables);
    } catch (err) {
      const status = statusOf(err) ?? (err as { response?: { status?: number } }).response?.status;
      const gqlErrors = (
        err as {
          response?: { errors?: { message?: string; extensions?: { userPresentableMessage?: string } }[] };
        }
      ).response?.errors;
      const first = gqlErrors?.[0];
      const reason = first
        ? `${status === undefined ? '' : `HTTP ${status}: `}${first.extensions?.userPresentableMessage ?? first.message ?? 'GraphQL error'}`
        : reasonOf(err);
      throw new DeliveryError(
        redact(`LinearTracker: ${what} failed: ${reason}`, [this.options.apiKey]),
        status === undefined ? {} : { status },
      );
    }
  }
}

function stateOf(type: string | null | undefined): TicketState {
  if (type === 'completed') return 'closed-done';
  if (type === 'canceled') return 'closed-wont-do';
  if (type === 'duplicate') return 'closed-done';
  return 'open';
}

function toRef(issue: LinearIssue): TicketRef {
  return {
    key: issue.identifier,
    id: issue.id,
    url: issue.url,
    title: issue.title,
    state: stateOf(issue.state?.type),
    labels: issue.labels?.nodes.map((l) => l.name) ?? [],
    marker: parseTicketMarker(issue.description),
  };
}
