import { NATS_READINESS_TIMEOUT_MS } from '@uptime/bus';
import { MAX_TIMEOUT_MS } from '@uptime/contracts';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { z } from 'zod';
import { GatewayEnvSchema } from '../../apps/gateway/src/config';
import { MetricsEnvSchema } from '../../apps/metrics/src/config';
import { RegistryEnvSchema } from '../../apps/monitor-registry/src/config';
import { NotifierEnvSchema } from '../../apps/notifier/src/config';
import { ProberEnvSchema } from '../../apps/prober/src/config';
import { SchedulerEnvSchema } from '../../apps/scheduler/src/config';
import { APPS, type App, loadDeploymentConfigs } from '../support/deployment-env';
import {
  appDeployments,
  type Container,
  containerEnv,
  containersOf,
  type K8sObject,
  KUBERNETES_DIR,
  podSpecOf,
  renderKustomization,
} from '../support/kubernetes-manifests';

/** Each app's environment schema: a Deployment gives an app exactly the variables it reads. */
const SCHEMAS: Record<App, z.ZodObject> = {
  gateway: GatewayEnvSchema,
  'monitor-registry': RegistryEnvSchema,
  scheduler: SchedulerEnvSchema,
  prober: ProberEnvSchema,
  metrics: MetricsEnvSchema,
  notifier: NotifierEnvSchema,
};

/** Secrets the manifests may refer to; none is in the repository (deploy/README.md lists them). */
const SECRET_KEYS: Record<string, string> = {
  'uptime-secrets/JWT_SECRET': 'a'.repeat(40),
  'uptime-secrets/DATABASE_URL': 'postgres://uptime:pw@postgres:5432/uptime',
  'uptime-secrets/CLICKHOUSE_URL': 'http://uptime:pw@clickhouse:8123/uptime',
  'uptime-secrets/SMTP_URL': 'smtp://user:pw@smtp.example.com:587',
  'uptime-secrets/POSTGRES_PASSWORD': 'pw',
  'uptime-secrets/CLICKHOUSE_PASSWORD': 'pw',
  // Written by CloudNativePG for its Cluster uptime-db (overlays/production).
  'uptime-db-app/uri': 'postgresql://uptime:pw@uptime-db-rw.uptime:5432/uptime',
};

/** Custom resources of operators (KEDA, Prometheus, CloudNativePG, Altinity): checked by shape. */
const CUSTOM_KINDS: Record<string, (doc: K8sObject) => void> = {
  'keda.sh/v1alpha1/ScaledObject': (doc) => {
    const spec = doc.spec as {
      scaleTargetRef?: { name?: string };
      minReplicaCount?: number;
      maxReplicaCount?: number;
      triggers?: { type?: string; metadata?: Record<string, unknown> }[];
    };
    assert.equal(typeof spec.scaleTargetRef?.name, 'string', 'scaleTargetRef.name');
    assert.ok(Number.isInteger(spec.minReplicaCount) && Number.isInteger(spec.maxReplicaCount));
    assert.ok(spec.minReplicaCount! <= spec.maxReplicaCount!, 'min <= max replicas');
    assert.ok(spec.triggers?.length, 'triggers');
    for (const t of spec.triggers!) {
      assert.equal(typeof t.type, 'string', 'trigger type');
      for (const v of Object.values(t.metadata ?? {}))
        assert.equal(typeof v, 'string', 'KEDA trigger metadata values are strings');
    }
    const nats = spec.triggers!.find((t) => t.type === 'nats-jetstream');
    assert.ok(nats, 'a nats-jetstream trigger');
    for (const key of ['natsServerMonitoringEndpoint', 'account', 'stream', 'consumer'])
      assert.ok(nats.metadata?.[key], `nats-jetstream ${key}`);
  },
  'monitoring.coreos.com/v1/PodMonitor': (doc) => {
    const spec = doc.spec as { selector?: object; podMetricsEndpoints?: { port?: string }[] };
    assert.ok(spec.selector, 'selector');
    assert.ok(
      spec.podMetricsEndpoints?.every((e) => typeof e.port === 'string'),
      'endpoints',
    );
  },
  'postgresql.cnpg.io/v1/Cluster': (doc) => {
    const spec = doc.spec as {
      instances?: number;
      storage?: { size?: string };
      bootstrap?: { initdb?: { database?: string; owner?: string } };
    };
    assert.ok(Number.isInteger(spec.instances) && spec.instances! >= 1, 'instances');
    assert.match(spec.storage?.size ?? '', /^\d+[GM]i$/, 'storage.size');
    assert.ok(spec.bootstrap?.initdb?.database && spec.bootstrap.initdb.owner, 'initdb');
  },
  'clickhouse.altinity.com/v1/ClickHouseInstallation': (doc) => {
    const spec = doc.spec as {
      configuration?: { clusters?: { name?: string; layout?: object }[] };
    };
    assert.ok(
      spec.configuration?.clusters?.every((c) => c.name && c.layout),
      'clusters',
    );
  },
};

type Model = new (data: object) => { validate(): void };

/** The kubernetes-models class of a core kind, e.g. `apps/v1` `Deployment`. */
async function modelOf(doc: K8sObject): Promise<Model | undefined> {
  let group: Record<string, unknown>;
  try {
    group = (await import(`kubernetes-models/${doc.apiVersion}`)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  return group[doc.kind] as Model | undefined;
}

const WORKLOADS = ['Deployment', 'StatefulSet'];
const label = (d: K8sObject) => `${d.kind}/${d.metadata.name}`;

/** Every container of every workload, with its workload. */
function containers(docs: K8sObject[]): [K8sObject, Container][] {
  return docs
    .filter((d) => WORKLOADS.includes(d.kind))
    .flatMap((d) => containersOf(d).map((c): [K8sObject, Container] => [d, c]));
}

const RENDERINGS: { name: string; dir: string; components?: string[] }[] = [
  { name: 'base', dir: 'base' },
  { name: 'overlays/dev', dir: 'overlays/dev' },
  { name: 'overlays/production', dir: 'overlays/production' },
  { name: 'overlays/dev + KEDA', dir: 'overlays/dev', components: ['keda-prober-scaling'] },
];

for (const rendering of RENDERINGS) {
  describe(`kubectl kustomize ${rendering.name}`, () => {
    let docs: K8sObject[];
    before(() => (docs = renderKustomization(rendering.dir, rendering.components)));

    it('should validate every document against the Kubernetes schemas (operator kinds by shape)', async () => {
      assert.ok(docs.length > 20, `only ${docs.length} documents`);
      for (const doc of docs) {
        assert.ok(doc.metadata?.name, `a ${doc.kind} without a name`);
        const custom = CUSTOM_KINDS[`${doc.apiVersion}/${doc.kind}`];
        if (custom) {
          custom(doc);
          continue;
        }
        const Model = await modelOf(doc);
        assert.ok(Model, `${doc.apiVersion} ${doc.kind} is neither a Kubernetes nor a known kind`);
        assert.doesNotThrow(() => new Model(doc).validate(), label(doc));
      }
    });

    it('should put everything in the uptime namespace, which enforces Pod Security "restricted"', () => {
      const ns = docs.find((d) => d.kind === 'Namespace');
      assert.equal(ns?.metadata.name, 'uptime');
      assert.equal(ns.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
      for (const d of docs.filter((d) => d.kind !== 'Namespace'))
        assert.equal(d.metadata.namespace, 'uptime', label(d));
    });

    it('should meet the "restricted" level in every pod and container', () => {
      for (const d of docs.filter((d) => WORKLOADS.includes(d.kind))) {
        const pod = podSpecOf(d) as {
          securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type?: string } };
          hostNetwork?: boolean;
          hostPID?: boolean;
          automountServiceAccountToken?: boolean;
        };
        assert.equal(pod.securityContext?.runAsNonRoot, true, `${label(d)} runAsNonRoot`);
        assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault', label(d));
        assert.ok(!pod.hostNetwork && !pod.hostPID, `${label(d)} shares no host namespace`);
        assert.equal(pod.automountServiceAccountToken, false, `${label(d)} mounts no API token`);
      }
      for (const [d, c] of containers(docs)) {
        const where = `${label(d)} container ${c.name}`;
        const sc = c.securityContext as
          | {
              allowPrivilegeEscalation?: boolean;
              readOnlyRootFilesystem?: boolean;
              runAsNonRoot?: boolean;
              privileged?: boolean;
              capabilities?: { drop?: string[]; add?: string[] };
            }
          | undefined;
        assert.equal(sc?.allowPrivilegeEscalation, false, `${where} allowPrivilegeEscalation`);
        assert.equal(sc?.readOnlyRootFilesystem, true, `${where} readOnlyRootFilesystem`);
        assert.equal(sc?.runAsNonRoot, true, `${where} runAsNonRoot`);
        assert.ok(!sc?.privileged, `${where} privileged`);
        assert.deepEqual(sc?.capabilities?.drop, ['ALL'], `${where} drops ALL capabilities`);
        assert.ok(!sc?.capabilities?.add?.length, `${where} adds no capability`);
      }
    });

    it('should give every container probes, resources and a pinned image', () => {
      for (const [d, c] of containers(docs)) {
        const where = `${label(d)} container ${c.name}`;
        for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe'])
          assert.ok(c[probe], `${where} has no ${probe}`);
        const res = c.resources as {
          requests?: { cpu?: string; memory?: string };
          limits?: { memory?: string };
        };
        assert.ok(res?.requests?.cpu && res.requests.memory, `${where} requests cpu and memory`);
        assert.ok(res.limits?.memory, `${where} limits memory`);
        const image = c.image ?? '';
        const tag = /@sha256:[0-9a-f]{64}$/.test(image) ? 'digest' : image.split(':')[1];
        assert.ok(tag, `${where}: image ${image} has no tag`);
        assert.notEqual(tag, 'latest', `${where}: image ${image}`);
      }
    });

    it('should give the apps probe timeouts above their own readiness timeout, and a grace period for the longest check', () => {
      for (const [name, d] of appDeployments(docs)) {
        const [c] = containersOf(d);
        const ready = c!.readinessProbe as { timeoutSeconds: number; httpGet: { path: string } };
        assert.equal(ready.httpGet.path, '/health/ready', name);
        assert.ok(ready.timeoutSeconds * 1000 > NATS_READINESS_TIMEOUT_MS, `${name} readiness`);
        const live = c!.livenessProbe as { httpGet: { path: string } };
        assert.equal(live.httpGet.path, '/health/live', name);
        const ports = (c!.ports ?? []).map((p) => p.name);
        for (const probe of [c!.startupProbe, c!.livenessProbe, ready] as {
          httpGet: { port: string };
        }[])
          assert.ok(ports.includes(probe.httpGet.port), `${name} probes a declared port`);
      }
      const prober = appDeployments(docs).get('prober')!;
      const pod = podSpecOf(prober) as { terminationGracePeriodSeconds?: number };
      const [c] = containersOf(prober) as {
        lifecycle?: { preStop?: { sleep?: { seconds: number } } };
      }[];
      const preStop = c!.lifecycle?.preStop?.sleep?.seconds;
      assert.ok(preStop && preStop > 0, 'the prober has a preStop');
      assert.ok(
        (pod.terminationGracePeriodSeconds ?? 30) > preStop + MAX_TIMEOUT_MS / 1000,
        `prober grace ${pod.terminationGracePeriodSeconds} s vs preStop + longest check`,
      );
    });

    it('should give every app exactly the variables its config reads, with regions that agree', () => {
      const deployments = appDeployments(docs);
      assert.deepEqual([...deployments.keys()].sort(), [...APPS].sort());
      const envs = new Map<App, Record<string, string>>();
      for (const [name, d] of deployments) {
        const [c] = containersOf(d);
        const known = Object.keys(SCHEMAS[name as App].shape);
        for (const v of c!.env ?? [])
          assert.ok(known.includes(v.name), `${name} is given ${v.name}, which it does not read`);
        const names = (c!.env ?? []).map((v) => v.name);
        assert.equal(new Set(names).size, names.length, `${name} sets a variable twice`);
        assert.ok(!c!.envFrom, `${name}: envFrom would pass variables the app does not read`);
        for (const v of c!.env ?? []) {
          const secret = v.valueFrom?.secretKeyRef;
          if (secret) assert.ok(`${secret.name}/${secret.key}` in SECRET_KEYS, v.name);
        }
        envs.set(name as App, containerEnv(c!, docs, SECRET_KEYS));
      }
      const used = new Set(
        [...deployments.values()].flatMap((d) =>
          (containersOf(d)[0]!.env ?? []).flatMap((v) => v.valueFrom?.configMapKeyRef?.key ?? []),
        ),
      );
      const config = docs.find(
        (d) => d.kind === 'ConfigMap' && d.metadata.name === 'uptime-config',
      );
      for (const key of Object.keys((config?.data as object | undefined) ?? {}))
        assert.ok(used.has(key), `uptime-config holds ${key}, which no app reads`);
      const regions = loadDeploymentConfigs(envs);
      assert.deepEqual(regions.scheduled, regions.accepted);
      assert.deepEqual(regions.judged, regions.scheduled);
      assert.ok(regions.scheduled.includes(regions.proberRegion), JSON.stringify(regions));
    });

    it('should refer to Secrets without holding one', () => {
      assert.deepEqual(
        docs.filter((d) => d.kind === 'Secret').map(label),
        [],
        'no Secret is rendered: the operator creates them',
      );
      for (const [d, c] of containers(docs)) {
        for (const v of c.env ?? []) {
          if (v.value === undefined) continue;
          assert.doesNotMatch(
            `${v.name}=${v.value}`,
            /PASSWORD=|SECRET=|:\/\/[^/\s:@]+:[^/\s@]+@/,
            `${label(d)} holds a secret value in ${v.name}`,
          );
        }
      }
    });

    it('should keep the apps available: PDBs (scheduler minAvailable 1), spread, autoscaled probers', () => {
      const pdbs = docs.filter((d) => d.kind === 'PodDisruptionBudget');
      for (const app of APPS) {
        const pdb = pdbs.find((p) => p.metadata.name === app);
        assert.ok(pdb, `${app} has a PodDisruptionBudget`);
        const selector = (pdb.spec as { selector: { matchLabels: Record<string, string> } })
          .selector.matchLabels;
        assert.equal(selector['app.kubernetes.io/name'], app);
      }
      assert.equal(
        (pdbs.find((p) => p.metadata.name === 'scheduler')!.spec as { minAvailable: number })
          .minAvailable,
        1,
      );
      for (const [name, d] of appDeployments(docs)) {
        const spread = podSpecOf(d).topologySpreadConstraints as { topologyKey: string }[];
        assert.ok(
          spread?.some((s) => s.topologyKey === 'kubernetes.io/hostname'),
          `${name} spreads over nodes`,
        );
      }
      const scalers = docs.filter((d) =>
        ['HorizontalPodAutoscaler', 'ScaledObject'].includes(d.kind),
      );
      assert.equal(scalers.length, 1, `one autoscaler for the probers: ${scalers.map(label)}`);
      const target = (scalers[0]!.spec as { scaleTargetRef: { name: string } }).scaleTargetRef;
      assert.equal(target.name, 'prober');
    });

    it('should deny by default and let only the gateway take traffic from anywhere', () => {
      const policies = docs.filter((d) => d.kind === 'NetworkPolicy');
      const deny = policies.find((p) => {
        const spec = p.spec as { podSelector: object; policyTypes: string[]; ingress?: unknown };
        return (
          Object.keys(spec.podSelector).length === 0 &&
          spec.policyTypes.includes('Ingress') &&
          spec.policyTypes.includes('Egress') &&
          !spec.ingress &&
          !(spec as { egress?: unknown }).egress
        );
      });
      assert.ok(deny, 'a default-deny NetworkPolicy');
      for (const p of policies) {
        const spec = p.spec as {
          podSelector: { matchLabels?: Record<string, string> };
          ingress?: { from?: unknown[] }[];
        };
        for (const rule of spec.ingress ?? []) {
          if (rule.from?.length) continue;
          assert.equal(
            spec.podSelector.matchLabels?.['app.kubernetes.io/name'],
            'gateway',
            `${label(p)} opens ingress from anywhere to pods other than the gateway`,
          );
        }
      }
    });

    it('should have every app scraped by Prometheus', () => {
      const podMonitor = docs.some((d) => d.kind === 'PodMonitor');
      for (const [name, d] of appDeployments(docs)) {
        const annotations = (d.spec as { template: { metadata: { annotations?: object } } })
          .template.metadata.annotations as Record<string, string> | undefined;
        assert.ok(
          podMonitor || annotations?.['prometheus.io/scrape'] === 'true',
          `${name} is not scraped`,
        );
      }
    });
  });
}

describe('deploy/kubernetes sources', () => {
  /** Every YAML file under deploy/kubernetes. */
  function yamlFiles(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return yamlFiles(path);
      return /\.ya?ml$/.test(name) ? [path] : [];
    });
  }

  it('should commit no Secret and no image tag outside the kustomizations', () => {
    for (const file of yamlFiles(KUBERNETES_DIR)) {
      const text = readFileSync(file, 'utf8');
      assert.doesNotMatch(text, /^kind:\s*Secret\s*$/m, `${file} holds a Secret`);
      assert.doesNotMatch(text, /^\s*(string)?[dD]ata:[\s\S]*(PASSWORD|SECRET):/m, file);
      if (/kustomization\.yaml$|values\.yaml$|clickhouse-installation|postgres-cluster/.test(file))
        continue;
      assert.doesNotMatch(text, /^\s*image:\s*\S+:\S+/m, `${file} sets an image tag itself`);
    }
  });

  it('should document every Secret key the manifests refer to', () => {
    const readme = readFileSync(join(KUBERNETES_DIR, '..', 'README.md'), 'utf8');
    for (const key of Object.keys(SECRET_KEYS)) {
      const [secret, name] = key.split('/');
      assert.ok(readme.includes(secret!) && readme.includes(name!), `deploy/README.md: ${key}`);
    }
  });
});
