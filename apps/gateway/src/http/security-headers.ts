import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { INVITATION_PAGE_CSP } from '../invitations/invitation-page';
import { isWebAppPath } from './web-app';
import { STATUS_PAGE_CSP } from '../status-pages/status-page-html';

const NOTHING_LOADS = { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"] };

/** The API answers data, never a page: nothing may load from it, frame it, or sniff its types. */
const apiHeaders = helmet({
  contentSecurityPolicy: { useDefaults: false, directives: NOTHING_LOADS },
  xFrameOptions: { action: 'deny' },
});

/** A page of this origin's own scripts, styles, images and API, framed by nobody. */
const SAME_ORIGIN_PAGE = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** Badges are images for other sites' pages (READMEs): another origin may load them. */
const badgeHeaders = helmet({
  contentSecurityPolicy: { useDefaults: false, directives: NOTHING_LOADS },
  crossOriginResourcePolicy: { policy: 'cross-origin' },
  xFrameOptions: { action: 'deny' },
});

/**
 * The OpenAPI page: swagger-ui loads its scripts and styles from /docs itself; its page and its
 * bundle set inline styles and data: icons, which are the only allowances.
 */
const docsHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { ...SAME_ORIGIN_PAGE, styleSrc: ["'self'", "'unsafe-inline'"] },
  },
  xFrameOptions: { action: 'deny' },
});

/**
 * The invitation page (`/invitations/{token}`): its own inline script and style, allowed by hash,
 * and requests to the API; no referrer, since its URL holds the token.
 */
const invitationPageHeaders = helmet({
  contentSecurityPolicy: { useDefaults: false, directives: INVITATION_PAGE_CSP },
  xFrameOptions: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
});

/**
 * The web dashboard (apps/web): its own scripts and styles only (the build inlines none), and
 * requests to this origin's API. Styles set from script (element.style, as uPlot sizes its
 * canvas) are not inline styles to CSP, so style-src needs no 'unsafe-inline'.
 */
const webAppHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: SAME_ORIGIN_PAGE,
  },
  xFrameOptions: { action: 'deny' },
  referrerPolicy: { policy: 'same-origin' },
});

/** A public status page (`/status/{slug}`): its own stylesheet, allowed by hash, and nothing else. */
const statusPageHeaders = helmet({
  contentSecurityPolicy: { useDefaults: false, directives: STATUS_PAGE_CSP },
  xFrameOptions: { action: 'deny' },
});

export const DOCS_PATH = 'docs';
const INVITATION_PAGE = /^\/invitations\/[^/]+$/;
const STATUS_PAGE = /^\/status\/[^/]+$/;
const BADGE = /^\/badges\/[^/]+\/[a-z-]+\.svg$/;

/** Security headers on every answer (nosniff, frame and content policies). */
export function securityHeaders(req: Request, res: Response, next: NextFunction): void {
  const docs = req.path === `/${DOCS_PATH}` || req.path.startsWith(`/${DOCS_PATH}/`);
  if (docs) return docsHeaders(req, res, next);
  if (STATUS_PAGE.test(req.path)) return statusPageHeaders(req, res, next);
  if (BADGE.test(req.path)) return badgeHeaders(req, res, next);
  if (INVITATION_PAGE.test(req.path)) return invitationPageHeaders(req, res, next);
  (isWebAppPath(req.path) ? webAppHeaders : apiHeaders)(req, res, next);
}
