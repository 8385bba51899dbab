import * as https from 'node:https';
import type { TlsHandshake } from './classify-error';

/**
 * A keep-alive HTTPS agent that remembers which of its sockets completed the TLS handshake. Until
 * then TLS carries no application data, so only a failure on a socket never secured is provably unsent.
 */
export class HandshakeTrackingAgent extends https.Agent {
  private readonly secured = new WeakSet<object>();
  override createConnection(...args: Parameters<https.Agent['createConnection']>): ReturnType<https.Agent['createConnection']> {
    const socket = super.createConnection(...args);
    if (socket) this.track(socket);
    return socket;
  }
  /** Remembers `socket` as secured once its handshake completes (for agents that make their own TLS sockets). */
  protected track(socket: { once(event: 'secureConnect', listener: () => void): unknown }): void {
    socket.once('secureConnect', () => this.secured.add(socket));
  }
  handshakeOf(socket: unknown): TlsHandshake {
    if (typeof socket !== 'object' || socket === null) return 'unknown';
    return this.secured.has(socket) ? 'completed' : 'not-completed';
  }
}
