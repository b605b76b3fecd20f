/**
 * Issue 4 end to end: `explain` on the demo's week 2 names the planted causes first and explains
 * at least 80% of each cluster's increase.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfig } from '../../adapters/config/load.js';
import { demoConfig } from '../../functions/demo.js';
import { runExplain } from '../../functions/explain.js';

interface Truth {
  teams: string[];
  clusters: { name: string; provider: 'aws' | 'gcp'; region: string }[];
  window: { start: string; weeks: string[] };
  causes: { cluster: string; namespace: string; workload?: string; description: string }[];
}

describe('explain on the demo week', () => {
  const simDir = inject('simDir');

  it('names the planted causes first and explains at least 80% of the increase, per cluster', async () => {
    const truth = JSON.parse(await readFile(path.join(simDir, 'truth.json'), 'utf8')) as Truth;
    const config = parseConfig(stringify(demoConfig(truth)), 'demo.yaml');
    const week = truth.window.weeks[1] as string;
    const clusters = [...new Set(truth.causes.map((c) => c.cluster))];
    expect(clusters.length).toBeGreaterThan(0);
    for (const cluster of clusters) {
      const ex = await runExplain({ config, baseDir: simDir, week, cluster });
      expect(ex.delta, cluster).toBeGreaterThan(0);
      expect(ex.explainedShare, cluster).toBeGreaterThanOrEqual(0.8);
      const causes = truth.causes.filter((c) => c.cluster === cluster);
      const top = ex.namespaces.slice(0, causes.length).map((n) => n.namespace);
      for (const cause of causes) {
        expect(top, `${cause.description} should rank among the first ${causes.length}`).toContain(
          cause.namespace,
        );
      }
      const first = ex.items[0];
      expect(first?.drivers.length).toBeGreaterThan(0);
      expect(first?.evidence.length).toBeGreaterThan(0);
    }
  }, 600_000);
});
