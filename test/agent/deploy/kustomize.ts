/**
 * The part of `kustomize build` the agent's manifests use, for tests (no kustomize binary here):
 * `resources` (files and directories), `patches` with a `path` (strategic merge, simplified: maps
 * merge, lists of named items merge by name, other lists are replaced, null deletes) and `images`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

export type Manifest = {
  apiVersion: string;
  kind: string;
  // biome-ignore lint/suspicious/noExplicitAny: manifests are free-form YAML.
  metadata: { name: string; namespace?: string; [k: string]: any };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are free-form YAML.
  [k: string]: any;
};

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  resources?: string[];
  patches?: { path: string }[];
  images?: { name: string; newName?: string; newTag?: string }[];
}

export function readYamlDocs(file: string): Manifest[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  const out: Manifest[] = [];
  for (const d of docs) {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]?.message}`);
    const v = d.toJS() as Manifest | null;
    if (v) out.push(v);
  }
  return out;
}

export function idOf(m: Manifest): string {
  return `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`;
}

export function kustomizeBuild(dir: string): Manifest[] {
  const kfile = path.join(dir, 'kustomization.yaml');
  if (!existsSync(kfile)) throw new Error(`${dir}: no kustomization.yaml`);
  const k = readYamlDocs(kfile)[0] as unknown as Kustomization;
  if (k.kind !== 'Kustomization') throw new Error(`${kfile}: kind must be Kustomization`);
  const out: Manifest[] = [];
  for (const r of k.resources ?? []) {
    const p = path.resolve(dir, r);
    if (!existsSync(p)) throw new Error(`${kfile}: resource ${r} does not exist`);
    out.push(...(statSync(p).isDirectory() ? kustomizeBuild(p) : readYamlDocs(p)));
  }
  const seen = new Set<string>();
  for (const m of out) {
    if (seen.has(idOf(m))) throw new Error(`${kfile}: duplicate resource ${idOf(m)}`);
    seen.add(idOf(m));
  }
  for (const patch of k.patches ?? []) {
    const p = path.resolve(dir, patch.path);
    if (!existsSync(p)) throw new Error(`${kfile}: patch ${patch.path} does not exist`);
    for (const doc of readYamlDocs(p)) {
      const target = out.find((m) => idOf(m) === idOf(doc));
      if (!target)
        throw new Error(`${kfile}: patch ${patch.path} targets ${idOf(doc)}, which is not a resource`);
      merge(target, doc);
    }
  }
  for (const image of k.images ?? []) {
    for (const m of out) {
      for (const c of containersOf(m)) {
        if (c.image === image.name)
          c.image = `${image.newName ?? image.name}${image.newTag ? `:${image.newTag}` : ''}`;
      }
    }
  }
  return out;
}

// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form YAML.
export function containersOf(m: Manifest): any[] {
  const spec = m.spec?.template?.spec;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
}

// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form YAML.
function merge(target: any, patch: any): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete target[key];
    } else if (Array.isArray(value)) {
      const current = target[key];
      const named = value.every((v) => v && typeof v === 'object' && 'name' in v);
      if (named && Array.isArray(current)) {
        for (const item of value) {
          const match = current.find((c: { name?: string }) => c?.name === item.name);
          if (match) merge(match, item);
          else current.push(item);
        }
      } else {
        target[key] = structuredClone(value);
      }
    } else if (typeof value === 'object') {
      if (typeof target[key] !== 'object' || target[key] === null || Array.isArray(target[key]))
        target[key] = {};
      merge(target[key], value);
    } else {
      target[key] = value;
    }
  }
}
