import type Koa from 'koa';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { AppError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';

interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  [extra: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function problem(status: number, code: string, detail?: string, extra?: Record<string, unknown>): Problem {
  return {
    type: `https://usher.dev/problems/${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    detail,
    ...extra,
  };
}

/** Maps what handlers, body parsing and Temporal throw to a problem; everything else is a 500. */
export function toProblem(err: unknown): Problem | undefined {
  if (err instanceof AppError) return problem(err.status, err.code, err.message, err.details);
  if (err instanceof WorkflowNotFoundError) return problem(404, 'not_found', 'The process was not found');
  if (err instanceof WorkflowExecutionAlreadyStartedError)
    return problem(409, 'already_started', 'The process is already running');
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const code = err.cause.type ?? 'update_rejected';
    return problem(code.startsWith('not_found') ? 404 : 422, code, err.cause.message);
  }
  const e = err as { status?: unknown; type?: unknown; expose?: unknown; message?: unknown };
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    // Errors from koa's body parser and http-errors carry a status and a type.
    if (e.type === 'entity.parse.failed') return problem(400, 'invalid_json', 'The request body is not valid JSON');
    if (e.type === 'entity.too.large') return problem(413, 'payload_too_large', 'The request body is too large');
    if (e.status === 415)
      return problem(415, 'unsupported_media_type', 'Send JSON with Content-Type: application/json');
    return problem(e.status, 'bad_request', e.expose && typeof e.message === 'string' ? e.message : undefined);
  }
  return undefined;
}

export function errorMiddleware(logger: Logger): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new AppError(404, 'route_not_found', `No route for ${ctx.method} ${ctx.path}`);
      }
    } catch (err) {
      const p = toProblem(err) ?? problem(500, 'internal_error', 'Something went wrong on our side');
      if (p.status >= 500) logger.error({ err, method: ctx.method, path: ctx.path }, 'request failed');
      ctx.status = p.status;
      ctx.type = 'application/problem+json';
      ctx.body = p;
    }
  };
}
