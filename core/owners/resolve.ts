/**
 * Owner resolution (DESIGN.md, allocation rule 8): each attribute resolves from pod labels, then
 * controller labels, then namespace labels, then the owners map (namespace globs), else `unowned`.
 */
import picomatch from 'picomatch/posix.js';
import type { Labels } from '../allocation/types.js';

export const OWNER_ATTRIBUTES = ['owner', 'team', 'service', 'env', 'cost_center', 'workload_type'] as const;
export type OwnerAttribute = (typeof OWNER_ATTRIBUTES)[number];
export type Owners = Record<OwnerAttribute, string>;
export const UNOWNED = 'unowned';

export interface NamespaceOwnerRule {
  match: string;
  attributes: Partial<Record<OwnerAttribute, string>>;
}

export interface OwnerPolicy {
  /** Attribute → label keys, tried in order at each level. */
  labels: Record<OwnerAttribute, string[]>;
  /** Fallback by namespace glob; first match wins. */
  namespaces: NamespaceOwnerRule[];
  /** Receives idle, shared and unowned findings. */
  platformTeam: string;
}

export const DEFAULT_OWNER_POLICY: OwnerPolicy = {
  labels: {
    owner: ['owner', 'app.kubernetes.io/owner'],
    team: ['team', 'app.kubernetes.io/team'],
    service: ['service', 'app.kubernetes.io/part-of', 'app'],
    env: ['env', 'environment'],
    cost_center: ['cost_center', 'cost-center'],
    workload_type: ['workload_type', 'workload-type'],
  },
  namespaces: [],
  platformTeam: 'platform',
};

/** Resolves owners for many pods, compiling the namespace globs once. */
export class OwnerResolver {
  private readonly matchers: { test: (ns: string) => boolean; rule: NamespaceOwnerRule }[];

  constructor(private readonly policy: OwnerPolicy) {
    this.matchers = policy.namespaces.map((rule) => ({ test: picomatch(rule.match, { dot: true }), rule }));
  }

  /** Resolves every attribute from the label levels, most specific first. */
  resolve(namespace: string, levels: readonly (Labels | undefined)[]): Owners {
    const out = {} as Owners;
    let nsRule: NamespaceOwnerRule | null | undefined;
    for (const attr of OWNER_ATTRIBUTES) {
      let value: string | undefined;
      const keys = this.policy.labels[attr];
      outer: for (const labels of levels) {
        if (!labels) continue;
        for (const k of keys) {
          const v = labels[k];
          if (v !== undefined && v !== '') {
            value = v;
            break outer;
          }
        }
      }
      if (value === undefined) {
        if (nsRule === undefined) nsRule = this.matchers.find((m) => m.test(namespace))?.rule ?? null;
        value = nsRule?.attributes[attr];
      }
      out[attr] = value ?? UNOWNED;
    }
    return out;
  }
}
