import { ChonrySmsValidationError } from '../errors';

/**
 * The request body, byte for byte as the provider's official client (Java, commons-httpclient 3.1)
 * writes it. `content` and `data` are URL-encoded once by that client and once more by the form
 * body, so the server decodes them twice; every other field is encoded once.
 */

const JAVA_EXTRA = /[!'()~]/;
const UNRESERVED = /^[A-Za-z0-9.*_-]*$/;

/** `encodeURIComponent` plus the characters it leaves that Java's URLEncoder escapes. */
function percentEncode(s: string): string {
  const encoded = encodeURIComponent(s);
  // Plain string replacements: a per-match callback costs too much on 10,000-message bodies.
  return JAVA_EXTRA.test(encoded)
    ? encoded.replaceAll('!', '%21').replaceAll("'", '%27').replaceAll('(', '%28').replaceAll(')', '%29').replaceAll('~', '%7E')
    : encoded;
}

/** `java.net.URLEncoder.encode(s, "UTF-8")`: unreserved `A-Za-z0-9.-*_`, space as `+`. */
export function javaUrlEncode(s: string): string {
  if (UNRESERVED.test(s)) return s; // most keys, ids and numbers: nothing to encode
  const encoded = percentEncode(s);
  return s.includes(' ') ? encoded.replaceAll('%20', '+') : encoded;
}

// `javaUrlEncode` twice, per ASCII code unit: unreserved characters stay, a space becomes `%2B`
// (its `+`, encoded), any other byte `%25XX` (its `%XX`, with the `%` encoded).
const HEX = '0123456789ABCDEF';
const TWICE_ASCII: string[] = Array.from({ length: 128 }, (_, c) => {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9.*_-]/.test(ch)) return ch;
  if (ch === ' ') return '%2B';
  return `%25${HEX[c >> 4]}${HEX[c & 15]}`;
});
const TWICE_ASCII_LENGTH = Uint8Array.from(TWICE_ASCII, (t) => t.length);
const TWICE_ASCII_CODES = TWICE_ASCII.map((t) => Uint8Array.from(t, (ch) => ch.charCodeAt(0)));

function writeTwiceEncodedByte(out: Buffer, at: number, byte: number): number {
  out[at] = 37; // %
  out[at + 1] = 50; // 2
  out[at + 2] = 53; // 5
  out[at + 3] = HEX.charCodeAt(byte >> 4);
  out[at + 4] = HEX.charCodeAt(byte & 15);
  return at + 5;
}

/**
 * `javaUrlEncode` applied twice, in one pass over the text into a buffer: `%25XX` for every byte
 * of a character's UTF-8 form outside the unreserved set, `%2B` for a space. The same bytes as
 * `javaUrlEncode(javaUrlEncode(s))` (a property test holds it to that), at a fraction of the cost
 * on a 10,000-message `data` field. An unpaired surrogate throws `URIError`, as
 * `encodeURIComponent` does.
 */
export function doubleUrlEncode(s: string): string {
  const n = s.length;
  // Pass 1: the encoded length (and the surrogate check).
  let length = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) length += TWICE_ASCII_LENGTH[c];
    else if (c < 0x800) length += 10;
    else if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) throw new URIError('URI malformed');
      length += 20;
      i++;
    } else length += 15;
  }
  if (length === n) return s; // nothing to encode
  // Pass 2: the bytes.
  const out = Buffer.allocUnsafe(length);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      const codes = TWICE_ASCII_CODES[c];
      if (codes.length === 1) out[at++] = c;
      else for (let k = 0; k < codes.length; k++) out[at++] = codes[k];
    } else if (c < 0x800) {
      at = writeTwiceEncodedByte(out, at, 0xc0 | (c >> 6));
      at = writeTwiceEncodedByte(out, at, 0x80 | (c & 63));
    } else if (c >= 0xd800 && c <= 0xdbff) {
      const cp = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
      at = writeTwiceEncodedByte(out, at, 0xf0 | (cp >> 18));
      at = writeTwiceEncodedByte(out, at, 0x80 | ((cp >> 12) & 63));
      at = writeTwiceEncodedByte(out, at, 0x80 | ((cp >> 6) & 63));
      at = writeTwiceEncodedByte(out, at, 0x80 | (cp & 63));
    } else {
      at = writeTwiceEncodedByte(out, at, 0xe0 | (c >> 12));
      at = writeTwiceEncodedByte(out, at, 0x80 | ((c >> 6) & 63));
      at = writeTwiceEncodedByte(out, at, 0x80 | (c & 63));
    }
  }
  return out.toString('latin1', 0, at);
}

/**
 * Normalised numbers (ASCII digits) joined with the encoded comma `%2C`: the same string as
 * `javaUrlEncode(mobiles.join(','))`. Joined a thousand at a time and then the parts: V8's `join`
 * over one 50,000-element array costs about twice as much as over fifty small ones.
 */
export function joinEncodedMobiles(mobiles: readonly string[]): string {
  const count = mobiles.length;
  for (let i = 0; i < count; i++) {
    // Not a normalised number after all: encode the list the general way (the same bytes).
    if (!DIGITS_ONLY.test(mobiles[i])) return javaUrlEncode(mobiles.join(','));
  }
  if (count <= JOIN_PART) return mobiles.join('%2C');
  const parts: string[] = [];
  for (let i = 0; i < count; i += JOIN_PART) parts.push(mobiles.slice(i, i + JOIN_PART).join('%2C'));
  return parts.join('%2C');
}
const JOIN_PART = 1_000;
const DIGITS_ONLY = /^[0-9]*$/;

/** The fields of one send, already validated and in wire form (mobiles joined, variables joined). */
export interface WireFields {
  sign?: string;
  templateId?: string;
  mobile?: string;
  /**
   * Normalised numbers (ASCII digits only), sent as `mobile` by `joinEncodedMobiles`: the same bytes
   * as `javaUrlEncode(mobiles.join(','))` without encoding a 50,000-number string.
   */
  mobiles?: readonly string[];
  content?: string;
  data?: string;
  scheduleSendTime?: string;
  senderId?: string;
}

/**
 * Builds the form body in the official client's field order; absent fields are omitted. Every
 * field is checked before it gets here; should text that cannot be written as UTF-8 arrive anyway,
 * the call fails as invalid input (nothing sent) instead of with the encoder's raw `URIError`.
 */
export function encodeSendForm(accessKey: string, secret: string, f: WireFields): string {
  try {
    return sendForm(accessKey, secret, f);
  } catch (err) {
    if (err instanceof URIError) throw new ChonrySmsValidationError([{ path: 'request', message: 'contains an unpaired UTF-16 surrogate, so it cannot be sent as UTF-8' }]);
    throw err;
  }
}

function sendForm(accessKey: string, secret: string, f: WireFields): string {
  let body = `accesskey=${javaUrlEncode(accessKey)}&secret=${javaUrlEncode(secret)}`;
  if (f.sign !== undefined) body += `&sign=${javaUrlEncode(f.sign)}`;
  if (f.templateId !== undefined) body += `&templateId=${javaUrlEncode(f.templateId)}`;
  if (f.mobiles !== undefined) body += `&mobile=${joinEncodedMobiles(f.mobiles)}`;
  else if (f.mobile !== undefined) body += `&mobile=${javaUrlEncode(f.mobile)}`;
  if (f.content !== undefined) body += `&content=${doubleUrlEncode(f.content)}`;
  if (f.data !== undefined) body += `&data=${doubleUrlEncode(f.data)}`;
  if (f.scheduleSendTime !== undefined) body += `&scheduleSendTime=${javaUrlEncode(f.scheduleSendTime)}`;
  if (f.senderId !== undefined) body += `&senderId=${javaUrlEncode(f.senderId)}`;
  return body;
}

/**
 * The body of an account endpoint's form POST: `accesskey` and `secret` only, encoded once and in
 * that order, as they are in a send.
 */
export function encodeAccountForm(accessKey: string, secret: string): string {
  try {
    return `accesskey=${javaUrlEncode(accessKey)}&secret=${javaUrlEncode(secret)}`;
  } catch (err) {
    if (err instanceof URIError) throw new ChonrySmsValidationError([{ path: 'request', message: 'contains an unpaired UTF-16 surrogate, so it cannot be sent as UTF-8' }]);
    throw err;
  }
}

/** The `data` field: a JSON object of mobile → joined variables, keys in the caller's order. */
export function personalizedData(entries: Iterable<readonly [string, string]>): string {
  let json = '{';
  let first = true;
  for (const [mobile, content] of entries) {
    json += `${first ? '' : ','}${JSON.stringify(mobile)}:${JSON.stringify(content)}`;
    first = false;
  }
  return `${json}}`;
}
