import net from 'node:net';
import type { Config } from '../infra/config.js';

/** Loopback, private, link-local, shared, documentation, multicast and reserved ranges: never a webhook target by default. */
const blocked = new net.BlockList();
for (const [address, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(address, prefix, 'ipv4');
for (const [address, prefix] of [['::', 128], ['::1', 128], ['64:ff9b::', 96], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) {
  blocked.addSubnet(address, prefix, 'ipv6');
}

/** True for an address a webhook must not reach (IPv4-mapped IPv6 is judged by its IPv4 part). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return blocked.check(mapped[1], 'ipv4');
  const family = net.isIP(address);
  if (family === 0) return true;
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Live mode: the service runs on a live Stripe key. */
export function isLiveMode(config: Pick<Config, 'STRIPE_SECRET_KEY'>): boolean {
  return /^(sk|rk)_live_/.test(config.STRIPE_SECRET_KEY);
}

export interface UrlPolicy { live: boolean; allowPrivate: boolean }

export function urlPolicy(config: Pick<Config, 'STRIPE_SECRET_KEY' | 'WEBHOOK_ALLOW_PRIVATE_URLS'>): UrlPolicy {
  return { live: isLiveMode(config), allowPrivate: config.WEBHOOK_ALLOW_PRIVATE_URLS };
}

/**
 * Why a URL may not be a webhook endpoint, or undefined when it may. Checked at registration and
 * again before each delivery; the addresses a name resolves to are checked when connecting.
 * Policy: https only in live mode (http too in test mode); no credentials in the URL; no
 * loopback or private host unless `WEBHOOK_ALLOW_PRIVATE_URLS` (development only).
 */
export function urlProblem(text: string, policy: UrlPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && !policy.live)) return policy.live ? 'must use https in live mode' : 'must use https or http';
  if (url.username || url.password) return 'must not carry credentials';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (policy.allowPrivate) return undefined;
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) return 'must not name a local host';
  if (net.isIP(host) !== 0 && isPrivateAddress(host)) return 'must not be a loopback, private or reserved address';
  return undefined;
}
