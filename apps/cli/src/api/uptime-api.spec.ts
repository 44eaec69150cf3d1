import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CredentialStore } from '../credentials/credential-store';
import { ApiError, NotLoggedInError } from './api-error';
import { UptimeApi } from './uptime-api';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * What the client puts on the wire, seen by a loopback server: the headers that the platform's
 * e2e test cannot observe (X-Team-Id before teams exist, the document's media type).
 */
describe('UptimeApi', () => {
  let server: Server;
  let url: string;
  let dir: string;
  let store: CredentialStore;
  const received: Received[] = [];

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        if (req.url === '/api/v1/refused') {
          res.writeHead(400, { 'content-type': 'application/problem+json' });
          res.end(
            JSON.stringify({ title: 'Invalid request', errors: [{ field: 'a', message: 'b' }] }),
          );
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = await mkdtemp(join(tmpdir(), 'uptime-api-spec-'));
    store = new CredentialStore(join(dir, 'credentials.json'));
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it('should send the API key as the bearer and the team as X-Team-Id', async () => {
    const api = new UptimeApi(url, { store, apiKey: 'upk_abc', team: 'team-1' });
    assert.deepEqual(await api.get('/monitors?limit=500'), { ok: true });
    const last = received.at(-1)!;
    assert.equal(last.url, '/api/v1/monitors?limit=500');
    assert.equal(last.headers.authorization, 'Bearer upk_abc');
    assert.equal(last.headers['x-team-id'], 'team-1');
    assert.equal(last.headers.accept, 'application/json');
  });

  it('should send a document as it is, with its media type', async () => {
    const api = new UptimeApi(url, { store, apiKey: 'upk_abc' });
    await api.post('/config/apply?dryRun=true&prune=false', {
      text: 'version: 1\n',
      contentType: 'application/yaml',
    });
    const last = received.at(-1)!;
    assert.equal(last.method, 'POST');
    assert.equal(last.headers['content-type'], 'application/yaml');
    assert.equal(last.body, 'version: 1\n');
    assert.equal(last.headers['x-team-id'], undefined);
  });

  it('should answer a refusal as an ApiError holding the problem', async () => {
    const api = new UptimeApi(url, { store, apiKey: 'upk_abc' });
    const err = await api.get('/refused').catch((e: unknown) => e);
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 400);
    assert.deepEqual(err.problem.errors, [{ field: 'a', message: 'b' }]);
  });

  it('should send nothing without an API key or a stored login', async () => {
    const count = received.length;
    const api = new UptimeApi(url, { store });
    await assert.rejects(api.get('/monitors'), NotLoggedInError);
    assert.equal(received.length, count);
  });
});
