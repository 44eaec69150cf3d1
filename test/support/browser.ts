import { freePort, isRunning, NATS_PID_FILE, removeDataDir } from '@uptime/embedded';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { ApiClient } from './api-client';
import { AppProcess } from './app-process';
import { createTestDatabase, type TestDatabase } from './test-database';

/**
 * Browser tests: Debian's Chromium driven through playwright-core (no browser download), the
 * platform started the way `npm start` runs it, axe-core for accessibility and screenshots
 * for the docs. Every wait is bounded, so a stuck browser fails a test instead of the run.
 */

/** The distribution's Chromium (`apt-get install chromium`); CHROMIUM_PATH overrides it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const LAUNCH_TIMEOUT_MS = 30_000;
/** Each navigation, click and wait of a page; a page that needs longer is broken. */
export const PAGE_TIMEOUT_MS = 15_000;
const SCREENSHOTS_DIR = join(__dirname, '..', '..', '..', 'docs', 'screenshots');

/** Headless Chromium. `--no-sandbox`: the tests run as root, where Chromium refuses its sandbox. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    timeout: LAUNCH_TIMEOUT_MS,
    // /dev/shm is small in containers; the GPU process only costs start time headless.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

/** Pages opened without JavaScript: axe cannot run in them (see axeViolations). */
const withoutScripts = new WeakSet<Page>();

/**
 * A fresh signed-out visitor: its own context (no cookies, no storage), with or without
 * JavaScript, at a phone or desktop width.
 */
export async function openPage(
  browser: Browser,
  { javaScript = true, width = 1280, height = 900 } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    javaScriptEnabled: javaScript,
    viewport: { width, height },
  });
  context.setDefaultTimeout(PAGE_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(PAGE_TIMEOUT_MS);
  const page = await context.newPage();
  if (!javaScript) withoutScripts.add(page);
  return { context, page };
}

export type AxeImpact = 'minor' | 'moderate' | 'serious' | 'critical';

export interface AxeViolation {
  id: string;
  impact: AxeImpact | null;
  help: string;
  nodes: { target: string[]; html: string; failureSummary?: string }[];
}

/**
 * axe-core's violations on the page as it is now, only those of the given impacts.
 *
 * axe needs timers, and Chromium's renderer crashes on a timer in a page whose scripts are
 * disabled; so a page opened without JavaScript is checked as a copy: its DOM as it is, served
 * at its own URL (stylesheets and images still come from the server) to a page that may run
 * scripts, with the page's own scripts taken out so the copy stays what the visitor saw.
 */
export async function axeViolations(
  page: Page,
  { impact = ['serious', 'critical'] }: { impact?: AxeImpact[] } = {},
): Promise<AxeViolation[]> {
  const source = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  if (!withoutScripts.has(page)) return bounded(runAxe(page, source, impact));
  const browser = page.context().browser();
  if (!browser) throw new Error('axeViolations: the page has no browser');
  const html = (await page.content()).replace(/<script\b[\s\S]*?<\/script>/gi, '');
  const viewport = page.viewportSize() ?? undefined;
  const copy = await browser.newContext({ viewport });
  try {
    copy.setDefaultTimeout(PAGE_TIMEOUT_MS);
    const copied = await copy.newPage();
    const url = page.url();
    await copied.route(url, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }),
    );
    await copied.goto(url);
    return await bounded(runAxe(copied, source, impact));
  } finally {
    await copy.close();
  }
}

async function runAxe(page: Page, source: string, impact: AxeImpact[]): Promise<AxeViolation[]> {
  const violations = await page.evaluate(async (axeSource: string) => {
    // Evaluated in the page, where axe's source defines a global `axe` (no DOM types here).
    const inPage = globalThis as unknown as {
      axe?: { run(context: unknown): Promise<{ violations: AxeViolation[] }> };
      document: unknown;
    };
    if (!inPage.axe) new Function(axeSource)();
    return (await inPage.axe!.run(inPage.document)).violations;
  }, source);
  return violations
    .filter((v) => v.impact !== null && impact.includes(v.impact))
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({
        target: n.target,
        html: n.html,
        failureSummary: n.failureSummary,
      })),
    }));
}

/** page.evaluate has no timeout of its own. */
function bounded<T>(work: Promise<T>, ms = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`axe did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** A full-page PNG at docs/screenshots/<name>.png (the docs show what a user sees). */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS_DIR, { recursive: true });
  const path = join(SCREENSHOTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true, timeout: PAGE_TIMEOUT_MS });
  return path;
}

/** The whole platform as `npm start` runs it, on a free port, for a browser to visit. */
export interface BrowserPlatform {
  baseUrl: string;
  api: ApiClient;
  process: AppProcess;
  stop(): Promise<void>;
}

/**
 * `npm start` (dist/apps/platform/src/main.js) with its embedded defaults except PostgreSQL: a
 * fresh database of the run's PostgreSQL, since an initdb would cost most of a file's time. It
 * starts its own nats-server on a free port (NATS_URL there answers nothing), so no other test's
 * streams or consumers are in its way, and metrics go to chDB under its own DATA_DIR.
 */
export async function startBrowserPlatform(
  env: Record<string, string> = {},
): Promise<BrowserPlatform> {
  const dataDir = await mkdtemp(join(tmpdir(), 'uptime-browser-'));
  let database: TestDatabase | undefined;
  let platform: AppProcess | undefined;
  const stop = async () => {
    await platform?.stop('SIGTERM', 15_000).catch(() => undefined);
    // A platform killed after the grace leaves its nats-server behind: end it by its pid file.
    const nats = Number(
      (await readFile(join(dataDir, NATS_PID_FILE), 'utf8').catch(() => '')).trim(),
    );
    if (nats > 1 && isRunning(nats)) process.kill(nats, 'SIGKILL');
    await database?.drop().catch(() => undefined);
    await removeDataDir(dataDir);
  };
  try {
    database = await createTestDatabase();
    const port = await freePort();
    const natsPort = await freePort();
    platform = AppProcess.start('platform', {
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      NATS_URL: `nats://127.0.0.1:${natsPort}`,
      DATABASE_URL: database.url,
      LOG_LEVEL: 'warn',
      ...env,
    });
    const baseUrl = `http://127.0.0.1:${port}`;
    await platform.waitReady(baseUrl, 60_000);
    return { baseUrl, api: new ApiClient(baseUrl), process: platform, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
