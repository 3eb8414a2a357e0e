import dns, { type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Where webhooks may send requests. By default only public unicast addresses: anything else (loopback,
 * private, link-local with the cloud metadata address, carrier-grade NAT, multicast, unspecified, IPv6
 * unique-local, and the IPv6 forms that embed an IPv4 address such as 6to4 or NAT64) would let any user make the
 * workers call into the internal network. The same check runs when a webhook is registered and again on
 * the address each delivery actually dials, so a name that later resolves elsewhere (DNS rebinding) is caught.
 */
export interface TargetPolicy {
  /** WEBHOOK_ALLOW_PRIVATE: every address is allowed. */
  allowPrivate: boolean;
  /** WEBHOOK_ALLOWED_HOSTS: these host names (lowercase) or IP literals are allowed whatever they resolve to. */
  allowedHosts: string[];
}

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/** Why the address may not be dialled, or undefined when it may. ipaddr.js names the address classes. */
export function addressRefusal(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  // process() turns an IPv4-mapped IPv6 address (::ffff:127.0.0.1) back into the IPv4 address it stands for.
  const ip = ipaddr.process(address);
  const range = ip.range();
  return range === 'unicast' ? undefined : `${ip.toString()} is a ${range} address`;
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

function exempt(policy: TargetPolicy, host: string): boolean {
  return policy.allowPrivate || policy.allowedHosts.includes(host);
}

/**
 * The registration check: undefined when the URL may be registered, else the reason. A name is resolved and
 * every address it has must be allowed; a name that does not exist is refused too (nothing could be delivered).
 * A passing DNS failure is not held against the user: the delivery checks again when it connects.
 */
export async function urlRefusal(rawUrl: string, policy: TargetPolicy, resolve: Resolver = systemResolver): Promise<string | undefined> {
  const url = new URL(rawUrl);
  const host = hostOf(url);
  if (exempt(policy, host)) return undefined;
  if (isIP(host)) return refusalText(addressRefusal(host));
  let addresses: LookupAddress[];
  try {
    addresses = await resolve(host);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA') return `host ${host} does not resolve`;
    return undefined;
  }
  for (const { address } of addresses) {
    const refusal = addressRefusal(address);
    if (refusal) return refusalText(`${host} resolves to ${refusal}`);
  }
  return undefined;
}

function refusalText(refusal: string | undefined): string | undefined {
  return refusal && `${refusal}; webhooks may only target public addresses`;
}

export class RefusedTarget extends Error {
  readonly code = 'EREFUSEDTARGET';
  constructor(reason: string) {
    super(`refused target: ${reason}`);
    this.name = 'RefusedTarget';
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request / net.connect that resolves the name and refuses to hand a disallowed address
 * to the socket: the check is on the address actually dialled, not on an earlier answer. Every address of the
 * name is checked, since the socket may try any of them.
 */
export function guardedLookup(policy: TargetPolicy, resolve: Resolver = systemResolver) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    const host = hostname.toLowerCase();
    resolve(host).then(
      (all) => {
        const wanted = options.family === 4 || options.family === 6 ? all.filter((a) => a.family === options.family) : all;
        if (wanted.length === 0) return callback(Object.assign(new Error(`host ${host} has no address`), { code: 'ENOTFOUND' }), '');
        if (!exempt(policy, host)) {
          for (const { address } of wanted) {
            const refusal = addressRefusal(address);
            if (refusal) return callback(new RefusedTarget(`${host} resolves to ${refusal}`), '');
          }
        }
        if (options.all) callback(null, wanted);
        else callback(null, wanted[0].address, wanted[0].family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}

/** The connect-time check for a URL whose host is an IP literal: no lookup happens for those. */
export function literalRefusal(rawUrl: string, policy: TargetPolicy): string | undefined {
  const host = hostOf(new URL(rawUrl));
  if (!isIP(host) || exempt(policy, host)) return undefined;
  return addressRefusal(host);
}
