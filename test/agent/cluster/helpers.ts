/** Shared setup for cluster-agent tests: a fake API server and a kubeconfig file pointing at it. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { FakeKubeApiServer, kubeconfigYaml } from './fakeApiServer.js';

export async function startCluster(fixtures?: string | null) {
  const api = await FakeKubeApiServer.start(fixtures === undefined ? {} : { fixtures });
  const dir = await mkdtemp(path.join(tmpdir(), 'ownercost-kube-'));
  const kubeconfigPath = path.join(dir, 'kubeconfig.yaml');
  await writeFile(kubeconfigPath, kubeconfigYaml(api.url));
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return { api, dir, kubeconfigPath, kc };
}

export async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition') {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
