import type { RunningService } from '@uptime/service-host';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startProber } from '../../apps/prober/src/bootstrap';
import { ApiStack, proberConfig } from '../support/services';
import { refusedPort, TargetServer } from '../support/target-server';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { type CliResult, UptimeCli } from '../support/uptime-cli';

interface StoredSessions {
  sessions: Record<string, { accessToken: string; refreshToken: string; expiresAt: string }>;
}

const ESC = '\u001b[';
const PACKAGE = join(__dirname, '..', '..', '..', 'package.json');
const { version } = JSON.parse(readFileSync(PACKAGE, 'utf8')) as { version: string };

function assertExit(result: CliResult, code: number): void {
  assert.equal(result.code, code, `exit ${result.code}\n${result.stdout}\n${result.stderr}`);
}

describe('the uptime command', () => {
  const region = `c${Math.random().toString(36).slice(2, 8)}`;
  let db: TestDatabase;
  let stack: ApiStack;
  let prober: RunningService;
  let target: TargetServer;
  let cli: UptimeCli;
  let user: Awaited<ReturnType<ApiStack['api']['newUser']>>;

  before(async () => {
    db = await createTestDatabase();
    target = await TargetServer.start();
    // The notifier: the export names each monitor's channels, which the notifier keeps.
    stack = await ApiStack.start(db.url, { defaultRegions: [region] }, {}, { notifier: true });
    prober = await startProber(proberConfig(region), false);
    user = await stack.api.newUser('cli');
    cli = await UptimeCli.for(stack.api.baseUrl);
  });
  after(async () => {
    await prober?.close();
    await stack?.stop();
    await target?.close();
    await db?.drop();
    await cli?.remove();
  });

  const sessions = async () =>
    JSON.parse(await readFile(cli.credentialsPath, 'utf8')) as StoredSessions;

  describe('without a login', () => {
    it('should print its version and its help', async () => {
      const v = await cli.run(['--version']);
      assertExit(v, 0);
      assert.equal(v.stdout, `${version}\n`);
      const help = await cli.run(['--help']);
      assertExit(help, 0);
      for (const command of ['login', 'apply', 'export', 'monitors list', 'check <key>'])
        assert.match(help.stdout, new RegExp(`^  ${command} `, 'm'));
      const applyHelp = await cli.run(['apply', '--help']);
      assert.match(applyHelp.stdout, /--dry-run .*exit code 2/);
    });

    it('should refuse an unknown command or option with exit code 1 and the help', async () => {
      const unknown = await cli.run(['deploy']);
      assertExit(unknown, 1);
      assert.match(unknown.stderr, /^Error: unknown command "deploy"\n\nUsage: uptime <command>/);
      const option = await cli.run(['export', '--dry-run']);
      assertExit(option, 1);
      assert.match(option.stderr, /Unknown option '--dry-run'[\s\S]*Usage: uptime export/);
    });

    it('should say how to log in', async () => {
      const res = await cli.run(['monitors', 'list']);
      assertExit(res, 1);
      assert.equal(
        res.stderr,
        `Error: not logged in to ${cli.url}: run \`uptime login\` or set UPTIME_API_KEY\n`,
      );
    });

    it('should say when the platform cannot be reached', async () => {
      const url = `http://127.0.0.1:${await refusedPort()}`;
      const res = await cli.run(['monitors', 'list'], {
        env: { UPTIME_URL: url, UPTIME_API_KEY: 'upk_x' },
      });
      assertExit(res, 1);
      assert.match(
        res.stderr,
        new RegExp(`^Error: cannot reach the platform at ${url} \\(ECONNREFUSED\\)`),
      );
    });
  });

  describe('login', () => {
    it('should refuse a wrong password and keep nothing', async () => {
      const res = await cli.run(['login', '--email', user.email], { input: 'not my password\n' });
      assertExit(res, 1);
      assert.match(res.stderr, /^Error: /);
      await assert.rejects(stat(cli.credentialsPath), { code: 'ENOENT' });
    });

    it('should want --email when stdin is not a terminal', async () => {
      const res = await cli.run(['login'], { input: `${user.password}\n` });
      assertExit(res, 1);
      assert.match(res.stderr, /give --email when stdin is not a terminal/);
    });

    it('should log in with the password from stdin and keep the tokens for the URL, for the owner only', async () => {
      const res = await cli.run(['login', '--email', user.email], { input: `${user.password}\n` });
      assertExit(res, 0);
      assert.equal(res.stdout, `Logged in to ${cli.url} as ${user.email}.\n`);
      assert.equal((await stat(cli.credentialsPath)).mode & 0o777, 0o600);
      assert.equal((await stat(join(cli.configHome, 'uptime'))).mode & 0o777, 0o700);
      const session = (await sessions()).sessions[cli.url]!;
      assert.match(session.accessToken, /^ey/);
      assert.ok(Date.parse(session.expiresAt) > Date.now() + 800_000);
    });

    it('should log in with UPTIME_PASSWORD, replacing the tokens it kept', async () => {
      const before = (await sessions()).sessions[cli.url]!;
      const res = await cli.run(['login', '--email', user.email], {
        env: { UPTIME_PASSWORD: user.password },
      });
      assertExit(res, 0);
      assert.notEqual((await sessions()).sessions[cli.url]!.refreshToken, before.refreshToken);
    });
  });

  describe('monitors list', () => {
    before(async () => {
      for (const name of ['Alpha', 'Beta']) {
        const res = await stack.api.post(
          '/api/v1/monitors',
          {
            name,
            url: target.url(name.toLowerCase()),
            intervalSeconds: 120,
            paused: name === 'Beta',
          },
          user.accessToken,
        );
        assert.equal(res.status, 201, JSON.stringify(res.body));
      }
    });

    it('should show every monitor in a table', async () => {
      const res = await cli.run(['monitors', 'list']);
      assertExit(res, 0);
      const [header, ...rows] = res.stdout.trimEnd().split('\n');
      assert.match(header!, /^KEY +NAME +URL +INTERVAL +STATUS +PAUSED$/);
      assert.equal(rows.length, 2);
      assert.match(rows[0]!, new RegExp(`^- +Alpha +${target.url('alpha')} +120s +pending +no$`));
      assert.match(rows[1]!, new RegExp(`^- +Beta +${target.url('beta')} +120s +paused +yes$`));
    });

    it('should give the monitors as JSON with --json', async () => {
      const res = await cli.run(['monitors', 'list', '--json']);
      assertExit(res, 0);
      const monitors = JSON.parse(res.stdout) as { name: string; id: string }[];
      assert.deepEqual(
        monitors.map((m) => m.name),
        ['Alpha', 'Beta'],
      );
    });

    it('should renew an expired access token and keep the new pair', async () => {
      const file = await sessions();
      const old = file.sessions[cli.url]!;
      file.sessions[cli.url] = { ...old, expiresAt: new Date(Date.now() - 1000).toISOString() };
      await writeFile(cli.credentialsPath, JSON.stringify(file));
      const res = await cli.run(['monitors', 'list']);
      assertExit(res, 0);
      const renewed = (await sessions()).sessions[cli.url]!;
      assert.notEqual(renewed.refreshToken, old.refreshToken);
      assert.ok(Date.parse(renewed.expiresAt) > Date.now());
      assert.equal((await stat(cli.credentialsPath)).mode & 0o777, 0o600);
    });

    it('should renew an access token the platform refuses before its expiry', async () => {
      const file = await sessions();
      const old = file.sessions[cli.url]!;
      file.sessions[cli.url] = { ...old, accessToken: 'refused-token' };
      await writeFile(cli.credentialsPath, JSON.stringify(file));
      const res = await cli.run(['monitors', 'list']);
      assertExit(res, 0);
      const renewed = (await sessions()).sessions[cli.url]!;
      assert.notEqual(renewed.accessToken, 'refused-token');
      assert.notEqual(renewed.refreshToken, old.refreshToken);
    });

    it('should say the login has expired when its refresh token is refused', async () => {
      const file = await sessions();
      const current = file.sessions[cli.url]!;
      file.sessions[cli.url] = {
        accessToken: 'not-a-token',
        refreshToken: 'not-a-refresh-token',
        expiresAt: new Date(Date.now() - 1000).toISOString(),
      };
      await writeFile(cli.credentialsPath, JSON.stringify(file));
      const res = await cli.run(['monitors', 'list']);
      assertExit(res, 1);
      assert.match(res.stderr, /^Error: the login to .* has expired: run `uptime login`/);
      file.sessions[cli.url] = current;
      await writeFile(cli.credentialsPath, JSON.stringify(file));
    });

    it('should send UPTIME_API_KEY as the bearer, before the stored login, and say when it is refused', async () => {
      const res = await cli.run(['monitors', 'list'], { env: { UPTIME_API_KEY: 'upk_not_a_key' } });
      assertExit(res, 1);
      assert.match(res.stderr, /^Error: Unauthorized/);
      assert.match(res.stderr, /The API key in UPTIME_API_KEY was refused/);
    });
  });

  // Needs `/config/apply`, `/config/export` and `GET /monitors?key=` (branch s6-h1).
  describe('monitors as code', () => {
    let dir: string;
    const documentOf = (monitors: string) => `version: 1\nmonitors:\n${monitors}`;
    const shop = (interval = 60) =>
      `  - key: shop\n    name: Shop\n    url: ${target.url('shop')}\n    intervalSeconds: ${interval}\n    timeoutMs: 2000\n`;
    const docs = () => `  - key: docs\n    name: Docs\n    url: ${target.url('docs')}\n`;
    const write = async (name: string, text: string) => {
      const path = join(dir, name);
      await writeFile(path, text);
      return path;
    };

    before(() => {
      dir = cli.configHome;
    });

    it('should show the plan of a dry run and exit 2, in colour only when asked', async () => {
      const file = await write('uptime.yaml', documentOf(shop() + docs()));
      const plain = await cli.run(['apply', '-f', file, '--dry-run']);
      assertExit(plain, 2);
      assert.equal(
        plain.stdout,
        '+ shop\n+ docs\n\nPlan: 2 to create, 0 to change, 0 to delete, 0 unchanged.\n',
      );
      const coloured = await cli.run(['apply', '-f', file, '--dry-run'], {
        env: { FORCE_COLOR: '1' },
      });
      assertExit(coloured, 2);
      assert.ok(coloured.stdout.startsWith(`${ESC}32m+ shop${ESC}0m\n${ESC}32m+ docs${ESC}0m\n`));
      const noColor = await cli.run(['apply', '-f', file, '--dry-run'], {
        env: { FORCE_COLOR: '1', NO_COLOR: '1' },
      });
      assert.equal(noColor.stdout, plain.stdout);
      const flag = await cli.run(['apply', '-f', file, '--dry-run', '--no-color'], {
        env: { FORCE_COLOR: '1' },
      });
      assert.equal(flag.stdout, plain.stdout);
      assert.equal((await cli.run(['monitors', 'list', '--json'])).stdout.includes('shop'), false);
    });

    it('should apply the document and say what it did', async () => {
      const res = await cli.run(['apply', '-f', join(dir, 'uptime.yaml')]);
      assertExit(res, 0);
      assert.match(res.stdout, /\nApplied: 2 created, 0 changed, 0 deleted, 0 unchanged\.\n$/);
      const list = await cli.run(['monitors', 'list']);
      assert.match(list.stdout, new RegExp(`^shop +Shop +${target.url('shop')} +60s `, 'm'));
      assert.match(list.stdout, new RegExp(`^docs +Docs +${target.url('docs')} +60s `, 'm'));
    });

    it('should find nothing to change in the same document, with exit code 0', async () => {
      const res = await cli.run(['apply', '-f', join(dir, 'uptime.yaml'), '--dry-run']);
      assertExit(res, 0);
      assert.equal(res.stdout, 'No changes. 2 monitors unchanged.\n');
    });

    it('should show each changed field of a monitor', async () => {
      const file = await write('uptime.yaml', documentOf(shop(30) + docs()));
      const res = await cli.run(['apply', '-f', file, '--dry-run']);
      assertExit(res, 2);
      assert.equal(
        res.stdout,
        '~ shop\n    intervalSeconds: 60 → 30\n\nPlan: 0 to create, 1 to change, 0 to delete, 1 unchanged.\n',
      );
      assertExit(await cli.run(['apply', '-f', file]), 0);
    });

    it('should delete the keyed monitors a document leaves out only with --prune', async () => {
      const file = await write('shop-only.yaml', documentOf(shop(30)));
      const kept = await cli.run(['apply', '-f', file, '--dry-run']);
      assertExit(kept, 0);
      const pruned = await cli.run(['apply', '-f', file, '--dry-run', '--prune']);
      assertExit(pruned, 2);
      assert.equal(
        pruned.stdout,
        '- docs\n\nPlan: 0 to create, 0 to change, 1 to delete, 1 unchanged.\n',
      );
      const applied = await cli.run(['apply', '-f', file, '--prune']);
      assertExit(applied, 0);
      assert.match(applied.stdout, /Applied: 0 created, 0 changed, 1 deleted, 1 unchanged\./);
    });

    it('should export a document that applies with no changes, to stdout or a file', async () => {
      const res = await cli.run(['export']);
      assertExit(res, 0);
      assert.match(res.stdout, /key: shop/);
      const out = join(dir, 'exported.yaml');
      const toFile = await cli.run(['export', '-o', out]);
      assertExit(toFile, 0);
      assert.equal(toFile.stderr, `Exported to ${out}.\n`);
      assert.equal(await readFile(out, 'utf8'), res.stdout);
      // The export gives the monitors made without a key (Alpha, Beta) one; applying it adopts them.
      const adopted = await cli.run(['apply', '-f', out]);
      assertExit(adopted, 0);
      assert.match(adopted.stdout, /^~ alpha-.*\n {4}key: null → "alpha-/m);
      assert.match(adopted.stdout, /Applied: 0 created, 2 changed, 0 deleted, 1 unchanged\./);
      const again = await cli.run(['apply', '-f', out, '--dry-run']);
      assertExit(again, 0);
      assert.equal(again.stdout, 'No changes. 3 monitors unchanged.\n');
      // The same document, but for the comments on keys the export made up.
      const withoutComments = (yaml: string) => yaml.replace(/^ *#.*\n/gm, '');
      const exportedAgain = await cli.run(['export']);
      assert.equal(withoutComments(exportedAgain.stdout), withoutComments(res.stdout));
    });

    it('should take a JSON document', async () => {
      const file = await write(
        'uptime.json',
        JSON.stringify({
          version: 1,
          monitors: [
            {
              key: 'shop',
              name: 'Shop',
              url: target.url('shop'),
              intervalSeconds: 30,
              timeoutMs: 2000,
            },
          ],
        }),
      );
      const res = await cli.run(['apply', '-f', file, '--dry-run']);
      assertExit(res, 0);
      assert.equal(res.stdout, 'No changes. 1 monitor unchanged.\n');
    });

    it('should name the file, line and field of each error in a document, with exit code 1', async () => {
      const file = await write(
        'bad.yaml',
        documentOf(
          '  - key: shop\n    name: Shop\n    url: not a url\n    intervalSeconds: often\n',
        ),
      );
      const res = await cli.run(['apply', '-f', file, '--dry-run']);
      assertExit(res, 1);
      assert.equal(res.stdout, '');
      assert.match(res.stderr, /^Error: /);
      assert.match(res.stderr, new RegExp(`^  ${file}:5: monitors\\[0\\]\\.url: `, 'm'));
      assert.match(
        res.stderr,
        new RegExp(`^  ${file}:6: monitors\\[0\\]\\.intervalSeconds: `, 'm'),
      );
    });

    it('should say when the document cannot be read', async () => {
      const res = await cli.run(['apply', '-f', join(dir, 'missing.yaml')]);
      assertExit(res, 1);
      assert.match(res.stderr, /^Error: cannot read .*missing\.yaml: ENOENT/);
      const none = await cli.run(['apply']);
      assertExit(none, 1);
      assert.match(none.stderr, /apply needs the document: -f <path>/);
    });

    it('should check a monitor by key now, with exit code 1 when it is down', async () => {
      const up = await cli.run(['check', 'shop']);
      assertExit(up, 0);
      assert.match(
        up.stdout,
        new RegExp(`^shop: up \\(HTTP 200, \\d+ ms, region ${region}\\)\\n$`),
      );
      target.set('shop', 'fail');
      const down = await cli.run(['check', 'shop']);
      assertExit(down, 1);
      assert.match(down.stdout, /^shop: down \(HTTP 503, \d+ ms, region \w+, http_status\)/);
      target.set('shop', 'ok');
      const json = await cli.run(['check', 'shop', '--json']);
      assertExit(json, 0);
      assert.equal((JSON.parse(json.stdout) as { outcome: string }).outcome, 'up');
    });

    it('should say when no monitor has the key', async () => {
      const res = await cli.run(['check', 'nope']);
      assertExit(res, 1);
      assert.equal(res.stderr, 'Error: no monitor has the key "nope"\n');
    });
  });

  describe('teams and API keys', () => {
    let teamId: string;
    let file: string;

    before(async () => {
      const team = await stack.api.post<{ id: string }>(
        '/api/v1/teams',
        { name: 'CLI team' },
        user.accessToken,
      );
      assert.equal(team.status, 201);
      teamId = team.body.id;
      file = join(cli.configHome, 'team.yaml');
      await writeFile(
        file,
        `version: 1\nmonitors:\n  - key: team-api\n    name: Team API\n    url: ${target.url('team-api')}\n`,
      );
    });

    const keyOf = async (role: string) => {
      const res = await stack.api.request<{ key: string }>('POST', '/api/v1/api-keys', {
        token: user.accessToken,
        body: { name: `cli ${role}`, role },
        headers: { 'x-team-id': teamId },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.key;
    };

    it('should act in the team --team names, and only there', async () => {
      const applied = await cli.run(['apply', '-f', file, '--team', teamId]);
      assertExit(applied, 0);
      const inTeam = await cli.run(['monitors', 'list', '--json'], {
        env: { UPTIME_TEAM: teamId },
      });
      assertExit(inTeam, 0);
      const keys = (JSON.parse(inTeam.stdout) as { key: string | null }[]).map((m) => m.key);
      assert.deepEqual(keys, ['team-api']);
      const personal = await cli.run(['monitors', 'list', '--json']);
      assert.equal(personal.stdout.includes('team-api'), false);
    });

    it("should work with an API key in the key's team, within the key's role", async () => {
      const editor = await cli.run(['apply', '-f', file, '--dry-run'], {
        env: { UPTIME_API_KEY: await keyOf('editor') },
      });
      assertExit(editor, 0);
      assert.match(editor.stdout, /No changes\. 1 monitor unchanged\./);
      const viewer = await cli.run(['apply', '-f', file], {
        env: { UPTIME_API_KEY: await keyOf('viewer') },
      });
      assertExit(viewer, 1);
      assert.match(viewer.stderr, /viewer.*editor/);
    });
  });
});
