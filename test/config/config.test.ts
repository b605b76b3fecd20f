import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../adapters/config/load.js';
import { policyFromConfig } from '../../core/config/policy.js';

const valid = `
currency: USD
costMetric: EffectiveCost
store: file://./.ownercost/store
clusters:
  - { name: prod-use1, provider: aws, region: us-east-1 }
billing:
  engine: duckdb
  duckdb: { paths: [./billing/focus-csv] }
allocation:
  idle: share
  weights: { cpu: 9, ramGiB: 1, gpu: 0 }
  shared:
    namespaces: [kube-system]
    split: { team-a: 60, team-b: 40 }
owners:
  labels:
    team: [team, squad]
  namespaces:
    - { match: "ai-*", team: ml-platform, cost_center: CC-42 }
  platformTeam: platform
teams:
  ml-platform:
    slack: "#ml-platform-costs"
    email: [ml-leads@example.com]
    tickets: { tracker: jira, project: MLP }
    reviewer: jane.doe@example.com
delivery:
  slack: { token: env:SLACK_BOT_TOKEN }
`;

describe('configuration', () => {
  it('parses the documented shape and turns it into an allocation policy', () => {
    const config = parseConfig(valid, 'ownercost.yaml');
    const policy = policyFromConfig(config);
    expect(policy.idle).toBe('share');
    expect(policy.weights).toEqual({ cpu: 9, ramGiB: 1, gpu: 0 });
    expect(policy.shared.split).toEqual({ 'team-a': 60, 'team-b': 40 });
    expect(policy.owners.labels.team).toEqual(['team', 'squad']);
    expect(policy.owners.labels.env).toEqual(['env', 'environment']);
    expect(policy.owners.namespaces[0]).toEqual({
      match: 'ai-*',
      attributes: { team: 'ml-platform', cost_center: 'CC-42' },
    });
  });

  it('fills defaults for an empty file', () => {
    const policy = policyFromConfig(parseConfig('', 'empty.yaml'));
    expect(policy.idle).toBe('separate');
    expect(policy.costMetric).toBe('EffectiveCost');
    expect(policy.shared.namespaces).toEqual(['kube-system', 'monitoring']);
  });

  it.each([
    ['allocation:\n  idel: share\n', /ownercost.yaml:2: unknown key "allocation.idel"/],
    [
      'owners:\n  namespaces:\n    - { match: "a-*", teem: x }\n',
      /ownercost.yaml:3: unknown key "owners.namespaces.0.teem"/,
    ],
    ['allocation:\n  idle: sometimes\n', /ownercost.yaml:2: allocation.idle:/],
    ['delivery:\n  slack: { token: xoxb-123 }\n', /delivery.slack.token: must be a secret reference/],
    ['clusters: [\n', /ownercost.yaml(:\d+)?: YAML syntax error/],
  ])('rejects %j with an error naming the file, line and key', (text, message) => {
    expect(() => parseConfig(text, 'ownercost.yaml')).toThrow(message);
  });

  it('never echoes a secret value in an error', () => {
    let message = '';
    try {
      parseConfig('delivery:\n  slack: { token: xoxb-very-secret }\n', 'c.yaml');
    } catch (err) {
      message = String(err);
    }
    expect(message).toMatch(/delivery.slack.token/);
    expect(message).not.toContain('xoxb-very-secret');
  });
});
