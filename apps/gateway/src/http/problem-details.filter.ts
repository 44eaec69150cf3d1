import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Logger,
} from '@nestjs/common';
import { ProblemError } from '@uptime/bus';
import { type Problem, Problems } from '@uptime/contracts';
import type { Request, Response } from 'express';
import type { Refusals } from './refusals';
import { routeOf } from './request-observer';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  429: 'Too many requests',
};

/** Every error leaves the gateway as RFC 9457 `application/problem+json`. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  constructor(private readonly refusals?: Refusals) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const problem = this.toProblem(exception);
    // A 503 that says when to come back (`Retry-After`: an import deferred) is a refusal by
    // design, counted and logged once a minute like a 4xx, not a fault logged per request.
    if (problem.status >= 500 && !res.hasHeader('retry-after')) {
      // A dependency that did not answer is an operational fact, not a bug: no stack trace.
      if (exception instanceof ProblemError)
        this.logger.warn(`${req.method} ${routeOf(req)}: ${problem.detail}`);
      else this.logger.error(`${req.method} ${routeOf(req)}: ${describe(exception)}`);
    } else {
      // The route's pattern, not the path: a path can hold a secret (a ping URL's token).
      this.refusals?.record(req.method, routeOf(req), problem);
    }
    res
      .status(problem.status)
      .type('application/problem+json')
      .json({ ...problem, instance: req.originalUrl });
  }

  private toProblem(exception: unknown): Problem {
    if (exception instanceof ProblemError) return exception.problem;
    const bodyError = bodyParserProblem(exception);
    if (bodyError) return bodyError;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return {
        type: `/problems/http-${status}`,
        title: TITLES[status] ?? 'Error',
        status,
        detail: detailOf(exception),
      };
    }
    return {
      type: '/problems/internal',
      title: 'Internal error',
      status: 500,
      detail: 'Something went wrong on our side.',
    };
  }
}

/** body-parser's errors carry a `type`; name them for the client instead of a generic 400/500. */
function bodyParserProblem(exception: unknown): Problem | undefined {
  const type = (exception as { type?: unknown } | null)?.type;
  if (type === 'entity.parse.failed')
    return Problems.badRequest('The request body is not valid JSON.');
  if (type === 'entity.too.large') {
    return {
      type: '/problems/http-413',
      title: TITLES[413]!,
      status: 413,
      detail: 'The request body is too large.',
    };
  }
  if (type === 'charset.unsupported' || type === 'encoding.unsupported') {
    return {
      type: '/problems/http-415',
      title: TITLES[415]!,
      status: 415,
      detail: 'The request body encoding is not supported.',
    };
  }
  // Any other body-reading failure the parser blames on the client (a gzip body that does not
  // inflate, a body shorter than its Content-Length): the client's fault, not a 500.
  if (isClientHttpError(exception)) {
    return Problems.badRequest('The request body could not be read.');
  }
  return undefined;
}

/** An http-errors error (body-parser's) with a 4xx status it means to show the client. */
function isClientHttpError(exception: unknown): boolean {
  if (exception instanceof HttpException) return false;
  const e = exception as { status?: unknown; expose?: unknown } | null;
  return e?.expose === true && typeof e.status === 'number' && e.status >= 400 && e.status < 500;
}

function detailOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
