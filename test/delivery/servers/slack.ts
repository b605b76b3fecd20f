/**
 * A Slack Web API on 127.0.0.1 for @slack/web-api (`slackApiUrl: <url>/api/`): chat.postMessage
 * with form or JSON bodies, auth.test, a 429 with Retry-After on demand, HTTP 500 for chosen channels.
 */
import { fnv1a } from '../../../core/snapshots/keys.js';
import { type LocalServer, startServer } from './http.js';

export interface SlackPostRecord {
  channel: string;
  /** The channel as the client sent it. */
  requested: string;
  text: string;
  blocks: unknown[];
  threadTs?: string;
  ts: string;
  /** Server time of arrival (ms). */
  at: number;
}

export interface FakeSlack {
  server: LocalServer;
  apiUrl: string;
  posts: SlackPostRecord[];
  /** Channels (name or id) that answer HTTP 500. */
  failing: Set<string>;
  /** Channels that answer 429 with `Retry-After: 1` to their next post, once each. */
  rateLimitNext: Set<string>;
  /** Times (ms) a 429 was sent. */
  rateLimitedAt: number[];
  close(): Promise<void>;
}

export const SLACK_TOKEN = 'xoxb-test-0000-SECRET-slack-token';

export function channelId(name: string): string {
  return /^C[A-Z0-9]+$/.test(name) ? name : `C${fnv1a(name).toUpperCase()}`;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const posts: SlackPostRecord[] = [];
  const failing = new Set<string>();
  const rateLimitNext = new Set<string>();
  const rateLimitedAt: number[] = [];
  let seq = 0;
  const server = await startServer((req) => {
    if (req.headers.authorization !== `Bearer ${SLACK_TOKEN}`)
      return { json: { ok: false, error: 'invalid_auth' } };
    const method = req.path.replace(/^\/api\//, '');
    if (method === 'auth.test') return { json: { ok: true, team_id: 'T1', user_id: 'U1' } };
    if (method !== 'chat.postMessage') return { json: { ok: false, error: 'unknown_method' } };
    const body = (req.body ?? {}) as Record<string, unknown>;
    const requested = String(body.channel ?? '');
    const id = channelId(requested);
    if (failing.has(requested) || failing.has(id)) return { status: 500, text: 'internal error' };
    if (rateLimitNext.has(requested) || rateLimitNext.has(id)) {
      rateLimitNext.delete(requested);
      rateLimitNext.delete(id);
      rateLimitedAt.push(Date.now());
      return { status: 429, headers: { 'retry-after': '1' }, json: { ok: false, error: 'ratelimited' } };
    }
    if (!requested) return { json: { ok: false, error: 'channel_not_found' } };
    const blocks = typeof body.blocks === 'string' ? JSON.parse(body.blocks) : (body.blocks ?? []);
    seq++;
    const ts = `${1_700_000_000 + seq}.${String(seq).padStart(6, '0')}`;
    posts.push({
      channel: id,
      requested,
      text: String(body.text ?? ''),
      blocks: blocks as unknown[],
      ...(body.thread_ts ? { threadTs: String(body.thread_ts) } : {}),
      ts,
      at: Date.now(),
    });
    return { json: { ok: true, channel: id, ts, message: { ts } } };
  });
  return {
    server,
    apiUrl: `${server.url}/api/`,
    posts,
    failing,
    rateLimitNext,
    rateLimitedAt,
    close: () => server.close(),
  };
}
