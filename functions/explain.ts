/**
 * The explain use-case, shared by `ownercost explain` and the HTTP trigger: allocate the week and
 * the week before, then decompose the change of a cluster or a team.
 */
import type { Config } from '../core/config/schema.js';
import { type Explanation, explainChange } from '../core/explain/explain.js';
import { OwnercostError } from '../core/schema/errors.js';
import { allocateTwoWeeks } from './weekly.js';

export interface ExplainRequest {
  config: Config;
  baseDir: string;
  week: string;
  cluster?: string;
  team?: string;
  target?: number;
}

export async function runExplain(req: ExplainRequest): Promise<Explanation> {
  const outcome = await allocateTwoWeeks(req.config, req.baseDir, req.week);
  const { ledger: current, previousLedger: previous } = outcome;
  if (req.cluster && !current.clusters.some((c) => c.cluster === req.cluster)) {
    throw new OwnercostError(
      `explain: no cluster "${req.cluster}" in ${req.week} (clusters: ${current.clusters.map((c) => c.cluster).join(', ') || 'none'})`,
    );
  }
  return explainChange({
    current,
    previous,
    currency: outcome.currency,
    scope: { cluster: req.cluster, team: req.team },
    changes: outcome.changes,
    target: req.target,
  });
}
