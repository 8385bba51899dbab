import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { classifyTransportFailure } from '../../lib/transport/classify-error';

// Shapes Node and axios produce that the socket tests cannot provoke on demand on one machine.
describe('classifyTransportFailure', () => {
  const sysError = (code: string, syscall: string, message = `${syscall} ${code}`) => Object.assign(new Error(message), { code, syscall });

  it('calls every address refusing (Node\'s AggregateError from happy eyeballs) connection-refused, not-sent', () => {
    const aggregate = new AggregateError([sysError('ECONNREFUSED', 'connect'), sysError('ECONNREFUSED', 'connect')], '');
    const err = classifyTransportFailure(Object.assign(new Error(''), { cause: aggregate }), false, 1000);
    assert.deepEqual([err.kind, err.delivery, err.errno], ['connection-refused', 'not-sent', 'ECONNREFUSED']);
  });

  it('keeps an AggregateError with any doubtful part as unknown', () => {
    const aggregate = new AggregateError([sysError('ECONNREFUSED', 'connect'), sysError('ECONNRESET', 'read')], '');
    assert.equal(classifyTransportFailure({ cause: aggregate }, false, 1000).delivery, 'unknown');
  });

  it('tells a connect timeout (nothing written) from a read timeout (maybe accepted)', () => {
    assert.equal(classifyTransportFailure({ cause: sysError('ETIMEDOUT', 'connect') }, false, 1000).delivery, 'not-sent');
    assert.equal(classifyTransportFailure({ cause: sysError('ETIMEDOUT', 'read') }, false, 1000).delivery, 'unknown');
  });

  it('treats our own deadline as a timeout of unknown delivery whatever the client said', () => {
    const err = classifyTransportFailure({ code: 'ERR_CANCELED', message: 'canceled' }, true, 250);
    assert.deepEqual([err.kind, err.delivery], ['timeout', 'unknown']);
    assert.match(err.message, /250 ms/);
  });

  it('drops everything of the raw error but its code', () => {
    const raw = Object.assign(new Error('boom'), { code: 'ECONNRESET', config: { data: 'secret=hunter2' } });
    const err = classifyTransportFailure(raw, false, 1000);
    assert.doesNotMatch(JSON.stringify(err) + err.stack, /hunter2/);
    assert.equal(err.cause, undefined);
  });

  it('never calls a failure on a reused keep-alive connection not-sent: the request may be written', () => {
    const onFresh = { code: 'ERR_SSL_SSLV3_ALERT_BAD_RECORD_MAC', request: { reusedSocket: false } };
    const onReused = { ...onFresh, request: { reusedSocket: true } };
    assert.deepEqual(pick(classifyTransportFailure(onFresh, false, 1000, 'not-completed')), ['tls', 'not-sent']);
    assert.deepEqual(pick(classifyTransportFailure(onReused, false, 1000, 'not-completed')), ['tls', 'unknown']);
    // A fresh connection whose handshake completed (or that nobody can vouch for) may carry the request.
    assert.deepEqual(pick(classifyTransportFailure(onFresh, false, 1000, 'completed')), ['tls', 'unknown']);
    assert.deepEqual(pick(classifyTransportFailure(onFresh, false, 1000)), ['tls', 'unknown']);
    const unreachable = { cause: sysError('EHOSTUNREACH', 'write'), request: { reusedSocket: true } };
    assert.deepEqual(pick(classifyTransportFailure(unreachable, false, 1000)), ['network', 'unknown']);
  });
});

function pick(err: { kind: string; delivery: string }): [string, string] {
  return [err.kind, err.delivery];
}
