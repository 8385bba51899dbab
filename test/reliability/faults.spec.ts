import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { ChonrySmsDelivery, ChonrySmsModuleOptions, ChonrySmsTransportError, ChonrySmsTransportFailure } from '../../lib';
import { ChonrySmsSandbox, SandboxFault } from '../../lib/testing';
import { rejectionOf, startSandbox } from '../helpers';
import {
  activeResources,
  freePort,
  leftoversAfter,
  ONE_SMS,
  resourcesBeyond,
  smsApp,
  startHangUpDuringHandshakeServer,
  startTlsRelay,
  startUntrustedHttpsServer,
  TlsFaultServer,
  trustTestCertificate,
  UnhandledRejections,
} from './support';

interface Target {
  url: string;
  /** HTTP requests the server received. */
  requests(): number;
  /** Connections that reached it (TLS scenarios), to show retries happened without a request. */
  connections?(): number;
  /** The server itself holds a timer until it answers (the sandbox's delay fault). */
  serverTimers?: number;
  /** A certificate (PEM) the app must trust to complete the handshake. */
  ca?: string;
  close(): Promise<void>;
}

interface Scenario {
  name: string;
  target(): Promise<Target>;
  kind: ChonrySmsTransportFailure;
  delivery: ChonrySmsDelivery;
  /** Module options this scenario needs (the timeout scenario's short deadline). */
  options?: Partial<ChonrySmsModuleOptions>;
  /** Requests the server receives per send, whatever the retry setting: 1 where delivery is unknown, 0 where not sent. */
  requests: 0 | 1;
}

let sandbox: ChonrySmsSandbox;
const viaSandbox = (fault: SandboxFault, serverTimers = 0) => async (): Promise<Target> => {
  sandbox.reset().fault(fault);
  return { url: sandbox.url, requests: () => sandbox.requests.length, serverTimers, close: async () => undefined };
};

const viaTlsServer = (start: () => Promise<TlsFaultServer>) => async (): Promise<Target> => {
  const s = await start();
  return { url: s.url, requests: () => s.requests, connections: () => s.connections, close: () => s.close() };
};

/** The origin behind the relay accepted the POST; the response record is corrupted on the way back. */
const viaCorruptingRelay = (version: 'TLSv1.2' | 'TLSv1.3') => async (): Promise<Target> => {
  const r = await startTlsRelay('corrupt-first-response-record', version);
  return { url: r.url, requests: () => r.accepted, ca: r.ca, close: () => r.close() };
};
const viaGarbageRelay = async (): Promise<Target> => {
  const r = await startTlsRelay('garbage-instead-of-server-hello', 'TLSv1.3');
  return { url: r.url, requests: () => r.requests, connections: () => r.connections, ca: r.ca, close: () => r.close() };
};

/** Every fault the issue names, and what each must produce. */
const SCENARIOS: Scenario[] = [
  { name: 'HTTP 500', target: viaSandbox({ kind: 'status', status: 500 }), kind: 'http-status', delivery: 'unknown', requests: 1 },
  { name: 'HTTP 502', target: viaSandbox({ kind: 'status', status: 502 }), kind: 'http-status', delivery: 'unknown', requests: 1 },
  { name: 'HTTP 503', target: viaSandbox({ kind: 'status', status: 503 }), kind: 'http-status', delivery: 'unknown', requests: 1 },
  { name: 'HTTP 200 with an HTML page', target: viaSandbox({ kind: 'body', body: '<html><body>Gateway maintenance</body></html>' }), kind: 'bad-response', delivery: 'unknown', requests: 1 },
  { name: 'HTTP 200 with truncated JSON', target: viaSandbox({ kind: 'body', body: '{"code":"0","msg":"SUCC', contentType: 'application/json' }), kind: 'bad-response', delivery: 'unknown', requests: 1 },
  { name: 'answer slower than timeout', target: viaSandbox({ kind: 'delay', ms: 800 }, 1), options: { timeout: 300 }, kind: 'timeout', delivery: 'unknown', requests: 1 },
  { name: 'connection reset before any response', target: viaSandbox({ kind: 'drop' }), kind: 'connection-reset', delivery: 'unknown', requests: 1 },
  { name: 'connection reset mid-response', target: viaSandbox({ kind: 'reset-mid-response' }), kind: 'connection-reset', delivery: 'unknown', requests: 1 },
  {
    name: 'connection refused',
    target: async () => ({ url: `http://127.0.0.1:${await freePort()}`, requests: () => 0, close: async () => undefined }),
    kind: 'connection-refused',
    delivery: 'not-sent',
    requests: 0,
  },
  {
    name: 'unresolvable host',
    target: async () => ({ url: 'http://sms-gateway.chonry.invalid', requests: () => 0, close: async () => undefined }),
    kind: 'dns',
    delivery: 'not-sent',
    requests: 0,
  },
  {
    name: 'TLS: untrusted self-signed certificate',
    target: viaTlsServer(startUntrustedHttpsServer),
    kind: 'tls',
    delivery: 'not-sent',
    requests: 0,
  },
  {
    name: 'TLS: server hangs up during the handshake',
    target: viaTlsServer(startHangUpDuringHandshakeServer),
    kind: 'tls',
    delivery: 'not-sent',
    requests: 0,
  },
  {
    name: 'TLS 1.2: first response record corrupted after the origin accepted the POST',
    target: viaCorruptingRelay('TLSv1.2'),
    kind: 'tls',
    delivery: 'unknown',
    requests: 1,
  },
  {
    name: 'TLS 1.3: first response record corrupted after the origin accepted the POST',
    target: viaCorruptingRelay('TLSv1.3'),
    kind: 'tls',
    delivery: 'unknown',
    requests: 1,
  },
  {
    name: 'TLS: relay answers the ClientHello with garbage (trusted origin behind it)',
    target: viaGarbageRelay,
    kind: 'tls',
    delivery: 'not-sent',
    requests: 0,
  },
  {
    name: 'TLS: server does not speak TLS',
    target: async () => {
      sandbox.reset();
      return { url: sandbox.url.replace('http:', 'https:'), requests: () => sandbox.requests.length, close: async () => undefined };
    },
    kind: 'tls',
    delivery: 'not-sent',
    requests: 0,
  },
];

const SETTINGS: [string, Partial<ChonrySmsModuleOptions>, number][] = [
  ['without retries', {}, 1],
  ['with retry: {} (defaults: 3 attempts, not-sent failures only)', { retry: {} }, 3],
];

describe('faults over real sockets', () => {
  const rejections = new UnhandledRejections();
  beforeAll(async () => {
    rejections.start();
    sandbox = await startSandbox();
  });
  afterAll(async () => {
    await sandbox.close();
    rejections.stop();
  });

  for (const [label, options, attempts] of SETTINGS) {
    describe(label, () => {
      for (const s of SCENARIOS) {
        it(`${s.name} → ChonrySmsTransportError ${s.kind}, delivery ${s.delivery}, ${s.requests} request(s) at the server`, async () => {
          const target = await s.target();
          const baseline = activeResources();
          const { app, sms } = await smsApp(target.url, { ...options, ...s.options });
          if (target.ca) trustTestCertificate(app, target.ca);
          try {
            try {
              const err = await rejectionOf(sms.send(ONE_SMS));
              assert.ok(err instanceof ChonrySmsTransportError, `got ${String(err)}`);
              assert.equal(err.constructor, ChonrySmsTransportError);
              assert.equal(err.kind, s.kind);
              assert.equal(err.delivery, s.delivery);
              // Not one duplicate: a request that may have been accepted is never sent again.
              assert.equal(target.requests(), s.requests);
              if (target.connections) assert.equal(target.connections(), attempts, 'one handshake per attempt');
              // The deadline and backoff timers are gone the moment the call settles.
              const timers = (activeResources().get('Timeout') ?? 0) - (baseline.get('Timeout') ?? 0);
              assert.equal(timers, target.serverTimers ?? 0, `timers left: ${resourcesBeyond(baseline).join(', ')}`);
            } finally {
              await app.close();
            }
            assert.deepEqual(await leftoversAfter(baseline), [], 'handles left after app.close()');
          } finally {
            await target.close();
          }
          assert.deepEqual(rejections.seen, []);
        });
      }
    });
  }

  it('a send that is never answered settles at the deadline and leaves no handle once the app closes', async () => {
    sandbox.reset().fault({ kind: 'delay', ms: 400 });
    const baseline = activeResources();
    const { app, sms } = await smsApp(sandbox.url, { timeout: 100 });
    const err = await rejectionOf(sms.send(ONE_SMS));
    assert.ok(err instanceof ChonrySmsTransportError && err.kind === 'timeout');
    await app.close();
    assert.deepEqual(await leftoversAfter(baseline), []);
  });
});
