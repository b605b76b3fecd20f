/**
 * SlackNotifier over @slack/web-api's WebClient. Slack allows about one message per second per
 * channel; posts to one channel go through a pacing queue here. HTTP 429 is handled by the
 * client: it waits the `Retry-After` seconds, then retries within `retryConfig` (keep at least one
 * retry, or a rate-limited post fails instead of waiting). Errors name the channel (and the team
 * when given) and never the token.
 */
import {
  LogLevel,
  type RetryOptions,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  WebClient,
} from '@slack/web-api';
import type { SlackNotifier, SlackPost, SlackPosted } from '../../core/delivery/ports.js';
import { DeliveryError, redact } from './errors.js';

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Production retry policy: a few attempts over about a minute (429s additionally wait Retry-After). */
export const DEFAULT_SLACK_RETRY: RetryOptions = {
  retries: 4,
  factor: 2,
  minTimeout: 2_000,
  maxTimeout: 30_000,
};

export interface SlackNotifierOptions {
  token: string;
  /** Web API base URL with a trailing slash; default `https://slack.com/api/`. */
  slackApiUrl?: string;
  retryConfig?: RetryOptions;
  /** Minimum time between two posts to the same channel; default 1100 ms. */
  minIntervalMs?: number;
  /** Per-request timeout; default 30 s. */
  timeoutMs?: number;
  clock?: Clock;
}

/** Runs tasks one after another per key, starting each at least `intervalMs` after the previous one. */
export class KeyedPacer {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly lastStart = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly clock: Clock = systemClock,
  ) {}

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release = (): void => {};
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => done);
    this.tails.set(key, tail);
    try {
      await previous;
      const last = this.lastStart.get(key);
      if (last !== undefined) {
        const wait = last + this.intervalMs - this.clock.now();
        if (wait > 0) await this.clock.sleep(wait);
      }
      this.lastStart.set(key, this.clock.now());
      return await task();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

export class WebApiSlackNotifier implements SlackNotifier {
  private readonly client: WebClient;
  private readonly pacer: KeyedPacer;
  private readonly token: string;
  /** Channel ids Slack returned, mapped to the name they were posted as, so both share one pace. */
  private readonly aliases = new Map<string, string>();

  constructor(options: SlackNotifierOptions) {
    this.token = options.token;
    this.client = new WebClient(options.token, {
      slackApiUrl: options.slackApiUrl ?? 'https://slack.com/api/',
      retryConfig: options.retryConfig ?? DEFAULT_SLACK_RETRY,
      timeout: options.timeoutMs ?? 30_000,
      logLevel: LogLevel.ERROR,
      rejectRateLimitedCalls: false,
    });
    this.pacer = new KeyedPacer(options.minIntervalMs ?? 1_100, options.clock ?? systemClock);
  }

  async postMessage(post: SlackPost): Promise<SlackPosted> {
    const paceKey = this.aliases.get(post.channel) ?? post.channel;
    return this.pacer.run(paceKey, async () => {
      try {
        const res = await this.client.chat.postMessage({
          channel: post.channel,
          text: post.text,
          // biome-ignore lint/suspicious/noExplicitAny: blocks are rendered and validated upstream
          blocks: post.blocks as any[],
          unfurl_links: false,
          unfurl_media: false,
          ...(post.threadTs ? { thread_ts: post.threadTs } : {}),
        });
        if (!res.ok || typeof res.ts !== 'string') {
          throw new DeliveryError(`SlackNotifier: chat.postMessage returned no ts${this.where(post)}`);
        }
        const channel = typeof res.channel === 'string' ? res.channel : post.channel;
        if (channel !== paceKey) this.aliases.set(channel, paceKey);
        return { ts: res.ts, channel };
      } catch (err) {
        if (err instanceof DeliveryError) throw err;
        throw this.wrap(err, post);
      }
    });
  }

  private where(post: SlackPost): string {
    const team = post.team === undefined ? '' : ` for team ${JSON.stringify(post.team)}`;
    return `${team} in channel ${JSON.stringify(post.channel)}${post.threadTs ? ' (thread reply)' : ''}`;
  }

  private wrap(err: unknown, post: SlackPost): DeliveryError {
    let reason: string;
    let status: number | undefined;
    if (err instanceof WebAPIPlatformError) {
      reason = `Slack error ${err.data.error}`;
    } else if (err instanceof WebAPIHTTPError) {
      status = err.statusCode;
      reason = `HTTP ${err.statusCode} ${err.statusMessage}`;
    } else if (err instanceof WebAPIRateLimitedError) {
      status = 429;
      reason = `rate limited (retry after ${err.retryAfter} s)`;
    } else if (err instanceof WebAPIRequestError) {
      reason = `request failed: ${err.original.message}`;
    } else {
      reason = err instanceof Error ? err.message : String(err);
    }
    const message = `SlackNotifier: chat.postMessage failed${this.where(post)}: ${reason}`;
    return new DeliveryError(redact(message, [this.token]), status === undefined ? {} : { status });
  }
}
