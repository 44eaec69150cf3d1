import { UnsupportedMediaTypeException } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** The media types the API reads a body in: JSON, and JSON-based types such as `merge-patch+json`. */
export const JSON_BODY_TYPES = ['application/json', 'application/*+json'];

/** YAML, which the routes that take a configuration document also read (as text). */
export const YAML_BODY_TYPES = [
  'application/yaml',
  'application/x-yaml',
  'text/yaml',
  'text/x-yaml',
];

const JSON_MEDIA_TYPE = /^application\/([a-z0-9.+-]+\+)?json$/;

/**
 * Refuses a body in any other media type before anything reads it: JSON everywhere, and YAML on
 * `yamlPaths` only. A form post (or `text/plain`) is what a page on another site can send without
 * asking the browser first, so the API never reads one; YAML types, like JSON, need that asking.
 */
export function acceptJsonBodiesOnly(
  yamlPaths: readonly string[] = [],
  anyBodyPrefixes: readonly string[] = [],
): RequestHandler {
  const yamlRoutes = new Set(yamlPaths);
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (!hasBody(req)) return next();
    if (anyBodyPrefixes.some((prefix) => req.path.startsWith(prefix))) return next();
    const mediaType = mediaTypeOf(req.headers['content-type']);
    if (mediaType !== undefined && JSON_MEDIA_TYPE.test(mediaType)) return next();
    if (yamlRoutes.has(req.path)) {
      if (mediaType !== undefined && YAML_BODY_TYPES.includes(mediaType)) return next();
      return next(
        new UnsupportedMediaTypeException(
          'The request body must be application/json or YAML (application/yaml, text/yaml).',
        ),
      );
    }
    next(new UnsupportedMediaTypeException('The request body must be application/json.'));
  };
}

/**
 * The JSON parser's `type` test: JSON media types, except under `prefix`, whose routes read
 * their bodies themselves (a heartbeat ping: any type, bounded to 10 KB, never parsed).
 */
export function jsonBodyOutside(prefix: string): (req: Request) => boolean {
  return (req) => {
    if ((req.originalUrl ?? req.url ?? '').startsWith(prefix)) return false;
    const mediaType = mediaTypeOf(req.headers['content-type']);
    return mediaType !== undefined && JSON_MEDIA_TYPE.test(mediaType);
  };
}

/** As the HTTP spec puts it: a request has a body when it says how long, or that it is chunked. */
function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function mediaTypeOf(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase();
}
