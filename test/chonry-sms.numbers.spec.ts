import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from '@jest/globals';
import { INestApplication } from '@nestjs/common';
import fc from 'fast-check';
import { ChonrySmsModule, ChonrySmsService, ChonrySmsValidationError } from '../lib';
import { ChonrySmsSandbox } from '../lib/testing';
import { ACCESS_KEY, createApp, rejectionOf, SECRET, startSandbox } from './helpers';

/** Ways of writing one handset, each with a trunk prefix or without, and the E.164 digits all of them mean. */
const HANDSETS: { written: string[]; e164: string }[] = [
  { written: ['+44 7911 123456', '+44 (0)7911 123456', '447911123456', '+4407911123456', '0044 07911 123456'], e164: '447911123456' },
  { written: ['+1 212 555 0123', '+1 1 212 555 0123', '1 (212) 555-0123'], e164: '12125550123' },
  { written: ['+7 912 345 6789', '+7 8 912 345 6789', '+7 (8) 912 345-67-89'], e164: '79123456789' },
  { written: ['+81 90 1234 5678', '+81 090 1234 5678', '0081 (0)90-1234-5678'], e164: '819012345678' },
  { written: ['+61 412 345 678', '+61 0412 345 678'], e164: '61412345678' },
  { written: ['+49 151 12345678', '+49 0151 12345678', '+49 (0)151 1234 5678'], e164: '4915112345678' },
  { written: ['+33 6 12 34 56 78', '+33 06 12 34 56 78', '+33 (0)6.12.34.56.78'], e164: '33612345678' },
  // Italy's leading 0 is part of the number, not a trunk prefix.
  { written: ['+39 06 1234 5678', '0039 0612345678', '390612345678'], e164: '390612345678' },
];

describe('one handset written several ways is one recipient, sent as its E.164 digits', () => {
  let sandbox: ChonrySmsSandbox;
  let app: INestApplication;
  let sms: ChonrySmsService;

  beforeAll(async () => {
    sandbox = await startSandbox();
    app = await createApp({
      imports: [ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl: sandbox.url, timeout: 2000, templateId: '100' })],
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

  const wire = () => sandbox.requests.flatMap((r) => r.fields.mobile?.split(',') ?? []);

  it("send(): the issue's three forms of +44 7911 123456 are one recipient on the wire", async () => {
    const result = await sms.send({ mobiles: ['+44 7911 123456', '+44 (0)7911 123456', '447911123456'], variables: ['x'] });
    assert.equal(result.recipients, 1);
    assert.equal(sandbox.requests.length, 1);
    assert.deepEqual(wire(), ['447911123456']);
    assert.deepEqual(sandbox.messages.map((m) => m.mobile), ['447911123456']);
  });

  it('sendBulk(): every trunk-prefix form counts once and goes on the wire once, as E.164', async () => {
    const result = await sms.sendBulk({ mobiles: ['+44 7911 123456', '+44 (0)7911 123456', '447911123456'], variables: ['x'] });
    assert.equal(result.total, 1);
    assert.equal(result.sent, 1);
    assert.deepEqual(result.batches.flatMap((b) => b.mobiles), ['447911123456']);
    assert.deepEqual(wire(), ['447911123456']);

    sandbox.reset();
    const all = HANDSETS.flatMap((h) => h.written);
    const every = await sms.sendBulk({ mobiles: all, variables: ['x'] });
    assert.equal(every.total, HANDSETS.length);
    assert.deepEqual(wire(), HANDSETS.map((h) => h.e164), 'first occurrences, in order');
  });

  it('sendBulk(): any mix and order of written forms sends each handset exactly once (property)', async () => {
    const writtenForms = HANDSETS.flatMap((h) => h.written.map((w) => ({ w, e164: h.e164 })));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...writtenForms), { minLength: 1, maxLength: 12 }), async (picked) => {
        sandbox.reset();
        const result = await sms.sendBulk({ mobiles: picked.map((p) => p.w), variables: ['x'] });
        const expected = [...new Set(picked.map((p) => p.e164))];
        assert.equal(result.total, expected.length);
        assert.deepEqual(wire(), expected);
      }),
      { numRuns: 25 },
    );
  });

  it('sendPersonalized(): a second form of the same handset is refused as a duplicate, and nothing is sent', async () => {
    for (const { written, e164 } of HANDSETS) {
      const err = await rejectionOf(sms.sendPersonalized({ messages: written.map((mobile, i) => ({ mobile, variables: [`v${i}`] })) }));
      assert.ok(err instanceof ChonrySmsValidationError, String(err));
      assert.deepEqual(
        err.problems.map((p) => [p.path, p.message]),
        written.slice(1).map((_, i) => [`messages[${i + 1}].mobile`, `${e164} is already the recipient of messages[0]; each mobile may appear once`]),
      );
    }
    assert.equal(sandbox.requests.length, 0);
  });

  it('sendPersonalized() and sendPersonalizedBulk(): one form per handset goes on the wire as E.164', async () => {
    const messages = HANDSETS.map((h, i) => ({ mobile: h.written[h.written.length - 1], variables: [`v${i}`] }));
    const result = await sms.sendPersonalized({ messages });
    assert.equal(result.recipients, HANDSETS.length);
    assert.deepEqual(sandbox.messages.map((m) => [m.mobile, m.variables]), HANDSETS.map((h, i) => [h.e164, [`v${i}`]]));

    sandbox.reset();
    const bulk = await sms.sendPersonalizedBulk({ messages });
    assert.equal(bulk.total, HANDSETS.length);
    assert.deepEqual(sandbox.messages.map((m) => m.mobile), HANDSETS.map((h) => h.e164));
    const err = await rejectionOf(sms.sendPersonalizedBulk({ messages: [...messages, { mobile: '+44 (0)7911 123456', variables: ['again'] }] }));
    assert.ok(err instanceof ChonrySmsValidationError, String(err));
    assert.match(err.problems[0].message, /^447911123456 is already the recipient of messages\[0\]/);
  });
});
