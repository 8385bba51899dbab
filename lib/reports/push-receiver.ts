import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { parseDeliveryReports } from '../account';
import { CHONRY_SMS_REPORTS_LOGGER_CONTEXT, CHONRY_SMS_REPORTS_RESOLVED_OPTIONS } from './reports.constants';
import { normalizeIp, ResolvedChonrySmsReportsOptions, ResolvedChonrySmsReportsPush } from './reports.options';
import { ChonrySmsReportsService, describeError } from './reports.service';

/** The largest push body accepted; bytes are counted as they arrive, nothing more is kept. */
export const MAX_PUSH_BODY_BYTES = 16 * 1024;
const FIELDS = new Set(['smUuid', 'mobile', 'batchId', 'deliverResult', 'deliverTime']);

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** `a=1&b=2` into fields; undefined when not decodable or a name repeats or is unknown. */
function readForm(body: string): Record<string, string> | undefined {
  const fields: Record<string, string> = {};
  if (body === '') return undefined;
  try {
    for (const pair of body.split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const key = decodeURIComponent((eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '));
      const value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
      if (!FIELDS.has(key) || Object.hasOwn(fields, key)) return undefined;
      fields[key] = value;
    }
  } catch {
    return undefined;
  }
  return fields;
}

/**
 * The push receiver: `POST <path>/<token>` with the provider's form. It answers in front of the
 * application: the HTTP server's `emit('request')` is wrapped at bootstrap, so a request for the
 * exact push URL (a query string allowed) is answered here, before Nest's global prefix, middleware,
 * guards and body parsers, and its body is counted as it arrives. Every other request is emitted
 * to the server's listeners (Nest's, and any added later) untouched.
 */
@Injectable()
export class ChonrySmsReportsPushReceiver implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CHONRY_SMS_REPORTS_LOGGER_CONTEXT);
  private server?: Server;
  private originalEmit?: Server['emit'];
  private wrappedEmit?: Server['emit'];
  private ownEmit = false;
  private active = false;
  private readonly urlDigest: Buffer;

  constructor(
    @Inject(CHONRY_SMS_REPORTS_RESOLVED_OPTIONS) private readonly options: ResolvedChonrySmsReportsOptions,
    private readonly reports: ChonrySmsReportsService,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {
    this.urlDigest = digest(options.push ? `${options.push.path}/${options.push.token}` : '');
  }

  onApplicationBootstrap(): void {
    const push = this.options.push;
    if (!push) return;
    const server = this.adapterHost?.httpAdapter?.getHttpServer?.() as Server | undefined;
    if (!server || typeof server.emit !== 'function' || typeof server.listeners !== 'function') {
      throw new Error('ChonrySmsReportsModule: push needs an HTTP application (NestFactory.create), not a standalone context');
    }
    // Wrapping emit (rather than taking the 'request' listeners over) works whether or not the
    // server listens yet, and leaves listeners added after bootstrap in place for other requests.
    const original = server.emit;
    const receiver = this; // eslint-disable-line @typescript-eslint/no-this-alias
    const wrapped = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'request' && receiver.active && receiver.handles(push, args[0] as IncomingMessage, args[1] as ServerResponse)) return true;
      return (original as (event: string | symbol, ...args: unknown[]) => boolean).call(this, event, ...args);
    } as Server['emit'];
    this.server = server;
    this.originalEmit = original;
    this.ownEmit = Object.hasOwn(server, 'emit');
    this.wrappedEmit = wrapped;
    this.active = true;
    server.emit = wrapped;
  }

  onApplicationShutdown(): void {
    this.active = false;
    // Unwrapped only if nobody wrapped emit after us; otherwise the wrapper stays, inactive.
    if (this.server && this.server.emit === this.wrappedEmit && this.originalEmit) {
      if (this.ownEmit) this.server.emit = this.originalEmit;
      else delete (this.server as Partial<Server>).emit;
    }
    this.server = undefined;
  }

  /**
   * Answers the request when its path is exactly `<path>/<token>` (compared in constant time, as
   * digests); false leaves it to the application, which answers a wrong token as any unknown route.
   */
  private handles(push: ResolvedChonrySmsReportsPush, req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (!path.startsWith(`${push.path}/`) || !timingSafeEqual(digest(path), this.urlDigest)) return false;
    if (req.method !== 'POST') return this.refuse(req, res, 405, 'Method Not Allowed', 'not a POST', { Allow: 'POST' });
    const ip = this.clientIp(push, req);
    if (push.allow && !(ip && push.allow(ip))) return this.refuse(req, res, 403, 'Forbidden', 'address not allowed');
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') return this.refuse(req, res, 400, 'Bad Request', 'not a urlencoded form');
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > MAX_PUSH_BODY_BYTES) return this.refuse(req, res, 413, 'Payload Too Large', 'body too large');

    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > MAX_PUSH_BODY_BYTES) {
        over = true;
        chunks.length = 0;
        this.refuse(req, res, 413, 'Payload Too Large', 'body too large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      if (over) return;
      void this.receive(push, Buffer.concat(chunks).toString('utf8'), req, res);
    });
    return true;
  }

  private async receive(push: ResolvedChonrySmsReportsPush, body: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const fields = readForm(body);
    const { reports, malformed } = fields
      ? parseDeliveryReports([fields], this.reports.timeZoneOf(push.account))
      : { reports: [], malformed: [0] };
    if (malformed.length > 0 || reports.length !== 1) {
      this.refuse(req, res, 400, 'Bad Request', 'missing or invalid fields');
      return;
    }
    try {
      const outcome = await this.reports.accept(push.account, 'push', reports);
      if (outcome.failed > 0) this.send(res, 500, 'Internal Server Error');
      else this.send(res, 200, 'OK');
    } catch (err) {
      this.logger.error(`A pushed delivery report could not be stored; answered 500 so the provider pushes it again (${describeError(err)})`);
      this.send(res, 500, 'Internal Server Error');
    }
  }

  /** The socket's address, or with `trustProxy` the last `X-Forwarded-For` hop (the one your proxy wrote). */
  private clientIp(push: ResolvedChonrySmsReportsPush, req: IncomingMessage): string | undefined {
    if (push.trustProxy) {
      const header = req.headers['x-forwarded-for'];
      const list = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((s) => s.trim()).filter(Boolean);
      if (list.length > 0) return normalizeIp(list[list.length - 1]);
    }
    const address = req.socket.remoteAddress;
    return address === undefined ? undefined : normalizeIp(address);
  }

  /** Answers a refusal with a fixed text (never the body or the token), then stops reading the request. */
  private refuse(req: IncomingMessage, res: ServerResponse, status: number, text: string, why: string, headers: Record<string, string> = {}): true {
    this.logger.warn(`Refused a delivery report push from ${req.socket.remoteAddress ?? 'an unknown address'}: ${status} (${why})`);
    this.send(res, status, text, { Connection: 'close', ...headers });
    // What is still coming is read and dropped (never kept), so the client can read the answer; cut after a second.
    req.resume();
    const cut = setTimeout(() => req.socket.destroy(), 1_000);
    cut.unref();
    req.on('end', () => clearTimeout(cut));
    return true;
  }

  private send(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', ...headers });
    res.end(text);
  }
}
