import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from '@jest/globals';
import { INestApplication } from '@nestjs/common';
import { ChonrySmsModule, ChonrySmsService, ChonrySmsValidationError, SendSmsDto } from '../../lib';
import { validateInput } from '../../lib/dto';
import { planCampaign } from '../../lib/queue/campaign-jobs';
import { ChonrySmsSandbox } from '../../lib/testing';
import { ACCESS_KEY, createApp, rejectionOf, SECRET, startSandbox } from '../helpers';

/**
 * Input that answers one way when validated and another when sent: getters, a Date whose methods
 * are its own, a Proxy whose answers change. What reaches the wire must be what was validated, or
 * the call is refused before any request; each case here sent unchecked text before its fix.
 */

/** A value read once as `first`, and as `later` on every read after. */
function changing<T>(first: T, later: T): () => T {
  let reads = 0;
  return () => (reads++ === 0 ? first : later);
}

/** An array whose element `at` reads `first` once, then `later`. */
function changingAt(values: string[], at: number, first: string, later: string): string[] {
  return Object.defineProperty([...values], at, { get: changing(first, later), enumerable: true });
}

const LONG = 'x'.repeat(500);

/** A Proxy over `target` whose `length` reads 1 for its first `small` reads, then the real length. */
function lengthLies<T>(target: T[], small: number): T[] {
  let reads = 0;
  return new Proxy(target, { get: (t, k, r) => (k === 'length' ? (reads++ < small ? 1 : t.length) : Reflect.get(t, k, r)) });
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('input that changes between validation and the request', () => {
  let sandbox: ChonrySmsSandbox;
  let app: INestApplication;
  let sms: ChonrySmsService;

  beforeAll(async () => {
    sandbox = await startSandbox();
    app = await createApp({
      imports: [ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl: sandbox.url, timeout: 1000, templateId: '100', sign: '【Acme】' })],
    });
    sms = app.get(ChonrySmsService);
  });
  afterAll(async () => {
    await app.close();
    await sandbox.close();
  });
  beforeEach(() => {
    sandbox.reset();
  });

  it('send() and sendBulk() send the variables they checked, read once', async () => {
    await sms.send({ mobiles: ['447911123456'], variables: changingAt(['a', 'b'], 1, 'b', 'b##c') });
    await sms.sendBulk({ mobiles: ['447911123457'], variables: changingAt(['a', 'b'], 0, 'a', '#a') });
    assert.deepEqual(sandbox.messages.map((m) => m.variables), [['a', 'b'], ['a', 'b']]);
  });

  it('a queued campaign keeps the variables it checked', () => {
    const plan = planCampaign({ mobiles: ['447911123456'], variables: changingAt(['a'], 0, 'a', 'a$$b') }, () => 10);
    assert.deepEqual(plan.chunks.map((c) => c.variables), [['a']]);
    const when = Object.defineProperty(new Date(Date.UTC(2030, 0, 1)), 'toISOString', { value: () => 'not a time' });
    assert.equal(planCampaign({ mobiles: ['447911123456'], variables: ['a'], scheduleSendTime: when }, () => 10).chunks[0].common.scheduleSendTime, '2030-01-01T00:00:00.000Z');
  });

  it('a Date is read by its own time value, not by methods it overrides', async () => {
    const invalid = Object.assign(new Date(NaN), { getTime: () => Date.UTC(2030, 0, 1) });
    const huge = Object.assign(new Date(8.64e15), { getTime: () => Date.UTC(2030, 0, 1) });
    for (const scheduleSendTime of [invalid, huge]) {
      const err = await rejectionOf(sms.send({ mobiles: ['447911123456'], variables: ['a'], scheduleSendTime }));
      assert.ok(err instanceof ChonrySmsValidationError, `${err.name}: ${err.message}`);
      assert.equal(err.problems[0].path, 'scheduleSendTime');
    }
    // A valid Date whose conversions lie: the request carries its real instant.
    const lying = Object.defineProperties(new Date(Date.UTC(2030, 0, 1, 12, 0, 0)), {
      valueOf: { value: () => 8.64e15 },
      [Symbol.toPrimitive]: { value: () => 8.64e15 },
      getTime: { value: () => 8.64e15 },
      toISOString: { value: () => '+275760-09-13T00:00:00.000Z' },
    });
    await sms.send({ mobiles: ['447911123456'], variables: ['a'], scheduleSendTime: lying });
    assert.equal(sandbox.requests.length, 1);
    assert.equal(sandbox.messages[0].scheduleSendTime, '2030-01-01 20:00:00'); // the module's default zone, Asia/Shanghai
  });

  it('a DTO instance whose getters change sends the fields it validated, or is refused', async () => {
    // Validation reads a field more than once (whether it is set, then its check); whichever read
    // the answer changes after, the long text never reaches the wire.
    for (let k = 0; k <= 4; k++) {
      sandbox.reset();
      const after = <T>(first: T, later: T) => {
        let reads = 0;
        return () => (reads++ < k ? first : later);
      };
      const dto = Object.assign(new SendSmsDto(), { mobiles: ['447911123456'], variables: ['a'] });
      Object.defineProperty(dto, 'sign', { get: after('【Ok】', LONG), enumerable: true });
      Object.defineProperty(dto, 'templateId', { get: after('7', LONG), enumerable: true });
      Object.defineProperty(dto, 'senderId', { get: after<string | undefined>(undefined, LONG), enumerable: true });
      Object.defineProperty(dto, 'scheduleSendTime', { get: after<string | undefined>(undefined, '9999-99-99'), enumerable: true });
      const outcome = await sms.send(dto).then(() => undefined, (err: unknown) => err);
      if (outcome !== undefined) {
        assert.ok(outcome instanceof ChonrySmsValidationError, String(outcome));
        assert.equal(sandbox.requests.length, 0);
        continue;
      }
      assert.equal(sandbox.requests.length, 1, `k=${k}`);
      const [m] = sandbox.messages;
      assert.deepEqual([m.sign, m.templateId, m.senderId ?? undefined, m.scheduleSendTime], ['【Ok】', '7', undefined, undefined], `k=${k}`);
    }
  });

  it('a list is read by the module, once: not by its own slice or iterator, its length read once', async () => {
    const mobiles = ['447911123456'];
    Object.defineProperty(mobiles, 'slice', { value: () => ['999', '447911123457'] });
    const variables = ['a'];
    Object.defineProperty(variables, Symbol.iterator, {
      value: function* () {
        for (;;) yield 'b##c';
      },
    });
    await sms.send({ mobiles, variables });
    assert.deepEqual(sandbox.messages.map((m) => [m.mobile, m.variables]), [['447911123456', ['a']]]);

    // A length that reads 1 when checked against the limit and 50,001 after: never a request past 50,000.
    sandbox.reset();
    const many = Array.from({ length: 50_001 }, (_, i) => String(447911000000 + i));
    const outcome = await sms.send({ mobiles: lengthLies(many, 2), variables: ['a'] }).then(() => undefined, (err: unknown) => err);
    if (outcome !== undefined) assert.ok(outcome instanceof ChonrySmsValidationError, String(outcome));
    for (const r of sandbox.requests) assert.ok(r.fields.mobile.split(',').length <= 50_000, 'a request past the limit');
  });

  it('personalised messages whose list length changes keep their own variables, sent or queued', async () => {
    const messages = [0, 1, 2].map((i) => ({ mobile: String(447911000000 + i), variables: [`v${i}`] }));
    const own = new Map(messages.map((m) => [m.mobile, m.variables]));
    const outcome = await sms.sendPersonalized({ messages: lengthLies(messages, 4) }).then(() => undefined, (err: unknown) => err);
    if (outcome !== undefined) assert.ok(outcome instanceof ChonrySmsValidationError, String(outcome));
    for (const m of sandbox.messages) assert.deepEqual(m.variables, own.get(m.mobile), m.mobile);
    const plan = planCampaign({ messages: lengthLies(messages, 4) }, () => 10);
    for (const m of plan.chunks.flatMap((c) => c.messages ?? [])) assert.deepEqual(m.variables, own.get(m.mobile), m.mobile);
  });

  it('input that cannot be read at all is invalid input, from the service and the queue alike', async () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const err = await rejectionOf(sms.send(proxy as SendSmsDto));
    assert.ok(err instanceof ChonrySmsValidationError, `${err.name}: ${err.message}`);
    const asking = new Proxy({}, { has: () => { throw new RangeError('boom'); } });
    assert.ok(thrown(() => planCampaign(asking as SendSmsDto, () => 10)) instanceof ChonrySmsValidationError);
    assert.equal(sandbox.requests.length, 0);
  });

  it('a Proxy that hides __proto__ from the first look never chooses the DTO prototype', async () => {
    let looks = 0;
    const target: Record<string, unknown> = { mobiles: ['447911123456'], variables: ['a'] };
    const hostile = new Proxy(target, {
      ownKeys: () => [...Reflect.ownKeys(target), '__proto__'],
      getOwnPropertyDescriptor: (t, key) => {
        if (key !== '__proto__') return Reflect.getOwnPropertyDescriptor(t, key);
        return looks++ === 0 ? undefined : { value: { sign: LONG }, enumerable: true, configurable: true, writable: true };
      },
      get: (t, key) => (key === '__proto__' ? { sign: LONG } : Reflect.get(t, key)),
    });
    // Refused, or taken as the object it showed when copied: never with a prototype the input chose.
    try {
      assert.equal(Object.getPrototypeOf(validateInput(SendSmsDto, hostile)), SendSmsDto.prototype);
    } catch (err) {
      assert.ok(err instanceof ChonrySmsValidationError, String(err));
    }
    looks = 0;
    const outcome = await sms.send(hostile as unknown as SendSmsDto).then(() => undefined, (err: unknown) => err);
    if (outcome === undefined) {
      assert.equal(sandbox.requests.length, 1);
      assert.equal(sandbox.messages[0].sign, '【Acme】');
    } else {
      assert.ok(outcome instanceof ChonrySmsValidationError, String(outcome));
      assert.deepEqual(outcome.problems.map((p) => p.path), ['__proto__']);
      assert.equal(sandbox.requests.length, 0);
    }
  });
});
