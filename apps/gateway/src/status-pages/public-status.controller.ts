import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { PublicStatusPageSchema } from '@uptime/contracts';
import type { Request, Response } from 'express';
import { openApiResponse } from '../http/openapi';
import { PublicStatusPages, type SentBody, STATUS_PAGE_CACHE_SECONDS } from './public-status-pages';

const CACHE = `public, max-age=${STATUS_PAGE_CACHE_SECONDS}`;
const NOT_FOUND = {
  description: 'No public status page has this slug (a private page reads the same).',
};

/** Public status pages: no login. A page that is not public answers exactly as a missing one. */
@ApiTags('status-pages')
@Controller()
export class PublicStatusController {
  constructor(private readonly pages: PublicStatusPages) {}

  @Get('public/status-pages/:slug')
  @ApiOperation({
    summary:
      'A public status page as JSON: status, monitors with 90 daily uptime values, incidents',
  })
  @ApiOkResponse({ schema: openApiResponse(PublicStatusPageSchema) })
  @ApiNotFoundResponse(NOT_FOUND)
  async json(@Param('slug') slug: string, @Res() res: Response): Promise<void> {
    // Serialised once per build, not once per visitor.
    send(res, (await this.pages.page(slug)).json, 'application/json; charset=utf-8');
  }

  @Get('status/:slug')
  @ApiOperation({ summary: 'A public status page as HTML (works without JavaScript)' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'text/html' })
  @ApiNotFoundResponse(NOT_FOUND)
  async html(
    @Param('slug') slug: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    // Found or not, before anything is written: a missing page is the filter's problem+json.
    const page = await this.pages.page(slug);
    res.setHeader('Vary', 'Accept-Encoding');
    // A page of many monitors is mostly repeated markup: gzip makes it a fraction on the wire.
    if (req.acceptsEncodings('gzip', 'identity') !== 'gzip') {
      send(res, page.html, HTML);
      return;
    }
    res.setHeader('Content-Encoding', 'gzip');
    send(res, page.gzipped, HTML);
  }
}

const HTML = 'text/html; charset=utf-8';

/**
 * Bytes made at the page's build, sent as they are: with their ETag set, Express neither hashes
 * them nor sends them to a client that already has them (304).
 */
function send(res: Response, body: SentBody, contentType: string): void {
  res.setHeader('Content-Type', contentType);
  res.setHeader('Cache-Control', CACHE);
  res.setHeader('ETag', body.etag);
  // A Buffer, sent as bytes: Nest's reply would turn it into JSON.
  res.send(body.bytes);
}
