import type { Monitor, StatusPage } from '@uptime/contracts';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  axeViolations,
  type BrowserPlatform,
  launchChromium,
  openPage,
  screenshot,
  startBrowserPlatform,
} from '../support/browser';
import { TargetServer } from '../support/target-server';
import { waitForFirstResults } from '../support/first-results';

const INTERVAL_S = 10;
const WAIT_MS = 3 * INTERVAL_S * 1000 + 8000;
const TITLE = 'Acme services';

/**
 * The public status page as a signed-out visitor sees it in Chromium, with JavaScript off and
 * on, against the platform `npm start` runs: statuses, 90 day bars with a tooltip a keyboard
 * reaches, no serious accessibility violation, badges as images, and nothing of a private page.
 */
describe('status page in a browser', () => {
  let browser: Browser;
  let platform: BrowserPlatform;
  let target: TargetServer;
  let token: string;
  let healthy: Monitor;
  let broken: Monitor;
  let hiddenMonitor: Monitor;
  const slug = `acme-${Date.now().toString(36)}`;
  const privateSlug = `${slug}-private`;

  const newMonitor = async (name: string, path: string): Promise<Monitor> => {
    const res = await platform.api.post<Monitor>(
      '/api/v1/monitors',
      { name, url: target.url(path), intervalSeconds: INTERVAL_S, timeoutMs: 2000 },
      token,
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };
  const newPage = async (body: object): Promise<StatusPage> => {
    const res = await platform.api.post<StatusPage>('/api/v1/status-pages', body, token);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };

  before(async () => {
    const started = Date.now();
    target = await TargetServer.start();
    target.set('login', 'fail');
    [browser, platform] = await Promise.all([launchChromium(), startBrowserPlatform()]);
    token = (await platform.api.newUser('status-browser')).accessToken;
    healthy = await newMonitor('Website', 'home');
    broken = await newMonitor('Login API', 'login');
    hiddenMonitor = await newMonitor('Secret backend', 'backend');
    // The page is built once per 30 s: ask for it only once both monitors have a result.
    await waitForFirstResults(
      platform.api,
      token,
      { broken: broken.id, healthy: healthy.id },
      WAIT_MS,
    );
    await newPage({
      slug,
      title: TITLE,
      description: 'Everything customers use',
      monitorIds: [healthy.id, broken.id],
      public: true,
    });
    await newPage({
      slug: privateSlug,
      title: 'Internal only',
      monitorIds: [hiddenMonitor.id],
      public: false,
    });
    process.stdout.write(`# platform, browser and first results: ${Date.now() - started} ms\n`);
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await platform?.stop();
    await target?.close();
  });

  /** What a visitor sees on the page, read from the DOM and computed styles only. */
  const checkPage = async (page: Page) => {
    const res = await page.goto(`${platform.baseUrl}/status/${slug}`);
    assert.equal(res?.status(), 200);
    await assertVisible(page.getByRole('heading', { level: 1, name: TITLE }));
    await assertVisible(page.getByRole('status').filter({ hasText: 'Partial outage' }));
    await assertVisible(page.getByRole('heading', { name: 'Ongoing incidents' }));
    const rows = page.locator('.m');
    assert.equal(await rows.count(), 2);
    for (const [i, [name, status]] of [
      ['Website', 'Up'],
      ['Login API', 'Down'],
    ].entries()) {
      const row = rows.nth(i);
      assert.equal(await row.getByRole('heading').textContent(), name);
      await assertVisible(row.locator('header b', { hasText: status }));
      // Each bar element takes as many grid columns as days it stands for: 90 in all, drawn.
      const bars = row.locator('.b i');
      let columns = 0;
      for (const bar of await bars.all()) {
        const box = await bar.boundingBox();
        const classes = (await bar.getAttribute('class')) ?? '';
        assert.ok(
          box && box.width > 0 && box.height > 0,
          `${name}: every bar is drawn: ${JSON.stringify(box)} ${await bar.evaluate((e) => (e as { outerHTML: string }).outerHTML)}`,
        );
        columns += Number(/\bw(\d+)\b/.exec(classes)?.[1] ?? 1);
      }
      assert.equal(columns, 90, `${name}: 90 days`);
      const today = bars.last();
      assert.match(
        (await today.getAttribute('aria-label')) ?? '',
        name === 'Website'
          ? /^\d{4}-\d\d-\d\d: 100\.00% up, 0 of \d+ checks failed$/
          : /^\d{4}-\d\d-\d\d: 0\.00% up, (\d+) of \1 checks failed\nIncident \(down\) from \d\d:\d\d UTC, ongoing$/,
      );
    }
  };

  /** Tabs from the top of the page to the first day bar and reads the tooltip it shows. */
  const tooltipByKeyboard = async (page: Page) => {
    for (let tab = 0; tab < 10; tab++) {
      await page.keyboard.press('Tab');
      const focused = page.locator('.b i:focus');
      if ((await focused.count()) === 0) continue;
      const label = await focused.getAttribute('aria-label');
      const tooltip = await focused.evaluate((bar) => {
        // In the page: the ::after box the CSS tooltip is (no DOM types in this project).
        const style = (
          globalThis as unknown as {
            getComputedStyle(e: unknown, pseudo: string): { content: string; display: string };
          }
        ).getComputedStyle(bar, '::after');
        return { content: style.content, display: style.display };
      });
      assert.equal(tooltip.content, JSON.stringify(label), 'the tooltip shows the bar’s figures');
      assert.notEqual(tooltip.display, 'none');
      return label;
    }
    assert.fail('no day bar is reachable with the Tab key');
  };

  it('should show statuses, 90 day bars and a keyboard tooltip with JavaScript off, in one request', async () => {
    const { context, page } = await openPage(browser, { javaScript: false });
    try {
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await checkPage(page);
      assert.deepEqual(requests, [`${platform.baseUrl}/status/${slug}`], 'one request');
      assert.match((await tooltipByKeyboard(page)) ?? '', /checks/);
    } finally {
      await context.close();
    }
  });

  it('should show the same with JavaScript on, without serious accessibility violations, also on a phone', async () => {
    const { context, page } = await openPage(browser);
    try {
      await checkPage(page);
      assert.match((await tooltipByKeyboard(page)) ?? '', /checks/);
      // The markup is the same with JavaScript off: the page has no script.
      const violations = await axeViolations(page, { impact: ['serious', 'critical'] });
      assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));
      await screenshot(page, 'status-page');
      await page.setViewportSize({ width: 375, height: 800 });
      const overflow = await page.evaluate(() => {
        const doc = (
          globalThis as unknown as {
            document: { documentElement: { scrollWidth: number; clientWidth: number } };
          }
        ).document.documentElement;
        return doc.scrollWidth - doc.clientWidth;
      });
      assert.equal(overflow, 0, 'no sideways scrolling on a phone');
    } finally {
      await context.close();
    }
  });

  it('should render badges as images with an SVG type and a cache header', async () => {
    const { context, page } = await openPage(browser);
    const readme = createServer();
    try {
      const badges = ['status.svg', 'uptime.svg?window=7d', 'response-time.svg'].map(
        (b) => `${platform.baseUrl}/badges/${broken.id}/${b}`,
      );
      // A README on another site (another origin: a server of its own), embedding them.
      const html = `<!doctype html><title>README</title>${badges.map((url) => `<img alt="badge" src="${url}">`).join('')}`;
      readme.on('request', (_req, res) =>
        res.writeHead(200, { 'content-type': 'text/html' }).end(html),
      );
      await new Promise<void>((resolve) => readme.listen(0, '127.0.0.1', resolve));
      const responses: Map<string, { status: number; headers: Record<string, string> }> = new Map();
      page.on('response', (r) =>
        responses.set(r.url(), { status: r.status(), headers: r.headers() }),
      );
      const failed: string[] = [];
      page.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
      await page.goto(`http://127.0.0.1:${(readme.address() as AddressInfo).port}/`);
      for (const url of badges) {
        const res = responses.get(url);
        assert.equal(res?.status, 200, `${url} ${failed.join(', ')}`);
        assert.match(res.headers['content-type'] ?? '', /^image\/svg\+xml/);
        assert.match(res.headers['cache-control'] ?? '', /max-age=\d+/);
      }
      for (const img of await page.locator('img').all()) {
        const width = await img.evaluate((e) => (e as { naturalWidth: number }).naturalWidth);
        assert.ok(width > 0, 'the badge image rendered');
      }
    } finally {
      await context.close();
      readme.closeAllConnections();
      await new Promise((resolve) => readme.close(resolve));
    }
  });

  it('should answer a private page, an unknown slug and a hidden monitor’s badge with 404, revealing nothing', async () => {
    const { context, page } = await openPage(browser, { javaScript: false });
    try {
      const secrets = /Internal only|Secret backend|127\.0\.0\.1/;
      for (const path of [`/status/${privateSlug}`, `/status/no-such-page-${slug}`]) {
        const res = await page.goto(`${platform.baseUrl}${path}`);
        assert.equal(res?.status(), 404, path);
        assert.doesNotMatch((await res?.text()) ?? '', secrets, path);
      }
      // Badges are images, not pages: asked the way an <img> asks, through the same browser.
      for (const id of [hiddenMonitor.id, '00000000-0000-4000-8000-000000000000']) {
        const res = await context.request.get(`${platform.baseUrl}/badges/${id}/status.svg`);
        assert.equal(res.status(), 404, id);
        assert.doesNotMatch(await res.text(), secrets, id);
      }
    } finally {
      await context.close();
    }
  });
});

async function assertVisible(locator: ReturnType<Page['locator']>): Promise<void> {
  assert.ok(await locator.isVisible(), `visible: ${String(locator)}`);
}
