import { createHash } from 'node:crypto';

/** A CSP source allowing exactly this inline script or stylesheet (`'sha256-…'`). */
export function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
}
