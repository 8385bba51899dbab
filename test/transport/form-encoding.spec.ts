import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import fc from 'fast-check';
import { doubleUrlEncode, encodeSendForm, javaUrlEncode, joinEncodedMobiles, personalizedData } from '../../lib/transport';
import { loadVectors } from '../helpers';

describe('form encoding', () => {
  const vectors = loadVectors();

  it('has the official client vectors to replay', () => {
    assert.ok(vectors.length >= 4);
  });

  for (const v of vectors) {
    it(`produces the official client's bytes for vector ${v.name}`, () => {
      const body =
        v.kind === 'plain'
          ? encodeSendForm('xxxxxxxxxx', 'yyyyyyyyyy', { mobile: v.mobile, content: v.content })
          : encodeSendForm('xxxxxxxxxx', 'yyyyyyyyyy', { sign: '123', templateId: '100', data: v.data });
      assert.equal(body, v.body);
    });
  }

  it('encodes like java.net.URLEncoder', () => {
    assert.equal(javaUrlEncode("a b!'()~*-_.z"), 'a+b%21%27%28%29%7E*-_.z');
    assert.equal(doubleUrlEncode('a+b %'), 'a%252Bb%2B%2525');
  });

  it('writes fields in the official order and omits absent ones', () => {
    const body = encodeSendForm('k', 's', {
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

  it('joins numbers with the encoded comma exactly as encoding the joined list does', () => {
    const digits = fc.stringMatching(/^[0-9]{0,16}$/);
    const anyText = fc.string({ unit: fc.constantFrom('1', '2', ',', ' ', '+', 'é', '%'), maxLength: 8 });
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 5, arbitrary: digits }, { weight: 1, arbitrary: anyText }), { maxLength: 20 }), (list) => joinEncodedMobiles(list) === javaUrlEncode(list.join(','))),
      { numRuns: 5_000 },
    );
    assert.equal(joinEncodedMobiles(['447911123456', '8613900000000']), '447911123456%2C8613900000000');
  });
});
