/**
 * The detectors against the simulated organisation: every planted waste pattern of truth.json
 * is found, and the workloads truth.json calls healthy get no finding.
 *
 * Precision is measured over the labelled locations: a finding is a true positive when it matches
 * a planted pattern (same type, cluster, namespace, and workload where given), a false positive
 * when it lands on a healthy workload. Findings elsewhere (workloads truth.json does not label,
 * or a second, different problem of a planted workload) are counted and listed, not scored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectFindings } from '../../core/findings/index.js';
import type { Finding } from '../../core/findings/types.js';
import type { HealthyWorkload, PlantedWaste } from '../../core/simulator/org.js';
import { expectComplete } from './helpers.js';
import { type SimulatedWeek, simulatedWeek } from './simulation.js';

const nameOf = (workload: string) => workload.slice(workload.lastIndexOf('/') + 1);
const covers = (f: Finding, name: string) =>
  nameOf(f.workload) === name || (f.workloads ?? []).some((w) => nameOf(w) === name);

function matchesPlanted(f: Finding, w: PlantedWaste): boolean {
  if (f.type !== w.type || f.cluster !== w.cluster) return false;
  switch (w.scope) {
    case 'nodePool':
      return f.workload === `NodePool/${w.workload}`;
    case 'volume':
      return f.workload === `PersistentVolume/${w.workload}`;
    case 'claim':
      return f.namespace === w.namespace && f.workload === `PersistentVolumeClaim/${w.workload}`;
    case 'namespace':
      return f.namespace === w.namespace;
    case 'workload':
      return f.namespace === w.namespace && (w.workload === '' || covers(f, w.workload));
  }
}

const onHealthy = (f: Finding, h: HealthyWorkload) =>
  f.cluster === h.cluster && f.namespace === h.namespace && covers(f, h.workload);

const atPlantedLocation = (f: Finding, w: PlantedWaste) =>
  f.cluster === w.cluster &&
  (w.scope === 'nodePool' || w.scope === 'volume'
    ? nameOf(f.workload) === w.workload
    : f.namespace === w.namespace && (w.workload === '' || covers(f, w.workload)));

let sim: SimulatedWeek;
let findings: Finding[];

beforeAll(async () => {
  sim = await simulatedWeek(1);
  findings = detectFindings({
    ledger: sim.ledger,
    facts: sim.facts,
    reviewers: (team) => (team === 'platform' ? 'platform-oncall@example.com' : `${team}-lead@example.com`),
    platformTeam: 'platform',
    currency: sim.currency,
  });
}, 1_500_000);

afterAll(() => sim?.db.close());

describe(`findings on the simulated organisation (seed 1)`, () => {
  it('finds every planted waste pattern (recall 100%)', () => {
    const missed = sim.truth.waste.filter((w) => !findings.some((f) => matchesPlanted(f, w)));
    expect(sim.truth.waste.length).toBeGreaterThan(0);
    expect(missed.map((w) => `${w.type} ${w.cluster}/${w.namespace}/${w.workload}`)).toEqual([]);
  });

  it('fires on no workload truth.json marks healthy (precision over healthy + planted ≥ 90%)', () => {
    const truePositives = findings.filter((f) => sim.truth.waste.some((w) => matchesPlanted(f, w)));
    const falsePositives = findings.filter((f) => sim.truth.healthy.some((h) => onHealthy(f, h)));
    const precision = truePositives.length / (truePositives.length + falsePositives.length);
    const otherProblemOfPlanted = findings.filter(
      (f) => !truePositives.includes(f) && sim.truth.waste.some((w) => atPlantedLocation(f, w)),
    );
    const unlabelled = findings.filter(
      (f) => !truePositives.includes(f) && !falsePositives.includes(f) && !otherProblemOfPlanted.includes(f),
    );
    const recall =
      sim.truth.waste.filter((w) => findings.some((f) => matchesPlanted(f, w))).length /
      sim.truth.waste.length;
    console.info(
      [
        `week ${sim.week}: ${findings.length} findings, recall ${(recall * 100).toFixed(0)}% (${sim.truth.waste.length} planted), precision ${(precision * 100).toFixed(1)}% (${truePositives.length} true, ${falsePositives.length} on healthy workloads)`,
        `  also on planted workloads, another problem: ${otherProblemOfPlanted.map((f) => `${f.type} ${f.namespace}/${f.workload}`).join(', ') || 'none'}`,
        `  on unlabelled workloads: ${unlabelled.map((f) => `${f.type} ${f.namespace || f.cluster}/${f.workload}`).join(', ') || 'none'}`,
        `  timings: ${JSON.stringify(sim.timingsMs)}`,
      ].join('\n'),
    );
    expect(falsePositives.map((f) => `${f.type} ${f.namespace}/${f.workload}`)).toEqual([]);
    expect(precision).toBeGreaterThanOrEqual(0.9);
  });

  it('writes complete plans: all six fields, evidence, a saving and a unique fingerprint', () => {
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) {
      expectComplete(f);
      expect(Number.isFinite(f.monthlySavings)).toBe(true);
      expect(f.monthlySavings).toBeGreaterThanOrEqual(0);
    }
    expect(new Set(findings.map((f) => f.fingerprint)).size).toBe(findings.length);
    const savings = findings.map((f) => f.monthlySavings);
    expect(savings).toEqual([...savings].sort((a, b) => b - a));
  });

  it('names the change that started the CronJob waste and the GPU node-hours of the warm pool', () => {
    const cron = findings.find(
      (f) => f.type === 'cronjob-too-often' && f.workload === 'CronJob/feature-backfill',
    );
    expect(cron?.since).toContain('schedule changed from "0 */6 * * *" to "*/10 * * * *"');
    const gpu = findings.find((f) => f.type === 'gpu-warm-idle' && f.workload === 'NodePool/gpu-warm');
    expect(gpu?.evidence.find((e) => e.label.startsWith('GPU node-hours'))?.value).toMatch(
      /^336 GPU node-hours vs/,
    );
  });
});
