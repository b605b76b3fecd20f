import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DaemonSet, Deployment } from 'kubernetes-models/apps/v1';
import { ClusterRole, ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { RESOURCES } from '../../../adapters/kube/informers.js';
import { containersOf, kustomizeBuild, type Manifest } from './kustomize.js';

const deployDir = (p: string) => fileURLToPath(new URL(`../../../agent/deploy/${p}`, import.meta.url));

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/DaemonSet': DaemonSet,
  'apps/v1/Deployment': Deployment,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
};

const builds = {
  base: kustomizeBuild(deployDir('base')),
  eks: kustomizeBuild(deployDir('overlays/eks')),
  gke: kustomizeBuild(deployDir('overlays/gke')),
  aks: kustomizeBuild(deployDir('overlays/aks')),
};

function one(ms: Manifest[], kind: string, name: string): Manifest {
  const m = ms.find((x) => x.kind === kind && x.metadata.name === name);
  if (!m) throw new Error(`no ${kind} ${name}`);
  return m;
}

describe('agent deploy manifests', () => {
  it.each(Object.entries(builds))(
    '%s: every manifest validates against the Kubernetes OpenAPI schema',
    (_name, ms) => {
      expect(ms.length).toBe(12);
      for (const m of ms) {
        const Model = MODELS[`${m.apiVersion}/${m.kind}`];
        expect(Model, `${m.apiVersion}/${m.kind} has no model`).toBeDefined();
        expect(
          () => new (Model as new (d: Manifest) => { validate(): void })(m).validate(),
          `${m.kind} ${m.metadata.name}`,
        ).not.toThrow();
      }
    },
  );

  it('runs the node agent on the host network with NET_ADMIN only, a read-only root and 50m/64Mi requests', () => {
    const ds = one(builds.base, 'DaemonSet', 'ownercost-node-agent');
    const pod = ds.spec.template.spec;
    expect(pod.hostNetwork).toBe(true);
    expect(pod.dnsPolicy).toBe('ClusterFirstWithHostNet');
    expect(pod.tolerations).toEqual([{ operator: 'Exists' }]);
    const [c] = pod.containers;
    expect(c.securityContext).toMatchObject({
      capabilities: { drop: ['ALL'], add: ['NET_ADMIN'] },
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
    });
    expect(c.resources.requests).toEqual({ cpu: '50m', memory: '64Mi' });
    expect(c.env).toContainEqual({
      name: 'NODE_NAME',
      valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } },
    });
    expect(c.args[0]).toBe('node');
    expect(c.args).toContain('--node-name=$(NODE_NAME)');
    expect(c.image).toBe('ghcr.io/example/ownercost-agent:0.1.0');
    // Writable places are volumes: the spool and /tmp.
    expect(c.volumeMounts.map((v: { mountPath: string }) => v.mountPath).sort()).toEqual([
      '/tmp',
      '/var/lib/ownercost/spool',
    ]);
  });

  it('runs the cluster agent as one non-root replica without capabilities', () => {
    const d = one(builds.base, 'Deployment', 'ownercost-cluster-agent');
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    const [c] = d.spec.template.spec.containers;
    expect(c.securityContext).toMatchObject({
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect(c.securityContext.capabilities.add).toBeUndefined();
    expect(c.args[0]).toBe('cluster');
  });

  it('grants the cluster agent read-only access to every resource it watches, and metrics.k8s.io', () => {
    const role = one(builds.base, 'ClusterRole', 'ownercost-cluster-agent');
    const granted = new Set<string>();
    for (const rule of role.rules) {
      for (const verb of rule.verbs) expect(['get', 'list', 'watch']).toContain(verb);
      if (rule.apiGroups.includes('metrics.k8s.io')) {
        expect(rule.resources.sort()).toEqual(['nodes', 'pods']);
        expect(rule.verbs.sort()).toEqual(['get', 'list']);
        continue;
      }
      expect(rule.verbs.sort()).toEqual(['get', 'list', 'watch']);
      for (const r of rule.resources) granted.add(r);
    }
    expect([...granted].sort()).toEqual([...RESOURCES].sort());
    const nodeRole = one(builds.base, 'ClusterRole', 'ownercost-node-agent');
    expect(
      nodeRole.rules
        .flatMap((r: { verbs: string[] }) => r.verbs)
        .every((v: string) => ['get', 'list', 'watch'].includes(v)),
    ).toBe(true);
  });

  it('binds each role to an existing service account used by a workload', () => {
    const ms = builds.base;
    for (const binding of ms.filter((m) => m.kind === 'ClusterRoleBinding')) {
      one(ms, 'ClusterRole', binding.roleRef.name);
      for (const s of binding.subjects) one(ms, 'ServiceAccount', s.name);
    }
    for (const w of ms.filter((m) => m.kind === 'DaemonSet' || m.kind === 'Deployment')) {
      const sa = w.spec.template.spec.serviceAccountName;
      one(ms, 'ServiceAccount', sa);
      expect(
        ms.some(
          (b) => b.kind === 'ClusterRoleBinding' && b.subjects.some((s: { name: string }) => s.name === sa),
        ),
      ).toBe(true);
    }
  });

  it('defines every variable the container args refer to, and selects workload pods with the Services', () => {
    const ms = builds.base;
    const config = one(ms, 'ConfigMap', 'ownercost-agent-config');
    for (const w of ms.filter((m) => m.kind === 'DaemonSet' || m.kind === 'Deployment')) {
      const [c] = w.spec.template.spec.containers;
      expect(c.envFrom).toEqual([{ configMapRef: { name: 'ownercost-agent-config' } }]);
      const defined = new Set([
        ...Object.keys(config.data),
        ...(c.env ?? []).map((e: { name: string }) => e.name),
      ]);
      for (const arg of c.args as string[]) {
        for (const m of arg.matchAll(/\$\((\w+)\)/g))
          expect(defined, `${w.metadata.name}: ${arg}`).toContain(m[1]);
      }
      const podLabels = w.spec.template.metadata.labels;
      const svc = ms.find(
        (s) => s.kind === 'Service' && Object.entries(s.spec.selector).every(([k, v]) => podLabels[k] === v),
      );
      expect(svc, `a metrics Service for ${w.metadata.name}`).toBeDefined();
      const port = c.ports.find((p: { name: string }) => p.name === 'metrics');
      expect(svc?.spec.ports[0].targetPort).toBe('metrics');
      expect(c.args).toContain(`--metrics-port=${port.containerPort}`);
    }
  });

  it('annotates both service accounts for IRSA on EKS', () => {
    for (const name of ['ownercost-node-agent', 'ownercost-cluster-agent']) {
      const sa = one(builds.eks, 'ServiceAccount', name);
      expect(sa.metadata.annotations['eks.amazonaws.com/role-arn']).toMatch(/^arn:aws:iam::\d{12}:role\/.+/);
      expect(sa.metadata.labels['app.kubernetes.io/part-of']).toBe('ownercost');
    }
  });

  it('annotates both service accounts for Workload Identity on GKE and uses a gs:// sink', () => {
    for (const name of ['ownercost-node-agent', 'ownercost-cluster-agent']) {
      const sa = one(builds.gke, 'ServiceAccount', name);
      expect(sa.metadata.annotations['iam.gke.io/gcp-service-account']).toMatch(
        /^[\w-]+@[\w-]+\.iam\.gserviceaccount\.com$/,
      );
    }
    const config = one(builds.gke, 'ConfigMap', 'ownercost-agent-config');
    expect(config.data.OWNERCOST_SINK).toMatch(/^gs:\/\//);
    expect(config.data.OWNERCOST_CLUSTER).toBe('my-cluster');
  });

  it('sets the Workload ID client id and the pod label on AKS', () => {
    for (const name of ['ownercost-node-agent', 'ownercost-cluster-agent']) {
      const sa = one(builds.aks, 'ServiceAccount', name);
      expect(sa.metadata.annotations['azure.workload.identity/client-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
    for (const [kind, name] of [
      ['DaemonSet', 'ownercost-node-agent'],
      ['Deployment', 'ownercost-cluster-agent'],
    ] as const) {
      const w = one(builds.aks, kind, name);
      expect(w.spec.template.metadata.labels).toMatchObject({
        'azure.workload.identity/use': 'true',
        'app.kubernetes.io/name': name,
      });
      // The merge kept the rest of the pod spec.
      expect(w.spec.template.spec.containers).toHaveLength(1);
    }
    expect(one(builds.aks, 'ConfigMap', 'ownercost-agent-config').data.OWNERCOST_SINK).toMatch(
      /^azblob:\/\//,
    );
  });

  it('builds an image with conntrack, the bundled agent, a non-root user and the agent entrypoint', () => {
    const dockerfile = readFileSync(deployDir('Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:(20|22)-slim AS build$/m);
    expect(dockerfile).toMatch(/^RUN npm run build:agent$/m);
    // The runtime stage: plain node on the one-file bundle, no node_modules, no TypeScript loader.
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^FROM node:(20|22)-slim$/m);
    expect(runtime).toMatch(/apt-get install[^\n]*conntrack/);
    expect(runtime).toMatch(/^COPY --from=build \/src\/dist\/ownercost-agent\.mjs /m);
    const instructions = runtime.replace(/^#.*$/gm, '');
    expect(instructions).not.toMatch(/node_modules|npm install|tsx/);
    expect(runtime).toMatch(/^USER 1000:1000$/m);
    expect(runtime).toMatch(/^ENTRYPOINT \["node", "\/app\/ownercost-agent\.mjs", "agent"\]$/m);
    for (const m of builds.base) for (const c of containersOf(m)) expect(c.image).not.toBe('ownercost-agent');
  });
});
