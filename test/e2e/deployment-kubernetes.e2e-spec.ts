import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { APPS, type App, DeploymentRun, type LocalNetwork } from '../support/deployment-env';
import { itRunsAsDeployed } from '../support/deployment-scenario';
import {
  appDeployments,
  containerEnv,
  containersOf,
  type K8sObject,
  renderKustomization,
} from '../support/kubernetes-manifests';

const NAMESPACE = 'uptime';

/** A Service's names inside the cluster: short, namespaced and fully qualified. */
const dnsNames = (service: string) => [
  service,
  `${service}.${NAMESPACE}`,
  `${service}.${NAMESPACE}.svc`,
  `${service}.${NAMESPACE}.svc.cluster.local`,
];

const DEV_NETWORK: LocalNetwork = {
  gatewayHosts: dnsNames('gateway'),
  natsHosts: dnsNames('nats'),
  postgresHosts: dnsNames('postgres'),
  clickhouseHosts: dnsNames('clickhouse'),
  unusedHosts: [],
};

/**
 * The Secret deploy/README.md has the operator create for the dev overlay (it is never in the
 * repository): the apps' keys and the bundled servers' passwords.
 */
function devSecret(): Record<string, string> {
  const pg = randomBytes(12).toString('hex');
  const ch = randomBytes(12).toString('hex');
  const s = {
    JWT_SECRET: randomBytes(32).toString('hex'),
    POSTGRES_PASSWORD: pg,
    CLICKHOUSE_PASSWORD: ch,
    DATABASE_URL: `postgres://uptime:${pg}@postgres:5432/uptime`,
    CLICKHOUSE_URL: `http://uptime:${ch}@clickhouse:8123/uptime`,
  };
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [`uptime-secrets/${k}`, v]));
}

/**
 * The Kubernetes dev overlay's environment: each app started as its own process with exactly
 * the env its rendered Deployment gives it (ConfigMap keys, Secret keys, literal values), the
 * cluster's Service names mapped to this machine's NATS, PostgreSQL and embedded ClickHouse.
 */
describe('Kubernetes dev overlay (deploy/kubernetes/overlays/dev)', () => {
  let docs: K8sObject[];
  let envs: Map<App, Record<string, string>>;
  const secret = devSecret();
  const run = new DeploymentRun();

  before(() => {
    docs = renderKustomization('overlays/dev');
    envs = new Map();
    for (const [name, deployment] of appDeployments(docs)) {
      const [container] = containersOf(deployment);
      envs.set(name as App, containerEnv(container!, docs, secret));
    }
  });
  after(() => run.stop());

  it('should run the six apps, reach the servers by Services it defines, and hold no Secret', () => {
    assert.deepEqual([...envs.keys()].sort(), [...APPS].sort());
    const services = docs.filter((d) => d.kind === 'Service').map((d) => d.metadata.name);
    for (const name of ['gateway', 'nats', 'postgres', 'clickhouse'])
      assert.ok(services.includes(name), `no Service ${name}`);
    assert.equal(docs.filter((d) => d.kind === 'Secret').length, 0);
  });

  itRunsAsDeployed(run, {
    envs: () => envs,
    network: DEV_NETWORK,
    named: 'the overlay environments',
  });
});
