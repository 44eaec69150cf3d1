import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';

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

export const DOCS_PATH = 'docs';

/** Security headers on every answer (nosniff, frame and content policies). */
export function securityHeaders(req: Request, res: Response, next: NextFunction): void {
  const docs = req.path === `/${DOCS_PATH}` || req.path.startsWith(`/${DOCS_PATH}/`);
  (docs ? docsHeaders : apiHeaders)(req, res, next);
}
