import { UnsupportedMediaTypeException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/** The media types the API reads a body in: JSON, and JSON-based types such as `merge-patch+json`. */
export const JSON_BODY_TYPES = ['application/json', 'application/*+json'];

const JSON_MEDIA_TYPE = /^application\/([a-z0-9.+-]+\+)?json$/;

/**
 * Refuses a body in any other media type before anything reads it. A form post is what a page on
 * another site can send without asking the browser first, so the API never reads one.
 */
export function acceptJsonBodiesOnly(req: Request, _res: Response, next: NextFunction): void {
  if (!hasBody(req) || isJson(req.headers['content-type'])) return next();
  next(new UnsupportedMediaTypeException('The request body must be application/json.'));
}

/** As the HTTP spec puts it: a request has a body when it says how long, or that it is chunked. */
function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function isJson(contentType: string | undefined): boolean {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  return mediaType !== undefined && JSON_MEDIA_TYPE.test(mediaType);
}
