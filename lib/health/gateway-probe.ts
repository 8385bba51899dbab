import axios from 'axios';
import { withoutInheritedDefaults } from '../transport/isolated-axios';
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
  private readonly client = withoutInheritedDefaults(axios.create());

  async probe(url: string, timeoutMs: number): Promise<GatewayProbeResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<GatewayProbeResult>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve({ reachable: false, latencyMs: elapsed(), error: `timeout (no answer within ${timeoutMs} ms)` });
      }, timeoutMs);
    });
    const attempt = this.client
      .request({
        method: 'HEAD',
        url,
        validateStatus: () => true,
        maxRedirects: 0,
        timeout: timeoutMs,
        signal: controller.signal,
        httpAgent: this.httpAgent,
        httpsAgent: this.httpsAgent,
      })
      .then(
        (res): GatewayProbeResult => ({ reachable: true, status: res.status, latencyMs: elapsed() }),
        (err: unknown): GatewayProbeResult => {
          const failure = classifyTransportFailure(err, controller.signal.aborted, timeoutMs);
          return { reachable: false, latencyMs: elapsed(), error: failure.errno ? `${failure.kind} (${failure.errno})` : failure.kind };
        },
      );
    try {
      return await Promise.race([attempt, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  destroy(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
