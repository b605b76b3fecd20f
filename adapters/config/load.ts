/** Reads `ownercost.yaml`: YAML syntax errors and schema errors name the file, the line and the key. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { type Config, ConfigSchema } from '../../core/config/schema.js';
import { UsageError } from '../../core/schema/errors.js';

export async function loadConfig(file: string): Promise<{ config: Config; baseDir: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`config: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return { config: parseConfig(text, file), baseDir: path.dirname(path.resolve(file)) };
}

/** Parses config text; `file` is only used in messages. */
export function parseConfig(text: string, file: string): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const pos = e?.linePos?.[0];
    throw new UsageError(
      `config ${file}${pos ? `:${pos.line}` : ''}: YAML syntax error: ${e?.message.split('\n')[0]}`,
    );
  }
  const result = ConfigSchema.safeParse(doc.toJS() ?? {});
  if (result.success) return result.data;
  const messages = result.error.issues
    .slice(0, 5)
    .map((issue) => describeIssue(issue, doc, lineCounter, file));
  throw new UsageError(messages.join('\n'));
}

function describeIssue(
  issue: z.core.$ZodIssue,
  doc: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
  file: string,
): string {
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const at = issue.path.map(String);
  const nodePath = keys.length > 0 ? [...at, keys[0] as string] : at;
  let line: number | undefined;
  // Find the deepest node that exists on the path, for a line number.
  for (let n = nodePath.length; n >= 0 && line === undefined; n--) {
    const p = nodePath.slice(0, n);
    const node =
      p.length === 0
        ? doc.contents
        : doc.getIn(
            p.map((k) => (/^\d+$/.test(k) ? Number(k) : k)),
            true,
          );
    if (isNode(node) && node.range) line = lineCounter.linePos(node.range[0]).line;
    else if (keys.length > 0 && n === nodePath.length) {
      // An unknown key: point at the key itself.
      const parent = doc.getIn(
        at.map((k) => (/^\d+$/.test(k) ? Number(k) : k)),
        true,
      );
      if (isNode(parent) && 'items' in parent) {
        for (const item of (parent as { items: { key?: unknown }[] }).items) {
          const k = item.key;
          if (isNode(k) && (k as { value?: unknown }).value === keys[0] && k.range) {
            line = lineCounter.linePos(k.range[0]).line;
          }
        }
      }
    }
  }
  const where = `${file}${line ? `:${line}` : ''}`;
  const key = nodePath.join('.') || '(root)';
  if (issue.code === 'unrecognized_keys') return `config ${where}: unknown key "${key}"`;
  return `config ${where}: ${key}: ${issue.message}`;
}
