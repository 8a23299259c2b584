/**
 * A typed client of the Usher API, generated from /openapi.json (schema.d.ts) and sent with
 * openapi-fetch: paths, parameters, bodies and answers are checked by the compiler.
 *
 *   const usher = createUsherClient('http://127.0.0.1:3000', process.env.USHER_API_KEY);
 *   const { data, error } = await usher.POST('/api/events', { body: { name: 'Gig', ... } });
 *
 * `error` holds the application/problem+json body of a 4xx/5xx answer (its `code` is stable).
 */
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './schema';

export type { components, operations, paths } from './schema';
export type UsherClient = Client<paths>;

/** A client sending `token` (a tenant API key or a customer token) as its bearer credential. */
export function createUsherClient(baseUrl: string, token: string): UsherClient {
  return createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${token}` } });
}
