import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** deploy/kubernetes of this checkout (the tests run from dist/test/support). */
export const KUBERNETES_DIR = join(__dirname, '..', '..', '..', 'deploy', 'kubernetes');

/** `KUBECTL` or kubectl from the PATH: it holds kustomize (`kubectl kustomize`). */
const KUBECTL = process.env.KUBECTL || 'kubectl';

/** One rendered Kubernetes document, read loosely: the tests check the shape themselves. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    secretKeyRef?: { name: string; key: string; optional?: boolean };
  };
}

export interface Container {
  name: string;
  image?: string;
  env?: EnvVar[];
  ports?: { name?: string; containerPort: number }[];
  [field: string]: unknown;
}

/**
 * `kubectl kustomize <dir>` parsed into documents. `components` renders the directory with
 * those components (folders under deploy/kubernetes/components) added, as an operator's own
 * overlay would. Fails with a clear message when kubectl is missing: the manifests are only
 * proven by rendering them.
 */
export function renderKustomization(dir: string, components: string[] = []): K8sObject[] {
  if (components.length === 0) return parseDocuments(kustomize(join(KUBERNETES_DIR, dir)));
  const scratch = mkdtempSync(join(tmpdir(), 'uptime-kustomize-'));
  try {
    const rel = (p: string) => relative(scratch, join(KUBERNETES_DIR, p));
    writeFileSync(
      join(scratch, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources:',
        `  - ${rel(dir)}`,
        'components:',
        ...components.map((c) => `  - ${rel(join('components', c))}`),
        '',
      ].join('\n'),
    );
    return parseDocuments(kustomize(scratch));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function kustomize(dir: string): string {
  const run = spawnSync(KUBECTL, ['kustomize', dir], { encoding: 'utf8', timeout: 60_000 });
  if (run.error) {
    throw new Error(
      `cannot run \`${KUBECTL} kustomize\` (${run.error.message}): install kubectl 1.27+ (it holds kustomize) or set KUBECTL to it`,
    );
  }
  if (run.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${run.stderr}`);
  return run.stdout;
}

function parseDocuments(text: string): K8sObject[] {
  return parseAllDocuments(text).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`bad YAML from kustomize: ${doc.errors[0]}`);
    return doc.toJS() as K8sObject;
  });
}

/** The pod template's containers of a Deployment or StatefulSet. */
export function containersOf(workload: K8sObject): Container[] {
  return podSpecOf(workload).containers as Container[];
}

export function podSpecOf(workload: K8sObject): Record<string, unknown> & {
  containers: Container[];
} {
  const spec = workload.spec as { template: { spec: Record<string, unknown> } };
  return spec.template.spec as Record<string, unknown> & { containers: Container[] };
}

/** The six apps' Deployments, by app name. */
export function appDeployments(docs: K8sObject[]): Map<string, K8sObject> {
  return new Map(
    docs
      .filter(
        (d) =>
          d.kind === 'Deployment' && d.metadata.labels?.['app.kubernetes.io/component'] === 'app',
      )
      .map((d) => [d.metadata.name, d]),
  );
}

/**
 * The environment Kubernetes gives an app's container: literal values (with `$(VAR)` expanded
 * from the variables before it, as the kubelet does), ConfigMap keys from the rendered
 * ConfigMaps and Secret keys from `secrets` (`name/key`), which the test supplies since no Secret
 * is in the repository. A reference to a missing key fails unless it is optional, as a pod would.
 */
export function containerEnv(
  container: Container,
  docs: K8sObject[],
  secrets: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of container.env ?? []) {
    const value = envValue(v, docs, secrets, env);
    if (value !== undefined) env[v.name] = value;
  }
  return env;
}

function envValue(
  v: EnvVar,
  docs: K8sObject[],
  secrets: Record<string, string>,
  before: Record<string, string>,
): string | undefined {
  if (v.value !== undefined)
    return v.value.replace(/\$\((\w+)\)/g, (m, n: string) => before[n] ?? m);
  const cm = v.valueFrom?.configMapKeyRef;
  if (cm) {
    const map = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === cm.name);
    const value = (map?.data as Record<string, string> | undefined)?.[cm.key];
    if (value === undefined && !cm.optional)
      throw new Error(`${v.name}: ConfigMap ${cm.name} has no key ${cm.key}`);
    return value;
  }
  const sk = v.valueFrom?.secretKeyRef;
  if (sk) {
    const value = secrets[`${sk.name}/${sk.key}`];
    if (value === undefined && !sk.optional)
      throw new Error(`${v.name}: the test's Secret ${sk.name} has no key ${sk.key}`);
    return value;
  }
  throw new Error(`${v.name}: neither a value nor a ConfigMap or Secret key`);
}
