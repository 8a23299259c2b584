import { notFound } from '../lib/errors';
import type { Auth } from './route';

/**
 * Whether the caller may act for a customer: any key of the tenant (row-level security has already
 * kept other tenants out), or that customer's own token.
 */
export const actsFor = (auth: Auth, customerId: number | null | undefined): boolean =>
  auth.kind === 'key' || auth.customerId === customerId;

/**
 * The one ownership check: the row when the caller may see it, else 404, the same answer as a row
 * that does not exist, so another customer's ids reveal nothing.
 */
export function visibleTo<T>(
  auth: Auth,
  row: T | undefined,
  ownerOf: (row: T) => number | null | undefined,
  what: string,
): T {
  if (row === undefined || !actsFor(auth, ownerOf(row))) throw notFound(what);
  return row;
}
