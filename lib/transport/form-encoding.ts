import { ChonrySmsValidationError } from '../errors';
import { VARIABLE_SEPARATOR } from '../validation/variables';

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
const TWICE_ASCII_CODES: Uint8Array[] = Array.from({ length: 128 }, (_, c) => {
  const ch = String.fromCharCode(c);
  const twice = /[A-Za-z0-9.*_-]/.test(ch) ? ch : ch === ' ' ? '%2B' : `%25${HEX[c >> 4]}${HEX[c & 15]}`;
  return Uint8Array.from(twice, (t) => t.charCodeAt(0));
});

/** The double-encoded bytes of ASCII text (the table entries below are built with it). */
function twiceCodes(ascii: string): Uint8Array {
  return Uint8Array.from(Array.from(ascii, (ch) => [...TWICE_ASCII_CODES[ch.charCodeAt(0)]]).flat());
}

/**
 * How one kind of text is double-encoded: what each ASCII code unit becomes, and what an unpaired
 * surrogate does. Every other character is its UTF-8 bytes, each `%25XX`.
 */
interface TwiceEncoding {
  ascii: readonly Uint8Array[];
  asciiLength: Uint8Array;
  /** The bytes for an unpaired surrogate, or undefined to refuse it (`URIError`). */
  loneSurrogate?: (c: number) => Uint8Array;
}

const tableOf = (ascii: Uint8Array[], loneSurrogate?: (c: number) => Uint8Array): TwiceEncoding => ({
  ascii,
  asciiLength: Uint8Array.from(ascii, (t) => t.length),
  loneSurrogate,
});

/** Plain text: `javaUrlEncode(javaUrlEncode(s))`; an unpaired surrogate throws, as `encodeURIComponent` does. */
const PLAIN_TEXT = tableOf(TWICE_ASCII_CODES);

/**
 * Text inside a JSON string literal: `JSON.stringify`'s escapes (`\"`, `\\`, `\n`, `\u0001`, an
 * unpaired surrogate as `\udxxx`), then double-encoded. Built from `JSON.stringify` itself.
 */
const jsonEscaped = (c: number): Uint8Array => twiceCodes(JSON.stringify(String.fromCharCode(c)).slice(1, -1));
const JSON_STRING_TEXT = tableOf(Array.from({ length: 128 }, (_, c) => jsonEscaped(c)), jsonEscaped);

function writeTwiceEncodedByte(out: Buffer, at: number, byte: number): number {
  out[at] = 37; // %
  out[at + 1] = 50; // 2
  out[at + 2] = 53; // 5
  out[at + 3] = HEX.charCodeAt(byte >> 4);
  out[at + 4] = HEX.charCodeAt(byte & 15);
  return at + 5;
}

/** Whether the code unit at `i` starts a surrogate pair (the two are one character). */
function pairStartsAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c < 0xd800 || c > 0xdbff) return false;
  const next = s.charCodeAt(i + 1);
  return next >= 0xdc00 && next <= 0xdfff;
}

/** The length of `s` double-encoded the `how` way, in bytes (the encoded form is ASCII). */
function twiceLength(s: string, how: TwiceEncoding): number {
  const n = s.length;
  const { asciiLength } = how;
  let length = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) length += asciiLength[c];
    else if (c < 0x800) length += 10;
    else if (c >= 0xd800 && c <= 0xdfff) {
      if (pairStartsAt(s, i)) {
        length += 20;
        i++;
      } else if (how.loneSurrogate) length += how.loneSurrogate(c).length;
      else throw new URIError('URI malformed');
    } else length += 15;
  }
  return length;
}

/** Writes `s` double-encoded the `how` way into `out` at `at` (the room `twiceLength` measured); returns the end. */
function writeTwice(s: string, out: Buffer, at: number, how: TwiceEncoding): number {
  const n = s.length;
  const { ascii } = how;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      const codes = ascii[c];
      if (codes.length === 1) out[at++] = codes[0];
      else for (let k = 0; k < codes.length; k++) out[at++] = codes[k];
    } else if (c < 0x800) {
      at = writeTwiceEncodedByte(out, at, 0xc0 | (c >> 6));
      at = writeTwiceEncodedByte(out, at, 0x80 | (c & 63));
    } else if (c >= 0xd800 && c <= 0xdfff) {
      if (!pairStartsAt(s, i)) {
        // Only an encoding that writes unpaired surrogates gets here (twiceLength refused them otherwise).
        const codes = how.loneSurrogate!(c);
        out.set(codes, at);
        at += codes.length;
        continue;
      }
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
  return at;
}

/**
 * `javaUrlEncode` applied twice, in one pass over the text: `%25XX` for every byte of a
 * character's UTF-8 form outside the unreserved set, `%2B` for a space. The same bytes as
 * `javaUrlEncode(javaUrlEncode(s))` (a property test holds it to that). An unpaired surrogate throws
 * `URIError`, as `encodeURIComponent` does. The form body writes the same bytes straight into itself.
 */
export function doubleUrlEncode(s: string): string {
  const length = twiceLength(s, PLAIN_TEXT);
  if (length === s.length) return s; // nothing to encode
  const out = Buffer.allocUnsafe(length);
  return out.toString('latin1', 0, writeTwice(s, out, 0, PLAIN_TEXT));
}

// The punctuation of the `data` object, double-encoded.
const DATA_OPEN = twiceCodes('{"');
const DATA_KEY_END = twiceCodes('":"');
const DATA_NEXT = twiceCodes('","');
const DATA_CLOSE = twiceCodes('"}');
const DATA_EMPTY = twiceCodes('{}');
const VARIABLES_SEPARATOR = twiceCodes(VARIABLE_SEPARATOR);

function writeCodes(codes: Uint8Array, out: Buffer, at: number): number {
  // A byte loop: `out.set()` costs more per call than these few bytes take (four per message).
  for (let k = 0; k < codes.length; k++) out[at + k] = codes[k];
  return at + codes.length;
}

/**
 * Personalised messages in wire form (the checks' `MessageList`): message `i` has a normalised
 * number `mobile(i)` and the variables `variable(j)` for `j` from `variablesStart(i)` up to, not
 * including, `variablesStart(i + 1)`.
 */
export interface WireMessages {
  readonly length: number;
  mobile(i: number): string;
  variablesStart(i: number): number;
  variable(j: number): string;
}

/** The length of the `data` field's value for `messages` (see `writeMessagesData`). */
function messagesDataLength(messages: WireMessages): number {
  const count = messages.length;
  if (count === 0) return DATA_EMPTY.length;
  let length = DATA_OPEN.length + DATA_CLOSE.length + (count - 1) * DATA_NEXT.length + count * DATA_KEY_END.length;
  let start = messages.variablesStart(0);
  for (let i = 0; i < count; i++) {
    const end = messages.variablesStart(i + 1);
    length += twiceLength(messages.mobile(i), JSON_STRING_TEXT) + Math.max(0, end - start - 1) * VARIABLES_SEPARATOR.length;
    for (let j = start; j < end; j++) length += twiceLength(messages.variable(j), JSON_STRING_TEXT);
    start = end;
  }
  return length;
}

/**
 * Writes `doubleUrlEncode(personalizedData(...))` of the messages, each message's variables joined
 * with `##`, straight into `out`: no joined variables, JSON text or encoded copy of a 10,000-message
 * object is built on the way. Returns the end.
 */
function writeMessagesData(messages: WireMessages, out: Buffer, at: number): number {
  const count = messages.length;
  if (count === 0) return writeCodes(DATA_EMPTY, out, at);
  at = writeCodes(DATA_OPEN, out, at);
  let start = messages.variablesStart(0);
  for (let i = 0; i < count; i++) {
    const end = messages.variablesStart(i + 1);
    if (i > 0) at = writeCodes(DATA_NEXT, out, at);
    at = writeTwice(messages.mobile(i), out, at, JSON_STRING_TEXT);
    at = writeCodes(DATA_KEY_END, out, at);
    for (let j = start; j < end; j++) {
      if (j > start) at = writeCodes(VARIABLES_SEPARATOR, out, at);
      at = writeTwice(messages.variable(j), out, at, JSON_STRING_TEXT);
    }
    start = end;
  }
  return writeCodes(DATA_CLOSE, out, at);
}

const COMMA_ENCODED = [37, 50, 67]; // %2C

/**
 * The room `mobiles` take joined with the encoded comma `%2C` if every one is a normalised number
 * (ASCII digits), or -1 when one is not even a string. Only lengths are read here: the digits are
 * checked as `writeJoinedMobiles` copies them, so each number is read once.
 */
function joinedMobilesLength(mobiles: readonly string[]): number {
  const count = mobiles.length;
  let length = count > 0 ? 3 * (count - 1) : 0;
  for (let i = 0; i < count; i++) {
    const m: unknown = mobiles[i];
    if (typeof m !== 'string') return -1;
    length += m.length;
  }
  return length;
}

/**
 * Writes digit strings joined with `%2C` into `out` at `at`; returns the end, or -1 as soon as a
 * character is not an ASCII digit (then the caller encodes the list the general way).
 */
function writeJoinedMobiles(mobiles: readonly string[], out: Buffer, at: number): number {
  const count = mobiles.length;
  for (let i = 0; i < count; i++) {
    if (i > 0) {
      out[at] = COMMA_ENCODED[0];
      out[at + 1] = COMMA_ENCODED[1];
      out[at + 2] = COMMA_ENCODED[2];
      at += 3;
    }
    const m = mobiles[i];
    for (let k = 0; k < m.length; k++) {
      const c = m.charCodeAt(k);
      if (c < 48 || c > 57) return -1;
      out[at++] = c;
    }
  }
  return at;
}

/** The fields of one send, already validated and in wire form (mobiles joined, variables joined). */
export interface WireFields {
  sign?: string;
  templateId?: string;
  mobile?: string;
  /**
   * Normalised numbers (ASCII digits only), written as `mobile` straight into the body: the same
   * bytes as `javaUrlEncode(mobiles.join(','))` without building a 50,000-number string.
   */
  mobiles?: readonly string[];
  content?: string;
  data?: string;
  /**
   * Personalised messages, written as `data` straight into the body: the same bytes as `data` set to
   * `personalizedData` of each message's number and variables joined with `##`.
   */
  messages?: WireMessages;
  scheduleSendTime?: string;
  senderId?: string;
}

/**
 * Builds the form body in the official client's field order; absent fields are omitted. `allocate`
 * gives the body's memory (the transport's `BodyPool` for sends whose requests give it back). Every
 * field is checked before it gets here; should text that cannot be written as UTF-8 arrive anyway,
 * the call fails as invalid input (nothing sent) instead of with the encoder's raw `URIError`.
 *
 * The body is written once into a buffer of its exact size, which the transport hands to the socket
 * as it is: a 50,000-number body is about 1 MB, and a string would be flattened and copied again by
 * the HTTP client on every attempt. Every byte is ASCII (all else is percent-encoded).
 */
export function encodeSendForm(accessKey: string, secret: string, f: WireFields, allocate: (size: number) => Buffer = Buffer.allocUnsafe): Buffer {
  return encodingOrInvalid(() => sendForm(accessKey, secret, f, allocate));
}

function sendForm(accessKey: string, secret: string, f: WireFields, allocate: (size: number) => Buffer): Buffer {
  // The short fields as strings; the long ones (numbers, text, data) written straight in.
  let head = credentialFields(accessKey, secret);
  if (f.sign !== undefined) head += `&sign=${javaUrlEncode(f.sign)}`;
  if (f.templateId !== undefined) head += `&templateId=${javaUrlEncode(f.templateId)}`;
  // Numbers written straight in, unless one is not a normalised number after all: then the list
  // is encoded the general way (the same bytes), the body written again.
  const mobilesLength = f.mobiles === undefined ? -1 : joinedMobilesLength(f.mobiles);
  const mobiles = mobilesLength >= 0 ? f.mobiles : undefined;
  if (mobiles !== undefined) head += '&mobile=';
  else if (f.mobiles !== undefined) head += `&mobile=${javaUrlEncode(f.mobiles.join(','))}`;
  else if (f.mobile !== undefined) head += `&mobile=${javaUrlEncode(f.mobile)}`;
  const { content, data } = f;
  const contentLength = content === undefined ? 0 : CONTENT.length + twiceLength(content, PLAIN_TEXT);
  const { messages } = f;
  const dataLength = data !== undefined ? DATA.length + twiceLength(data, PLAIN_TEXT) : messages !== undefined ? DATA.length + messagesDataLength(messages) : 0;
  let tail = '';
  if (f.scheduleSendTime !== undefined) tail += `&scheduleSendTime=${javaUrlEncode(f.scheduleSendTime)}`;
  if (f.senderId !== undefined) tail += `&senderId=${javaUrlEncode(f.senderId)}`;

  const out = allocate(head.length + (mobiles === undefined ? 0 : mobilesLength) + contentLength + dataLength + tail.length);
  let at = out.write(head, 0, 'latin1');
  if (mobiles !== undefined) {
    at = writeJoinedMobiles(mobiles, out, at);
    if (at < 0) return sendForm(accessKey, secret, { ...f, mobiles: undefined, mobile: mobiles.join(',') }, allocate);
  }
  if (content !== undefined) at = writeTwice(content, out, at + out.write(CONTENT, at, 'latin1'), PLAIN_TEXT);
  if (data !== undefined) at = writeTwice(data, out, at + out.write(DATA, at, 'latin1'), PLAIN_TEXT);
  else if (messages !== undefined) at = writeMessagesData(messages, out, at + out.write(DATA, at, 'latin1'));
  out.write(tail, at, 'latin1');
  return out;
}
const CONTENT = '&content=';
const DATA = '&data=';

/**
 * The body of an account endpoint's form POST: `accesskey` and `secret` only, encoded once and in
 * that order, as they are in a send.
 */
export function encodeAccountForm(accessKey: string, secret: string): Buffer {
  return encodingOrInvalid(() => Buffer.from(credentialFields(accessKey, secret), 'latin1'));
}

/** `accesskey` and `secret`, encoded once, in that order: how every form body starts. */
function credentialFields(accessKey: string, secret: string): string {
  return `accesskey=${javaUrlEncode(accessKey)}&secret=${javaUrlEncode(secret)}`;
}

function encodingOrInvalid(encode: () => Buffer): Buffer {
  try {
    return encode();
  } catch (err) {
    if (err instanceof URIError) throw new ChonrySmsValidationError([{ path: 'request', message: 'contains an unpaired UTF-16 surrogate, so it cannot be sent as UTF-8' }]);
    throw err;
  }
}

/**
 * The `data` field: a JSON object of mobile → joined variables, keys in the caller's order. The
 * definition `messages` is written by (the tests hold the writer to it); sends no longer build it.
 */
export function personalizedData(entries: Iterable<readonly [string, string]>): string {
  let json = '{';
  let first = true;
  for (const [mobile, content] of entries) {
    json += `${first ? '' : ','}${JSON.stringify(mobile)}:${JSON.stringify(content)}`;
    first = false;
  }
  return `${json}}`;
}
