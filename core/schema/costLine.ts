/**
 * A normalized billing line, with FOCUS 1.2 column names. Every billing adapter (DuckDB over
 * FOCUS or CUR 2.0, Athena, BigQuery, Azure Cost Management) returns these.
 * Money is in `BillingCurrency`; the charge period is half-open [start, end), UTC.
 */
import { z } from 'zod';

export const COST_METRICS = ['EffectiveCost', 'BilledCost', 'ListCost'] as const;
export const CostMetric = z.enum(COST_METRICS);
export type CostMetric = z.infer<typeof CostMetric>;

export const CostLine = z.object({
  ChargePeriodStart: z.iso.datetime({ offset: false }),
  ChargePeriodEnd: z.iso.datetime({ offset: false }),
  BilledCost: z.number(),
  EffectiveCost: z.number(),
  ListCost: z.number(),
  BillingCurrency: z.string(),
  ProviderName: z.string().nullable(),
  ServiceName: z.string().nullable(),
  ServiceCategory: z.string().nullable(),
  ChargeCategory: z.string().nullable(),
  ResourceId: z.string().nullable(),
  SkuId: z.string().nullable(),
  RegionId: z.string().nullable(),
  AvailabilityZone: z.string().nullable(),
  ConsumedQuantity: z.number().nullable(),
  ConsumedUnit: z.string().nullable(),
  Tags: z.record(z.string(), z.string()),
  /** Provider usage type (AWS `line_item_usage_type`, FOCUS `x_UsageType`), used to classify transfer. */
  x_UsageType: z.string().nullable(),
});
export type CostLine = z.infer<typeof CostLine>;
