import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { screenshot } from '../support/browser';
import {
  type DashboardSession,
  registerThroughUi,
  startDashboardSession,
} from '../support/dashboard';

/** The shortest interval the API takes: the monitor goes up, then down, within a few of them. */
const INTERVAL_S = 10;
/** A status change shows within a check or two and one poll of the page (5 s). */
const STATUS_WAIT_MS = 3 * INTERVAL_S * 1000;

/**
 * The web dashboard (apps/web) as a user meets it, in Chromium against the platform as `npm
 * start` runs it: register, fix a field the API refused, create a monitor of a loopback target,
 * watch it go up and down with an incident, read its chart. The other screens are in
 * dashboard-screens.e2e-spec.ts (each file must end within the runner's per-file bound).
 */
describe('web dashboard: a monitor from creation to an incident', () => {
  let s: DashboardSession;
  let monitorUrl: string;

  before(async () => {
    s = await startDashboardSession();
  });
  after(async () => {
    await s?.stop();
  });

  it('signs a new user up', async () => {
    await s.page.goto(s.platform.baseUrl);
    await registerThroughUi(s.page, `flow-${Date.now()}@example.com`);
    await s.page.getByText('No monitors yet').waitFor();
  });

  it('shows the API refusal of a bad URL at the URL field', async () => {
    await s.page.getByRole('link', { name: 'New monitor' }).click();
    await s.page.getByLabel('Name').fill('Checkout API');
    await s.page.getByLabel('URL', { exact: true }).fill('not a url');
    await s.page.getByRole('button', { name: 'Create monitor' }).click();
    const url = s.page.getByLabel('URL', { exact: true });
    await s.page
      .locator('.field-invalid')
      .filter({ has: url })
      .getByText('must be an absolute URL')
      .waitFor();
    assert.equal(await url.getAttribute('aria-invalid'), 'true');
    // The keyboard user lands on the field to fix.
    // Waited for as the active element: `:focus` matches only while the headless window itself
    // has focus, which a loaded host may not give it.
    await s.page.waitForFunction(
      () =>
        (
          globalThis as unknown as {
            document: { activeElement: { getAttribute(n: string): string | null } | null };
          }
        ).document.activeElement?.getAttribute('name') === 'url',
      undefined,
      { timeout: 5000 },
    );
  });

  it('creates an http monitor and sees it go up, on its page and in the list', async () => {
    await s.page.getByLabel('URL', { exact: true }).fill(s.target.url('checkout'));
    await s.page.getByLabel('Interval (seconds)').fill(String(INTERVAL_S));
    await s.page.getByRole('button', { name: 'Create monitor' }).click();
    await s.page.waitForURL(/\/monitors\/[0-9a-f-]{36}$/);
    monitorUrl = s.page.url();
    await s.page.locator('.page-head [data-status="up"]').waitFor({ timeout: STATUS_WAIT_MS });

    await s.page.getByRole('link', { name: 'Monitors', exact: true }).click();
    const row = s.page.locator('tr', { has: s.page.getByRole('link', { name: 'Checkout API' }) });
    await row.locator('[data-status="up"]').waitFor();
    assert.match(await row.innerText(), /http/);
    await s.assertAccessible('monitors list');
  });

  it("draws the monitor's response times stacked by phase, and runs a check on demand", async () => {
    await s.page.goto(monitorUrl);
    const chart = s.page.getByTestId('response-chart');
    await chart.locator('canvas').waitFor();
    const legend = await chart.locator('.u-legend').innerText();
    for (const phase of ['DNS', 'Connect', 'TLS', 'First byte', 'Transfer']) {
      assert.match(legend, new RegExp(phase), `the legend names ${phase}`);
    }
    const size = await chart.locator('canvas').evaluate((c) => {
      const canvas = c as unknown as { width: number; height: number };
      return { width: canvas.width, height: canvas.height };
    });
    assert.ok(size.width > 300 && size.height > 100, `canvas ${size.width}x${size.height}`);

    await s.page.getByRole('button', { name: 'Check now' }).click();
    await s.page
      .locator('.check-result')
      .getByText(/Check now: .*Up.* in \d+ ms, HTTP 200/)
      .waitFor();
    await s.page.getByRole('heading', { name: 'Check history' }).scrollIntoViewIfNeeded();
    await s.assertAccessible('monitor');
    await screenshot(s.page, 'dashboard-monitor');
  });

  it('sees the monitor go down with an open incident when the target breaks, without reloading', async () => {
    s.target.set('checkout', 'fail');
    await s.page.locator('.page-head [data-status="down"]').waitFor({ timeout: STATUS_WAIT_MS });
    const incident = s.page.locator('[data-incident-state="open"]').first();
    await incident.waitFor({ timeout: STATUS_WAIT_MS });
    await incident.locator('summary').click();
    assert.match(await incident.innerText(), /opened/);

    await s.page.getByRole('link', { name: 'Monitors', exact: true }).click();
    const row = s.page.locator('tr', { has: s.page.getByRole('link', { name: 'Checkout API' }) });
    await row.locator('[data-status="down"]').waitFor();
    await screenshot(s.page, 'dashboard-monitors');
    assert.deepEqual(s.pageErrors, [], 'no console error or CSP refusal');
  });
});
