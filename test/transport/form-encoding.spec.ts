import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import fc from 'fast-check';
import { doubleUrlEncode, encodeAccountForm, encodeSendForm, javaUrlEncode, personalizedData, WireFields } from '../../lib/transport';
import { MessageList } from '../../lib/validation';
import { loadVectors } from '../helpers';

// The body as the bytes on the wire say it: every byte is ASCII, so latin1 reads it back exactly.
const form = (accessKey: string, secret: string, fields: WireFields): string => {
  const body = encodeSendForm(accessKey, secret, fields);
  assert.ok(Buffer.isBuffer(body));
  assert.ok(body.every((byte) => byte < 0x80), 'a byte outside ASCII in the form body');
  return body.toString('latin1');
};

describe('form encoding', () => {
  const vectors = loadVectors();

  it('has the official client vectors to replay', () => {
    assert.ok(vectors.length >= 4);
  });

  for (const v of vectors) {
    it(`produces the official client's bytes for vector ${v.name}`, () => {
      const body =
        v.kind === 'plain'
          ? form('xxxxxxxxxx', 'yyyyyyyyyy', { mobile: v.mobile, content: v.content })
          : form('xxxxxxxxxx', 'yyyyyyyyyy', { sign: '123', templateId: '100', data: v.data });
      assert.equal(body, v.body);
    });
  }

  it('encodes like java.net.URLEncoder', () => {
    assert.equal(javaUrlEncode("a b!'()~*-_.z"), 'a+b%21%27%28%29%7E*-_.z');
    assert.equal(doubleUrlEncode('a+b %'), 'a%252Bb%2B%2525');
  });

  it('writes fields in the official order and omits absent ones', () => {
    const body = form('k', 's', {
      senderId: 'ACME',
      scheduleSendTime: '2018-01-01 18:00:00',
      content: 'x',
      mobile: '1',
      templateId: '7',
      sign: '【A】',
    });
    assert.deepEqual(body.split('&').map((p) => p.split('=')[0]), ['accesskey', 'secret', 'sign', 'templateId', 'mobile', 'content', 'scheduleSendTime', 'senderId']);
    assert.match(body, /scheduleSendTime=2018-01-01\+18%3A00%3A00/);
  });

  it('keeps the caller\'s key order in data, even for short numeric keys', () => {
    assert.equal(personalizedData([['6831234', 'b'], ['12', 'a']]), '{"6831234":"b","12":"a"}');
  });

  it('double-encodes exactly as the Java URLEncoder applied twice, for any text', () => {
    const tricky = fc.string({ unit: fc.constantFrom(...' +%!\'()~#$&=*._-,:;/?"\\\n\t中😀é'), maxLength: 40 });
    const text = fc.oneof(tricky, fc.string({ unit: 'grapheme', maxLength: 40 }));
    fc.assert(fc.property(text, (s) => doubleUrlEncode(s) === javaUrlEncode(javaUrlEncode(s))), { numRuns: 5_000 });
    assert.equal(doubleUrlEncode('a b+c%20'), 'a%2Bb%252Bc%252520');
  });

  it('double-encodes any UTF-16 text as the two passes do, and refuses an unpaired surrogate as they do', () => {
    // Any code unit, lone surrogates included: both ways give the same string or both throw URIError.
    const unit = fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0xd800, max: 0xdfff }));
    const text = fc.array(unit, { maxLength: 30 }).map((units) => String.fromCharCode(...units));
    const outcome = (f: () => string) => {
      try {
        return f();
      } catch (err) {
        return err instanceof URIError ? 'URIError' : `other: ${String(err)}`;
      }
    };
    fc.assert(fc.property(text, (s) => outcome(() => doubleUrlEncode(s)) === outcome(() => javaUrlEncode(javaUrlEncode(s)))), { numRuns: 10_000 });
    assert.equal(outcome(() => doubleUrlEncode('a\ud800')), 'URIError');
    assert.equal(doubleUrlEncode('😀é中 '), javaUrlEncode(javaUrlEncode('😀é中 ')));
  });

  it('writes a list of numbers exactly as encoding the joined list does, whatever the list holds', () => {
    const digits = fc.stringMatching(/^[0-9]{0,16}$/);
    // '/' and ':' border the ASCII digits; '٣' and '３' are digits elsewhere in Unicode.
    const anyText = fc.string({ unit: fc.constantFrom('1', '2', ',', ' ', '+', 'é', '%', '&', '/', ':', '٣', '３'), maxLength: 8 });
    const list = fc.array(fc.oneof({ weight: 5, arbitrary: digits }, { weight: 1, arbitrary: anyText }), { maxLength: 20 });
    fc.assert(
      fc.property(list, (mobiles) => form('k', 's', { templateId: '7', mobiles, content: 'x' }) === form('k', 's', { templateId: '7', mobile: mobiles.join(','), content: 'x' })),
      { numRuns: 5_000 },
    );
    assert.equal(form('k', 's', { mobiles: ['447911123456', '8613900000000'] }), 'accesskey=k&secret=s&mobile=447911123456%2C8613900000000');
    assert.equal(form('k', 's', { mobiles: [] }), 'accesskey=k&secret=s&mobile=');
  });

  it('writes every field into the buffer as the string encoders give it, for any fields', () => {
    // The buffer's exact size is computed before anything is written: a length off by one byte
    // leaves garbage or cuts the last field.
    const text = fc.string({ unit: fc.oneof(fc.constantFrom(...' +%&=中😀é'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength: 30 });
    const optional = (a: fc.Arbitrary<string>) => fc.option(a, { nil: undefined });
    const fields = fc.record({
      sign: optional(text),
      templateId: optional(fc.stringMatching(/^[0-9]{1,6}$/)),
      mobiles: fc.option(fc.array(fc.stringMatching(/^[0-9]{1,15}$/), { maxLength: 6 }), { nil: undefined }),
      content: optional(text),
      data: optional(text),
      scheduleSendTime: optional(text),
      senderId: optional(text),
    });
    const expected = (k: string, s: string, f: WireFields): string => {
      let body = `accesskey=${javaUrlEncode(k)}&secret=${javaUrlEncode(s)}`;
      if (f.sign !== undefined) body += `&sign=${javaUrlEncode(f.sign)}`;
      if (f.templateId !== undefined) body += `&templateId=${javaUrlEncode(f.templateId)}`;
      if (f.mobiles !== undefined) body += `&mobile=${javaUrlEncode(f.mobiles.join(','))}`;
      if (f.content !== undefined) body += `&content=${javaUrlEncode(javaUrlEncode(f.content))}`;
      if (f.data !== undefined) body += `&data=${javaUrlEncode(javaUrlEncode(f.data))}`;
      if (f.scheduleSendTime !== undefined) body += `&scheduleSendTime=${javaUrlEncode(f.scheduleSendTime)}`;
      if (f.senderId !== undefined) body += `&senderId=${javaUrlEncode(f.senderId)}`;
      return body;
    };
    fc.assert(fc.property(text, text, fields, (k, s, f) => form(k, s, f) === expected(k, s, f)), { numRuns: 3_000 });
  });

  it('writes personalised messages as data exactly as the JSON text of them, double-encoded, for any text', () => {
    // Any code unit, lone surrogates, quotes, backslashes and controls included: JSON.stringify's
    // escapes are the definition, and the writer never builds that text.
    const unit = fc.oneof(fc.constantFrom(...'"\\\n\t\u0000\u001f\u007f#$ +%&中😀é'), fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)));
    const text = fc.array(unit, { maxLength: 12 }).map((units) => units.join(''));
    const message = fc.record({ mobile: fc.oneof(fc.stringMatching(/^[0-9]{1,15}$/), text), variables: fc.array(text, { maxLength: 4 }) });
    fc.assert(
      fc.property(fc.array(message, { maxLength: 8 }), (messages) => {
        const data = personalizedData(messages.map((m) => [m.mobile, m.variables.join('##')] as const));
        return form('k', 's', { templateId: '7', messages: MessageList.of(messages), senderId: 'A' }) === form('k', 's', { templateId: '7', data, senderId: 'A' });
      }),
      { numRuns: 5_000 },
    );
    assert.equal(
      form('k', 's', { messages: MessageList.of([{ mobile: '4479', variables: ['a "b"', 'c'] }]) }),
      `accesskey=k&secret=s&data=${doubleUrlEncode('{"4479":"a \\"b\\"##c"}')}`,
    );
  });

  it('writes the account form as the send form starts', () => {
    assert.equal(encodeAccountForm('k 1', 's&2').toString('latin1'), 'accesskey=k+1&secret=s%262');
  });
});
