import { ChonrySmsTransportError } from '../errors';

/** The provider's JSON answer: `{"code":"0","msg":"SUCCESS","batchId":"..."}`. */
export interface ProviderReply {
  code: string;
  msg: string;
  batchId: string;
  /** The HTTP status it came with. */
  status: number;
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

/** Reads an HTTP answer as a provider reply; anything else is a transport failure of unknown delivery. */
export function parseProviderReply(status: number, body: string): ProviderReply {
  if (status < 200 || status > 299) {
    return fail('http-status', `the gateway answered HTTP ${status}`, status);
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return fail('bad-response', `the gateway answered HTTP ${status} with a body that is not JSON (${body.length} bytes)`, status);
  }
  if (typeof json !== 'object' || json === null || !('code' in json)) {
    return fail('bad-response', 'the gateway answered JSON without a "code" field', status);
  }
  const r = json as Record<string, unknown>;
  const code = asText(r.code);
  if (code === '') return fail('bad-response', 'the gateway answered an empty or non-text "code"', status);
  // Every code the provider is known to send is a plain whole number. Anything else (" 0", "00",
  // "SUCCESS") is neither a clear acceptance nor a clear rejection: calling it a rejection would
  // invite a retry of a message that may have been accepted.
  if (!PLAIN_CODE.test(code)) return fail('bad-response', `the gateway answered a "code" that is not a plain whole number (${code.length} characters)`, status);
  const batchId = asText(r.batchId);
  // An acceptance without a batch id cannot be matched to its delivery reports, and is not the
  // provider's format; the message was probably accepted, so it must not be retried blindly.
  if (code === '0' && batchId === '') return fail('bad-response', 'the gateway answered code "0" (accepted) without a batchId', status);
  return { code, msg: asText(r.msg), batchId, status };
}

/** An account endpoint's JSON answer: `{"code":"0","msg":"SUCCESS","data":...}`; `data` still unchecked. */
export interface AccountReply {
  code: string;
  msg: string;
  data: unknown;
  status: number;
}

/** Id fields the provider may send as JSON numbers beyond 2^53; they are read as their digits. */
const BIG_ID = /("(?:templateId|signId|customerId)"\s*:\s*)(-?\d+)(?=\s*[,}])/g;

/**
 * Reads an account endpoint's HTTP answer: the same checks as a send's reply, without `batchId`.
 * `data` is left to the endpoint's own parser (lib/account), which refuses anything unexpected.
 */
export function parseAccountReply(status: number, body: string): AccountReply {
  if (status < 200 || status > 299) {
    return fail('http-status', `the gateway answered HTTP ${status}`, status);
  }
  let json: unknown;
  try {
    // Quoting numeric ids before parsing keeps every digit; JSON.parse would round them to doubles.
    json = JSON.parse(body.replace(BIG_ID, '$1"$2"'));
  } catch {
    return fail('bad-response', `the gateway answered HTTP ${status} with a body that is not JSON (${body.length} bytes)`, status);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json) || !('code' in json)) {
    return fail('bad-response', 'the gateway answered JSON without a "code" field', status);
  }
  const r = json as Record<string, unknown>;
  const code = asText(r.code);
  if (code === '') return fail('bad-response', 'the gateway answered an empty or non-text "code"', status);
  if (!PLAIN_CODE.test(code)) return fail('bad-response', `the gateway answered a "code" that is not a plain whole number (${code.length} characters)`, status);
  return { code, msg: asText(r.msg), data: r.data, status };
}

const PLAIN_CODE = /^(0|-?[1-9][0-9]{0,17})$/;

function fail(kind: 'http-status' | 'bad-response', detail: string, status: number): never {
  throw new ChonrySmsTransportError(kind, 'unknown', detail, status);
}
