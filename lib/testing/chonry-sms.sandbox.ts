import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer, IncomingMessage, request as httpRequest, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import {
  CHONRY_BALANCE_PATH,
  CHONRY_REPORTS_PATH,
  CHONRY_SEND_PATH,
  CHONRY_SIGNS_PATH,
  CHONRY_TEMPLATES_PATH,
} from '../chonry-sms.constants';
import { CHONRY_ERROR_CODES } from '../errors/provider-codes';
import { formatScheduleTime } from '../validation/schedule-time';

/** Credentials the sandbox accepts; any others get the provider's 9006. */
export interface ChonrySmsSandboxOptions {
  accessKey?: string;
  secret?: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port, kept across `close()` / `start()` so a configured client reconnects. */
  port?: number;
  /** Keep one `messages` entry per accepted recipient (default true); counts are kept either way. */
  recordMessages?: boolean;
  /** Keep a delivery report per accepted recipient for `/report/status` (default: as `recordMessages`). */
  recordReports?: boolean;
  /** The starting international balance (default 1,000,000,000); each accepted recipient takes 1. */
  balance?: number;
  /** POST each report in the provider's push form to this URL instead of keeping it for pull (see `pushReportsTo`). */
  pushReportsTo?: string;
}

/** A template as the sandbox lists it at `/query/templatelist` (written there in the provider's format). */
export interface SandboxTemplate {
  /** Digits only; written as a JSON number, as the provider does, however long. */
  templateId: string;
  text: string;
  status?: 'pending' | 'approved' | 'rejected';
  /** The provider's `categoryId`: 1 verification code, 2 notice, 3 marketing. */
  categoryId?: 1 | 2 | 3;
  reply?: string;
}

/** A signature as the sandbox lists it at `/query/signlist`. */
export interface SandboxSign {
  signId: string;
  sign: string;
  status?: 'pending' | 'approved' | 'rejected';
  reply?: string;
}

/** A delivery report waiting to be pulled, in the provider's wire format. */
export interface SandboxReport {
  smUuid: string;
  deliverTime: string;
  mobile: string;
  deliverResult: string;
  batchId: string;
}

/** One message as the inbox page shows it (`GET /_sandbox/state`). */
export interface SandboxInboxMessage extends SandboxMessage {
  at: string;
  /** The text the recipient would read, when the template's text is known. */
  text?: string;
  /** The request's form fields, the secret shown as `[redacted]`. */
  fields: Record<string, string>;
}

/**
 * The delivery results the inbox page offers for settling the pending reports. `DELIVRD` is the
 * provider's documented success; `UNDELIV` and `REJECT` are the failures its documentation names,
 * `EXPIRED` and `UNKNOWN` usual SMPP ones: the full list of codes this provider writes is not known.
 */
export const SANDBOX_DELIVERY_RESULTS = Object.freeze(['DELIVRD', 'UNDELIV', 'REJECT', 'EXPIRED', 'UNKNOWN'] as const);

export type SandboxDeliveryResult = (typeof SANDBOX_DELIVERY_RESULTS)[number];

/** What the inbox page reads (`GET /_sandbox/state`, also `sandbox.inbox()`). */
export interface SandboxInboxState {
  /** Every accepted message, newest first. */
  messages: SandboxInboxMessage[];
  /** Faults still to be applied (one that applies until cleared counts once). */
  faults: number;
  /** The international balance now. */
  balance: number;
  /** Delivery reports not pulled yet from `/report/status`, and how many carry each result. */
  reports: { pending: number; byResult: Record<string, number> };
}

const INBOX_FAULTS = new Set(['code', 'status', 'delay', 'drop']);
/** The largest JSON body the inbox API reads. */
const INBOX_BODY_LIMIT = 10_000;
let inboxPage: string | undefined;

/** One request as the sandbox received and decoded it. */
export interface SandboxRequest {
  at: Date;
  method: string;
  path: string;
  /** The body exactly as received, credentials included (the golden-vector tests compare it byte for byte). */
  rawBody: string;
  /** Form fields decoded once (the secret replaced by `[redacted]`); `content`/`data` decoded twice. */
  fields: Record<string, string>;
  /** The answer it gave (or would have, for dropped connections). */
  reply: { status: number; code?: string; msg?: string; batchId?: string };
  fault?: SandboxFault['kind'];
}

/** One accepted recipient: what the provider would deliver. */
export interface SandboxMessage {
  mobile: string;
  variables: string[];
  templateId?: string;
  sign?: string;
  scheduleSendTime?: string;
  senderId?: string;
  batchId: string;
}

/**
 * A misbehaviour to inject into the next requests to the send endpoint (other paths, such as a
 * health probe's, never consume or suffer a fault, so a counted fault hits the sends it is meant for).
 */
export type SandboxFault =
  | { kind: 'status'; status: number; body?: string }
  | { kind: 'body'; body: string; contentType?: string }
  | { kind: 'code'; code: string; msg?: string }
  /** Accepts the request, then answers only after `ms`. */
  | { kind: 'delay'; ms: number }
  /** Destroys the connection as soon as the request arrives; nothing is accepted. */
  | { kind: 'drop' }
  /** Accepts the request, writes half the answer, then resets the connection. */
  | { kind: 'reset-mid-response' };

/** The provider error codes the sandbox itself answers with when a request breaks the rule. */
export const SANDBOX_CHECKED_CODES = Object.freeze({
  '9002': 'accesskey, secret, or mobile+content (or data) missing',
  '9003': 'a mobile is not country code + 6-15 digits',
  '9006': 'accesskey/secret not the ones the sandbox was given',
  '9009': 'content/data not decodable, or data not a JSON object of strings',
  '9012': 'scheduleSendTime not a real yyyy-MM-dd HH:mm:ss time',
  '9010': 'more accepted recipients than the balance set with setBalance()',
  '9014': 'more than 50,000 mobiles, or more than 10,000 data keys',
  '9019': 'content (or a data value) empty',
  '9022': 'mobile empty, or data an empty object',
} as const);

const TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const MOBILE = /^[1-9]\d{5,14}$/;
const SEPARATOR = /##|\$\$/;
const APPLY_STATUS = { pending: 1, approved: 2, rejected: 3 } as const;
const ACCOUNT_PATHS = new Set([CHONRY_BALANCE_PATH, CHONRY_TEMPLATES_PATH, CHONRY_SIGNS_PATH, CHONRY_REPORTS_PATH]);
/** The provider's own clock zone, in which it writes `deliverTime`. */
const PROVIDER_TIME_ZONE = 'Asia/Shanghai';

/** `java.net.URLDecoder.decode`: `+` is a space, `%XX` are UTF-8 bytes. Throws on malformed input. */
export function formDecode(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, ' '));
}

export function parseForm(body: string): Map<string, string> {
  const fields = new Map<string, string>();
  if (body === '') return fields;
  for (const pair of body.split('&')) {
    const eq = pair.indexOf('=');
    const key = formDecode(eq < 0 ? pair : pair.slice(0, eq));
    if (!fields.has(key)) fields.set(key, eq < 0 ? '' : formDecode(pair.slice(eq + 1)));
  }
  return fields;
}

function isRealTime(s: string): boolean {
  const m = TIME.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number);
  return mo >= 1 && mo <= 12 && d >= 1 && d <= new Date(Date.UTC(y, mo, 0)).getUTCDate() && h < 24 && mi < 60 && se < 60;
}

/** A JSON body's top-level object, or undefined when it is not JSON or not an object. */
function jsonObject(text: string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
}

/** A fault posted by the inbox page, checked: only the kinds the page offers, with sane values. */
function inboxFault(parsed: { fault?: unknown; times?: unknown }): { fault: SandboxFault; times: number } | undefined {
  const f = parsed.fault as Record<string, unknown> | null | undefined;
  if (typeof f !== 'object' || f === null || !INBOX_FAULTS.has(f.kind as string)) return undefined;
  const times = parsed.times === undefined ? 1 : parsed.times;
  if (!Number.isInteger(times) || (times as number) < 1 || (times as number) > 1000) return undefined;
  const whole = (v: unknown, min: number, max: number) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
  if (f.kind === 'code' && typeof f.code === 'string' && /^[0-9]{1,6}$/.test(f.code)) return { fault: { kind: 'code', code: f.code }, times: times as number };
  if (f.kind === 'status' && whole(f.status, 200, 599)) return { fault: { kind: 'status', status: f.status as number }, times: times as number };
  if (f.kind === 'delay' && whole(f.ms, 0, 600_000)) return { fault: { kind: 'delay', ms: f.ms as number }, times: times as number };
  if (f.kind === 'drop') return { fault: { kind: 'drop' }, times: times as number };
  return undefined;
}

/** An inbox API answer in JSON, never cached. */
function inboxJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' }).end(JSON.stringify(value));
}

/** An inbox API error, as JSON `{ error }`. */
function inboxError(res: ServerResponse, status: number, error: string): void {
  inboxJson(res, status, { error });
}

class Rejection {
  constructor(readonly code: string) {}
}

/**
 * A local stand-in for Chonry's international send endpoint, implemented from the provider's
 * documentation: it decodes `content`/`data` twice, checks what it can with the real error codes,
 * enforces the 50,000 / 10,000 limits and records every accepted recipient.
 */
export class ChonrySmsSandbox {
  readonly requests: SandboxRequest[] = [];
  readonly messages: SandboxMessage[] = [];
  /** Accepted recipients per mobile number; counts survive `recordMessages: false`. */
  readonly acceptedCount = new Map<string, number>();
  acceptedRecipients = 0;
  acceptedRequests = 0;

  private readonly accessKey: string;
  private readonly secret: string;
  private balance: number;
  private templates: SandboxTemplate[] = [];
  private signs: SandboxSign[] = [];
  private readonly pendingReports: SandboxReport[] = [];
  private readonly deliveryResults = new Map<string, string>();
  private reportSequence = 0;
  private readonly faults: { fault: SandboxFault; remaining: number }[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Inbox pages listening for changes (Server-Sent Events). */
  private readonly listeners = new Set<ServerResponse>();
  private server?: Server;
  private baseUrl?: string;
  private port: number;
  private pushUrl?: string;
  /** Pushes not answered 200 yet (cancelled and awaited by `close()`). */
  private readonly pushing = new Set<Promise<void>>();
  /** Aborted by `close()`: waits and requests of pushes in flight stop; renewed by `start()`. */
  private pushAbort = new AbortController();

  constructor(private readonly options: ChonrySmsSandboxOptions = {}) {
    this.accessKey = options.accessKey ?? 'sandbox-access-key';
    this.secret = options.secret ?? 'sandbox-secret';
    this.port = options.port ?? 0;
    this.balance = options.balance ?? 1_000_000_000;
    this.pushUrl = options.pushReportsTo;
  }

  /**
   * After each accepted send, POST every report in the provider's push form (urlencoded `smUuid`,
   * `mobile`, `batchId`, `deliverResult`, `deliverTime`) to `url`, as the provider does once a URL
   * is registered with it. A pushed report is not offered by `/report/status`; a push not answered
   * 200 is tried again (up to 5 times, 200 ms apart) and then kept for pull; `close()` cancels the
   * pushes in flight (their reports kept for pull) and waits for them. `undefined` turns it off.
   */
  pushReportsTo(url: string | undefined): this {
    this.pushUrl = url;
    return this;
  }

  /** Resolves once every push started so far has been answered (or given up on). */
  async pushesSettled(): Promise<void> {
    while (this.pushing.size > 0) await Promise.allSettled([...this.pushing]);
  }

  private push(url: string, report: SandboxReport): void {
    const signal = this.pushAbort.signal;
    if (signal.aborted) {
      this.pendingReports.push(report); // closed: nothing leaves the sandbox any more
      return;
    }
    const body = new URLSearchParams({ ...report }).toString();
    const run = (async () => {
      for (let attempt = 0; attempt < 5 && !signal.aborted; attempt++) {
        // The first push after the send's answer went out, as the provider's would.
        const waited = await sleep(attempt > 0 ? 200 : 20, undefined, { signal }).then(
          () => true,
          () => false,
        );
        if (!waited) break;
        const status = await new Promise<number>((resolve) => {
          const req = httpRequest(url, { method: 'POST', signal, headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
            res.on('error', () => resolve(0));
          });
          req.on('error', () => resolve(0));
          req.on('close', () => setImmediate(() => resolve(0))); // cut or aborted before an answer (a no-op once resolved)
          req.setTimeout(10_000, () => req.destroy());
          req.end(body);
        });
        if (status === 200) return;
      }
      // Not taken (or cancelled by close()): kept for pull, as the provider keeps what it could not push.
      this.pendingReports.push(report);
    })();
    this.pushing.add(run);
    void run.finally(() => this.pushing.delete(run));
  }

  /** The international balance now (`国际短信` at `/query/account`). */
  get internationalBalance(): number {
    return this.balance;
  }

  /** Sets the international balance; a send with more recipients than it is refused with 9010. */
  setBalance(balance: number): this {
    this.balance = balance;
    this.notify('balance');
    return this;
  }

  /** Replaces the list `/query/templatelist` answers. */
  setTemplates(templates: readonly SandboxTemplate[]): this {
    this.templates = [...templates];
    return this;
  }

  /** Replaces the list `/query/signlist` answers. */
  setSigns(signs: readonly SandboxSign[]): this {
    this.signs = [...signs];
    return this;
  }

  /** The result later reports for `mobile` carry instead of `DELIVRD` (e.g. `UNDELIV`); undefined restores it. */
  setDeliveryResult(mobile: string, result: string | undefined): this {
    if (result === undefined) this.deliveryResults.delete(mobile);
    else this.deliveryResults.set(mobile, result);
    return this;
  }

  /** Reports not pulled yet, oldest first. */
  get waitingReports(): readonly SandboxReport[] {
    return this.pendingReports;
  }

  /**
   * Gives every report not pulled yet the result `result` (e.g. `UNDELIV`), delivered now: its
   * `deliverTime` becomes the present time. Later reports keep following `setDeliveryResult()`.
   * Returns how many reports it settled.
   */
  settlePendingReports(result: SandboxDeliveryResult | string): number {
    if (typeof result !== 'string' || result === '') throw new TypeError('settlePendingReports: result must be a non-empty string');
    const deliverTime = formatScheduleTime(new Date(), PROVIDER_TIME_ZONE);
    for (const report of this.pendingReports) Object.assign(report, { deliverResult: result, deliverTime });
    if (this.pendingReports.length > 0) this.notify('reports');
    return this.pendingReports.length;
  }

  /** The base URL to configure as `baseUrl`, once started. */
  get url(): string {
    if (!this.baseUrl) throw new Error('ChonrySmsSandbox is not started');
    return this.baseUrl;
  }

  /** The credentials it accepts, to pass to the module. */
  get credentials(): { accessKey: string; secret: string } {
    return { accessKey: this.accessKey, secret: this.secret };
  }

  /** Starts listening (again, on the same port, after `close()`); resolves to `url`. */
  async start(): Promise<string> {
    if (this.baseUrl) return this.baseUrl;
    if (this.pushAbort.signal.aborted) this.pushAbort = new AbortController();
    const server = createServer((req, res) => this.handle(req, res));
    server.keepAliveTimeout = 5_000;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.options.host ?? '127.0.0.1', () => resolve());
    });
    this.server = server;
    const { address, port } = server.address() as AddressInfo;
    this.port = port;
    this.baseUrl = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
    return this.baseUrl;
  }

  /**
   * Stops listening and cuts open connections (answers still delayed by a fault are dropped).
   * Pushes in flight are cancelled (their reports kept for pull) and awaited: none outlives it.
   */
  async close(): Promise<void> {
    this.pushAbort.abort();
    await this.pushesSettled();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.baseUrl = undefined;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const listener of this.listeners) listener.end();
    this.listeners.clear();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Applies `fault` to the next `times` requests (default: every request until `clearFaults()`). */
  fault(fault: SandboxFault, times = Infinity): this {
    this.faults.push({ fault, remaining: times });
    return this;
  }

  clearFaults(): this {
    this.faults.length = 0;
    return this;
  }

  /** Forgets every recorded request and message. */
  reset(): this {
    this.requests.length = 0;
    this.messages.length = 0;
    this.acceptedCount.clear();
    this.acceptedRecipients = 0;
    this.acceptedRequests = 0;
    this.pendingReports.length = 0;
    this.deliveryResults.clear();
    this.templates = [];
    this.signs = [];
    this.balance = this.options.balance ?? 1_000_000_000;
    this.clearFaults();
    this.notify('reset');
    return this;
  }

  private takeFault(): SandboxFault | undefined {
    const next = this.faults[0];
    if (!next) return undefined;
    if (--next.remaining <= 0) this.faults.shift();
    return next.fault;
  }

  /** The inbox page's view: every accepted message, newest first, with its request's fields; the balance and pending reports. */
  inbox(): SandboxInboxState {
    const byBatch = new Map<string, SandboxRequest>();
    for (const r of this.requests) if (r.reply.batchId) byBatch.set(r.reply.batchId, r);
    const messages = this.messages
      .map((m): SandboxInboxMessage => {
        const request = byBatch.get(m.batchId);
        const template = m.templateId === undefined ? undefined : this.templates.find((t) => t.templateId === m.templateId)?.text;
        const text = template?.replace(/\{(\d+)\}/g, (whole, n: string) => m.variables[Number(n) - 1] ?? whole);
        return { ...m, at: (request?.at ?? new Date(0)).toISOString(), text, fields: { ...request?.fields } };
      })
      .reverse();
    const byResult: Record<string, number> = {};
    for (const r of this.pendingReports) byResult[r.deliverResult] = (byResult[r.deliverResult] ?? 0) + 1;
    return {
      messages,
      faults: this.faults.reduce((n, f) => n + (Number.isFinite(f.remaining) ? f.remaining : 1), 0),
      balance: this.balance,
      reports: { pending: this.pendingReports.length, byResult },
    };
  }

  /**
   * Serves the inbox page and its API when `req.url` (relative to where it is mounted) is one of
   * theirs, and returns `true`; else leaves the request alone and returns `false`. The sandbox's own
   * server calls it first; an app can mount it too (the sample does, under `/sandbox`).
   */
  serveInbox(req: IncomingMessage, res: ServerResponse): boolean {
    const path = (req.url ?? '').split('?')[0];
    const method = req.method ?? 'GET';
    if ((path === '/' || path === '') && method === 'GET') {
      inboxPage ??= readFileSync(join(__dirname, 'inbox', 'index.html'), 'utf8');
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'", 'Cache-Control': 'no-store' });
      res.end(inboxPage);
      return true;
    }
    if (path === '/_sandbox/state' && method === 'GET') {
      inboxJson(res, 200, this.inbox());
      return true;
    }
    if (path === '/_sandbox/events' && method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      res.write('retry: 1000\n\n');
      this.listeners.add(res);
      res.on('close', () => this.listeners.delete(res));
      return true;
    }
    if (path === '/_sandbox/faults' && method === 'DELETE') {
      this.clearFaults();
      res.writeHead(204).end();
      return true;
    }
    if (path === '/_sandbox/faults' && method === 'POST') {
      this.readInboxJson(req, res, 'expected { fault: { kind: code|status|delay|drop, … }, times? }', (body, expected) => {
        const fault = inboxFault(body);
        if (!fault) return inboxError(res, 400, expected);
        this.fault(fault.fault, fault.times);
        this.notify('faults');
        res.writeHead(204).end();
      });
      return true;
    }
    if (path === '/_sandbox/balance' && method === 'POST') {
      this.readInboxJson(req, res, 'expected { balance: a whole number ≥ 0 }', (body, expected) => {
        const { balance } = body;
        if (!Number.isSafeInteger(balance) || (balance as number) < 0) return inboxError(res, 400, expected);
        this.setBalance(balance as number);
        res.writeHead(204).end();
      });
      return true;
    }
    if (path === '/_sandbox/reports' && method === 'POST') {
      this.readInboxJson(req, res, `expected { result: ${SANDBOX_DELIVERY_RESULTS.join('|')} }`, (body, expected) => {
        const { result } = body;
        if (!(SANDBOX_DELIVERY_RESULTS as readonly unknown[]).includes(result)) return inboxError(res, 400, expected);
        inboxJson(res, 200, { settled: this.settlePendingReports(result as SandboxDeliveryResult) });
      });
      return true;
    }
    return false;
  }

  /**
   * The inbox API's body reader: JSON only (415; a cross-site form cannot send it without a CORS
   * preflight, which is never granted), at most 10,000 bytes (413), a JSON object (else 400 with
   * `expected`), then `use(body, expected)`.
   */
  private readInboxJson(req: IncomingMessage, res: ServerResponse, expected: string, use: (body: Record<string, unknown>, expected: string) => void): void {
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
      req.resume();
      return inboxError(res, 415, 'JSON only (Content-Type: application/json)');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= INBOX_BODY_LIMIT) chunks.push(c);
    });
    req.on('end', () => {
      if (size > INBOX_BODY_LIMIT) return inboxError(res, 413, `body over ${INBOX_BODY_LIMIT.toLocaleString('en')} bytes`);
      const body = jsonObject(Buffer.concat(chunks).toString('utf8'));
      if (!body) return inboxError(res, 400, expected);
      use(body, expected);
    });
  }

  /** Tells the inbox pages listening that something changed; they fetch the state again. */
  private notify(kind: 'requests' | 'faults' | 'balance' | 'reports' | 'reset' = 'requests'): void {
    if (this.listeners.size === 0) return;
    const event = `data: ${JSON.stringify({ kind, requests: this.requests.length })}\n\n`;
    for (const listener of this.listeners) listener.write(event);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (this.serveInbox(req, res)) return;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const record: SandboxRequest = {
        at: new Date(),
        method: req.method ?? '',
        path: (req.url ?? '').split('?')[0],
        rawBody,
        fields: {},
        reply: { status: 200 },
      };
      this.requests.push(record);
      if (record.method === 'POST' && ACCOUNT_PATHS.has(record.path)) return this.account(res, record);
      if (record.method !== 'POST' || record.path !== CHONRY_SEND_PATH) {
        return this.reply(res, record, 404, 'Not Found', 'text/plain');
      }
      const fault = this.takeFault();
      record.fault = fault?.kind;
      if (fault?.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'status') return this.reply(res, record, fault.status, fault.body ?? `<html><body>${fault.status}</body></html>`, 'text/html');
      if (fault?.kind === 'body') return this.reply(res, record, 200, fault.body, fault.contentType ?? 'text/html');
      if (fault?.kind === 'code') {
        return this.answer(res, record, { code: fault.code, msg: fault.msg ?? CHONRY_ERROR_CODES[fault.code] ?? 'ERROR' });
      }
      const answer = this.process(record);
      if (fault?.kind === 'delay') {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.answer(res, record, answer);
        }, fault.ms);
        this.timers.add(timer);
      } else if (fault?.kind === 'reset-mid-response') {
        const json = JSON.stringify(answer);
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) });
        res.write(json.slice(0, json.length >> 1), () => res.socket?.resetAndDestroy());
      } else {
        this.answer(res, record, answer);
      }
    });
  }

  private reply(res: ServerResponse, record: SandboxRequest, status: number, body: string, contentType: string): void {
    record.reply.status = status;
    this.notify();
    if (res.destroyed) return;
    res.writeHead(status, { 'Content-Type': `${contentType}; charset=utf-8`, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  private answer(res: ServerResponse, record: SandboxRequest, answer: { code: string; msg: string; batchId?: string }): void {
    record.reply = { status: 200, ...answer };
    this.reply(res, record, 200, JSON.stringify(answer), 'application/json');
  }

  /** The account endpoints: the credentials checked as for a send, then the provider's JSON shapes. */
  private account(res: ServerResponse, record: SandboxRequest): void {
    let form: Map<string, string>;
    try {
      form = parseForm(record.rawBody);
    } catch {
      return this.answer(res, record, { code: '9002', msg: CHONRY_ERROR_CODES['9002'] ?? 'ERROR' });
    }
    for (const [k, v] of form) record.fields[k] = k === 'secret' ? '[redacted]' : v;
    const refused = !form.get('accesskey') || !form.get('secret') ? '9002' : form.get('accesskey') !== this.accessKey || form.get('secret') !== this.secret ? '9006' : undefined;
    if (refused) return this.answer(res, record, { code: refused, msg: CHONRY_ERROR_CODES[refused] ?? 'ERROR' });
    record.reply = { status: 200, code: '0', msg: 'SUCCESS' };
    let data: string;
    switch (record.path) {
      case CHONRY_BALANCE_PATH:
        data = JSON.stringify({ 国际短信: this.balance, 接口短信: '.00' });
        break;
      case CHONRY_TEMPLATES_PATH:
        // Ids go out as bare JSON numbers, as the provider writes them, even past 2^53.
        data = `[${this.templates
          .map((t) =>
            `{"templateId":${/^\d+$/.test(t.templateId) ? t.templateId : JSON.stringify(t.templateId)},` +
            JSON.stringify({ template: t.text, customerId: 1, applyStatus: APPLY_STATUS[t.status ?? 'approved'], categoryId: t.categoryId ?? 2, applyReply: t.reply ?? '' }).slice(1),
          )
          .join(',')}]`;
        break;
      case CHONRY_SIGNS_PATH:
        data = `[${this.signs
          .map((g) =>
            `{"signId":${/^\d+$/.test(g.signId) ? g.signId : JSON.stringify(g.signId)},` +
            JSON.stringify({ sign: g.sign, applyStatus: APPLY_STATUS[g.status ?? 'approved'], applyReply: g.reply ?? '' }).slice(1),
          )
          .join(',')}]`;
        break;
      default:
        // A pulled report is never handed out again.
        data = JSON.stringify(this.pendingReports.splice(0));
    }
    this.reply(res, record, 200, `{"code":"0","msg":"SUCCESS","data":${data}}`, 'application/json');
  }

  /** The provider's checks and bookkeeping; returns its JSON answer. */
  private process(record: SandboxRequest): { code: string; msg: string; batchId?: string } {
    try {
      const accepted = this.accept(record);
      if (accepted.recipients.length > this.balance) throw new Rejection('9010');
      this.balance -= accepted.recipients.length;
      const batchId = randomUUID().replace(/-/g, '');
      const reports = this.options.recordReports ?? this.options.recordMessages !== false;
      const deliverTime = formatScheduleTime(new Date(), PROVIDER_TIME_ZONE);
      this.acceptedRequests++;
      for (const m of accepted.recipients) {
        this.acceptedRecipients++;
        this.acceptedCount.set(m.mobile, (this.acceptedCount.get(m.mobile) ?? 0) + 1);
        if (this.options.recordMessages !== false) this.messages.push({ ...accepted.common, ...m, batchId });
        if (reports) {
          const seq = ++this.reportSequence;
          const report: SandboxReport = {
            smUuid: `${seq}_12_0_${m.mobile}_0_${batchId.slice(0, 7)}_1`,
            deliverTime,
            mobile: m.mobile,
            deliverResult: this.deliveryResults.get(m.mobile) ?? 'DELIVRD',
            batchId,
          };
          if (this.pushUrl) this.push(this.pushUrl, report);
          else this.pendingReports.push(report);
        }
      }
      return { code: '0', msg: 'SUCCESS', batchId };
    } catch (e) {
      if (!(e instanceof Rejection)) throw e;
      return { code: e.code, msg: CHONRY_ERROR_CODES[e.code] ?? 'ERROR' };
    }
  }

  private accept(record: SandboxRequest): {
    common: Omit<SandboxMessage, 'mobile' | 'variables' | 'batchId'>;
    recipients: { mobile: string; variables: string[] }[];
  } {
    let form: Map<string, string>;
    try {
      form = parseForm(record.rawBody);
    } catch {
      throw new Rejection('9009');
    }
    const decodeTwice = (key: string): string | undefined => {
      const v = form.get(key);
      if (v === undefined) return undefined;
      try {
        return formDecode(v);
      } catch {
        throw new Rejection('9009');
      }
    };
    for (const [k, v] of form) record.fields[k] = k === 'secret' ? '[redacted]' : v;
    const content = decodeTwice('content');
    const data = decodeTwice('data');
    if (content !== undefined) record.fields.content = content;
    if (data !== undefined) record.fields.data = data;

    if (!form.get('accesskey') || !form.get('secret')) throw new Rejection('9002');
    if (form.get('accesskey') !== this.accessKey || form.get('secret') !== this.secret) throw new Rejection('9006');
    const schedule = form.get('scheduleSendTime');
    if (schedule && !isRealTime(schedule)) throw new Rejection('9012');
    const common = {
      templateId: form.get('templateId'),
      sign: form.get('sign'),
      scheduleSendTime: schedule || undefined,
      senderId: form.get('senderId'),
    };
    const variablesOf = (text: string): string[] => {
      if (text === '') throw new Rejection('9019');
      return text.split(SEPARATOR);
    };

    if (data !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(data);
      } catch {
        throw new Rejection('9009');
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Rejection('9009');
      const entries = Object.entries(parsed as Record<string, unknown>);
      if (entries.length === 0) throw new Rejection('9022');
      if (entries.length > 10_000) throw new Rejection('9014');
      return {
        common,
        recipients: entries.map(([mobile, text]) => {
          if (!MOBILE.test(mobile)) throw new Rejection('9003');
          if (typeof text !== 'string') throw new Rejection('9009');
          return { mobile, variables: variablesOf(text) };
        }),
      };
    }
    const mobile = form.get('mobile');
    if (mobile === undefined || content === undefined) throw new Rejection('9002');
    if (mobile === '') throw new Rejection('9022');
    const mobiles = mobile.split(',');
    if (mobiles.length > 50_000) throw new Rejection('9014');
    if (!mobiles.every((m) => MOBILE.test(m))) throw new Rejection('9003');
    const variables = variablesOf(content);
    return { common, recipients: mobiles.map((m) => ({ mobile: m, variables })) };
  }
}
