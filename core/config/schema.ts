/**
 * `ownercost.yaml`, parsed by one zod schema (DESIGN.md, "Configuration"). Objects are strict, so
 * a typo is an error naming the key. Secrets are references (`env:NAME`, `aws-sm:…`, `gcp-sm:…`,
 * `azure-kv:…`), never values.
 */
import { z } from 'zod';
import { DEFAULT_WEIGHTS } from '../allocation/types.js';
import { DEFAULT_CLUSTER_TAG_KEYS } from '../billing/classify.js';
import { DEFAULT_OWNER_POLICY, OWNER_ATTRIBUTES } from '../owners/resolve.js';
import { COST_METRICS } from '../schema/costLine.js';

export const SecretRef = z.string().regex(/^(env|aws-sm|gcp-sm|azure-kv):[A-Za-z0-9_./:-]+$/, {
  message:
    'must be a secret reference such as env:NAME, aws-sm:<id>, gcp-sm:<name> or azure-kv:<vault>/<name>',
});

const ownerAttrs = Object.fromEntries(OWNER_ATTRIBUTES.map((a) => [a, z.string().optional()])) as Record<
  (typeof OWNER_ATTRIBUTES)[number],
  z.ZodOptional<z.ZodString>
>;

export const ConfigSchema = z
  .object({
    currency: z.string().length(3).default('USD'),
    costMetric: z.enum(COST_METRICS).default('EffectiveCost'),
    store: z.string().default('file://./.ownercost/store'),
    clusters: z
      .array(
        z
          .object({
            name: z.string().min(1),
            provider: z.enum(['aws', 'gcp', 'azure']),
            region: z.string().optional(),
          })
          .strict(),
      )
      .default([]),
    billing: z
      .object({
        engine: z.enum(['duckdb', 'athena', 'bigquery', 'azure']).default('duckdb'),
        duckdb: z
          .object({ paths: z.array(z.string()).min(1) })
          .strict()
          .optional(),
        clusterTagKeys: z.array(z.string()).default([...DEFAULT_CLUSTER_TAG_KEYS]),
      })
      .strict()
      .default({ engine: 'duckdb', clusterTagKeys: [...DEFAULT_CLUSTER_TAG_KEYS] }),
    allocation: z
      .object({
        idle: z.enum(['separate', 'share']).default('separate'),
        weights: z
          .object({
            cpu: z.number().nonnegative(),
            ramGiB: z.number().nonnegative(),
            gpu: z.number().nonnegative(),
          })
          .strict()
          .default(DEFAULT_WEIGHTS),
        shared: z
          .object({
            namespaces: z.array(z.string()).default(['kube-system', 'monitoring']),
            labels: z.record(z.string(), z.string()).default({}),
            split: z
              .union([z.enum(['weighted', 'even']), z.record(z.string(), z.number().min(0).max(100))])
              .default('weighted'),
          })
          .strict()
          .default({ namespaces: ['kube-system', 'monitoring'], labels: {}, split: 'weighted' }),
        networkPrices: z
          .object({
            'cross-zone': z.number().nonnegative(),
            'cross-region': z.number().nonnegative(),
            internet: z.number().nonnegative(),
            nat: z.number().nonnegative(),
          })
          .strict()
          .default({ 'cross-zone': 0.01, 'cross-region': 0.02, internet: 0.09, nat: 0.045 }),
      })
      .strict()
      .prefault({}),
    owners: z
      .object({
        labels: z
          .object(Object.fromEntries(OWNER_ATTRIBUTES.map((a) => [a, z.array(z.string()).optional()])))
          .strict()
          .default({}),
        namespaces: z.array(z.object({ match: z.string().min(1), ...ownerAttrs }).strict()).default([]),
        platformTeam: z.string().default(DEFAULT_OWNER_POLICY.platformTeam),
      })
      .strict()
      .prefault({}),
    teams: z
      .record(
        z.string(),
        z
          .object({
            slack: z.string().optional(),
            email: z.array(z.string()).optional(),
            tickets: z
              .object({ tracker: z.enum(['jira', 'github', 'linear']), project: z.string() })
              .strict()
              .optional(),
            reviewer: z.string().optional(),
          })
          .strict(),
      )
      .default({}),
    delivery: z
      .object({
        slack: z
          .object({
            token: SecretRef,
            /** Web API base URL (GovSlack, a proxy); default https://slack.com/api/. */
            apiUrl: z.string().url().optional(),
            /** Retries of a failed post (HTTP 5xx, network), with backoff; 429s also wait Retry-After. */
            retries: z.number().int().min(0).max(10).default(4),
          })
          .strict()
          .optional(),
        email: z
          .object({
            transport: z.enum(['smtp', 'ses']),
            url: SecretRef.optional(),
            from: z.string(),
            /** List-Unsubscribe targets: a mailto: URI and an https one-click (RFC 8058) endpoint. */
            unsubscribe: z
              .object({
                mailto: z.string().startsWith('mailto:').optional(),
                url: z.string().url().startsWith('https://').optional(),
              })
              .strict()
              .optional(),
          })
          .strict()
          .optional(),
        tickets: z
          .object({
            maxNewPerTeamPerRun: z.number().int().positive().default(5),
            /** A won't-do ticket speaks again only when the saving grows by more than this factor. */
            wontDoFactor: z.number().gt(1).default(2),
            jira: z
              .object({
                url: z.string().url(),
                email: z.union([SecretRef, z.string().email()]),
                token: SecretRef,
              })
              .strict()
              .optional(),
            github: z.object({ token: SecretRef, baseUrl: z.string().url().optional() }).strict().optional(),
            linear: z.object({ apiKey: SecretRef, apiUrl: z.string().url().optional() }).strict().optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .default({}),
    findings: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
