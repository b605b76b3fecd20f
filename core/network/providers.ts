/**
 * Parsers of the three published cloud IP-range formats, from already-parsed JSON (the adapter
 * reads files and URLs):
 *
 * - AWS `ip-ranges.json`: `prefixes[{ip_prefix, region, service, network_border_group}]` and
 *   `ipv6_prefixes[{ipv6_prefix, …}]`. A range is often listed twice, under AMAZON (the superset)
 *   and under its specific service, so services are ranked: S3 > other specific services > EC2 >
 *   AMAZON.
 * - GCP `cloud.json`: `prefixes[{ipv4Prefix | ipv6Prefix, service, scope}]`. Every entry is
 *   "Google Cloud": Cloud Storage cannot be told apart from other Google APIs by address.
 * - Azure Service Tags: `values[{name, id, properties{region, systemService, addressPrefixes}}]`.
 *   `Storage.<Region>` (systemService AzureStorage) is `azure-storage`; other service tags are
 *   `azure-<service>`; `AzureCloud[.<region>]` is plain `azure`. Regional tags outrank global ones.
 *
 * Entries that do not parse are counted, never thrown.
 */
import { parseCidr } from './ip.js';

export type CloudProvider = 'aws' | 'gcp' | 'azure';

export interface ProviderPrefix {
  cidr: string;
  provider: CloudProvider;
  /** Lower-case service tag: `s3`, `ec2`, `amazon`, `google-cloud`, `azure-storage`, `azure`… */
  service: string;
  /** Provider region (`us-east-1`, `us-central1`, `eastus`), or null for global ranges. */
  region: string | null;
  /** Higher wins when ranges overlap (see the module comment). */
  priority: number;
}

export interface ProviderRanges {
  provider: CloudProvider;
  prefixes: ProviderPrefix[];
  /** Entries skipped because a field was missing or the CIDR did not parse. */
  skipped: number;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** AWS service ranking: S3 before any other specific service, before EC2, before AMAZON. */
export function awsServicePriority(service: string): number {
  switch (service.toUpperCase()) {
    case 'S3':
      return 4;
    case 'EC2':
      return 2;
    case 'AMAZON':
      return 1;
    default:
      return 3;
  }
}

function normRegion(region: string | null): string | null {
  if (!region) return null;
  const r = region.trim().toLowerCase();
  return r === '' || r === 'global' ? null : r;
}

export function parseAwsIpRanges(json: unknown): ProviderRanges {
  const prefixes: ProviderPrefix[] = [];
  let skipped = 0;
  const add = (list: unknown, key: 'ip_prefix' | 'ipv6_prefix') => {
    if (!Array.isArray(list)) return;
    for (const item of list) {
      const cidr = isObj(item) ? str(item[key]) : null;
      const service = isObj(item) ? str(item.service) : null;
      if (!cidr || !service || !parseCidr(cidr)) {
        skipped++;
        continue;
      }
      prefixes.push({
        cidr,
        provider: 'aws',
        service: service.toLowerCase().replace(/_/g, '-'),
        region: normRegion(str((item as Record<string, unknown>).region)),
        priority: awsServicePriority(service),
      });
    }
  };
  if (isObj(json)) {
    add(json.prefixes, 'ip_prefix');
    add(json.ipv6_prefixes, 'ipv6_prefix');
  }
  return { provider: 'aws', prefixes, skipped };
}

export function parseGcpCloud(json: unknown): ProviderRanges {
  const prefixes: ProviderPrefix[] = [];
  let skipped = 0;
  const list = isObj(json) && Array.isArray(json.prefixes) ? json.prefixes : [];
  for (const item of list) {
    const cidr = isObj(item) ? (str(item.ipv4Prefix) ?? str(item.ipv6Prefix)) : null;
    if (!cidr || !parseCidr(cidr)) {
      skipped++;
      continue;
    }
    const service = str((item as Record<string, unknown>).service) ?? 'Google Cloud';
    prefixes.push({
      cidr,
      provider: 'gcp',
      service: service.toLowerCase().replace(/[\s_]+/g, '-'),
      region: normRegion(str((item as Record<string, unknown>).scope)),
      priority: 1,
    });
  }
  return { provider: 'gcp', prefixes, skipped };
}

/** `AzureStorage` → azure-storage, `AzureSQL` → azure-sql, `` (AzureCloud) → azure. */
export function azureServiceName(systemService: string): string {
  if (systemService === '') return 'azure';
  const bare = systemService.replace(/^Azure/, '');
  const kebab = bare
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .toLowerCase()
    .replace(/^-|-$/g, '');
  return kebab === '' ? 'azure' : `azure-${kebab}`;
}

export function parseAzureServiceTags(json: unknown): ProviderRanges {
  const prefixes: ProviderPrefix[] = [];
  let skipped = 0;
  const values = isObj(json) && Array.isArray(json.values) ? json.values : [];
  for (const tag of values) {
    const props = isObj(tag) && isObj(tag.properties) ? tag.properties : null;
    const list = props && Array.isArray(props.addressPrefixes) ? props.addressPrefixes : null;
    if (!props || !list) {
      skipped++;
      continue;
    }
    const systemService = str(props.systemService) ?? '';
    const region = normRegion(str(props.region));
    const service = azureServiceName(systemService);
    const base = service === 'azure-storage' ? 3 : service === 'azure' ? 1 : 2;
    const priority = base * 2 + (region ? 1 : 0);
    for (const cidr of list) {
      if (typeof cidr !== 'string' || !parseCidr(cidr)) {
        skipped++;
        continue;
      }
      prefixes.push({ cidr, provider: 'azure', service, region, priority });
    }
  }
  return { provider: 'azure', prefixes, skipped };
}

/** Recognises the format by its top-level keys; null when it is none of the three. */
export function parseProviderRanges(json: unknown): ProviderRanges | null {
  if (!isObj(json)) return null;
  if (Array.isArray(json.values)) return parseAzureServiceTags(json);
  if (Array.isArray(json.ipv6_prefixes) || (Array.isArray(json.prefixes) && isAwsList(json.prefixes))) {
    return parseAwsIpRanges(json);
  }
  if (Array.isArray(json.prefixes)) return parseGcpCloud(json);
  return null;
}

function isAwsList(list: unknown[]): boolean {
  const first = list.find(isObj);
  return first !== undefined && 'ip_prefix' in first;
}
