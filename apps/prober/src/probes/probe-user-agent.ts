import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * `UptimeProbe/<version> (+region <name>)`: what a target sees of a probe, so its operator can
 * tell the platform's checks (and their region) from other traffic, and allow or filter them.
 */
export function probeUserAgent(region: string): string {
  return `UptimeProbe/${PLATFORM_VERSION} (+region ${region})`;
}

/** The package's version, from the package.json above this file (in the sources or in dist/). */
function versionOf(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest))
      return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

const PLATFORM_VERSION = versionOf();
