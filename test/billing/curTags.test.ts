/** How CUR 2.0 spells tag keys, and how we spell them back. */
import { describe, expect, it } from 'vitest';
import {
  curTagKey,
  glueColumnName,
  KNOWN_TAG_KEYS,
  normalizeCurTagKey,
} from '../../adapters/billing/duckdb/index.js';
import { curTagKeyMap, tagKeyAliases } from '../../adapters/billing/duckdb/tags.js';

describe('CUR 2.0 tag keys', () => {
  it.each([
    ['team', 'user_team'],
    ['CostCenter', 'user_cost_center'],
    ['cost-center', 'user_cost_center'],
    ['karpenter.sh/nodepool', 'user_karpenter_sh_nodepool'],
    ['app.kubernetes.io/part-of', 'user_app_kubernetes_io_part_of'],
    ['eks:cluster-name', 'user_eks_cluster_name'],
    ['aws:eks:cluster-name', 'aws_eks_cluster_name'],
    ['aws:createdBy', 'aws_created_by'],
    ['Name', 'user_name'],
  ])('spells the tag key %s as %s, as Athena column names are spelled', (original, cur) => {
    expect(curTagKey(original)).toBe(cur);
  });

  it('trims Glue names to 128 characters by dropping underscores from the left first', () => {
    const long = `${'a_'.repeat(70)}b`;
    const name = glueColumnName(long);
    expect(name.length).toBeLessThanOrEqual(128);
    expect(name.endsWith('a_a_b')).toBe(true);
  });

  const known = curTagKeyMap(['CostCenter', ...KNOWN_TAG_KEYS]);
  it.each([
    ['user_team', 'team'],
    ['aws_eks_cluster_name', 'aws:eks:cluster-name'],
    ['aws_eks_namespace', 'aws:eks:namespace'],
    ['user_eks_cluster_name', 'eks:cluster-name'],
    ['user_karpenter_sh_nodepool', 'karpenter.sh/nodepool'],
    ['user_cost_center', 'CostCenter'],
    ['user_something_else', 'something_else'],
    ['aws_unknown_generated_key', 'aws_unknown_generated_key'],
  ])('restores %s to %s', (cur, original) => {
    expect(normalizeCurTagKey(cur, known)).toBe(original);
  });

  it('matches a key unknown to the lookup by the form it takes after normalization', () => {
    expect(tagKeyAliases(['my-cluster'])).toEqual(['my-cluster', 'my_cluster']);
  });
});
