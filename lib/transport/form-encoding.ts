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

/**
 * `javaUrlEncode` applied twice. The second pass only escapes `%` (as `%25`) and the `+` that
 * stands for a space (as `%2B`): the native `encodeURIComponent` does the first part fastest, and
 * `%2520` can then only come from a space.
 */
export function doubleUrlEncode(s: string): string {
  const twice = encodeURIComponent(percentEncode(s));
  return s.includes(' ') ? twice.replaceAll('%2520', '%2B') : twice;
}

/** The fields of one send, already validated and in wire form (mobiles joined, variables joined). */
export interface WireFields {
  sign?: string;
  templateId?: string;
  mobile?: string;
  /**
   * Normalised numbers (ASCII digits only), sent as `mobile`: joined with the encoded comma at once,
   * the same bytes as `javaUrlEncode(mobiles.join(','))` without a pass over a 50,000-number string.
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
  if (f.mobiles !== undefined) body += `&mobile=${f.mobiles.join('%2C')}`;
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
