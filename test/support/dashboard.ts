import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  axeViolations,
  type BrowserPlatform,
  launchChromium,
  openPage,
  startBrowserPlatform,
} from './browser';
import { TargetServer } from './target-server';

/** What a dashboard e2e file drives: the platform, a loopback target and one light-theme page. */
export interface DashboardSession {
  platform: BrowserPlatform;
  target: TargetServer;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /**
   * Script errors and CSP refusals: the app must run under its policy without either. Answers a
   * test asks for (a refused field's 400, a stale token's 401) are logged by Chromium as "Failed
   * to load resource" and are not errors of the app.
   */
  pageErrors: string[];
  /** axe-core finds no serious or critical violation on the page as it is now. */
  assertAccessible(screen: string): Promise<void>;
  stop(): Promise<void>;
}

/** The platform as `npm start` runs it, a target server and Chromium at 1280x800, started together. */
export async function startDashboardSession(): Promise<DashboardSession> {
  const [platform, target, browser] = await Promise.all([
    startBrowserPlatform(),
    TargetServer.start(),
    launchChromium(),
  ]);
  const { context, page } = await openPage(browser, { width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: 'light' });
  const pageErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      pageErrors.push(m.text());
    }
  });
  page.on('pageerror', (err) => pageErrors.push(err.message));
  return {
    platform,
    target,
    browser,
    context,
    page,
    pageErrors,
    async assertAccessible(screen) {
      const violations = await axeViolations(page);
      assert.deepEqual(
        violations.map(
          (v) =>
            `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
        ),
        [],
        `axe on the ${screen} screen`,
      );
    },
    async stop() {
      await context.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await target.close();
      await platform.stop();
    },
  };
}

/** Registers a new account through the sign-in screen's "Create an account" link. */
export async function registerThroughUi(page: Page, email: string): Promise<void> {
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByRole('heading', { name: 'Monitors' }).waitFor();
}

/** The signed-in user's access token, as the dashboard keeps it, for set-up through the API. */
export async function accessTokenOf(page: Page): Promise<string> {
  return page.evaluate(() => {
    const store = (globalThis as unknown as { localStorage: { getItem(k: string): string | null } })
      .localStorage;
    return (JSON.parse(store.getItem('uptime.session')!) as { accessToken: string }).accessToken;
  });
}

/** How far the page scrolls sideways (0 or less: it fits the viewport's width). */
export async function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const root = (
      globalThis as unknown as {
        document: { documentElement: { scrollWidth: number; clientWidth: number } };
      }
    ).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
}
