/**
 * Resolves secret references from the config (`env:NAME`; `aws-sm:…`, `gcp-sm:…`, `azure-kv:…`
 * are reserved for secret managers not in this build). Errors name the reference kind and, for
 * `env:`, the variable, never a value.
 */
import { UsageError } from '../../core/schema/errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

export class SecretError extends UsageError {
  override name = 'SecretError';
}

const MANAGERS: Record<string, string> = {
  'aws-sm': 'AWS Secrets Manager',
  'gcp-sm': 'GCP Secret Manager',
  'azure-kv': 'Azure Key Vault',
};

/** The secret a reference points at. `what` names the setting in errors (`delivery.slack.token`). */
export function resolveSecret(ref: string, env: Env = process.env, what = 'secret'): string {
  const colon = ref.indexOf(':');
  const kind = colon > 0 ? ref.slice(0, colon) : '';
  const name = ref.slice(colon + 1);
  if (kind === 'env') {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new SecretError(`${what}: env reference must be env:NAME with NAME a variable name`);
    }
    const value = env[name];
    if (value === undefined || value === '') {
      throw new SecretError(`${what}: environment variable ${name} (from env:${name}) is not set`);
    }
    return value;
  }
  const manager = MANAGERS[kind];
  if (manager) {
    throw new SecretError(
      `${what}: ${kind}: references (${manager}) are not supported in this build; use env:NAME`,
    );
  }
  throw new SecretError(`${what}: not a secret reference; use env:NAME`);
}
