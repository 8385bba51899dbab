import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { isError } from '../suite-support';
import { inspect } from 'node:util';
import { INestApplication } from '@nestjs/common';
import {
  CHONRY_SMS_RESOLVED_OPTIONS,
  ChonrySmsError,
  ChonrySmsModule,
  ChonrySmsModuleOptions,
  ChonrySmsService,
  resolveChonrySmsOptions,
} from '../../lib';
import { ChonrySmsHealthIndicator, ChonrySmsHealthModule } from '../../lib/health';
import { ChonrySmsSandbox, SandboxFault } from '../../lib/testing';
import { ChonrySmsTransport } from '../../lib/transport';
import { javaUrlEncode } from '../../lib/transport/form-encoding';
import { ACCESS_KEY, CapturingLogger, createApp, rejectionOf, startSandbox } from '../helpers';
import { freePort, ONE_SMS, startUntrustedHttpsServer } from './support';

// Recognisable, and full of characters the form encoding changes, so encoded copies are caught too.
const SECRET = 'Sekr3t+Do/Not=Leak&7f3a9c%41';
const NEEDLES = [SECRET, javaUrlEncode(SECRET), encodeURIComponent(SECRET), 'Sekr3t', 'Leak&7f3a9c'];

/** Everything a user or an operator could see of a value. */
function observable(value: unknown): string {
  const parts = [inspect(value, { depth: Infinity, showHidden: true, getters: true }), JSON.stringify(value) ?? ''];
  if (isError(value)) parts.push(value.message, value.stack ?? '', String(value));
  return parts.join('\n');
}

function assertNoSecret(text: string, where: string): void {
  for (const needle of NEEDLES) assert.ok(!text.includes(needle), `the secret (${needle}) appears in ${where}:\n${text.slice(Math.max(0, text.indexOf(needle) - 200), text.indexOf(needle) + 200)}`);
}

describe('the secret never appears in anything observable', () => {
  let sandbox: ChonrySmsSandbox;
  const logger = new CapturingLogger();
  const seen: { where: string; value: unknown }[] = [];
  let paths = 0;

  async function app(options: Partial<ChonrySmsModuleOptions>): Promise<{ app: INestApplication; sms: ChonrySmsService }> {
    const a = await createApp(
      { imports: [ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl: sandbox.url, timeout: 300, templateId: '100', ...options })] },
      logger,
    );
    return { app: a, sms: a.get(ChonrySmsService) };
  }

  async function drive(where: string, run: () => Promise<unknown>): Promise<void> {
    paths++;
    try {
      seen.push({ where, value: await run() });
    } catch (err) {
      assert.ok(err instanceof ChonrySmsError, `${where}: ${String(err)}`);
      seen.push({ where, value: err });
    }
  }

  beforeAll(async () => {
    sandbox = await startSandbox({ secret: SECRET });
  });
  afterAll(() => sandbox.close());

  it('through success, every error kind, retries, bulk with failures, health, shutdown and start-up failures, with debug logging on', async () => {
    const { app: main, sms } = await app({ retry: { attempts: 2, initialDelay: 1, retryOnCodes: ['9024'] } });
    seen.push({ where: 'resolved options', value: main.get(CHONRY_SMS_RESOLVED_OPTIONS) });
    await drive('send', () => sms.send(ONE_SMS));
    await drive('sendPersonalized', () => sms.sendPersonalized({ messages: [{ mobile: '+8613900000001', variables: ['先生'] }] }));
    await drive('validation', () => sms.send({ mobiles: ['not a number'], variables: [SECRET.slice(0, 3)] }));
    const faults: SandboxFault[] = [
      { kind: 'code', code: '9006' },
      { kind: 'code', code: '9024' },
      { kind: 'status', status: 503 },
      { kind: 'body', body: '<html>oops</html>' },
      { kind: 'body', body: '{"code":"0"' },
      { kind: 'delay', ms: 600 },
      { kind: 'drop' },
      { kind: 'reset-mid-response' },
    ];
    for (const fault of faults) {
      sandbox.reset().fault(fault, 1);
      await drive(`fault ${JSON.stringify(fault)}`, () => sms.send(ONE_SMS));
    }
    // Bulk with failures: one chunk refused by the provider, one cut off, the rest accepted.
    sandbox.reset().fault({ kind: 'code', code: '9010' }, 1).fault({ kind: 'drop' }, 1);
    const bulk = await sms.sendBulk({ mobiles: ['447911123456', '447911123457', '447911123458', '447911123459'], variables: ['x'] }, { chunkSize: 1, concurrency: 1 });
    assert.deepEqual([bulk.sent, bulk.failed], [2, 2]);
    seen.push({ where: 'bulk result', value: bulk });
    paths++;
    seen.push({ where: 'transport record', value: main.get(ChonrySmsTransport).record });
    seen.push({ where: 'service', value: sms });

    for (const baseUrl of [`http://127.0.0.1:${await freePort()}`, 'http://sms.chonry.invalid']) {
      const { app: a, sms: s } = await app({ baseUrl, retry: { attempts: 3, initialDelay: 1 } });
      await drive(`unreachable ${baseUrl}`, () => s.send(ONE_SMS));
      await a.close();
    }
    const tls = await startUntrustedHttpsServer();
    const { app: tlsApp, sms: tlsSms } = await app({ baseUrl: tls.url, retry: { attempts: 2, initialDelay: 1 } });
    await drive('tls', () => tlsSms.send(ONE_SMS));
    await tlsApp.close();
    await tls.close();

    const { app: unknownApp, sms: unknownSms } = await app({ retry: { attempts: 2, initialDelay: 1, retryUnknownDelivery: true } });
    sandbox.reset().fault({ kind: 'drop' }, 1).fault({ kind: 'code', code: '9010' }, 1);
    await drive('retryUnknownDelivery', () => unknownSms.send(ONE_SMS));
    // Shutdown: one send cancelled after the grace period, one refused.
    const { app: closing, sms: closingSms } = await app({ timeout: 2_000, shutdownGracePeriod: 20 });
    sandbox.reset().fault({ kind: 'delay', ms: 300 }, 1);
    const cancelled = closingSms.send(ONE_SMS);
    while (sandbox.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    await closing.close();
    await drive('shutdown cancel', () => cancelled);
    await drive('shutdown refuse', () => closingSms.send(ONE_SMS));
    await unknownApp.close();
    await main.close();

    // Health up, then down (gateway unreachable and the last sends failed).
    for (const [state, baseUrl] of [['up', sandbox.url], ['down', `http://127.0.0.1:${await freePort()}`]] as const) {
      const sms = ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl, timeout: 300 });
      const healthApp = await createApp({ imports: [sms, ChonrySmsHealthModule.register({ imports: [sms], timeout: 300, failureThreshold: 1 })] }, logger);
      await drive(`health ${state} send`, () => healthApp.get(ChonrySmsService).send(ONE_SMS));
      const report = await healthApp.get(ChonrySmsHealthIndicator).isHealthy();
      assert.equal((report['chonry-sms'] as { status: string }).status, state);
      seen.push({ where: `health ${state}`, value: report });
      await healthApp.close();
    }

    // Start-up failures carry the options object in Nest's own error paths.
    for (const bad of [{ timeout: -1 }, { secret: ` ${SECRET}` }, { baseUrl: `https://user:${SECRET}@example.invalid` }, { retry: { attempts: SECRET } }, { timeZone: SECRET + 'x'.repeat(80) }, { sign: SECRET.repeat(4) }]) {
      await drive(`config ${Object.keys(bad)[0]}`, async () => resolveChonrySmsOptions({ accessKey: ACCESS_KEY, secret: SECRET, ...bad } as ChonrySmsModuleOptions));
      const err = await rejectionOf(app(bad as Partial<ChonrySmsModuleOptions>));
      seen.push({ where: `start-up ${Object.keys(bad)[0]}`, value: err });
    }

    const mixedUp = seen.find((s) => s.where === 'config timeZone')!.value as ChonrySmsError;
    assert.match(mixedUp.message, /option 'timeZone' must be an IANA time zone/);
    assert.ok(paths >= 20, String(paths));
    const kinds = new Set(seen.map((s) => (s.value as { kind?: string }).kind).filter(Boolean));
    for (const k of ['http-status', 'bad-response', 'timeout', 'connection-reset', 'connection-refused', 'dns', 'tls', 'shutdown']) assert.ok(kinds.has(k), `no ${k} driven`);
    assert.ok(logger.lines.some((l) => l.startsWith('debug')), 'debug lines were logged');
    assert.ok(logger.lines.some((l) => /retrying in/.test(l)), 'retries were logged');
    for (const { where, value } of seen) assertNoSecret(observable(value), where);
    for (const line of logger.lines) assertNoSecret(line, 'a log line');
  });
});
