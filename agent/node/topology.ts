/**
 * Where the node agent learns the cluster's layout: which pods run on this node (and their
 * addresses), every other endpoint's node, and each node's zone and region.
 *
 * `TopologyProvider` is the port. `FileTopologyProvider` reads NDJSON `node`, `pod` and `service`
 * records of the `ownercost/v1` contract (`--topology`); the API-server provider (pods filtered by
 * `spec.nodeName`, nodes, services) lives with the kube adapters and implements the same interface.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import type { TopologyNode, TopologyRecords, TopologyService } from '../../core/network/topology.js';
import type { BadInput } from '../../core/schema/errors.js';
import { UsageError } from '../../core/schema/errors.js';
import {
  NodeRecord,
  type PodRecord,
  PodRecord as PodSchema,
  ServiceRecord,
} from '../../core/schema/records.js';

/** A consistent view of the topology; `version` grows whenever any of it changed. */
export interface TopologySnapshot extends TopologyRecords {
  version: number;
}

export interface TopologyProvider {
  /** Loads the first view (an API-server provider starts its watches); resolves when ready. */
  start(signal?: AbortSignal): Promise<void>;
  /** The current view (cheap: called every collection cycle). */
  current(): TopologySnapshot;
  /** Lines or objects that could not be used so far. */
  badInputs(): { count: number; sample: BadInput[] };
  close(): Promise<void>;
}

// Optional additions to the contract that the agent reads when present.
const NodeWithAddresses = NodeRecord.extend({ addresses: z.array(z.string()).optional() });
const ServiceWithIps = ServiceRecord.extend({ clusterIPs: z.array(z.string()).optional() });

/** Parses NDJSON topology text; bad lines are counted and skipped. */
export function parseTopologyNdjson(
  text: string,
  file: string,
): { records: TopologyRecords; bad: BadInput[]; badCount: number; ignored: number } {
  const nodes: TopologyNode[] = [];
  const pods: PodRecord[] = [];
  const services: TopologyService[] = [];
  const bad: BadInput[] = [];
  let badCount = 0;
  let ignored = 0;
  const report = (line: number, reason: string) => {
    badCount++;
    if (bad.length < 20) bad.push({ file, line, reason });
  };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      report(i + 1, 'not JSON');
      continue;
    }
    const kind = typeof value === 'object' && value !== null ? (value as { kind?: unknown }).kind : undefined;
    const schema =
      kind === 'node'
        ? NodeWithAddresses
        : kind === 'pod'
          ? PodSchema
          : kind === 'service'
            ? ServiceWithIps
            : null;
    if (!schema) {
      if (typeof kind === 'string') ignored++;
      else report(i + 1, 'no kind');
      continue;
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      report(i + 1, `${issue?.path.join('.') || 'record'}: ${issue?.message ?? 'invalid'}`);
      continue;
    }
    if (kind === 'node') nodes.push(parsed.data as TopologyNode);
    else if (kind === 'pod') pods.push(parsed.data as PodRecord);
    else services.push(parsed.data as TopologyService);
  }
  return { records: { nodes, pods, services }, bad, badCount, ignored };
}

/** Topology from an NDJSON file (optionally gzip), read once at start. */
export class FileTopologyProvider implements TopologyProvider {
  private snapshot: TopologySnapshot = { version: 0, nodes: [], pods: [], services: [] };
  private bad: BadInput[] = [];
  private badCount = 0;

  constructor(private readonly file: string) {}

  async start(): Promise<void> {
    let body: Buffer;
    try {
      body = await readFile(this.file);
    } catch (err) {
      throw new UsageError(
        `--topology: cannot read ${this.file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    const text =
      body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body).toString('utf8') : body.toString('utf8');
    const parsed = parseTopologyNdjson(text, this.file);
    this.bad = parsed.bad;
    this.badCount = parsed.badCount;
    this.snapshot = { version: this.snapshot.version + 1, ...parsed.records };
  }

  current(): TopologySnapshot {
    return this.snapshot;
  }

  badInputs(): { count: number; sample: BadInput[] } {
    return { count: this.badCount, sample: this.bad };
  }

  async close(): Promise<void> {}
}

/** A fixed topology (tests, embedding). */
export class StaticTopologyProvider implements TopologyProvider {
  private readonly snapshot: TopologySnapshot;
  constructor(records: TopologyRecords) {
    this.snapshot = { version: 1, ...records };
  }
  async start(): Promise<void> {}
  current(): TopologySnapshot {
    return this.snapshot;
  }
  badInputs(): { count: number; sample: BadInput[] } {
    return { count: 0, sample: [] };
  }
  async close(): Promise<void> {}
}
