import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { screenshot } from '../support/browser';
import {
  accessTokenOf,
  type DashboardSession,
  registerThroughUi,
  sidewaysOverflow,
  startDashboardSession,
} from '../support/dashboard';

/**
 * The web dashboard's other screens in Chromium against `npm start`'s platform: how the gateway
 * serves it, sign-in, the silent token refresh, channels, status pages, a phone's width and the
 * dark theme. Each main screen passes axe-core and is saved to docs/screenshots.
 */
describe('web dashboard: serving, sign-in, channels, status pages, phone', () => {
  let s: DashboardSession;

  before(async () => {
    s = await startDashboardSession();
  });
  after(async () => {
    await s?.stop();
  });

  it('serves the app at / with its own CSP, hashed assets cached for a year', async () => {
    const index = await fetch(`${s.platform.baseUrl}/monitors/anything`, {
      headers: { accept: 'text/html' },
    });
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const csp = index.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    const html = await index.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(asset, 'index.html names its script');
    const js = await fetch(`${s.platform.baseUrl}${asset}`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('cache-control') ?? '', /max-age=31536000, immutable/);
    // The API keeps its own answers: JSON problems, never the page.
    const api = await fetch(`${s.platform.baseUrl}/api/v1/monitors`, {
      headers: { accept: 'text/html' },
    });
    assert.equal(api.status, 401);
    assert.match(api.headers.get('content-type') ?? '', /problem\+json/);
  });

  it('signs a new user up from the sign-in screen', async () => {
    await s.page.goto(s.platform.baseUrl);
    await s.page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await s.assertAccessible('sign-in');
    await screenshot(s.page, 'dashboard-sign-in');
    await registerThroughUi(s.page, `screens-${Date.now()}@example.com`);
    // Monitors to show, made through the API: one healthy, one failing.
    const token = await accessTokenOf(s.page);
    s.target.set('payments', 'fail');
    for (const [name, path] of [
      ['Checkout API', 'checkout'],
      ['Payments', 'payments'],
    ]) {
      const res = await s.platform.api.request('POST', '/api/v1/monitors', {
        token,
        body: { name, url: s.target.url(path), intervalSeconds: 10 },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    await s.page.getByRole('link', { name: 'Payments' }).waitFor();
  });

  it('keeps the user signed in when the access token is no longer valid (silent refresh)', async () => {
    await s.page.evaluate(() => {
      const store = (
        globalThis as unknown as {
          localStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void };
        }
      ).localStorage;
      const session = JSON.parse(store.getItem('uptime.session')!) as { accessToken: string };
      store.setItem(
        'uptime.session',
        JSON.stringify({ ...session, accessToken: 'expired.or.revoked' }),
      );
    });
    await s.page.reload();
    await s.page.getByRole('heading', { name: 'Monitors' }).waitFor();
    await s.page.getByRole('link', { name: 'Checkout API' }).waitFor();
    assert.equal(await s.page.getByRole('heading', { name: 'Sign in' }).count(), 0);
  });

  it('creates and tests an alert channel', async () => {
    await s.page.getByRole('link', { name: 'Channels' }).click();
    await s.page.getByLabel('Channel name').fill('Ops webhook');
    await s.page.getByLabel('Channel type').selectOption('webhook');
    await s.page.getByLabel('URL', { exact: true }).fill(s.target.url('hook'));
    await s.page.getByLabel('Signing secret').fill('a-signing-secret-of-32-characters');
    await s.page.getByRole('button', { name: 'Create channel' }).click();
    await s.page.getByRole('cell', { name: 'Ops webhook', exact: true }).waitFor();
    await s.page.getByRole('button', { name: 'Send a test message to Ops webhook' }).click();
    await s.page.locator('td[aria-live] [data-status]').waitFor();
    await s.assertAccessible('channels');
    await screenshot(s.page, 'dashboard-channels');
  });

  it('creates a status page that links to its public page', async () => {
    await s.page.getByRole('link', { name: 'Status pages' }).click();
    await s.page.getByRole('button', { name: 'New status page' }).click();
    await s.page.getByLabel('Title').fill('Acme status');
    await s.page.getByLabel('Slug').fill(`acme-${Date.now().toString(36)}`);
    await s.page.getByLabel('Checkout API').check();
    await s.page.getByRole('button', { name: 'Create status page' }).click();
    const link = s.page.getByRole('link', { name: /^Open \/status\/acme-/ });
    await link.waitFor();
    const res = await fetch(`${s.platform.baseUrl}${await link.getAttribute('href')}`);
    assert.equal(res.status, 200);
    await s.assertAccessible('status pages');
    await screenshot(s.page, 'dashboard-status-pages');
  });

  it('fits a phone screen, and signs out', async () => {
    await s.page.setViewportSize({ width: 390, height: 844 });
    await s.page.getByRole('link', { name: 'Monitors', exact: true }).click();
    await s.page.getByRole('link', { name: 'Checkout API' }).waitFor();
    // Each monitor checked by now (a 10 s interval), so the screenshot shows their states.
    await s.page.locator('tr [data-status="down"]').waitFor({ timeout: 30_000 });
    await s.page.locator('tr [data-status="up"]').waitFor({ timeout: 30_000 });
    const overflow = await sidewaysOverflow(s.page);
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px on a phone`);
    await screenshot(s.page, 'dashboard-monitors-phone');
    // The toggle goes system → light → dark, and the choice outlives a reload.
    const toggle = s.page.getByRole('button', { name: /^Theme: / });
    await toggle.click();
    await toggle.click();
    await s.page.reload();
    await s.page.getByRole('heading', { name: 'Monitors' }).waitFor();
    assert.equal(await s.page.locator('html').getAttribute('data-theme'), 'dark');
    const background = await s.page
      .locator('body')
      .evaluate(
        (body) =>
          (
            globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }
          ).getComputedStyle(body).backgroundColor,
      );
    assert.equal(background, 'rgb(15, 17, 21)', 'the dark background');
    await s.page.getByRole('button', { name: 'Sign out' }).click();
    await s.page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.deepEqual(s.pageErrors, [], 'no console error or CSP refusal');
  });
});
