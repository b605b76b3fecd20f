import fc from 'fast-check';
import { describe, it } from 'vitest';
import { allocateWindow, withPolicy } from '../../core/allocation/index.js';
import { summarize } from '../../core/allocation/summarize.js';
import type { HourFacts } from '../../core/allocation/types.js';
import type { CostLine } from '../../core/schema/costLine.js';
import { flow, H0, hour, line, node, noOwners, pod, service, volume } from './helpers.js';

const HOUR_MS = 3_600_000;
const T0 = Date.parse(H0);
const iso = (ms: number) => new Date(ms).toISOString();

const money = fc.double({ min: 0, max: 50, noNaN: true, noDefaultInfinity: true });
const qty = fc.double({ min: 0, max: 16, noNaN: true, noDefaultInfinity: true });

/** A random organisation: clusters with nodes, pods, disks, load balancers, flows, and a bill. */
const orgArb = fc
  .record({
    hours: fc.integer({ min: 1, max: 3 }),
    clusters: fc.array(
      fc.record({
        nodes: fc.array(
          fc.record({
            cpu: fc.integer({ min: 0, max: 16 }),
            ram: fc.integer({ min: 0, max: 64 }),
            gpus: fc.integer({ min: 0, max: 2 }),
            observed: fc.integer({ min: 0, max: 3600 }),
            cost: fc.option(money, { nil: undefined }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        pods: fc.array(
          fc.record({
            node: fc.integer({ min: 0, max: 5 }),
            ns: fc.constantFrom('app', 'kube-system', 'data', 'ml'),
            cpu: qty,
            ram: qty,
            gpu: fc.double({ min: 0, max: 2, noNaN: true }),
            seconds: fc.integer({ min: 1, max: 3600 }),
            team: fc.constantFrom('red', 'blue', 'green', undefined),
            app: fc.constantFrom('web', 'db', 'job'),
            claimShare: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
            flowBytes: fc.option(fc.integer({ min: 0, max: 5e9 }), { nil: undefined }),
            flowClass: fc.constantFrom('in-zone', 'cross-zone', 'cross-region', 'internet', 'unknown'),
            viaNat: fc.boolean(),
          }),
          { maxLength: 8 },
        ),
        volCost: fc.option(money, { nil: undefined }),
        lbCost: fc.option(money, { nil: undefined }),
        transfer: fc.array(
          fc.record({
            usage: fc.constantFrom(
              'USE1-DataTransfer-Regional-Bytes',
              'USE1-DataTransfer-Out-Bytes',
              'USE1-USW2-AWS-Out-Bytes',
              'USE1-NatGateway-Bytes',
              'USE1-AmazonEKS-Hours:perCluster',
              'USE1-NatGateway-Hours',
            ),
            cost: money,
          }),
          { maxLength: 4 },
        ),
        unmatched: fc.option(money, { nil: undefined }),
      }),
      { minLength: 1, maxLength: 2 },
    ),
    strangerCost: money,
  })
  .map((org) => {
    const facts: HourFacts[] = [];
    const lines: CostLine[] = [];
    for (let h = 0; h < org.hours; h++) {
      const hs = iso(T0 + h * HOUR_MS);
      const he = iso(T0 + (h + 1) * HOUR_MS);
      const f = hour(hs, {});
      org.clusters.forEach((c, ci) => {
        const cluster = `c${ci}`;
        const tags = { 'aws:eks:cluster-name': cluster };
        c.nodes.forEach((n, ni) => {
          const name = `${cluster}-n${ni}`;
          f.nodes.push(
            node({
              cluster,
              hourStart: hs,
              name,
              cpuCores: n.cpu,
              ramGiB: n.ram,
              gpus: n.gpus,
              observedSeconds: n.observed,
            }),
          );
          // Nodes without a cost line in the first hour are unpriced; later hours may be estimated.
          if (n.cost !== undefined && (h === 0 || ni % 2 === 0)) {
            lines.push(
              line({
                cost: n.cost,
                ResourceId: `i-${name}`,
                Tags: ni % 3 === 0 ? {} : tags,
                ChargePeriodStart: hs,
                ChargePeriodEnd: he,
              }),
            );
          }
        });
        f.volumes.push(
          volume({
            cluster,
            hourStart: hs,
            pvName: `${cluster}-pv`,
            claimNamespace: 'app',
            claimName: 'data',
          }),
        );
        f.services.push(service({ cluster, hourStart: hs, name: `${cluster}web`, selector: { app: 'web' } }));
        c.pods.forEach((p, pi) => {
          const name = `${cluster}-p${pi}`;
          f.pods.push(
            pod({
              cluster,
              hourStart: hs,
              name,
              namespace: p.ns,
              node: `${cluster}-n${p.node}`,
              labels: { app: p.app, ...(p.team ? { team: p.team } : {}) },
              seconds: p.seconds,
              cpuCoreHours: p.cpu,
              ramGiBHours: p.ram,
              gpuHours: p.gpu,
              cpuRequestCoreHours: p.cpu / 2,
              cpuUsageCoreHours: p.cpu / 3,
              claims:
                p.claimShare !== undefined && p.ns === 'app'
                  ? [{ claim: 'data', shareHours: p.claimShare }]
                  : [],
            }),
          );
          if (p.flowBytes !== undefined) {
            f.flows.push(
              flow({
                cluster,
                hourStart: hs,
                namespace: p.ns,
                pod: name,
                bytes: p.flowBytes,
                class: p.flowClass,
                viaNat: p.viaNat,
              }),
            );
          }
        });
        if (c.volCost !== undefined)
          lines.push(
            line({
              cost: c.volCost,
              ResourceId: `vol-${cluster}-pv`,
              Tags: {},
              ChargePeriodStart: hs,
              ChargePeriodEnd: he,
            }),
          );
        if (c.lbCost !== undefined)
          lines.push(
            line({
              cost: c.lbCost,
              ResourceId: `arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/${cluster}weblb/x`,
              ChargePeriodStart: hs,
              ChargePeriodEnd: he,
            }),
          );
        for (const t of c.transfer)
          lines.push(
            line({
              cost: t.cost,
              x_UsageType: t.usage,
              Tags: tags,
              ChargePeriodStart: hs,
              ChargePeriodEnd: he,
            }),
          );
        if (c.unmatched !== undefined)
          lines.push(
            line({
              cost: c.unmatched,
              ResourceId: 'snap-1',
              Tags: tags,
              ChargePeriodStart: hs,
              ChargePeriodEnd: he,
            }),
          );
      });
      // A stranger's untagged instance: never the clusters' cost.
      lines.push(
        line({
          cost: org.strangerCost,
          ResourceId: 'i-stranger',
          Tags: {},
          ChargePeriodStart: hs,
          ChargePeriodEnd: he,
        }),
      );
      facts.push(f);
    }
    return { facts, lines, windowEnd: iso(T0 + org.hours * HOUR_MS) };
  });

const policies = fc.record({
  idle: fc.constantFrom('separate' as const, 'share' as const),
  split: fc.constantFrom('weighted' as const, 'even' as const, { red: 50, blue: 25 }),
  weights: fc.record({
    cpu: fc.double({ min: 0, max: 1, noNaN: true }),
    ramGiB: fc.double({ min: 0, max: 1, noNaN: true }),
    gpu: fc.double({ min: 0, max: 2, noNaN: true }),
  }),
  by: fc.constantFrom(
    ['cluster'],
    ['cluster', 'namespace'],
    ['cluster', 'team'],
    ['cluster', 'pod'],
    ['cluster', 'label:app'],
  ),
});

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

describe('allocation conservation (property)', () => {
  it('for every cluster, the rows sum to its billed plus estimated cost, and no row is negative', async () => {
    await fc.assert(
      fc.asyncProperty(orgArb, policies, async (org, p) => {
        const policy = withPolicy({
          idle: p.idle,
          weights: p.weights,
          shared: { namespaces: ['kube-system'], labels: {}, split: p.split },
        });
        const ledger = await allocateWindow({
          policy,
          windowStart: H0,
          windowEnd: org.windowEnd,
          ownerContext: noOwners,
          hours: org.facts,
          costLines: org.lines,
        });
        const result = summarize(ledger, p.by as never, 'USD');
        for (const c of ledger.clusters) {
          const rowsSum = result.rows
            .filter((r) => r.key.cluster === c.cluster)
            .reduce((s, r) => s + r.totalCost, 0);
          if (!close(rowsSum, c.billed + c.estimated))
            throw new Error(`cluster ${c.cluster}: rows ${rowsSum} vs ${c.billed} + ${c.estimated}`);
        }
        const { totals } = result;
        if (
          !close(
            totals.allocated + totals.idle + totals.unmounted + totals.unallocated,
            totals.billed + totals.estimated,
          )
        )
          throw new Error(`totals do not add up: ${JSON.stringify(totals)}`);
        return result.rows.every((r) => r.totalCost >= -1e-9 && r.idleCost >= -1e-9 && r.sharedCost >= -1e-9);
      }),
      { numRuns: 300 },
    );
  });

  it('never counts the cost of an untagged asset that is not in any cluster', async () => {
    await fc.assert(
      fc.asyncProperty(orgArb, async (org) => {
        const ledger = await allocateWindow({
          policy: withPolicy({}),
          windowStart: H0,
          windowEnd: org.windowEnd,
          ownerContext: noOwners,
          hours: org.facts,
          costLines: org.lines.filter((l) => l.ResourceId !== 'i-stranger'),
        });
        const withStranger = await allocateWindow({
          policy: withPolicy({}),
          windowStart: H0,
          windowEnd: org.windowEnd,
          ownerContext: noOwners,
          hours: org.facts,
          costLines: org.lines,
        });
        const billed = (l: typeof ledger) => l.clusters.reduce((s, c) => s + c.billed, 0);
        return close(billed(ledger), billed(withStranger));
      }),
      { numRuns: 100 },
    );
  });
});
