import type Koa from 'koa';
import type { HandlerResult } from './route';

/** A result that names no status answers 204 when it has no body, 200 otherwise. */
export const responseStatus = (result: HandlerResult, body: unknown): number =>
  result.status ?? (body === undefined ? 204 : 200);

export function respond(
  ctx: Koa.Context,
  status: number,
  body: unknown,
  headers: Record<string, string> | undefined,
): void {
  for (const [name, value] of Object.entries(headers ?? {})) ctx.set(name, value);
  ctx.status = status;
  if (body !== undefined) ctx.body = body;
}
