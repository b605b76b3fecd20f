/** A record or line that was skipped, with where it came from. Reported, never thrown. */
export interface BadInput {
  file: string;
  line: number;
  reason: string;
}

/** An error a user can act on: names the component, the action and the key (never a secret). */
export class OwnercostError extends Error {
  override name = 'OwnercostError';
}

/** Bad command-line or configuration input: the CLI prints the message and exits 2. */
export class UsageError extends OwnercostError {
  override name = 'UsageError';
}
