/**
 * Errors of the delivery adapters. Messages name the component, the operation and the target;
 * SDK errors are summarised (status, API error code) and never attached as `cause`, because
 * several SDKs keep the request (with its Authorization header) on their errors.
 */
import { OwnercostError } from '../../core/schema/errors.js';

export class DeliveryError extends OwnercostError {
  override name = 'DeliveryError';
  /** HTTP status of the failed call, when there was one. */
  readonly status: number | undefined;
  constructor(message: string, options?: { status?: number }) {
    super(message);
    this.status = options?.status;
  }
}

/** Replaces every occurrence of each secret (and its URL-encoded form) with `[redacted]`. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) {
    if (!s || s.length < 4) continue;
    for (const form of new Set([s, encodeURIComponent(s)])) out = out.split(form).join('[redacted]');
  }
  return out;
}

interface ErrorLike {
  message?: unknown;
  status?: unknown;
  statusCode?: unknown;
  code?: unknown;
  response?: { status?: unknown; data?: unknown };
  data?: { error?: unknown };
}

/** HTTP status carried by an SDK error (Octokit, jira.js/axios, Slack, AWS), if any. */
export function statusOf(err: unknown): number | undefined {
  const e = err as ErrorLike | null;
  const candidates = [e?.status, e?.statusCode, e?.response?.status];
  const meta = (err as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  for (const c of [...candidates, meta]) if (typeof c === 'number') return c;
  return undefined;
}

/** A one-line reason for an SDK error, without request details, cut to 300 characters. */
export function reasonOf(err: unknown): string {
  if (!(err instanceof Error) && typeof err !== 'object') return String(err).slice(0, 300);
  const e = err as ErrorLike;
  const parts: string[] = [];
  const status = statusOf(err);
  if (status !== undefined) parts.push(`HTTP ${status}`);
  if (typeof e.data?.error === 'string') parts.push(e.data.error);
  const data = e.response?.data as
    | { errorMessages?: unknown; errors?: unknown; message?: unknown }
    | undefined;
  if (data && typeof data === 'object') {
    if (Array.isArray(data.errorMessages) && data.errorMessages.length > 0)
      parts.push(data.errorMessages.join('; '));
    if (data.errors && typeof data.errors === 'object' && Object.keys(data.errors).length > 0) {
      parts.push(JSON.stringify(data.errors));
    }
  }
  if (typeof e.message === 'string' && e.message) parts.push(e.message);
  return [...new Set(parts)].join(': ').replace(/\s+/g, ' ').slice(0, 300) || 'unknown error';
}
