import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type ClassifierInput,
  kubecostLabels,
  NetworkClassifier,
  PrefixTrie,
  type ProviderPrefix,
  parseAwsIpRanges,
  parseAzureServiceTags,
  parseCidr,
  parseGcpCloud,
  parseProviderRanges,
} from '../../core/network/index.js';

const SMALL = path.join(import.meta.dirname, '../fixtures/ip-ranges');
const REAL = path.resolve(import.meta.dirname, '../../../shared/fixtures/ip-ranges');
const json = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

const awsSmall = parseAwsIpRanges(json(path.join(SMALL, 'aws-ip-ranges.small.json')));
const gcpSmall = parseGcpCloud(json(path.join(SMALL, 'gcp-cloud.small.json')));
const azureSmall = parseAzureServiceTags(json(path.join(SMALL, 'azure-service-tags.small.json')));

const base: ClassifierInput = {
  local: { node: 'node-a', region: 'us-east-1', zone: 'us-east-1a' },
  overrides: {
    directClassification: [
      { region: 'us-east-1', zone: 'us-east-1a', cidrs: ['10.50.0.0/16'] },
      { region: 'us-east-1', zone: 'us-east-1b', cidrs: ['10.50.7.0/24'] },
      { region: 'eu-west-1', cidrs: ['fd00:50::/32'] },
    ],
    internet: ['10.60.0.0/16', '52.216.9.0/24'],
    inZone: ['10.0.0.0/8', '10.60.1.0/24'],
    inRegion: ['172.16.0.0/12'],
    crossRegion: ['172.20.5.0/24', '2001:db8:5::/48'],
  },
  endpoints: [
    { ip: '100.64.1.2', kind: 'pod', node: 'node-a', region: null, zone: null },
    { ip: '100.64.2.2', kind: 'pod', node: 'node-b', region: 'us-east-1', zone: 'us-east-1a' },
    { ip: '100.64.3.2', kind: 'pod', node: 'node-c', region: 'us-east-1', zone: 'us-east-1c' },
    { ip: '100.64.4.2', kind: 'pod', node: 'node-d', region: 'us-west-2', zone: 'us-west-2a' },
    { ip: '100.64.5.2', kind: 'pod', node: 'node-e', region: 'us-east-1', zone: null },
    { ip: 'fd00:64:3::2', kind: 'pod', node: 'node-c', region: 'us-east-1', zone: 'us-east-1c' },
    { ip: '100.65.0.1', kind: 'node', node: 'node-c', region: 'us-east-1', zone: 'us-east-1c' },
    { ip: '100.66.0.1', kind: 'service', node: null, region: null, zone: null },
    // An address in provider ranges that is a cluster endpoint: the cluster wins.
    { ip: '3.5.1.1', kind: 'pod', node: 'node-b', region: 'us-east-1', zone: 'us-east-1a' },
  ],
  providerPrefixes: [...awsSmall.prefixes, ...gcpSmall.prefixes, ...azureSmall.prefixes],
};
const c = new NetworkClassifier(base);

describe('network classification precedence', () => {
  it.each<[string, string, string | null, string, string]>([
    // config: direct classifications first, longest prefix among them
    ['10.50.1.1', 'in-zone', null, 'config', 'direct CIDR in our zone'],
    ['10.50.7.9', 'cross-zone', null, 'config', 'longer direct CIDR in another zone'],
    ['fd00:50::1', 'cross-region', null, 'config', 'direct IPv6 CIDR in another region'],
    // then internet, before in-zone even when the in-zone CIDR is longer
    ['10.60.1.5', 'internet', null, 'config', 'internet beats a longer in-zone CIDR'],
    ['52.216.9.9', 'internet', null, 'config', 'internet beats provider ranges'],
    ['10.1.2.3', 'in-zone', null, 'config', 'in-zone'],
    ['172.20.5.1', 'cross-zone', null, 'config', 'in-region beats a longer cross-region CIDR'],
    ['2001:db8:5::1', 'cross-region', null, 'config', 'cross-region over IPv6'],
    // then cluster endpoints by their node's zone and region
    ['100.64.1.2', 'in-zone', null, 'cluster', 'a pod on this node'],
    ['100.64.2.2', 'in-zone', null, 'cluster', 'a pod on another node of our zone'],
    ['100.64.3.2', 'cross-zone', null, 'cluster', 'a pod in another zone'],
    ['fd00:64:3::2', 'cross-zone', null, 'cluster', 'an IPv6 pod in another zone'],
    ['100.64.4.2', 'cross-region', null, 'cluster', 'a pod in another region'],
    ['100.64.5.2', 'unknown', null, 'cluster', 'a pod whose node has no zone label'],
    ['100.65.0.1', 'cross-zone', null, 'cluster', 'a node in another zone'],
    ['100.66.0.1', 'cross-zone', null, 'cluster', 'a Service address (in region, zone unknown)'],
    ['3.5.1.1', 'in-zone', null, 'cluster', 'a cluster endpoint inside provider ranges'],
    // then provider ranges: service priority, region
    ['52.216.8.1', 'in-zone', 's3', 'provider', 'S3 in our region (listed under AMAZON too)'],
    ['3.5.2.2', 'in-zone', 's3', 'provider', 'S3 over EC2 over AMAZON for the same prefix'],
    ['3.4.12.7', 'cross-region', 'ec2', 'provider', 'EC2 /16 over a longer AMAZON /24'],
    ['3.100.0.1', 'cross-region', 'amazon', 'provider', 'only AMAZON matches'],
    ['13.32.1.1', 'internet', 'cloudfront', 'provider', 'a global range'],
    ['2600:1f18::5', 'cross-zone', 'ec2', 'provider', 'IPv6 EC2 in our region'],
    ['2600:1fa0:80::1', 'in-zone', 's3', 'provider', 'IPv6 S3 in our region'],
    ['2a05:d000::1', 'cross-region', 'amazon', 'provider', 'IPv6 AMAZON elsewhere'],
    ['34.16.1.1', 'cross-region', 'google-cloud', 'provider', 'GCP, no storage service in cloud.json'],
    ['2600:1900:4000::1', 'cross-region', 'google-cloud', 'provider', 'GCP IPv6'],
    ['20.38.98.5', 'cross-region', 'azure-storage', 'provider', 'Azure Storage.EastUS over AzureCloud'],
    ['20.38.97.5', 'internet', 'azure-storage', 'provider', 'Azure global Storage tag'],
    ['20.42.1.1', 'cross-region', 'azure', 'provider', 'AzureCloud.eastus'],
    ['20.50.73.1', 'cross-region', 'azure-sql', 'provider', 'Sql.WestEurope'],
    // otherwise internet
    ['8.8.8.8', 'internet', null, 'default', 'anything else'],
    ['2a00:1450::1', 'internet', null, 'default', 'anything else over IPv6'],
  ])('%s → %s (%s, %s): %s', (ip, cls, service, source) => {
    const v = c.classifyIp(ip);
    expect({ class: v.class, service: v.service, source: v.source }).toEqual({ class: cls, service, source });
  });

  it('classifies Azure storage of its own region in-zone (same-region storage transfer)', () => {
    const az = new NetworkClassifier({
      local: { node: 'n', region: 'eastus', zone: 'eastus-1' },
      providerPrefixes: azureSmall.prefixes,
    });
    expect(az.classifyIp('20.38.98.5')).toMatchObject({
      class: 'in-zone',
      service: 'azure-storage',
      region: 'eastus',
    });
    expect(az.classifyIp('2603:1030:20e:3::201')).toMatchObject({
      class: 'in-zone',
      service: 'azure-storage',
    });
  });

  it('maps classes to the Kubecost label values', () => {
    expect(kubecostLabels('in-zone')).toEqual({ internet: 'false', same_region: 'true', same_zone: 'true' });
    expect(kubecostLabels('cross-zone')).toEqual({
      internet: 'false',
      same_region: 'true',
      same_zone: 'false',
    });
    expect(kubecostLabels('cross-region')).toEqual({
      internet: 'false',
      same_region: 'false',
      same_zone: 'false',
    });
    expect(kubecostLabels('internet')).toEqual({
      internet: 'true',
      same_region: 'false',
      same_zone: 'false',
    });
  });

  it('reports invalid CIDRs instead of throwing', () => {
    const bad = new NetworkClassifier({
      local: { node: null, region: null, zone: null },
      overrides: { internet: ['10.0.0.0/33', 'nope'] },
    });
    expect(bad.invalidCidrs).toEqual(['10.0.0.0/33', 'nope']);
  });
});

describe('provider range files', () => {
  it('parses the three formats, counting entries that do not parse', () => {
    expect(awsSmall.prefixes).toHaveLength(13);
    expect(awsSmall.skipped).toBe(1);
    expect(gcpSmall.prefixes).toHaveLength(5);
    expect(gcpSmall.skipped).toBe(1);
    expect(azureSmall.prefixes).toHaveLength(8);
    expect(parseProviderRanges(json(path.join(SMALL, 'gcp-cloud.small.json')))?.provider).toBe('gcp');
    expect(parseProviderRanges({ something: 1 })).toBeNull();
  });

  it('classifies known addresses with the real published files', () => {
    const load = (f: string) => parseProviderRanges(json(path.join(REAL, f)))?.prefixes ?? [];
    const prefixes: ProviderPrefix[] = [
      ...load('aws-ip-ranges.json'),
      ...load('gcp-cloud.json'),
      ...load('azure-service-tags.json'),
    ];
    expect(prefixes.length).toBeGreaterThan(90_000);
    const real = new NetworkClassifier({
      local: { node: 'n', region: 'us-east-1', zone: 'us-east-1a' },
      providerPrefixes: prefixes,
    });
    // 52.216.0.0/15 and 54.231.0.0/16 are S3 us-east-1 (also listed under AMAZON).
    expect(real.classifyIp('52.216.8.1')).toMatchObject({
      service: 's3',
      region: 'us-east-1',
      class: 'in-zone',
    });
    expect(real.classifyIp('54.231.0.5')).toMatchObject({ service: 's3', region: 'us-east-1' });
    // 3.5.0.0/19 is listed under S3, EC2 and AMAZON: S3 wins.
    expect(real.classifyIp('3.5.0.1')).toMatchObject({ service: 's3', region: 'us-east-1' });
    expect(real.classifyIp('2600:1f18::1')).toMatchObject({
      service: 'ec2',
      region: 'us-east-1',
      class: 'cross-zone',
    });
    expect(real.classifyIp('20.38.98.5')).toMatchObject({
      service: 'azure-storage',
      region: 'eastus',
      class: 'cross-region',
    });
    expect(real.classifyIp('34.35.0.1')).toMatchObject({ service: 'google-cloud', region: 'africa-south1' });
  });

  it('answers lookups fast enough for a million entries a cycle', () => {
    const prefixes = parseProviderRanges(json(path.join(REAL, 'aws-ip-ranges.json')))?.prefixes ?? [];
    const trie = new PrefixTrie();
    prefixes.forEach((p, i) => {
      const cidr = parseCidr(p.cidr);
      if (cidr) trie.insert(cidr, i, p.priority);
    });
    let x = 0x34d80000;
    let found = 0;
    const n = 2_000_000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      if (trie.lookup(4, x) >= 0) found++;
    }
    const perSecond = n / ((performance.now() - t0) / 1000);
    console.info(`prefix trie: ${(perSecond / 1e6).toFixed(1)} M lookups/s (${found} hits)`);
    // ~10 M/s on an idle core; the bound leaves room for a loaded CI machine.
    expect(perSecond).toBeGreaterThan(1e6);
  });
});
