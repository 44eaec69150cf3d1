import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import type { NextFunction, Request, Response } from 'express';

/**
 * The web dashboard (apps/web), built by `npm run build` into dist/web: this file compiles to
 * dist/apps/gateway/src/http/, four levels below dist/.
 */
export const WEB_APP_DIR = join(__dirname, '..', '..', '..', '..', 'web');

/**
 * Paths the gateway itself answers: the API, its docs, health and metrics, and the pages and
 * images that work without the dashboard. Everything else is the dashboard's.
 */
const SERVER_PREFIXES = [
  '/api/',
  '/docs',
  '/status/',
  '/badges/',
  '/health/',
  '/metrics',
  '/ping/',
  '/invitations/',
];

/** Whether a path belongs to the dashboard (its files, or one of its client-side routes). */
export function isWebAppPath(path: string): boolean {
  return !SERVER_PREFIXES.some(
    (prefix) => path === prefix.replace(/\/$/, '') || path.startsWith(prefix),
  );
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Vite names every file under assets/ by its content hash: a new build is a new name. */
const HASHED_ASSETS = '/assets/';
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html names the current assets: revalidated on every load, so a deploy shows at once. */
const REVALIDATE = 'no-cache';

const MISSING_BUILD =
  'The web dashboard is not part of this build (dist/web is missing: run `npm run build`).\n' +
  'The API answers at /api/v1 and its documentation at /docs.\n';

/**
 * Serves the dashboard's built files and, for any other page a browser asks for (it accepts
 * text/html), index.html: the dashboard routes on the client. Without a build it answers 503
 * in plain text rather than failing, as a per-app image without the dashboard does.
 */
export function webApp(dir: string = WEB_APP_DIR) {
  const root = normalize(dir) + sep;
  return (req: Request, res: Response, next: NextFunction): void => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !isWebAppPath(req.path)) return next();
    const file = fileOf(root, req.path);
    if (file) {
      const hashed = req.path.startsWith(HASHED_ASSETS);
      return send(req, res, file, hashed ? IMMUTABLE : REVALIDATE);
    }
    // A missing asset is a 404 (not the page), so a stale reference fails visibly.
    if (req.path.startsWith(HASHED_ASSETS) || !req.accepts('html')) return next();
    const index = join(root, 'index.html');
    if (!existsSync(index)) {
      res.status(503).type('text/plain').set('Cache-Control', 'no-store').send(MISSING_BUILD);
      return;
    }
    send(req, res, index, REVALIDATE);
  };
}

/** The file a path names inside the build, if it is one (never outside it, never a folder). */
function fileOf(root: string, path: string): string | undefined {
  if (path === '/' || path.endsWith('/')) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  const file = normalize(join(root, decoded));
  if (!file.startsWith(root) || !CONTENT_TYPES[extname(file)]) return undefined;
  try {
    return statSync(file).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

function send(req: Request, res: Response, file: string, cacheControl: string): void {
  const type =
    extname(file) === '.html' ? 'text/html; charset=utf-8' : CONTENT_TYPES[extname(file)];
  res.status(200);
  res.set({
    'Content-Type': type,
    'Content-Length': String(statSync(file).size),
    'Cache-Control': cacheControl,
  });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(file).pipe(res);
}
