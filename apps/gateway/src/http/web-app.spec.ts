import express from 'express';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isWebAppPath, webApp } from './web-app';

/** The dashboard's files over a real loopback server, as the gateway mounts them. */
async function serve(dir: string): Promise<{ url: string; server: Server }> {
  const app = express();
  app.use(webApp(dir));
  app.use((_req, res) => void res.status(404).json({ title: 'Not found' }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('web app serving', () => {
  let dir: string;
  let built: { url: string; server: Server };
  let missing: { url: string; server: Server };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'uptime-web-'));
    await mkdir(join(dir, 'build', 'assets'), { recursive: true });
    await writeFile(join(dir, 'build', 'index.html'), '<!doctype html><title>Uptime</title>');
    await writeFile(join(dir, 'build', 'assets', 'index-abc123.js'), 'console.log(1)');
    await writeFile(join(dir, 'secret.txt'), 'outside the build');
    built = await serve(join(dir, 'build'));
    missing = await serve(join(dir, 'absent'));
  });
  after(async () => {
    built.server.close();
    missing.server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const html = { accept: 'text/html' };

  it('answers index.html, revalidated, for the client routes a browser opens', async () => {
    for (const path of ['/', '/monitors/5b0c', '/channels']) {
      const res = await fetch(built.url + path, { headers: html });
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('cache-control'), 'no-cache');
      assert.match(await res.text(), /<title>Uptime<\/title>/);
    }
  });

  it('caches hashed assets for a year, and 404s an asset that is not there', async () => {
    const res = await fetch(`${built.url}/assets/index-abc123.js`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /javascript/);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal((await fetch(`${built.url}/assets/gone-000.js`, { headers: html })).status, 404);
  });

  it('leaves the server paths, non-page requests and files outside the build alone', async () => {
    for (const path of [
      '/api/v1/monitors',
      '/docs',
      '/status/acme',
      '/badges/x/status.svg',
      '/health/live',
      '/metrics',
    ]) {
      assert.equal((await fetch(built.url + path, { headers: html })).status, 404, path);
    }
    const json = await fetch(`${built.url}/anything`, { headers: { accept: 'application/json' } });
    assert.equal(json.status, 404);
    const escape = await fetch(`${built.url}/%2e%2e/secret.txt`, { headers: html });
    assert.doesNotMatch(await escape.text(), /outside the build/);
  });

  it('says in plain text that the dashboard is not built, instead of failing', async () => {
    const res = await fetch(`${missing.url}/`, { headers: html });
    assert.equal(res.status, 503);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(await res.text(), /not part of this build/);
    assert.equal((await fetch(`${missing.url}/api/v1/monitors`)).status, 404);
  });

  it('names the dashboard paths', () => {
    assert.equal(isWebAppPath('/'), true);
    assert.equal(isWebAppPath('/monitors/1'), true);
    assert.equal(isWebAppPath('/statuses'), true);
    assert.equal(isWebAppPath('/status/acme'), false);
    assert.equal(isWebAppPath('/docs'), false);
    assert.equal(isWebAppPath('/api/v1'), false);
  });
});
