import { ChonrySmsDelivery, ChonrySmsTransportError, ChonrySmsTransportFailure } from '../errors';
import { PROXY_FAILURE_CODE } from './proxy';

// Failures that happen before a single byte of the request can reach the provider.
const NOT_SENT: Record<string, ChonrySmsTransportFailure> = {
  ECONNREFUSED: 'connection-refused',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_FAIL: 'dns',
  EAI_NONAME: 'dns',
  EHOSTUNREACH: 'network',
  ENETUNREACH: 'network',
  EADDRNOTAVAIL: 'network',
  ERR_INVALID_URL: 'network',
};
const TLS_CODE = /CERT|^ERR_TLS_|^ERR_SSL_|SSL|TLS|^EPROTO$|SIGNATURE|^UNABLE_TO_/;
// A compressed body that does not decompress: the gateway answered, with something unreadable.
const ZLIB_CODE = /^Z_[A-Z_]+_ERROR$/;
const RESET = new Set(['ECONNRESET', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE']);
// Node's words for a peer that hung up during the TLS handshake: no HTTP byte was written yet.
const CLOSED_DURING_HANDSHAKE = /before secure TLS connection was established/;

/** Whether the failed request's TLS handshake completed; only before that is no request byte on the wire. */
export type TlsHandshake = 'completed' | 'not-completed' | 'unknown' | 'not-tls';

interface ErrorShape {
  code?: unknown;
  syscall?: unknown;
  message?: unknown;
  errors?: unknown;
}

function shapeOf(err: unknown): ErrorShape {
  return (typeof err === 'object' && err !== null ? err : {}) as ErrorShape;
}

/** The innermost system error: axios wraps it in `cause`; Node wraps parallel connect attempts in an AggregateError. */
function systemErrorOf(err: unknown): ErrorShape {
  const outer = shapeOf(err);
  const cause = shapeOf((outer as { cause?: unknown }).cause);
  const inner = typeof cause.code === 'string' || typeof cause.syscall === 'string' || Array.isArray(cause.errors) ? cause : outer;
  if (typeof inner.code !== 'string' && Array.isArray(inner.errors) && inner.errors.length > 0) {
    // Every address refused or unreachable: report the first; all of them happened before connecting.
    const parts = inner.errors.map(shapeOf);
    if (parts.every((p) => typeof p.code === 'string' && NOT_SENT[p.code])) return parts[0];
  }
  return inner;
}

/**
 * Turns whatever the HTTP client threw into a `ChonrySmsTransportError` built from the error's
 * code alone: the raw error (whose config holds the form body, secret included) is dropped.
 */
export function classifyTransportFailure(err: unknown, timedOut: boolean, timeoutMs: number, handshake: TlsHandshake = 'unknown'): ChonrySmsTransportError {
  const outer = shapeOf(err);
  const sys = systemErrorOf(err);
  const code = typeof sys.code === 'string' ? sys.code : typeof outer.code === 'string' ? outer.code : undefined;
  const message = [outer.message, sys.message].filter((m) => typeof m === 'string').join(' | ');
  const tunnel = tunnelFailureOf(err);
  if (tunnel) {
    // The tunnel was never opened, so not one byte of the request went towards the gateway.
    return new ChonrySmsTransportError('proxy', 'not-sent', `the proxy ${tunnel.proxyLabel} ${tunnel.proxyDetail}`, tunnel.proxyStatus, PROXY_FAILURE_CODE);
  }
  if (timedOut) {
    return new ChonrySmsTransportError('timeout', 'unknown', `no complete response within ${timeoutMs} ms`, undefined, code);
  }
  // On a pooled connection the request may already have been written before the error arrived:
  // nothing that fails there is provably unsent.
  const reused = (outer as { request?: { reusedSocket?: unknown } }).request?.reusedSocket === true;
  const unsent: ChonrySmsDelivery = reused ? 'unknown' : 'not-sent';
  if (code && NOT_SENT[code]) {
    return new ChonrySmsTransportError(NOT_SENT[code], unsent, describe(code), undefined, code);
  }
  if (code === 'ETIMEDOUT' && sys.syscall === 'connect') {
    // The TCP connection was never established, so nothing was written.
    return new ChonrySmsTransportError('network', 'not-sent', 'connecting to the gateway timed out (ETIMEDOUT)', undefined, code);
  }
  // Classified by what happened on the socket, not by the code's family: a TLS error after the
  // handshake (a corrupted response record) may come after the gateway accepted the request.
  const beforeHandshake = !reused && handshake === 'not-completed';
  if (code && TLS_CODE.test(code)) {
    if (beforeHandshake) return new ChonrySmsTransportError('tls', 'not-sent', `TLS handshake failed (${code})`, undefined, code);
    return new ChonrySmsTransportError('tls', 'unknown', `TLS error after the connection was secured; the request may have been written (${code})`, undefined, code);
  }
  if (code === 'ECONNRESET' && CLOSED_DURING_HANDSHAKE.test(message) && handshake !== 'completed' && !reused) {
    return new ChonrySmsTransportError('tls', 'not-sent', 'the gateway closed the connection during the TLS handshake (ECONNRESET)', undefined, code);
  }
  if (code && RESET.has(code)) {
    return new ChonrySmsTransportError('connection-reset', 'unknown', `the connection was closed before a full response (${code})`, undefined, code);
  }
  if (code === 'ETIMEDOUT' || code === 'ECONNABORTED') {
    return new ChonrySmsTransportError('timeout', 'unknown', `the connection timed out (${code})`, undefined, code);
  }
  if (code === 'ERR_BAD_RESPONSE' && /aborted/.test(message)) {
    // axios's word for a response stream the peer cut off.
    return new ChonrySmsTransportError('connection-reset', 'unknown', 'the connection was closed in the middle of the response', undefined, code);
  }
  if (code === 'ERR_BAD_RESPONSE' || code === 'ERR_FR_MAX_BODY_LENGTH_EXCEEDED' || (code && ZLIB_CODE.test(code))) {
    return new ChonrySmsTransportError('bad-response', 'unknown', `the response could not be read (${code})`, undefined, code);
  }
  return new ChonrySmsTransportError('network', 'unknown' satisfies ChonrySmsDelivery, `request failed${code ? ` (${code})` : ''}`, undefined, code);
}

/** The proxy agent's own error, wherever axios put it (it copies some fields and keeps the original as `cause`). */
function tunnelFailureOf(err: unknown): { proxyLabel: string; proxyDetail: string; proxyStatus?: number } | undefined {
  for (let e: unknown = err, depth = 0; typeof e === 'object' && e !== null && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const shape = e as { code?: unknown; proxyLabel?: unknown; proxyDetail?: unknown; proxyStatus?: number };
    if (shape.code === PROXY_FAILURE_CODE && typeof shape.proxyLabel === 'string' && typeof shape.proxyDetail === 'string') {
      return { proxyLabel: shape.proxyLabel, proxyDetail: shape.proxyDetail, proxyStatus: shape.proxyStatus };
    }
  }
  return undefined;
}

function describe(code: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'the gateway refused the connection (ECONNREFUSED)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return `the gateway's host name could not be resolved (${code})`;
    default:
      return `the gateway could not be reached (${code})`;
  }
}
