import { INestApplication, LoggerService } from '@nestjs/common';
import { Agent as HttpsAgent, createServer as createHttpsServer } from 'node:https';
import { connect, createServer as createNetServer, Server as NetServer, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ChonrySmsModule, ChonrySmsModuleOptions, ChonrySmsService } from '../../lib';
import { ChonrySmsTransport } from '../../lib/transport/chonry-sms.transport';
import { ACCESS_KEY, createApp, SECRET } from '../helpers';
import { selfSignedCertificate } from './self-signed-certificate';

/** Active handles and requests by type (`Timeout`, `TCPSocketWrap`, …), as counts. */
export function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

/** What `now` has beyond `baseline`, e.g. `['Timeout +1']`; empty when nothing was left behind. */
export function resourcesBeyond(baseline: Map<string, number>, now = activeResources()): string[] {
  return [...now].filter(([type, n]) => n > (baseline.get(type) ?? 0)).map(([type, n]) => `${type} +${n - (baseline.get(type) ?? 0)}`);
}

/** Polls until nothing beyond `baseline` is active (sockets take a tick or two to close), or `ms` pass. */
export async function leftoversAfter(baseline: Map<string, number>, ms = 2_000): Promise<string[]> {
  const until = Date.now() + ms;
  for (;;) {
    const extra = resourcesBeyond(baseline);
    if (extra.length === 0 || Date.now() > until) return extra;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Records unhandled rejections from `start()` until `stop()`. */
export class UnhandledRejections {
  readonly seen: unknown[] = [];
  private readonly listener = (reason: unknown) => this.seen.push(reason);
  start(): this {
    process.on('unhandledRejection', this.listener);
    return this;
  }
  stop(): void {
    process.off('unhandledRejection', this.listener);
  }
}

/** A port nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A local server that fails the TLS handshake, counting what reached it. */
export interface TlsFaultServer {
  url: string;
  /** TCP connections accepted. */
  connections: number;
  /** HTTP requests parsed (a request reaching the application layer). */
  requests: number;
  close(): Promise<void>;
}

async function listen(server: NetServer): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** HTTPS with a self-signed certificate nobody trusts. */
export async function startUntrustedHttpsServer(): Promise<TlsFaultServer> {
  const state = { connections: 0, requests: 0 };
  const server = createHttpsServer(selfSignedCertificate(), (_req, res) => {
    state.requests++;
    res.end('{"code":"0","msg":"SUCCESS","batchId":"x"}');
  });
  server.on('connection', () => state.connections++);
  const url = await listen(server);
  return Object.assign(state, {
    url,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  });
}

/** A TCP server that hangs up as soon as the TLS ClientHello arrives. */
export async function startHangUpDuringHandshakeServer(): Promise<TlsFaultServer> {
  const state = { connections: 0, requests: 0 };
  const server = createNetServer((socket) => {
    state.connections++;
    socket.once('data', () => socket.destroy());
  });
  const url = await listen(server);
  return Object.assign(state, { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
}

/**
 * A Nest app with the module pointed at `baseUrl`; the test credentials, timeout 5 s unless given.
 * A test that wants the deadline to fire sets a short one itself: on a loaded CI machine an ordinary
 * answer was seen to take longer than 300 ms, which failed fault tests as `timeout`.
 */
export async function smsApp(
  baseUrl: string,
  options: Partial<ChonrySmsModuleOptions> = {},
  logger?: LoggerService,
): Promise<{ app: INestApplication; sms: ChonrySmsService }> {
  const app = await createApp(
    { imports: [ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl, timeout: 5_000, templateId: '100', ...options })] },
    logger as Parameters<typeof createApp>[1],
  );
  return { app, sms: app.get(ChonrySmsService) };
}

export const ONE_SMS = { mobiles: ['447911123456'], variables: ['Ada', '9:40'] };

/** How the TLS relay misbehaves towards the client. */
export type TlsRelayFault = 'corrupt-first-response-record' | 'garbage-instead-of-server-hello';

/** A relay in front of a real HTTPS origin whose certificate the test app is told to trust. */
export interface TlsRelay extends TlsFaultServer {
  /** The origin's certificate (PEM), for `trustTestCertificate`. */
  ca: string;
  /** POSTs the origin decoded as a send (form body with `mobile`), i.e. SMS it accepted. */
  accepted: number;
}

/**
 * A TCP relay in front of a local HTTPS origin (TLS `version` only). The client's bytes go to the
 * origin unchanged. With 'corrupt-first-response-record', the first application-data record the
 * origin sends after it accepted the POST has one byte flipped, so the client's TLS layer rejects
 * the response although the request was written and accepted. With
 * 'garbage-instead-of-server-hello', the client gets junk instead of the handshake, and the origin
 * never sees a request.
 */
export async function startTlsRelay(fault: TlsRelayFault, version: 'TLSv1.2' | 'TLSv1.3'): Promise<TlsRelay> {
  const certificate = selfSignedCertificate();
  let responding = false;
  const state = { connections: 0, requests: 0, accepted: 0 };
  const origin = createHttpsServer({ ...certificate, minVersion: version, maxVersion: version }, (req, res) => {
    state.requests++;
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (req.method === 'POST' && new URLSearchParams(body).has('mobile')) state.accepted++;
      // Answer a little later, so every record the origin sent before (TLS 1.3 session tickets) has passed the relay.
      setTimeout(() => {
        responding = true;
        res.setHeader('Content-Type', 'application/json');
        res.end('{"code":"0","msg":"SUCCESS","batchId":"relay-1"}');
      }, 30);
    });
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const originPort = (origin.address() as AddressInfo).port;
  const sockets = new Set<Socket>();
  const relay = createNetServer((client) => {
    state.connections++;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (fault === 'garbage-instead-of-server-hello') {
      client.once('data', () => client.end(Buffer.from('\x16\x03\x03\x00\x05garbage-not-a-server-hello')));
      return;
    }
    const upstream = connect(originPort, '127.0.0.1');
    sockets.add(upstream);
    upstream.on('close', () => (sockets.delete(upstream), client.destroy()));
    upstream.on('error', () => undefined);
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    let pending = Buffer.alloc(0);
    let corrupted = false;
    upstream.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      // Forward whole TLS records: 5-byte header (type, version, length), then the payload.
      while (pending.length >= 5 && pending.length >= 5 + pending.readUInt16BE(3)) {
        const record = Buffer.from(pending.subarray(0, 5 + pending.readUInt16BE(3)));
        pending = pending.subarray(record.length);
        if (!corrupted && responding && record[0] === 23) {
          record[record.length - 1] ^= 0xff;
          corrupted = true;
        }
        client.write(record);
      }
    });
  });
  const url = await listen(relay);
  return Object.assign(state, {
    url,
    ca: certificate.cert,
    close: async () => {
      for (const s of sockets) s.destroy();
      origin.closeAllConnections();
      await Promise.all([new Promise<void>((r) => relay.close(() => r())), new Promise<void>((r) => origin.close(() => r()))]);
    },
  });
}

/**
 * Makes the app's SMS transport trust `ca` (the module has no CA option), skipping only the host
 * name check, since the test certificate names `localhost` and the servers listen on 127.0.0.1.
 */
export function trustTestCertificate(app: INestApplication, ca: string): void {
  const agent = (app.get(ChonrySmsTransport) as unknown as { httpsAgent: HttpsAgent }).httpsAgent;
  Object.assign(agent.options, { ca, checkServerIdentity: () => undefined });
}
