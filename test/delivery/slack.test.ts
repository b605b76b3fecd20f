/** WebApiSlackNotifier through @slack/web-api against a local Web API server. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KeyedPacer, WebApiSlackNotifier } from '../../adapters/delivery/slack.js';
import { failure } from './helpers.js';
import { channelId, type FakeSlack, SLACK_TOKEN, startFakeSlack } from './servers/slack.js';

let slack: FakeSlack;
const fastRetry = { retries: 2, minTimeout: 0, maxTimeout: 10 };

beforeAll(async () => {
  slack = await startFakeSlack();
});
afterAll(async () => {
  await slack.close();
});
beforeEach(() => {
  slack.posts.length = 0;
  slack.failing.clear();
  slack.rateLimitNext.clear();
  slack.rateLimitedAt.length = 0;
});

const notifier = (minIntervalMs = 0, token = SLACK_TOKEN) =>
  new WebApiSlackNotifier({ token, slackApiUrl: slack.apiUrl, retryConfig: fastRetry, minIntervalMs });

describe('WebApiSlackNotifier', () => {
  it('posts a message with its blocks and a reply that carries thread_ts', async () => {
    const n = notifier();
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*hello* & <b>' } }];
    const posted = await n.postMessage({ channel: '#ml-platform-costs', text: 'hello', blocks });
    expect(posted.channel).toBe(channelId('#ml-platform-costs'));
    const reply = await n.postMessage({
      channel: posted.channel,
      text: 'details',
      blocks: [],
      threadTs: posted.ts,
    });
    expect(slack.posts).toHaveLength(2);
    expect(slack.posts[0]).toMatchObject({ requested: '#ml-platform-costs', text: 'hello', blocks });
    expect(slack.posts[0]?.threadTs).toBeUndefined();
    expect(slack.posts[1]).toMatchObject({ channel: posted.channel, threadTs: posted.ts, ts: reply.ts });
  });

  it('spaces posts to one channel by the minimum interval, and not posts to different channels', async () => {
    const n = notifier(300);
    await Promise.all([
      n.postMessage({ channel: '#a', text: '1', blocks: [] }),
      n.postMessage({ channel: '#a', text: '2', blocks: [] }),
      n.postMessage({ channel: '#a', text: '3', blocks: [] }),
      n.postMessage({ channel: '#b', text: 'x', blocks: [] }),
    ]);
    const a = slack.posts.filter((p) => p.requested === '#a');
    expect(a.map((p) => p.text)).toEqual(['1', '2', '3']);
    for (let i = 1; i < a.length; i++) {
      expect((a[i] as { at: number }).at - (a[i - 1] as { at: number }).at).toBeGreaterThanOrEqual(250);
    }
    const b = slack.posts.find((p) => p.requested === '#b');
    expect((b?.at ?? 0) - (a[0]?.at ?? 0)).toBeLessThan(250);
  });

  it('paces a thread reply sent to the channel id with the message sent to the channel name', async () => {
    const n = notifier(300);
    const posted = await n.postMessage({ channel: '#c', text: 'm', blocks: [] });
    await n.postMessage({ channel: posted.channel, text: 'r', blocks: [], threadTs: posted.ts });
    expect((slack.posts[1]?.at ?? 0) - (slack.posts[0]?.at ?? 0)).toBeGreaterThanOrEqual(250);
  });

  it('waits the Retry-After seconds of a 429 and then posts once', async () => {
    slack.rateLimitNext.add('#limited');
    const started = Date.now();
    const posted = await notifier().postMessage({ channel: '#limited', text: 'm', blocks: [] });
    expect(slack.rateLimitedAt).toHaveLength(1);
    const post = slack.posts.find((p) => p.ts === posted.ts);
    expect(slack.posts.filter((p) => p.requested === '#limited')).toHaveLength(1);
    expect((post?.at ?? 0) - (slack.rateLimitedAt[0] ?? 0)).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('fails after the retries on HTTP 500, naming the team and channel but never the token', async () => {
    slack.failing.add('#down');
    const err = await failure(
      notifier().postMessage({ channel: '#down', text: 'm', blocks: [], team: 'ml-platform' }),
    );
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toContain('"ml-platform"');
    expect(err.message).toContain('"#down"');
    expect(err.message).toContain('HTTP 500');
    expect(`${err.message}\n${err.stack}\n${JSON.stringify(err)}`).not.toContain(SLACK_TOKEN);
    expect((err as { cause?: unknown }).cause).toBeUndefined();
    expect(
      slack.server.requests.filter((r) => (r.body as { channel?: string })?.channel === '#down'),
    ).toHaveLength(3);
  });

  it('reports a Slack API error such as invalid_auth without the token', async () => {
    const token = 'xoxb-wrong-SECRET-token';
    const err = await failure(notifier(0, token).postMessage({ channel: '#x', text: 'm', blocks: [] }));
    expect(err.message).toContain('invalid_auth');
    expect(err.message).not.toContain(token);
  });
});

describe('KeyedPacer', () => {
  it('runs tasks of one key in order, each at least the interval after the previous start', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const clock = {
      now: () => now,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        now += ms;
      },
    };
    const pacer = new KeyedPacer(1000, clock);
    const starts: [string, number][] = [];
    const task = (id: string) => async () => {
      starts.push([id, now]);
      now += 10;
    };
    await Promise.all([pacer.run('a', task('a1')), pacer.run('a', task('a2')), pacer.run('b', task('b1'))]);
    expect(starts).toEqual([
      ['a1', 0],
      ['b1', 10],
      ['a2', 1000],
    ]);
  });

  it('keeps going after a failed task', async () => {
    const pacer = new KeyedPacer(0);
    await expect(pacer.run('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(pacer.run('k', async () => 'ok')).resolves.toBe('ok');
  });
});
