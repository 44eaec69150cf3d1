import { Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { ProblemError } from '@uptime/bus';
import { MAX_PING_MESSAGE_CHARS, type PingKind } from '@uptime/contracts';
import type { Request, Response } from 'express';
import { HeartbeatPings, PingRefused } from './heartbeat-pings';

/** Bodies of POST pings are read up to this (a job's log tail); above it the ping is refused. */
export const MAX_PING_BODY_BYTES = 10 * 1024;

const PINGED = { description: 'Recorded: `{ "ok": true }`.' };
const UNKNOWN = {
  description:
    'No active heartbeat monitor has this token (unknown, malformed, paused or deleted: the same answer).',
};
const LIMITED = {
  description: 'More pings than `PINGS_PER_MINUTE_PER_TOKEN`; `Retry-After` says when to retry.',
};

/**
 * `<PUBLIC_URL>/ping/{token}`, outside /api/v1 and without login: the token is the proof, as in
 * healthchecks.io or Uptime Kuma's push monitors. GET (and HEAD) or POST alike, so `curl` in a
 * crontab works either way; a POST body (any media type, at most 10 KB) is kept as the result's
 * message, its first 1,000 characters.
 */
@ApiTags('heartbeats')
@Controller('ping')
export class PingController {
  constructor(private readonly pings: HeartbeatPings) {}

  @Get(':token')
  @HttpCode(200)
  @ApiOperation({ summary: 'Ping a heartbeat monitor: an `up` result (no login; rate-limited)' })
  @ApiOkResponse(PINGED)
  @ApiNotFoundResponse(UNKNOWN)
  @ApiTooManyRequestsResponse(LIMITED)
  ping(@Param('token') token: string, @Req() req: Request, @Res() res: Response) {
    return this.handle('ping', token, req, res);
  }

  @Post(':token')
  @HttpCode(200)
  @ApiOperation({ summary: 'Ping a heartbeat monitor, the body (≤ 10 KB) its message (no login)' })
  @ApiOkResponse(PINGED)
  @ApiNotFoundResponse(UNKNOWN)
  @ApiPayloadTooLargeResponse({ description: 'A body above 10 KB.' })
  pingWithBody(@Param('token') token: string, @Req() req: Request, @Res() res: Response) {
    return this.handle('ping', token, req, res);
  }

  @Get(':token/start')
  @HttpCode(200)
  @ApiOperation({ summary: 'A run starts: the next ping’s latency is its duration (no login)' })
  @ApiOkResponse(PINGED)
  @ApiNotFoundResponse(UNKNOWN)
  start(@Param('token') token: string, @Req() req: Request, @Res() res: Response) {
    return this.handle('start', token, req, res);
  }

  @Post(':token/start')
  @HttpCode(200)
  @ApiOperation({ summary: 'A run starts (POST; no login)' })
  @ApiOkResponse(PINGED)
  @ApiNotFoundResponse(UNKNOWN)
  startWithBody(@Param('token') token: string, @Req() req: Request, @Res() res: Response) {
    return this.handle('start', token, req, res);
  }

  @Get(':token/fail')
  @HttpCode(200)
  @ApiOperation({ summary: 'The job failed: a `down` result, `reported_failure` (no login)' })
  @ApiOkResponse(PINGED)
  @ApiNotFoundResponse(UNKNOWN)
  fail(@Param('token') token: string, @Req() req: Request, @Res() res: Response) {
    return this.handle('fail', token, req, res);
  }

  @Post(':token/fail')
  @HttpCode(200)
  @ApiOperation({ summary: 'The job failed, the body (≤ 10 KB) its message (no login)' })
  @ApiOkResponse(PINGED)
  @ApiNotFoundResponse(UNKNOWN)
  failWithBody(@Param('token') token: string, @Req() req: Request, @Res() res: Response) {
    return this.handle('fail', token, req, res);
  }

  private async handle(kind: PingKind, token: string, req: Request, res: Response): Promise<void> {
    try {
      const body = await readBoundedText(req, MAX_PING_BODY_BYTES);
      const message = body.trim() === '' ? null : body.trim().slice(0, MAX_PING_MESSAGE_CHARS);
      await this.pings.record(token, kind, message);
    } catch (err) {
      if (err instanceof PingRefused) res.setHeader('Retry-After', String(err.retryAfterSeconds));
      throw err;
    }
    res.setHeader('Cache-Control', 'no-store');
    res.status(200).json({ ok: true });
  }
}

/** The request body as text, refusing (413) one above `maxBytes` without reading it all. */
function readBoundedText(req: Request, maxBytes: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) return Promise.reject(tooLarge(maxBytes));
  if (req.readableEnded || (!req.headers['transfer-encoding'] && declared === 0)) {
    return Promise.resolve('');
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        req.removeAllListeners('data');
        req.pause();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function tooLarge(maxBytes: number): ProblemError {
  return new ProblemError({
    type: '/problems/http-413',
    title: 'Payload too large',
    status: 413,
    detail: `A ping's body is at most ${maxBytes} bytes.`,
  });
}
