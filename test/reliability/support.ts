import { INestApplication, LoggerService } from '@nestjs/common';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, Server as NetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ChonrySmsModule, ChonrySmsModuleOptions, ChonrySmsService } from '../../lib';
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

/** A Nest app with the module pointed at `baseUrl`; the test credentials, timeout 300 ms unless given. */
export async function smsApp(
  baseUrl: string,
  options: Partial<ChonrySmsModuleOptions> = {},
  logger?: LoggerService,
): Promise<{ app: INestApplication; sms: ChonrySmsService }> {
  const app = await createApp(
    { imports: [ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl, timeout: 300, templateId: '100', ...options })] },
    logger as Parameters<typeof createApp>[1],
  );
  return { app, sms: app.get(ChonrySmsService) };
}

export const ONE_SMS = { mobiles: ['447911123456'], variables: ['Ada', '9:40'] };
