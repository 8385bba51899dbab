import * as http from 'node:http';
import * as https from 'node:https';
import { classifyTransportFailure } from '../transport/classify-error';

/** What one probe of the gateway found. */
export interface GatewayProbeResult {
  reachable: boolean;
  /** The HTTP status it answered with (any status means reachable). */
  status?: number;
  latencyMs: number;
  /** Why it was not reachable: the failure kind and system code, never a request detail. */
  error?: string;
}

/**
 * Sends one credential-less HEAD request to the gateway on a fresh connection: it tests DNS, TCP
 * and TLS without sending an SMS. Always resolves, at the latest when `timeoutMs` has passed.
 */
export class GatewayProbe {
  // A fresh connection per probe: a pooled keep-alive socket would prove nothing about reachability.
  private readonly httpAgent = new http.Agent({ keepAlive: false });
  private readonly httpsAgent = new https.Agent({ keepAlive: false });

  /**
   * Node's own client, not axios: the probe needs only the status line. A gateway that answers
   * `HEAD` with a malformed rest (a body after a `404`, as Java's built-in HTTP server sends) has
   * still answered, so the verdict is taken on the `response` event and what follows is ignored.
   * No app-wide defaults can reach it either.
   */
  probe(url: string, timeoutMs: number): Promise<GatewayProbeResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    return new Promise<GatewayProbeResult>((resolve) => {
      let settled = false;
      const settle = (result: GatewayProbeResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
        request.destroy();
      };
      const secure = url.startsWith('https:');
      const request = (secure ? https : http).request(url, { method: 'HEAD', agent: secure ? this.httpsAgent : this.httpAgent });
      const timer = setTimeout(() => {
        settle({ reachable: false, latencyMs: elapsed(), error: `timeout (no answer within ${timeoutMs} ms)` });
      }, timeoutMs);
      request.on('response', (res) => {
        res.on('error', () => undefined);
        res.resume();
        settle({ reachable: true, status: res.statusCode, latencyMs: elapsed() });
      });
      request.on('error', (err) => {
        if (settled) return;
        const failure = classifyTransportFailure(err, false, timeoutMs);
        settle({ reachable: false, latencyMs: elapsed(), error: failure.errno ? `${failure.kind} (${failure.errno})` : failure.kind });
      });
      request.end();
    });
  }

  destroy(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
