import ipaddr from 'ipaddr.js';

// NAT64's well-known prefix: on an IPv6-only network with DNS64 every IPv4 destination looks like this.
const NAT64 = ipaddr.parseCIDR('64:ff9b::/96');

/**
 * Whether a webhook may be sent to this IP address: only global unicast may. Private (10/8,
 * 172.16/12, 192.168/16), CGNAT (100.64/10), loopback, link-local (cloud metadata at
 * 169.254.169.254), unique-local fc00::/7, multicast, broadcast, unspecified (0.0.0.0, ::) and
 * reserved ranges are refused, and so is anything that is not an address. An IPv4 address carried
 * in IPv6 (`::ffff:a.b.c.d`, `64:ff9b::a.b.c.d`) is judged as that IPv4 address.
 *
 * The ranges are ipaddr.js's (IANA special-purpose registries), so this is an allow-list of what it
 * calls `unicast` rather than a deny-list of our own.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let ip = ipaddr.parse(address);
  if (ip instanceof ipaddr.IPv6) {
    if (ip.isIPv4MappedAddress()) ip = ip.toIPv4Address();
    else if (ip.match(NAT64)) ip = ipaddr.fromByteArray(ip.toByteArray().slice(12));
  }
  return ip.range() === 'unicast';
}

/** `localhost` and names under it are loopback whatever a resolver says (RFC 6761). */
export function isLoopbackName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/** The addresses a loopback name stands for, so that they are judged like any resolved address. */
export const LOOPBACK_ADDRESSES = [
  { address: '127.0.0.1', family: 4 },
  { address: '::1', family: 6 },
] as const;
