import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { INVITATION_PAGE_CSP } from '../invitations/invitation-page';

/** The API answers data, never a page: nothing may load from it, frame it, or sniff its types. */
const apiHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"] },
  },
  xFrameOptions: { action: 'deny' },
});

/**
 * The OpenAPI page: swagger-ui loads its scripts and styles from /docs itself; its page and its
 * bundle set inline styles and data: icons, which are the only allowances.
 */
const docsHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      fontSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
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

export const DOCS_PATH = 'docs';
const INVITATION_PAGE = /^\/invitations\/[^/]+$/;

/** Security headers on every answer (nosniff, frame and content policies). */
export function securityHeaders(req: Request, res: Response, next: NextFunction): void {
  const docs = req.path === `/${DOCS_PATH}` || req.path.startsWith(`/${DOCS_PATH}/`);
  if (docs) return docsHeaders(req, res, next);
  (INVITATION_PAGE.test(req.path) ? invitationPageHeaders : apiHeaders)(req, res, next);
}
