/**
 * Configuration of the DuckDB billing source: which local files or folders hold the bill, and how
 * to read them. Validated once, before any file is touched.
 */
import { z } from 'zod';
import { UsageError } from '../../../core/schema/errors.js';

export const DuckDbBillingOptions = z
  .object({
    /** DuckDB worker threads; DuckDB's default (all cores) when absent. */
    threads: z.number().int().positive().optional(),
    /** DuckDB memory limit, e.g. `2GB`. */
    memoryLimit: z
      .string()
      .regex(/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'a size such as 2GB')
      .optional(),
    /**
     * Original tag keys (e.g. `app.kubernetes.io/team`) to restore from the sanitized keys of CUR 2.0
     * `resource_tags` (`user_app_kubernetes_io_team`). They take precedence over the built-in list.
     */
    tagKeys: z.array(z.string().min(1)).optional(),
    /** How many bad inputs to keep with file and line (all are counted). Default 1000. */
    maxBadInputs: z.number().int().nonnegative().optional(),
  })
  .strict();
export type DuckDbBillingOptions = z.infer<typeof DuckDbBillingOptions>;

export interface DuckDbBillingConfiguration {
  paths: string[];
  options: Required<Pick<DuckDbBillingOptions, 'maxBadInputs'>> & Omit<DuckDbBillingOptions, 'maxBadInputs'>;
}

export const DEFAULT_MAX_BAD_INPUTS = 1000;

/**
 * Checks paths and options, throwing a `UsageError` that names what is wrong
 * (`DuckDbBillingConfiguration: missing paths`). Existence of the paths is checked when opening.
 */
export function validateDuckDbBillingConfiguration(
  paths: readonly string[],
  options: unknown = {},
): DuckDbBillingConfiguration {
  if (!Array.isArray(paths) || paths.length === 0) {
    throw new UsageError('DuckDbBillingConfiguration: missing paths (give at least one file or folder)');
  }
  for (const p of paths) {
    if (typeof p !== 'string' || p.trim() === '') {
      throw new UsageError('DuckDbBillingConfiguration: a billing path is empty');
    }
  }
  const parsed = DuckDbBillingOptions.safeParse(options ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where =
      issue?.path.join('.') || (issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : 'options');
    throw new UsageError(
      `DuckDbBillingConfiguration: invalid option ${where}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return {
    paths: [...paths],
    options: { ...parsed.data, maxBadInputs: parsed.data.maxBadInputs ?? DEFAULT_MAX_BAD_INPUTS },
  };
}
