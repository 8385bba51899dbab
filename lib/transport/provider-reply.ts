import { ChonrySmsTransportError } from '../errors';

/** The provider's JSON answer: `{"code":"0","msg":"SUCCESS","batchId":"..."}`. */
export interface ProviderReply {
  code: string;
  msg: string;
  batchId: string;
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
  return { code, msg: asText(r.msg), batchId: asText(r.batchId) };
}

function fail(kind: 'http-status' | 'bad-response', detail: string, status: number): never {
  throw new ChonrySmsTransportError(kind, 'unknown', detail, status);
}
