/** Shared fixtures and builders for the delivery tests. */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FsObjectStore } from '../../adapters/storage/fs.js';
import type { TicketRef } from '../../core/delivery/ports.js';
import type { Finding } from '../../core/findings/types.js';
import type { SlackPayload, TeamDelivery } from '../../functions/deliver.js';

const fixtures = fileURLToPath(new URL('../fixtures/delivery/', import.meta.url));

export async function loadFindings(): Promise<Finding[]> {
  return JSON.parse(await readFile(path.join(fixtures, 'findings.json'), 'utf8')) as Finding[];
}

export async function loadSlackPayload(): Promise<SlackPayload> {
  return JSON.parse(await readFile(path.join(fixtures, 'slack-payload.json'), 'utf8')) as SlackPayload;
}

export async function loadCsv(): Promise<string> {
  return readFile(path.join(fixtures, 'allocations.csv'), 'utf8');
}

export async function tempStore(): Promise<{ store: FsObjectStore; dir: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ownercost-delivery-'));
  return { store: new FsObjectStore(path.join(dir, 'store')), dir };
}

export function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    type: 'overprovisioned-requests',
    fingerprint: 'abc123',
    cluster: 'prod',
    namespace: 'web',
    workload: 'Deployment/frontend',
    team: 'web',
    title: 'Lower CPU requests of Deployment/frontend',
    finding: 'frontend requests 4 cores and uses 0.3.',
    evidence: [{ label: 'CPU', value: '4 requested, p95 0.3' }],
    action: 'kubectl set resources deployment/frontend --requests=cpu=500m',
    risk: 'Throttling at peaks.',
    rollback: 'kubectl rollout undo deployment/frontend',
    reviewer: 'jane.doe@example.com',
    monthlySavings: 100,
    confidence: 'high',
    ...overrides,
  };
}

export function ticket(overrides: Partial<TicketRef> = {}): TicketRef {
  return {
    key: 'T-1',
    url: 'https://tracker.example/T-1',
    title: 't',
    state: 'open',
    labels: [],
    marker: null,
    ...overrides,
  };
}

/** One team's delivery with every channel, as the weekly pipeline would hand it over. */
export async function teamDelivery(
  team: string,
  findings: Finding[],
  options: { channel?: string; to?: string[]; tracker?: TeamDelivery['tracker'] } = {},
): Promise<TeamDelivery> {
  const payload = await loadSlackPayload();
  return {
    team,
    slack: { channel: options.channel ?? `#${team}-costs`, payload },
    email: {
      to: options.to ?? [`${team.replace(/[^a-z0-9-]/gi, '')}-leads@example.com`],
      subject: `ownercost: ${team} spent 18,204.11 USD in 2026-W12`,
      html: `<h1>${team}</h1><p>18,204.11 USD this week.</p>`,
      text: `${team}\n18,204.11 USD this week.\n`,
      csv: await loadCsv(),
    },
    findings: findings.filter((f) => f.team === team),
    ...(options.tracker ? { tracker: options.tracker } : {}),
    reviewer: 'jane.doe@example.com',
  };
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`rejected with a non-Error: ${String(err)}`);
  }
  throw new Error('expected a rejection, but the promise resolved');
}
