import { createHash } from 'node:crypto';

export const DAY = 86_400_000;

export interface Page<T> {
  items: T[];
}

/** A problem answer of the API, kept so a caller can accept a known conflict (already done) on a re-run. */
export class DemoApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

const digest = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 32);

/**
 * The demo key's view of the API, as a tenant system would call it. A POST carries an Idempotency-Key
 * made of its path and body, so a re-run after a crash between request and answer repeats the same
 * request instead of making a second one; `fresh` requests (tokens, playback) get none.
 */
export function demoApi(apiUrl: string, apiKey: string, authorization = apiKey) {
  async function call<T>(method: string, path: string, body?: unknown, opts: { fresh?: boolean } = {}): Promise<T> {
    const once = method === 'POST' && !opts.fresh;
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${authorization}`,
        'content-type': 'application/json',
        ...(once ? { 'idempotency-key': `demo-${digest(`${path} ${JSON.stringify(body)}`)}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) {
      let code: string | undefined;
      try {
        code = (JSON.parse(text) as { code?: string }).code;
      } catch {
        code = undefined;
      }
      throw new DemoApiError(res.status, code, `${method} ${path}: ${res.status} ${text}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }
  return {
    get: <T>(path: string) => call<T>('GET', path),
    post: <T>(path: string, body: unknown, opts?: { fresh?: boolean }) => call<T>('POST', path, body, opts),
    patch: <T>(path: string, body: unknown) => call<T>('PATCH', path, body),
    /** The same API as one customer, with a customer token the key minted. */
    as: (customerToken: string) => demoApi(apiUrl, apiKey, customerToken),
    /** A customer of the demo by e-mail (created when missing), as the tenant's shop would upsert it. */
    async customer(email: string, name: string): Promise<number> {
      return (await call<{ id: number }>('POST', '/api/customers', { email, name })).id;
    },
    /** A customer token for the viewer page and customer-only calls, a day long (the longest the API issues). */
    async customerToken(customerId: number): Promise<string> {
      const minted = await call<{ token: string }>(
        'POST',
        `/api/customers/${customerId}/tokens`,
        { ttl_seconds: 86_400 },
        { fresh: true },
      );
      return minted.token;
    },
  };
}

export type DemoApi = ReturnType<typeof demoApi>;

export interface TicketTypeView {
  id: number;
  name: string;
  price_minor: number;
  inventory: number;
  sold: number;
  attendance: 'in_person' | 'virtual' | 'both';
}

/** The demo event's ticket types: VIP by name, general admission the first other in-person one (as the seed has it). */
export async function demoTicketTypes(api: DemoApi, eventId: number) {
  const { items } = await api.get<Page<TicketTypeView>>(`/api/events/${eventId}/ticket-types`);
  const vip = items.find((t) => t.name === 'VIP');
  const general = items.find((t) => t !== vip && t.attendance === 'in_person');
  return { all: items, vip, general };
}
