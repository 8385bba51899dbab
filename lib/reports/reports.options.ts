import { isIP } from 'node:net';
import { CHONRY_SMS_DEFAULT_ACCOUNT } from '../chonry-sms.constants';
import { accountName } from '../chonry-sms.tokens';
import { ChonrySmsConfigError } from '../errors';
import type { ChonrySmsReportEvent } from './report-stream';
import type { ChonrySmsReportStore } from './report-store';

/** What is done with each report, once: resolve when it is safely handled (stored, counted, …). */
export type ChonrySmsReportHandler = (event: ChonrySmsReportEvent) => Promise<void> | void;

/** The push receiver's options: the provider POSTs each report to `<path>/<token>`. */
export interface ChonrySmsReportsPushOptions {
  /** The secret last path segment: at least 32 characters of `A-Z a-z 0-9 - _ . ~`. */
  token: string;
  /** Where the route lives (default `/chonry-sms/reports`). Not under Nest's global prefix. */
  path?: string;
  /** Client IPs or CIDR ranges (IPv4 and IPv6) allowed to push; absent: any address. */
  allowIps?: string[];
  /** Read the client IP from the last `X-Forwarded-For` hop (only behind a proxy you run). Default false. */
  trustProxy?: boolean;
  /** The account pushed reports are attributed to (default: the first of `accounts`). */
  account?: string;
}

/** The Redis store: pulled and pushed reports survive a crash until their handler resolved. */
export interface ChonrySmsReportsRedisOptions {
  /** ioredis options or a `redis://` URL. ioredis is loaded only when this is given. */
  connection: Record<string, unknown> | string;
  /** Key prefix (default `chonry-sms`); the keys are `<prefix>:reports:<account>:pending`. */
  prefix?: string;
}

export interface ChonrySmsReportsModuleOptions {
  /** The accounts (registration names) to pull for; default `['default']`. */
  accounts?: string[];
  /** Pull every this many ms, per account; absent: no polling. At least 1,000. */
  pollInterval?: number;
  /** Called once per report; a rejection keeps the report for the next tick (or the provider's re-push). */
  handler?: ChonrySmsReportHandler;
  /** Turn the push receiver on. */
  push?: ChonrySmsReportsPushOptions;
  /** Keep pending reports in Redis instead of memory. */
  redis?: ChonrySmsReportsRedisOptions;
  /** A store of your own instead (takes precedence over `redis`). */
  store?: ChonrySmsReportStore;
}

export interface ResolvedChonrySmsReportsPush {
  token: string;
  path: string;
  allow?: (ip: string) => boolean;
  trustProxy: boolean;
  account: string;
}

export interface ResolvedChonrySmsReportsOptions {
  accounts: string[];
  pollInterval?: number;
  handler?: ChonrySmsReportHandler;
  push?: ResolvedChonrySmsReportsPush;
  redis?: { connection: Record<string, unknown> | string; prefix: string };
  store?: ChonrySmsReportStore;
}

export const DEFAULT_PUSH_PATH = '/chonry-sms/reports';
const TOKEN = /^[A-Za-z0-9._~-]{32,256}$/;
const PATH = /^(\/[A-Za-z0-9._~-]+)+$/;

/** `::ffff:1.2.3.4` → `1.2.3.4`; other addresses as given, lower-cased. */
export function normalizeIp(ip: string): string {
  const lower = ip.trim().toLowerCase();
  const m = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(lower);
  return m ? m[1] : lower;
}

function v4ToInt(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

/** An IPv6 address as a 128-bit bigint (an embedded IPv4 tail allowed). */
function v6ToBig(ip: string): bigint {
  let s = ip;
  const tail = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(s);
  if (tail) {
    const n = v4ToInt(tail[1]);
    s = `${s.slice(0, -tail[1].length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, rest] = s.split('::');
  const h = head ? head.split(':') : [];
  const r = rest === undefined ? [] : rest ? rest.split(':') : [];
  const groups = rest === undefined ? h : [...h, ...new Array<string>(8 - h.length - r.length).fill('0'), ...r];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
}

interface Range {
  v: 4 | 6;
  base: bigint;
  bits: number;
}

function toRange(entry: string): Range {
  const [rawAddr, rawBits, extra] = entry.trim().split('/');
  if (extra !== undefined || rawAddr === undefined) throw new Error('bad');
  const addr = normalizeIp(rawAddr);
  const mapped = addr !== rawAddr.trim().toLowerCase();
  const kind = isIP(addr);
  if (kind === 0) throw new Error('bad');
  const max = kind === 4 ? 32 : 128;
  let bits = rawBits === undefined ? max : /^\d{1,3}$/.test(rawBits) ? Number(rawBits) : NaN;
  if (mapped && rawBits !== undefined) bits -= 96; // ::ffff:10.0.0.0/104 is 10.0.0.0/8
  if (!Number.isInteger(bits) || bits < 0 || bits > max) throw new Error('bad');
  const value = kind === 4 ? BigInt(v4ToInt(addr)) : v6ToBig(addr);
  return { v: kind as 4 | 6, base: value >> BigInt(max - bits), bits };
}

/** A check of an address against IPs and CIDR ranges, v4 and v6; IPv4-mapped IPv6 counts as IPv4. */
export function ipAllowList(entries: readonly string[]): (ip: string) => boolean {
  const ranges = entries.map((e, i) => {
    try {
      return toRange(String(e));
    } catch {
      throw new ChonrySmsConfigError(`reports.push.allowIps[${i}]`, 'must be an IPv4 or IPv6 address or CIDR range (such as 203.0.113.0/24 or 2001:db8::/32)');
    }
  });
  return (ip: string) => {
    const addr = normalizeIp(ip);
    const kind = isIP(addr);
    if (kind === 0) return false;
    const max = kind === 4 ? 32 : 128;
    const value = kind === 4 ? BigInt(v4ToInt(addr)) : v6ToBig(addr);
    return ranges.some((r) => r.v === kind && value >> BigInt(max - r.bits) === r.base);
  };
}

/** Checks the options and applies the defaults; every mistake is a `ChonrySmsConfigError` at start-up. */
export function resolveChonrySmsReportsOptions(o: ChonrySmsReportsModuleOptions = {}): ResolvedChonrySmsReportsOptions {
  if (typeof o !== 'object' || o === null) throw new ChonrySmsConfigError('reports', 'options must be an object');
  const accounts = (o.accounts ?? [CHONRY_SMS_DEFAULT_ACCOUNT]).map((a) => accountName(a));
  if (accounts.length === 0) throw new ChonrySmsConfigError('reports.accounts', 'must name at least one account');
  if (new Set(accounts).size !== accounts.length) throw new ChonrySmsConfigError('reports.accounts', 'names an account twice');
  if (o.pollInterval !== undefined && (!Number.isInteger(o.pollInterval) || o.pollInterval < 1_000 || o.pollInterval > 86_400_000)) {
    throw new ChonrySmsConfigError('reports.pollInterval', 'must be a whole number of milliseconds from 1000 to 86400000');
  }
  if (o.handler !== undefined && typeof o.handler !== 'function') throw new ChonrySmsConfigError('reports.handler', 'must be a function');
  const resolved: ResolvedChonrySmsReportsOptions = { accounts, pollInterval: o.pollInterval, handler: o.handler, store: o.store };
  if (o.push !== undefined) {
    const p = o.push;
    // The token itself is never part of a message.
    if (typeof p?.token !== 'string' || p.token.length < 32) {
      throw new ChonrySmsConfigError('reports.push.token', 'must be at least 32 characters (e.g. 32 random bytes as hex: an unguessable secret is the only check the provider leaves)');
    }
    if (!TOKEN.test(p.token)) throw new ChonrySmsConfigError('reports.push.token', 'may hold only letters, digits and "-", "_", ".", "~" (it goes into a URL path), at most 256');
    const path = (p.path ?? DEFAULT_PUSH_PATH).replace(/\/+$/, '');
    if (!PATH.test(path)) throw new ChonrySmsConfigError('reports.push.path', 'must be an absolute path such as /chonry-sms/reports');
    if (p.allowIps !== undefined && !Array.isArray(p.allowIps)) throw new ChonrySmsConfigError('reports.push.allowIps', 'must be a list of IPs or CIDR ranges');
    const account = p.account === undefined ? accounts[0] : accountName(p.account);
    if (!accounts.includes(account)) throw new ChonrySmsConfigError('reports.push.account', 'must be one of the accounts');
    resolved.push = { token: p.token, path, allow: p.allowIps ? ipAllowList(p.allowIps) : undefined, trustProxy: p.trustProxy === true, account };
  }
  if (o.redis !== undefined) {
    const c = o.redis?.connection;
    if (typeof c !== 'string' && (typeof c !== 'object' || c === null)) throw new ChonrySmsConfigError('reports.redis.connection', 'must be ioredis options or a redis:// URL');
    const prefix = o.redis.prefix ?? 'chonry-sms';
    if (typeof prefix !== 'string' || !/^[A-Za-z0-9_.:-]{1,100}$/.test(prefix)) throw new ChonrySmsConfigError('reports.redis.prefix', 'must be 1 to 100 letters, digits, "_", ".", ":" or "-"');
    resolved.redis = { connection: c, prefix };
  }
  return resolved;
}
