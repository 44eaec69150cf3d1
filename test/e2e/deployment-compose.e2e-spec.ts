import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  APPS,
  type ComposeApp,
  composeApps,
  DeploymentRun,
  interpolate,
  type LocalNetwork,
} from '../support/deployment-env';
import { itRunsAsDeployed } from '../support/deployment-scenario';

/** Where compose's service names lead on this machine (see LocalNetwork). */
const COMPOSE_NETWORK: LocalNetwork = {
  gatewayHosts: ['gateway'],
  natsHosts: ['nats'],
  postgresHosts: ['postgres'],
  clickhouseHosts: ['clickhouse'],
  unusedHosts: ['mailpit'],
};

/**
 * docker-compose.yml run the way compose runs it, minus the containers: each app service as its
 * own process with exactly the environment compose gives it (anchors merged, `${VAR:-default}`
 * interpolated with only the secrets set, as deploy/README.md starts it), service names mapped to
 * this machine's NATS, PostgreSQL and embedded ClickHouse.
 */
describe('docker-compose.yml', () => {
  // Only what compose requires (`${VAR:?}`): the JWT key and the database and ClickHouse passwords.
  const secrets = {
    POSTGRES_PASSWORD: randomBytes(12).toString('hex'),
    REGISTRY_DB_PASSWORD: randomBytes(12).toString('hex'),
    NOTIFIER_DB_PASSWORD: randomBytes(12).toString('hex'),
    CLICKHOUSE_PASSWORD: randomBytes(12).toString('hex'),
  };
  const vars = { ...secrets, JWT_SECRET: randomBytes(32).toString('hex') };
  let apps: ComposeApp[];
  let hosts: string[];
  const run = new DeploymentRun();

  before(() => ({ apps, hosts } = composeApps(vars)));
  after(() => run.stop());

  it('should interpolate as compose does', () => {
    const v = { SET: 'x', EMPTY: '' };
    assert.equal(interpolate('${SET:-d}/${EMPTY:-d}/${UNSET:-d}', v), 'x/d/d');
    assert.equal(interpolate('${EMPTY-d}/${UNSET-d}/$SET/$${SET}', v), '/d/x/${SET}');
    assert.throws(() => interpolate('${UNSET:?say so}', v), /UNSET: say so/);
  });

  it('should refuse to start without JWT_SECRET, as compose does', () => {
    assert.throws(() => composeApps(secrets), /JWT_SECRET: set JWT_SECRET/);
  });

  it('should run each of the six apps once, under the service names the apps use', () => {
    assert.deepEqual(apps.map((a) => a.app).sort(), [...APPS].sort());
    for (const list of Object.values(COMPOSE_NETWORK) as string[][])
      for (const host of list) assert.ok(hosts.includes(host), `compose has no service ${host}`);
  });

  itRunsAsDeployed(run, {
    envs: () => new Map(apps.map((a) => [a.app, a.env])),
    network: COMPOSE_NETWORK,
    named: 'compose environments',
  });
});
