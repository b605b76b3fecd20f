/**
 * Tag keys in AWS CUR 2.0. The `resource_tags` map does not keep the keys as they were set on the
 * resource: a user tag `team` appears as `user_team`, the AWS-generated `aws:eks:cluster-name` as
 * `aws_eks_cluster_name`, `karpenter.sh/nodepool` as `user_karpenter_sh_nodepool`, `CostCenter` as
 * `user_cost_center`. The key is the legacy CUR Athena column name without its `resource_tags_`
 * prefix (AWS's own CUR → CUR 2.0 migration maps `resource_tags_<x>` to `resource_tags.<x>`), and
 * that name follows AWS's Athena column-name rules, implemented by OpenCost as
 * `ConvertToGlueColumnFormat`: `_` before each capital, every non-alphanumeric character to `_`,
 * runs of `_` collapsed, leading/trailing `_` trimmed, lower-cased, at most 128 characters.
 *
 * The mapping loses information, so we undo it by lookup: every key we know of (our defaults,
 * the cluster tag keys, and keys from configuration) is sanitized the same way and mapped back.
 * Keys we do not know lose only their `user_` prefix (`user_cost_center` → `cost_center`); unknown
 * AWS-generated keys stay as they are (`aws_created_by`), since their punctuation cannot be
 * recovered.
 */
import { DEFAULT_CLUSTER_TAG_KEYS } from '../../../core/billing/classify.js';

/** AWS's Athena/Glue column-name rules, as CUR applies them to tag keys. */
export function glueColumnName(name: string): string {
  let s = name.replace(/[A-Z]/g, (c) => `_${c}`);
  s = s.replace(/\s+|[^A-Za-z0-9]/g, '_');
  s = s.replace(/_{2,}/g, '_');
  s = s.replace(/^_|_$/g, '');
  s = s.toLowerCase();
  const excess = s.length - 128;
  if (excess > 0) {
    let removed = 0;
    s = s.replace(/_/g, (u) => (removed++ < excess ? '' : u));
  }
  return s.slice(0, 128);
}

/** The key under which CUR 2.0 `resource_tags` carries an original tag key. */
export function curTagKey(originalKey: string): string {
  return glueColumnName(/^aws:/i.test(originalKey) ? originalKey : `user:${originalKey}`);
}

/** What an unknown CUR 2.0 key becomes: the user tag without its `user_` prefix, else unchanged. */
export function fallbackTagKey(curKey: string): string {
  return curKey.startsWith('user_') ? curKey.slice(5) : curKey;
}

/** Original keys we restore out of the box: cluster tags, EKS split cost allocation, Karpenter, CSI. */
export const KNOWN_TAG_KEYS: readonly string[] = [
  ...DEFAULT_CLUSTER_TAG_KEYS,
  'aws:eks:namespace',
  'aws:eks:deployment',
  'aws:eks:node',
  'aws:eks:workload-name',
  'aws:eks:workload-type',
  'aws:createdBy',
  'aws:autoscaling:groupName',
  'aws:ec2launchtemplate:id',
  'aws:ec2launchtemplate:version',
  'aws:ec2:fleet-id',
  'aws:cloudformation:stack-name',
  'aws:cloudformation:stack-id',
  'aws:cloudformation:logical-id',
  'aws:ecs:clusterName',
  'aws:ecs:serviceName',
  'eks:nodegroup-name',
  'alpha.eksctl.io/cluster-name',
  'alpha.eksctl.io/nodegroup-name',
  'karpenter.sh/nodepool',
  'karpenter.sh/provisioner-name',
  'karpenter.k8s.aws/ec2nodeclass',
  'kubernetes.io/created-for/pvc/namespace',
  'kubernetes.io/created-for/pvc/name',
  'kubernetes.io/created-for/pv/name',
  'ebs.csi.aws.com/cluster',
  'elbv2.k8s.aws/cluster',
  'service.k8s.aws/stack',
  'service.k8s.aws/resource',
  'ingress.k8s.aws/stack',
  'kubernetes.io/service-name',
  'KubernetesCluster',
  'Name',
  'team',
  'owner',
  'env',
  'environment',
  'cost_center',
];

/**
 * CUR 2.0 key → original key. Earlier entries win when two originals sanitize to the same key, so
 * configured keys (passed first) take precedence over the defaults.
 */
export function curTagKeyMap(originalKeys: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const key of originalKeys) {
    const cur = curTagKey(key);
    if (cur && !map.has(cur)) map.set(cur, key);
  }
  return map;
}

/** The original key for a CUR 2.0 key, by lookup, else by the fallback rule. */
export function normalizeCurTagKey(curKey: string, known: ReadonlyMap<string, string>): string {
  return known.get(curKey) ?? fallbackTagKey(curKey);
}

/**
 * Keys to accept when matching a tag key against normalized CUR tags as well as FOCUS tags: the
 * key itself and the form an unknown key takes after normalization.
 */
export function tagKeyAliases(keys: readonly string[]): string[] {
  const out = new Set<string>();
  for (const k of keys) {
    out.add(k);
    const cur = curTagKey(k);
    if (cur) out.add(fallbackTagKey(cur));
  }
  return [...out];
}
