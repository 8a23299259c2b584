import dns, { type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { LOOPBACK_ADDRESSES, isLoopbackName, isPublicAddress } from '../../domain/webhooks/destinations';

/** Which resolved addresses a webhook may reach. */
export type AddressRule = (address: string) => boolean;

/** Local development (`WEBHOOK_ALLOW_PRIVATE_URLS`): receivers on this machine or network are fine. */
const anyAddress: AddressRule = () => true;

/** The deployment's rule: the public-address rule unless private destinations are allowed. */
export const addressRule = (allowPrivate: boolean, publicRule: AddressRule = isPublicAddress): AddressRule =>
  allowPrivate ? anyAddress : publicRule;

/** A destination the rule refuses; its message says which address, fit for the delivery log. */
export class DestinationRefused extends Error {
  override readonly name = 'DestinationRefused';
}

export type ResolveAll = (hostname: string) => Promise<LookupAddress[]>;

// verbatim: keep the resolver's order, so the connection prefers what the system would.
const systemResolve: ResolveAll = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/** A URL's hostname as an address or name: WHATWG URLs keep IPv6 literals in brackets. */
const bareHost = (hostname: string): string => hostname.replace(/^\[(.*)\]$/, '$1');

function refuse(host: string, addresses: readonly LookupAddress[], rule: AddressRule, literal: boolean): void {
  const refused = addresses.find((a) => !rule(a.address));
  if (!refused) return;
  const what = literal ? refused.address : `${host} resolves to ${refused.address}, which`;
  throw new DestinationRefused(
    `${what} is not a public address: webhooks are not sent to private, loopback or link-local networks`,
  );
}

/** Refuses (DestinationRefused) a literal address that breaks the rule; names pass. */
export function checkLiteralHost(hostname: string, rule: AddressRule): void {
  const host = bareHost(hostname);
  const family = isIP(host);
  if (family) refuse(host, [{ address: host, family }], rule, true);
}

/**
 * Every address a host stands for, refused (DestinationRefused) when any of them breaks the rule: a
 * name with one private address among public ones could still be steered there. DNS errors pass
 * through as they are.
 */
export async function resolveDestination(
  hostname: string,
  rule: AddressRule,
  resolve: ResolveAll = systemResolve,
): Promise<LookupAddress[]> {
  const host = bareHost(hostname);
  const family = isIP(host);
  const addresses = family
    ? [{ address: host, family }]
    : isLoopbackName(host)
      ? LOOPBACK_ADDRESSES.map((a) => ({ ...a }))
      : await resolve(host);
  refuse(host, addresses, rule, family !== 0);
  return addresses;
}

/**
 * A `lookup` for http(s).request that resolves through resolveDestination, so the socket connects
 * to the very addresses that were checked (a second, unchecked lookup could answer otherwise).
 * Node skips `lookup` for a literal address: check those before the request.
 */
export function checkedLookup(rule: AddressRule, resolve: ResolveAll = systemResolve): LookupFunction {
  return (hostname, options, callback) => {
    resolveDestination(hostname, rule, resolve).then(
      (all) => {
        const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
        const usable = wanted ? all.filter((a) => a.family === wanted) : all;
        if (!usable.length) {
          const err: NodeJS.ErrnoException = new Error(`${hostname} has no IPv${wanted} address`);
          err.code = 'ENOTFOUND';
          callback(err, '', 0);
        } else if (options.all) callback(null, usable);
        else callback(null, usable[0].address, usable[0].family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}
