/**
 * The node agent's YAML configuration (`--config`), parsed once by a strict zod schema: a typo is
 * an error naming the key and the file. Command-line flags override what it sets.
 *
 * ```yaml
 * cluster: prod-use1
 * sink: s3://bucket/agents
 * region: us-east-1              # the node's region/zone when its record lacks them
 * zone: us-east-1a
 * hostAddresses: [10.0.0.10]     # extra addresses of this node (→ __host__)
 * destinations:                  # CIDR classifications, before anything else
 *   directClassification:
 *     - { region: us-east-1, zone: us-east-1b, cidrs: [10.20.0.0/16] }
 *   internet: [100.64.0.0/10]
 *   inZone: [169.254.0.0/16]
 *   inRegion: [10.0.0.0/8]       # = cross-zone
 *   crossRegion: [10.99.0.0/16]
 * ipRanges:                      # provider range files: paths or http(s) URLs
 *   - /etc/ownercost/aws-ip-ranges.json
 * intervalSeconds: 5             # table reads
 * shipIntervalSeconds: 60        # flow records per this many seconds
 * sampleSeconds: 1               # --once against the live table
 * metrics: { port: 9102, listen: 0.0.0.0 }
 * spool: { dir: /var/lib/ownercost/spool, maxBytes: 268435456 }
 * ```
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { parseCidr, parseIp } from '../core/network/ip.js';
import { UsageError } from '../core/schema/errors.js';

const Cidr = z.string().refine((s) => parseCidr(s) !== null, { message: 'not a CIDR or IP address' });
const Ip = z.string().refine((s) => parseIp(s) !== null, { message: 'not an IP address' });

export const NodeAgentConfigSchema = z
  .object({
    cluster: z.string().min(1).optional(),
    sink: z.string().min(1).optional(),
    region: z.string().min(1).optional(),
    zone: z.string().min(1).optional(),
    hostAddresses: z.array(Ip).default([]),
    destinations: z
      .object({
        directClassification: z
          .array(
            z
              .object({
                region: z.string().min(1).optional(),
                zone: z.string().min(1).optional(),
                cidrs: z.array(Cidr).min(1),
              })
              .strict()
              .refine((d) => d.region !== undefined || d.zone !== undefined, {
                message: 'a direct classification needs a region or a zone',
              }),
          )
          .default([]),
        internet: z.array(Cidr).default([]),
        inZone: z.array(Cidr).default([]),
        inRegion: z.array(Cidr).default([]),
        crossRegion: z.array(Cidr).default([]),
      })
      .strict()
      .default({ directClassification: [], internet: [], inZone: [], inRegion: [], crossRegion: [] }),
    ipRanges: z.array(z.string().min(1)).default([]),
    intervalSeconds: z.number().positive().optional(),
    shipIntervalSeconds: z.number().positive().optional(),
    sampleSeconds: z.number().positive().optional(),
    metrics: z
      .object({
        port: z.number().int().min(0).max(65535).optional(),
        listen: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    spool: z
      .object({
        dir: z.string().min(1).optional(),
        maxBytes: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type NodeAgentConfig = z.infer<typeof NodeAgentConfigSchema>;

/** Parses config text; `file` names the source in messages and anchors relative ipRanges paths. */
export function parseNodeAgentConfig(text: string, file: string): NodeAgentConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = e?.linePos?.[0];
    throw new UsageError(
      `agent config ${file}${pos ? `:${pos.line}` : ''}: YAML syntax error: ${e?.message.split('\n')[0]}`,
    );
  }
  const result = NodeAgentConfigSchema.safeParse(doc.toJS() ?? {});
  if (!result.success) {
    const lines = result.error.issues.slice(0, 5).map((issue) => {
      const at = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') {
        return `agent config ${file}: unknown key "${[at, issue.keys[0]].filter(Boolean).join('.')}"`;
      }
      return `agent config ${file}: ${at || '(root)'}: ${issue.message}`;
    });
    throw new UsageError(lines.join('\n'));
  }
  const base = path.dirname(path.resolve(file));
  const config = result.data;
  config.ipRanges = config.ipRanges.map((s) =>
    /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || path.isAbsolute(s) ? s : path.resolve(base, s),
  );
  return config;
}

export async function loadNodeAgentConfig(file: string): Promise<NodeAgentConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `agent config: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  return parseNodeAgentConfig(text, file);
}
