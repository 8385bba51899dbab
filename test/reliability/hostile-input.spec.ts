import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import fc from 'fast-check';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { INestApplication } from '@nestjs/common';
import { ChonrySmsService, ChonrySmsValidationError, normalizeMobile } from '../../lib';
import { ChonrySmsSandbox } from '../../lib/testing';
import { formatScheduleTime, shortTextProblem, variableProblem } from '../../lib/validation';
import { rejectionOf, startSandbox } from '../helpers';
import { smsApp } from './support';

type Method = 'send' | 'sendPersonalized';
/** One hostile input and the problem path it must be refused at. */
interface Hostile {
  method: Method;
  input: unknown;
  path: string;
}

const OK_MOBILE = '447911123456';
const plain = (patch: Record<string, unknown>): Record<string, unknown> => ({ mobiles: [OK_MOBILE], variables: ['Ada'], ...patch });
const personal = (patch: Record<string, unknown>): Record<string, unknown> => ({ messages: [{ mobile: OK_MOBILE, variables: ['Ada'] }], ...patch });
const asSend = (path: string, patch: (v: unknown) => Record<string, unknown>) => (v: unknown): Hostile => ({ method: 'send', input: plain(patch(v)), path });
const asPersonal = (path: string, patch: (v: unknown) => Record<string, unknown>) => (v: unknown): Hostile => ({ method: 'sendPersonalized', input: personal(patch(v)), path });

const INJECTIONS = ['&secret=stolen', '&mobile=8613900000001', '&accesskey=other', '%26secret%3Dx', '&content=spam', '=', '&'];
const PROTOTYPE_WORDS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__'];

const wrongType = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt(),
  fc.date(),
  fc.object({ maxDepth: 1 }),
  fc.constant(Symbol('x')),
  fc.constant(() => OK_MOBILE),
);
const nonArray = fc.oneof(wrongType, fc.string(), fc.constant(undefined));
const unpaired = fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF');
const control = fc.integer({ min: 0, max: 0x9f }).filter((c) => (c < 0x20 && c !== 9 && c !== 10) || c >= 0x7f).map((c) => String.fromCharCode(c));
const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[1-9]\\d{${min},${max}}$`));

const badMobile = fc.oneof(
  // numbers with letters
  fc.tuple(digits(9, 12), fc.stringMatching(/^[a-zA-Z]$/), fc.nat(12)).map(([d, l, i]) => d.slice(0, i) + l + d.slice(i)),
  // too many digits: the library is the judge, since a national prefix after the country code
  // ('49 0 7020000000000') is dropped and may leave a valid 15-digit number
  digits(15, 30).filter((d) => !parsePhoneNumberFromString(`+${d}`)?.isValid()),
  // no country code, or empty
  fc.constantFrom('07911123456', '0', '', '   ', '+', '00'),
  // form injection and list separators smuggled into one number
  fc.constantFrom(...INJECTIONS).map((inj) => OK_MOBILE + inj),
  fc.constantFrom(`${OK_MOBILE},8613900000001`, `${OK_MOBILE};8613900000001`, `${OK_MOBILE}\n`, `${OK_MOBILE}\u0000`),
  fc.constantFrom(...PROTOTYPE_WORDS),
  fc.tuple(unpaired, fc.constant(OK_MOBILE)).map(([u, m]) => m + u),
  fc.tuple(control, fc.constant(OK_MOBILE)).map(([c, m]) => m.slice(0, 4) + c + m.slice(4)),
);

const badVariable = fc.oneof(
  fc.tuple(fc.string(), fc.constantFrom('##', '$$'), fc.string()).map(([a, s, b]) => a + s + b),
  fc.string().map((s) => `#${s}`),
  fc.string().map((s) => `${s}#`),
  fc.tuple(fc.string(), unpaired, fc.string()).map(([a, u, b]) => a + u + b),
  fc.tuple(fc.string(), control, fc.string()).map(([a, c, b]) => a + c + b),
  fc.constant(''),
  wrongType,
);

const pad = (n: number) => String(n).padStart(2, '0');
const impossibleTime = fc.oneof(
  fc.record({ y: fc.integer({ min: 1000, max: 9999 }), mo: fc.integer({ min: 13, max: 99 }), d: fc.integer({ min: 1, max: 28 }) }).map(({ y, mo, d }) => `${y}-${pad(mo)}-${pad(d)} 10:00:00`),
  fc.record({ y: fc.integer({ min: 1000, max: 9999 }), mo: fc.constantFrom(2, 4, 6, 9, 11), d: fc.integer({ min: 31, max: 99 }) }).map(({ y, mo, d }) => `${y}-${pad(mo)}-${pad(d)} 10:00:00`),
  fc.integer({ min: 1001, max: 2099 }).filter((y) => y % 4 !== 0).map((y) => `${y}-02-29 12:00:00`),
  fc.record({ h: fc.integer({ min: 24, max: 99 }), m: fc.integer({ min: 60, max: 99 }) }).map(({ h, m }) => `2030-01-01 ${pad(h)}:${pad(m)}:00`),
  fc.constantFrom('2030-1-1 1:1:1', '2030-01-01T10:00:00', '2030-01-01 10:00', '2030-01-01 10:00:00Z', '', 'tomorrow', '2030-01-01 10:00:00&secret=x'),
  fc.constantFrom(new Date(NaN), new Date(-62198755200000), new Date(8.64e15)),
  wrongType.filter((v) => !(v instanceof Date) && v !== null),
);

const badShortText = fc.oneof(
  fc.constantFrom('', '   ', '\t'),
  fc.string({ minLength: 65, maxLength: 200 }),
  fc.tuple(fc.string(), unpaired).map(([a, u]) => a + u),
  fc.tuple(fc.string(), control).map(([a, c]) => a + c),
  wrongType.filter((v) => v !== null),
);

// Built once: one over each per-request limit.
const TOO_MANY_MOBILES = Array.from({ length: 50_001 }, (_, i) => `4479${String(11_000_000 + i)}`);
const TOO_MANY_MESSAGES = Array.from({ length: 10_001 }, (_, i) => ({ mobile: `4479${String(11_000_000 + i)}`, variables: ['x'] }));

function withOwnKey(base: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  // JSON.parse makes `__proto__` an own property, as a request body parser would.
  return Object.assign(JSON.parse(`{${JSON.stringify(key)}: ${JSON.stringify(value ?? null)}}`) as object, base);
}

const hostileInput: fc.Arbitrary<Hostile> = fc.oneof(
  // the mobiles list and its entries
  nonArray.map(asSend('mobiles', (v) => ({ mobiles: v }))),
  fc.constant([]).map(asSend('mobiles', (v) => ({ mobiles: v }))),
  fc.constant(TOO_MANY_MOBILES).map(asSend('mobiles', (v) => ({ mobiles: v }))),
  fc.tuple(badMobile, fc.nat(3)).map(([m, i]) => {
    const mobiles = [OK_MOBILE, OK_MOBILE, OK_MOBILE, OK_MOBILE];
    mobiles[i] = m;
    return { method: 'send' as const, input: plain({ mobiles }), path: `mobiles[${i}]` };
  }),
  fc.oneof(wrongType, fc.constant(undefined)).map((v) => ({ method: 'send' as const, input: plain({ mobiles: [OK_MOBILE, v] }), path: 'mobiles[1]' })),
  // variables
  nonArray.map(asSend('variables', (v) => ({ variables: v }))),
  fc.constant([]).map(asSend('variables', (v) => ({ variables: v }))),
  fc.tuple(badVariable, fc.nat(2)).map(([bad, i]) => {
    const variables = ['a', 'b', 'c'];
    variables[i] = bad as string;
    return { method: 'send' as const, input: plain({ variables }), path: `variables[${i}]` };
  }),
  // optional fields
  impossibleTime.map(asSend('scheduleSendTime', (v) => ({ scheduleSendTime: v }))),
  fc.tuple(fc.constantFrom('templateId', 'sign', 'senderId'), badShortText).map(([field, v]) => ({ method: 'send' as const, input: plain({ [field]: v }), path: field })),
  // personalised messages
  nonArray.map(asPersonal('messages', (v) => ({ messages: v }))),
  fc.constant(TOO_MANY_MESSAGES).map(asPersonal('messages', (v) => ({ messages: v }))),
  badMobile.map(asPersonal('messages[1].mobile', (m) => ({ messages: [{ mobile: OK_MOBILE, variables: ['a'] }, { mobile: m, variables: ['b'] }] }))),
  badVariable.map(asPersonal('messages[0].variables[0]', (v) => ({ messages: [{ mobile: OK_MOBILE, variables: [v] }] }))),
  fc.oneof(wrongType, fc.constant([])).map(asPersonal('messages[0]', (v) => ({ messages: [v] }))),
  fc.constantFrom(`+${OK_MOBILE}`, `0044 7911 123456`, OK_MOBILE).map(asPersonal('messages[1].mobile', (dup) => ({ messages: [{ mobile: OK_MOBILE, variables: ['a'] }, { mobile: dup, variables: ['b'] }] }))),
  // prototype-pollution keys, as parsed from JSON, at the top and inside a message
  fc.tuple(fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.oneof(fc.constant({ templateId: 'evil', polluted: true }), fc.string(), wrongType.filter((v) => typeof v !== 'bigint' && typeof v !== 'symbol' && typeof v !== 'function')))
    .chain(([key, value]) =>
      fc.constantFrom<Hostile>(
        { method: 'send', input: withOwnKey(plain({}), key, value), path: key },
        { method: 'sendPersonalized', input: withOwnKey(personal({}), key, value), path: key },
        { method: 'sendPersonalized', input: personal({ messages: [withOwnKey({ mobile: OK_MOBILE, variables: ['a'] }, key, value)] }), path: `messages[0].${key}` },
      ),
    ),
  // unknown fields (typos of real ones and random names)
  fc.tuple(fc.constantFrom('templateID', 'Mobiles', 'mobile', 'content', 'secret', 'accesskey', 'data'), fc.string()).map(([k, v]) => ({ method: 'send' as const, input: plain({ [k]: v }), path: k })),
  // not an object at all, or one that cannot be read
  fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant(undefined), fc.array(fc.string(), { maxLength: 2 })).chain((v) =>
    fc.constantFrom<Hostile>({ method: 'send', input: v, path: '(input)' }, { method: 'sendPersonalized', input: v, path: '(input)' }),
  ),
  fc.constantFrom<Hostile>(
    { method: 'send', input: Object.defineProperty(plain({}), 'mobiles', { enumerable: true, get: () => { throw new Error('boom'); } }), path: '(input)' },
    { method: 'send', input: new Proxy(plain({}), { ownKeys: () => { throw new Error('boom'); } }), path: '(input)' },
  ),
);

const INVALID_RUNS = 1_500;
const VALID_RUNS = 300;

describe('hostile and malformed input (property-based)', () => {
  let sandbox: ChonrySmsSandbox;
  let app: INestApplication;
  let sms: ChonrySmsService;
  beforeAll(async () => {
    sandbox = await startSandbox();
    ({ app, sms } = await smsApp(sandbox.url, { timeout: 2_000 }));
  });
  afterAll(async () => {
    await app.close();
    await sandbox.close();
  });

  it(`refuses ${INVALID_RUNS} generated invalid inputs with ChonrySmsValidationError, sending nothing`, async () => {
    sandbox.reset();
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(hostileInput, async ({ method, input, path }) => {
        tried++;
        const before = sandbox.requests.length;
        const err = await rejectionOf((sms[method] as (i: unknown) => Promise<unknown>)(input));
        assert.ok(err instanceof ChonrySmsValidationError, `${String(err)}`);
        assert.equal(err.delivery, 'not-sent');
        assert.ok(err.problems.some((p) => p.path.startsWith(path)), `expected a problem at ${path}, got ${JSON.stringify(err.problems).slice(0, 300)}`);
        assert.equal(sandbox.requests.length, before, 'a request reached the server');
      }),
      { numRuns: INVALID_RUNS },
    );
    assert.equal(tried, INVALID_RUNS);
    assert.equal(sandbox.requests.length, 0);
    // Nothing reached Object.prototype through a `__proto__` key.
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(({} as Record<string, unknown>).templateId, undefined);
  });

  describe('valid input round-trips', () => {
    const POOL = ['447911123456', '8613900000001', '33612345678', '4915112345678', '819012345678', '61412345678', '5511987654321', '6591234567'];
    beforeAll(() => {
      for (const m of POOL) assert.deepEqual(normalizeMobile(m), { mobile: m }, m);
    });
    const written = (m: string) =>
      fc.constantFrom(m, `+${m}`, `00${m}`, `+${m.slice(0, 2)} ${m.slice(2, 6)} ${m.slice(6)}`, `+${m.slice(0, 2)}-${m.slice(2, 6)}-${m.slice(6)}`);
    const text = fc.oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }),
      fc.constantFrom(...INJECTIONS.map((i) => `x${i}`), 'a+b c%d', '100%', '%25', '"quoted" \\ back', '先生', '😀👍🏽', 'line\nbreak\ttab', '$', 'x#y'),
    );
    const variable = text.filter((v) => variableProblem(v) === undefined);
    const shortText = text.filter((v) => shortTextProblem(v) === undefined);
    const common = fc.record(
      { templateId: shortText, sign: shortText, senderId: shortText, scheduleSendTime: fc.date({ min: new Date('2001-01-01'), max: new Date('2099-01-01'), noInvalidDate: true }) },
      { requiredKeys: [] },
    );
    const expectCommon = (c: { templateId?: string; sign?: string; senderId?: string; scheduleSendTime?: Date }) => ({
      templateId: c.templateId ?? '100',
      sign: c.sign,
      senderId: c.senderId,
      scheduleSendTime: c.scheduleSendTime && formatScheduleTime(c.scheduleSendTime, 'Asia/Shanghai'),
    });

    it(`send(): ${VALID_RUNS} generated inputs arrive exactly as sent`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(fc.constantFrom(...POOL), { minLength: 1, maxLength: 4 }).chain((ms) => fc.tuple(...ms.map(written)).map((w) => [ms, w] as const)),
          fc.array(variable, { minLength: 1, maxLength: 5 }),
          common,
          async ([mobiles, writtenAs], variables, c) => {
            sandbox.reset();
            const result = await sms.send({ mobiles: [...writtenAs], variables, ...c });
            assert.equal(result.recipients, mobiles.length);
            assert.equal(sandbox.requests.length, 1);
            const req = sandbox.requests[0];
            assert.equal(req.reply.code, '0');
            assert.equal(req.rawBody.split('&secret=').length, 2, 'exactly one secret field');
            assert.equal(req.rawBody.split('&mobile=').length, 2, 'exactly one mobile field');
            assert.deepEqual(Object.keys(req.fields).sort(), ['accesskey', 'content', 'mobile', 'secret', ...Object.keys(c).filter((k) => k !== 'templateId'), 'templateId'].sort());
            const e = expectCommon(c);
            assert.deepEqual(
              sandbox.messages.map((m) => ({ mobile: m.mobile, variables: m.variables, templateId: m.templateId, sign: m.sign, senderId: m.senderId, scheduleSendTime: m.scheduleSendTime })),
              mobiles.map((mobile) => ({ mobile, variables, ...e })),
            );
          },
        ),
        { numRuns: VALID_RUNS },
      );
    });

    it(`sendPersonalized(): ${VALID_RUNS} generated inputs arrive exactly as sent`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(fc.constantFrom(...POOL), { minLength: 1, maxLength: 4 }).chain((ms) =>
            fc.tuple(...ms.map((m) => fc.record({ mobile: written(m), variables: fc.array(variable, { minLength: 1, maxLength: 4 }) }))).map((msgs) => [ms, msgs] as const),
          ),
          common,
          async ([mobiles, messages], c) => {
            sandbox.reset();
            await sms.sendPersonalized({ messages, ...c });
            assert.equal(sandbox.requests.length, 1);
            assert.equal(sandbox.requests[0].rawBody.split('&secret=').length, 2);
            const e = expectCommon(c);
            assert.deepEqual(
              sandbox.messages.map((m) => ({ mobile: m.mobile, variables: m.variables, templateId: m.templateId, sign: m.sign, senderId: m.senderId, scheduleSendTime: m.scheduleSendTime })),
              messages.map((msg, i) => ({ mobile: mobiles[i], variables: msg.variables, ...e })),
            );
          },
        ),
        { numRuns: VALID_RUNS },
      );
    });
  });
});
