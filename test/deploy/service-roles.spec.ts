import { freePort } from '@uptime/embedded';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import { AppProcess } from '../support/app-process';
import { JWT_SECRET, NATS_URL } from '../support/services';
import { DEFAULT_TEST_DATABASE_URL } from '../support/test-infra';

const ROOT = join(__dirname, '..', '..', '..');
const ADMIN_URL = new URL(process.env.TEST_DATABASE_URL || DEFAULT_TEST_DATABASE_URL);

/** deploy/postgres/init-service-roles.sh, run against the test server with names of its own. */
describe('deploy/postgres/init-service-roles.sh', () => {
  const suffix = randomBytes(4).toString('hex');
  const names = {
    REGISTRY_DB_USER: `uptime_registry_${suffix}`,
    REGISTRY_DB_NAME: `registry_${suffix}`,
    NOTIFIER_DB_USER: `uptime_notifier_${suffix}`,
    NOTIFIER_DB_NAME: `notifier_${suffix}`,
  };
  const passwords = {
    registry: randomBytes(12).toString('hex'),
    notifier: randomBytes(12).toString('hex'),
  };
  const urlOf = (user: string, password: string, database: string) => {
    const url = new URL(ADMIN_URL);
    url.username = user;
    url.password = password;
    url.pathname = `/${database}`;
    return url.toString();
  };
  const registryUrl = () =>
    urlOf(names.REGISTRY_DB_USER, passwords.registry, names.REGISTRY_DB_NAME);
  let dataDir: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'uptime-roles-'));
    const run = spawnSync('sh', [join(ROOT, 'deploy', 'postgres', 'init-service-roles.sh')], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        PGHOST: ADMIN_URL.hostname,
        PGPORT: ADMIN_URL.port || '5432',
        POSTGRES_USER: decodeURIComponent(ADMIN_URL.username) || 'postgres',
        PGPASSWORD: decodeURIComponent(ADMIN_URL.password),
        REGISTRY_DB_PASSWORD: passwords.registry,
        NOTIFIER_DB_PASSWORD: passwords.notifier,
        ...names,
      },
    });
    assert.equal(run.status, 0, run.stderr);
  });

  after(async () => {
    const admin = new Client({ connectionString: ADMIN_URL.toString() });
    await admin.connect();
    for (const db of [names.REGISTRY_DB_NAME, names.NOTIFIER_DB_NAME])
      await admin.query(`drop database if exists "${db}" with (force)`);
    for (const role of [names.REGISTRY_DB_USER, names.NOTIFIER_DB_USER])
      await admin.query(`drop role if exists "${role}"`);
    await admin.end();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('gives each service a role that is no superuser and cannot create roles or databases', async () => {
    const admin = new Client({ connectionString: ADMIN_URL.toString() });
    await admin.connect();
    try {
      const { rows } = await admin.query<{
        rolsuper: boolean;
        rolcreaterole: boolean;
        rolcreatedb: boolean;
      }>('select rolsuper, rolcreaterole, rolcreatedb from pg_roles where rolname = any($1)', [
        [names.REGISTRY_DB_USER, names.NOTIFIER_DB_USER],
      ]);
      assert.equal(rows.length, 2);
      for (const r of rows)
        assert.deepEqual(r, { rolsuper: false, rolcreaterole: false, rolcreatedb: false });
    } finally {
      await admin.end();
    }
  });

  it("keeps each service out of the other's database", async () => {
    const intruder = new Client({
      connectionString: urlOf(names.REGISTRY_DB_USER, passwords.registry, names.NOTIFIER_DB_NAME),
    });
    await assert.rejects(intruder.connect(), /permission denied|CONNECT privilege/);
  });

  it('lets the registry migrate and serve with its own role', async () => {
    const port = await freePort();
    const registry = AppProcess.start('monitor-registry', {
      NATS_URL,
      JWT_SECRET,
      PORT: String(port),
      DATA_DIR: dataDir,
      DATABASE_URL: registryUrl(),
    });
    try {
      await registry.waitReady(`http://127.0.0.1:${port}`, 120_000);
    } finally {
      await registry.stop('SIGTERM', 30_000);
    }
    const own = new Client({ connectionString: registryUrl() });
    await own.connect();
    const { rows } = await own.query<{ owner: string }>(
      "select pg_get_userbyid(nspowner) as owner from pg_namespace where nspname = 'registry'",
    );
    await own.end();
    assert.deepEqual(rows, [{ owner: names.REGISTRY_DB_USER }]);
  });
});
