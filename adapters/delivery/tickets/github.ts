/**
 * TicketTracker over GitHub Issues (@octokit/rest). "Search by label" lists the repository's
 * issues filtered by label (`GET /repos/{owner}/{repo}/issues?labels=…&state=all`), which, unlike
 * the search API, sees an issue as soon as it exists. Pull requests are skipped. Won't-do is
 * `state_reason: not_planned`. The project is `owner/repo`.
 */
import { Octokit } from '@octokit/rest';
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

export interface GitHubOptions {
  token: string;
  /** API base URL; default `https://api.github.com` (GitHub Enterprise: `https://host/api/v3`). */
  baseUrl?: string;
}

interface GitHubIssue {
  number: number;
  html_url: string;
  title: string;
  body?: string | null;
  state: string;
  state_reason?: string | null;
  labels: (string | { name?: string | null })[];
  pull_request?: unknown;
}

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

export class GitHubTracker implements TicketTracker {
  readonly kind = 'github' as const;
  private readonly octokit: Octokit;
  private readonly logins = new Map<string, string | null>();

  constructor(private readonly options: GitHubOptions) {
    this.octokit = new Octokit({
      auth: options.token,
      ...(options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/+$/, '') } : {}),
      userAgent: 'ownercost',
      log: silent,
      request: { timeout: 30_000 },
    });
  }

  findByFingerprint(project: string, fingerprintLabel: string): Promise<TicketRef[]> {
    return this.list(project, fingerprintLabel, 'all');
  }

  findOpenByLabel(project: string, label: string): Promise<TicketRef[]> {
    return this.list(project, label, 'open');
  }

  async create(input: TicketCreate): Promise<TicketRef> {
    const { owner, repo } = repoOf(input.project);
    const body = renderMarkdown(input.body);
    const login = input.assignee ? await this.login(input.assignee) : null;
    const create = (assignees: string[]) =>
      this.octokit.rest.issues.create({
        owner,
        repo,
        title: input.title,
        body,
        labels: input.labels,
        assignees,
      });
    let res: Awaited<ReturnType<typeof create>>;
    try {
      res = await create(login ? [login] : []);
    } catch (err) {
      // An assignee without access to the repository is a 422: file it unassigned rather than not at all.
      if (!(login && statusOf(err) === 422)) throw this.wrap(`create issue in ${owner}/${repo}`, err);
      res = await this.call(`create issue in ${owner}/${repo}`, () => create([]));
    }
    return this.toRef(res.data as GitHubIssue, owner, repo);
  }

  async update(ref: TicketRef, change: { title?: string; body?: TicketDoc }): Promise<void> {
    const { owner, repo, number } = this.target(ref);
    await this.call(`update ${owner}/${repo}#${number}`, () =>
      this.octokit.rest.issues.update({
        owner,
        repo,
        issue_number: number,
        ...(change.title !== undefined ? { title: change.title } : {}),
        ...(change.body !== undefined ? { body: renderMarkdown(change.body) } : {}),
      }),
    );
  }

  async comment(ref: TicketRef, body: TicketDoc): Promise<void> {
    const { owner, repo, number } = this.target(ref);
    await this.call(`comment on ${owner}/${repo}#${number}`, () =>
      this.octokit.rest.issues.createComment({
        owner,
        repo,
        issue_number: number,
        body: renderMarkdown(body),
      }),
    );
  }

  async setMarker(ref: TicketRef, marker: TicketMarker): Promise<void> {
    const { owner, repo, number } = this.target(ref);
    const res = await this.call(`read ${owner}/${repo}#${number}`, () =>
      this.octokit.rest.issues.get({ owner, repo, issue_number: number }),
    );
    const body = replaceMarker(res.data.body, marker);
    await this.call(`update ${owner}/${repo}#${number}`, () =>
      this.octokit.rest.issues.update({ owner, repo, issue_number: number, body }),
    );
  }

  private async list(project: string, label: string, state: 'all' | 'open'): Promise<TicketRef[]> {
    const { owner, repo } = repoOf(project);
    const issues = await this.call(`list issues of ${owner}/${repo} labelled ${label}`, () =>
      this.octokit.paginate(this.octokit.rest.issues.listForRepo, {
        owner,
        repo,
        labels: label,
        state,
        sort: 'created',
        direction: 'asc',
        per_page: 100,
      }),
    );
    return (issues as GitHubIssue[]).filter((i) => !i.pull_request).map((i) => this.toRef(i, owner, repo));
  }

  private toRef(issue: GitHubIssue, owner: string, repo: string): TicketRef {
    return {
      key: String(issue.number),
      id: `${owner}/${repo}#${issue.number}`,
      url: issue.html_url,
      title: issue.title,
      state: stateOf(issue),
      labels: issue.labels
        .map((l) => (typeof l === 'string' ? l : (l.name ?? '')))
        .filter((l) => l.length > 0),
      marker: parseTicketMarker(issue.body),
    };
  }

  private target(ref: TicketRef): { owner: string; repo: string; number: number } {
    const m =
      /^([^/]+)\/([^/#]+)#(\d+)$/.exec(ref.id ?? '') ??
      /^https?:\/\/[^/]+\/([^/]+)\/([^/]+)\/issues\/(\d+)/.exec(ref.url);
    if (!m) throw new DeliveryError(`GitHubTracker: ticket ${ref.key} carries no repository`);
    return { owner: m[1] as string, repo: m[2] as string, number: Number(m[3]) };
  }

  /** GitHub login for an email (only when exactly one user shows it publicly) or a login as given. */
  private async login(assignee: string): Promise<string | null> {
    if (!assignee.includes('@'))
      return /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(assignee) ? assignee : null;
    const cached = this.logins.get(assignee);
    if (cached !== undefined) return cached;
    let login: string | null = null;
    try {
      const res = await this.octokit.rest.search.users({ q: `${assignee} in:email`, per_page: 2 });
      login = res.data.total_count === 1 ? (res.data.items[0]?.login ?? null) : null;
    } catch {
      login = null; // an unknown assignee must not block filing the ticket
    }
    this.logins.set(assignee, login);
    return login;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.wrap(what, err);
    }
  }

  private wrap(what: string, err: unknown): DeliveryError {
    const status = statusOf(err);
    return new DeliveryError(
      redact(`GitHubTracker: ${what} failed: ${reasonOf(err)}`, [this.options.token]),
      status === undefined ? {} : { status },
    );
  }
}

function stateOf(issue: GitHubIssue): TicketState {
  if (issue.state !== 'closed') return 'open';
  return issue.state_reason === 'not_planned' ? 'closed-wont-do' : 'closed-done';
}

function repoOf(project: string): { owner: string; repo: string } {
  const m = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/.exec(project);
  if (!m) throw new DeliveryError(`GitHubTracker: "${project}" is not a repository such as acme/platform`);
  return { owner: m[1] as string, repo: m[2] as string };
}
