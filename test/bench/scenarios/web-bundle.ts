import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ScenarioReport } from '../harness/report';
import type { BenchOptions, Scenario } from './scenario';

const ROOT = join(__dirname, '..', '..', '..', '..');
const VITE_CONFIG = join(ROOT, 'apps', 'web', 'vite.config.ts');
/** Where the web build may be: the first that has an index.html is read. */
const BUILD_DIRS = ['dist/web', 'apps/web/dist', 'dist/apps/web/public'];
const TARGET_BYTES = 300_000;

/**
 * The web dashboard's first load: the JavaScript that index.html asks for (its module scripts
 * and modulepreloads), gzipped as the gateway would send it, against 300 KB.
 */
export const webBundleScenario: Scenario = {
  name: 'web-bundle',
  description:
    'gzip size of the JavaScript the web dashboard loads first (index.html scripts and modulepreloads)',
  async run(options: BenchOptions): Promise<ScenarioReport> {
    let dir = buildDir();
    if (!dir && existsSync(VITE_CONFIG) && !options.flag('no-build')) {
      execFileSync('npx', ['vite', 'build', '--config', VITE_CONFIG], {
        cwd: ROOT,
        stdio: 'inherit',
      });
      dir = buildDir();
    }
    if (!dir) {
      return {
        scenario: 'web-bundle',
        parameters: {},
        rows: [],
        targets: [
          {
            target: `first-load JS < ${TARGET_BYTES / 1000} KB gzip`,
            measured: 'no web build',
            met: false,
          },
        ],
        notes: [
          `no web build: none of ${BUILD_DIRS.join(', ')} has an index.html and ${VITE_CONFIG} is absent`,
        ],
      };
    }
    const index = readFileSync(join(dir, 'index.html'), 'utf8');
    const scripts = [
      ...index.matchAll(/<script[^>]*\bsrc="([^"]+)"/g),
      ...index.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g),
    ].map((m) => m[1]);
    const rows = [...new Set(scripts)].map((src) => {
      const body = readFileSync(join(dir, src.replace(/^\//, '')));
      return { file: src, bytes: body.length, gzip_bytes: gzipSync(body).length };
    });
    const total = rows.reduce((s, r) => s + r.gzip_bytes, 0);
    return {
      scenario: 'web-bundle',
      parameters: { buildDir: dir },
      rows: [
        ...rows,
        { file: 'total', bytes: rows.reduce((s, r) => s + r.bytes, 0), gzip_bytes: total },
      ],
      targets: [
        {
          target: `first-load JS < ${TARGET_BYTES / 1000} KB gzip`,
          measured: `${total} bytes gzip in ${rows.length} files`,
          met: total < TARGET_BYTES,
        },
      ],
      notes: ['Only what index.html names is counted; chunks loaded later (lazy routes) are not.'],
    };
  },
};

function buildDir(): string | undefined {
  return BUILD_DIRS.map((d) => join(ROOT, d)).find((d) => existsSync(join(d, 'index.html')));
}
