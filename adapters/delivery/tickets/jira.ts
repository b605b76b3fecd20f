/**
 * TicketTracker over Jira Cloud REST API v3 (jira.js Version3Client): enhanced JQL search
 * (`/rest/api/3/search/jql`) by label, issues with Atlassian Document Format bodies, assignee by
 * account id looked up from the reviewer's email. A ticket is won't-do when its status category
 * is Done with a "Won't Do" resolution (configurable); any other Done is done.
 */
import { Version3Client } from 'jira.js';
import { parseTicketMarker } from '../../../core/delivery/labels.js';
import type {
  TicketCreate,
  TicketDoc,
  TicketMarker,
  TicketRef,
  TicketState,
  TicketTracker,
} from '../../../core/delivery/ports.js';
import { DeliveryError, reasonOf, redact, statusOf } from '../errors.js';
import { adfText, setAdfMarker, toAdf } from './adf.js';

export interface JiraOptions {
  /** Site URL, e.g. `https://example.atlassian.net`. */
  host: string;
  email: string;
  apiToken: string;
  /** Issue type of new tickets; default `Task`. */
  issueType?: string;
  /** Resolutions that mean "declined"; default `Won't Do`, `Won't Fix`, `Declined`. */
  wontDoResolutions?: string[];
}

interface JiraIssue {
  id?: string;
  key?: string;
  fields?: {
    summary?: string;
    description?: unknown;
    labels?: string[];
    status?: { statusCategory?: { key?: string } };
    resolution?: { name?: string } | null;
  };
}

const FIELDS = ['summary', 'description', 'labels', 'status', 'resolution', 'created'];

export class JiraTracker implements TicketTracker {
  readonly kind = 'jira' as const;
  private readonly client: Version3Client;
  private readonly host: string;
  private readonly secrets: string[];
  private readonly wontDo: Set<string>;
  private readonly accountIds = new Map<string, string | null>();

  constructor(private readonly options: JiraOptions) {
    this.host = options.host.replace(/\/+$/, '');
    this.secrets = [options.apiToken];
    this.wontDo = new Set(
      (options.wontDoResolutions ?? ["Won't Do", "Won't Fix", 'Declined']).map((r) => r.toLowerCase()),
    );
    this.client = new Version3Client({
      host: this.host,
      authentication: { basic: { email: options.email, apiToken: options.apiToken } },
      baseRequestConfig: { timeout: 30_000 },
    });
  }

  findByFingerprint(project: string, fingerprintLabel: string): Promise<TicketRef[]> {
    return this.search(project, fingerprintLabel, false);
  }

  findOpenByLabel(project: string, label: string): Promise<TicketRef[]> {
    return this.search(project, label, true);
  }

  async create(input: TicketCreate): Promise<TicketRef> {
    const project = projectKey(input.project);
    const accountId = input.assignee ? await this.accountId(input.assignee) : null;
    const description = toAdf(input.body);
    const created = await this.call(`create issue in project ${project}`, () =>
      this.client.issues.createIssue({
        fields: {
          project: { key: project },
          issuetype: { name: this.options.issueType ?? 'Task' },
          summary: input.title,
          // biome-ignore lint/suspicious/noExplicitAny: ADF built in adf.ts
          description: description as any,
          labels: input.labels,
          ...(accountId ? { assignee: { accountId } } : {}),
        },
      }),
    );
    if (!created.key)
      throw new DeliveryError(`JiraTracker: create issue in project ${project} returned no key`);
    return {
      key: created.key,
      ...(created.id ? { id: String(created.id) } : {}),
      url: this.browseUrl(created.key),
      title: input.title,
      state: 'open',
      labels: [...input.labels],
      marker: parseTicketMarker(adfText(description)),
    };
  }

  async update(ref: TicketRef, change: { title?: string; body?: TicketDoc }): Promise<void> {
    await this.call(`update ${ref.key}`, () =>
      this.client.issues.editIssue({
        issueIdOrKey: ref.key,
        fields: {
          ...(change.title !== undefined ? { summary: change.title } : {}),
          ...(change.body !== undefined ? { description: toAdf(change.body) } : {}),
        },
      }),
    );
  }

  async comment(ref: TicketRef, body: TicketDoc): Promise<void> {
    await this.call(`comment on ${ref.key}`, () =>
      // biome-ignore lint/suspicious/noExplicitAny: ADF built in adf.ts
      this.client.issueComments.addComment({ issueIdOrKey: ref.key, comment: toAdf(body) as any }),
    );
  }

  async setMarker(ref: TicketRef, marker: TicketMarker): Promise<void> {
    const issue = (await this.call(`read ${ref.key}`, () =>
      this.client.issues.getIssue({ issueIdOrKey: ref.key, fields: ['description'] }),
    )) as JiraIssue;
    const description = setAdfMarker(issue.fields?.description, marker);
    await this.call(`update ${ref.key}`, () =>
      this.client.issues.editIssue({ issueIdOrKey: ref.key, fields: { description } }),
    );
  }

  private async search(project: string, label: string, openOnly: boolean): Promise<TicketRef[]> {
    const key = projectKey(project);
    if (!/^[a-z0-9-]{1,50}$/.test(label))
      throw new DeliveryError(`JiraTracker: not an ownercost label: ${label}`);
    const jql = `project = "${key}" AND labels = "${label}"${openOnly ? ' AND statusCategory != Done' : ''} ORDER BY created ASC`;
    const refs: TicketRef[] = [];
    let nextPageToken: string | undefined;
    for (let page = 0; page < 50; page++) {
      const res = (await this.call(`search project ${key} for label ${label}`, () =>
        this.client.issueSearch.searchForIssuesUsingJqlEnhancedSearch({
          jql,
          fields: FIELDS,
          maxResults: 100,
          ...(nextPageToken ? { nextPageToken } : {}),
        }),
      )) as { issues?: JiraIssue[]; nextPageToken?: string; isLast?: boolean };
      for (const issue of res.issues ?? []) {
        if (issue.key) refs.push(this.toRef(issue));
      }
      nextPageToken = res.nextPageToken ?? undefined;
      if (!nextPageToken || res.isLast) break;
    }
    return refs;
  }

  private toRef(issue: JiraIssue): TicketRef {
    const f = issue.fields ?? {};
    const key = issue.key as string;
    return {
      key,
      ...(issue.id ? { id: String(issue.id) } : {}),
      url: this.browseUrl(key),
      title: f.summary ?? '',
      state: this.stateOf(f),
      labels: f.labels ?? [],
      marker: parseTicketMarker(adfText(f.description)),
    };
  }

  private stateOf(f: NonNullable<JiraIssue['fields']>): TicketState {
    if (f.status?.statusCategory?.key !== 'done') return 'open';
    const resolution = f.resolution?.name?.toLowerCase();
    return resolution && this.wontDo.has(resolution) ? 'closed-wont-do' : 'closed-done';
  }

  private browseUrl(key: string): string {
    return `${this.host}/browse/${encodeURIComponent(key)}`;
  }

  /** Account id for an email (cached); null when Jira does not reveal exactly one user for it. */
  private async accountId(assignee: string): Promise<string | null> {
    if (!assignee.includes('@')) return null;
    const cached = this.accountIds.get(assignee);
    if (cached !== undefined) return cached;
    const users = (await this.call('look up the assignee', () =>
      this.client.userSearch.findUsers({ query: assignee, maxResults: 10 }),
    )) as { accountId?: string; emailAddress?: string }[];
    const exact = users.filter((u) => u.emailAddress?.toLowerCase() === assignee.toLowerCase());
    const pick = exact.length === 1 ? exact[0] : users.length === 1 ? users[0] : undefined;
    const id = pick?.accountId ?? null;
    this.accountIds.set(assignee, id);
    return id;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const status = statusOf(err);
      throw new DeliveryError(
        redact(`JiraTracker: ${what} at ${this.host} failed: ${reasonOf(err)}`, this.secrets),
        status === undefined ? {} : { status },
      );
    }
  }
}

/** Jira project keys are upper-case letters, digits and underscores, starting with a letter. */
function projectKey(project: string): string {
  if (!/^[A-Z][A-Z0-9_]{0,254}$/.test(project)) {
    throw new DeliveryError(`JiraTracker: "${project}" is not a Jira project key such as MLP`);
  }
  return project;
}
