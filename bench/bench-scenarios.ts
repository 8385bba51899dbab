/** What the benchmark measures; shared by the orchestrator and its client processes. */

export const BENCH_ACCESS_KEY = 'bench-access-key';
export const BENCH_SECRET = 'bench-secret';
export const BENCH_TEMPLATE_ID = '100';

export type ClientName = 'module' | 'module-no-otel' | 'axios' | 'undici' | 'new-connection';
export const CLIENTS: readonly ClientName[] = ['module', 'module-no-otel', 'axios', 'undici', 'new-connection'];
/** Clients measured only on the small-send scenarios, where a per-request cost would show most. */
export const SMALL_ONLY: readonly ClientName[] = ['module-no-otel'];
export const CLIENT_LABELS: Record<ClientName, string> = {
  module: 'nestjs-chonry-sms',
  'module-no-otel': 'nestjs-chonry-sms, @opentelemetry/api not installed',
  axios: 'axios keep-alive',
  undici: 'undici 7',
  'new-connection': 'new connection per request (official client)',
};

export type ScenarioName = 'small-c1' | 'small-c64' | 'send-50k' | 'personal-10k' | 'bulk-1m';

export interface Scenario {
  name: ScenarioName;
  title: string;
  /** Requests (or, for bulk, whole bulk sends) to measure, after `warmup` unmeasured ones. */
  requests: number;
  warmup: number;
  concurrency: number;
  /** Recipients per request (or per bulk send). */
  recipients: number;
}

export function scenarios(short: boolean): Scenario[] {
  return [
    { name: 'small-c1', title: 'single small send, c=1', requests: short ? 200 : 5000, warmup: short ? 50 : 1000, concurrency: 1, recipients: 1 },
    { name: 'small-c64', title: 'single small send, c=64', requests: short ? 500 : 10000, warmup: short ? 100 : 2000, concurrency: 64, recipients: 1 },
    { name: 'send-50k', title: '50,000-number send', requests: short ? 3 : 20, warmup: short ? 1 : 3, concurrency: 1, recipients: 50_000 },
    { name: 'personal-10k', title: '10,000-message personalised send', requests: short ? 3 : 20, warmup: short ? 1 : 3, concurrency: 1, recipients: 10_000 },
    { name: 'bulk-1m', title: short ? '100,000-recipient bulk send (short mode)' : '1,000,000-recipient bulk send', requests: 1, warmup: 0, concurrency: 4, recipients: short ? 100_000 : 1_000_000 },
  ];
}

/**
 * `n` distinct valid numbers (China mobile range 139…), as the provider wants them, in no numeric
 * order (a fixed permutation), as a list of customers would be: a list in ascending order would take
 * the repeat check's one-pass shortcut and flatter the module.
 */
export function benchNumbers(n: number): string[] {
  const out = new Array<string>(n);
  // i -> i * step mod n is a permutation when step and n are coprime (7,919 is prime).
  const step = n % 7_919 === 0 ? 1 : 7_919 % n || 1;
  // Flat strings, as JSON.parse gives an application (template literals would build cons strings).
  for (let i = 0; i < n; i++) out[i] = String(8_613_900_000_000 + ((i * step) % n));
  return out;
}

export const PLAIN_VARIABLES = ['Mr Smith', '9:40', 'DHL', '1Z999AA1'];
export function personalVariables(i: number): string[] {
  return [`Customer ${i}`, '9:40', 'A+B 100%'];
}

/** What one client process reports for one scenario. */
export interface ClientReport {
  client: ClientName;
  scenario: ScenarioName;
  requests: number;
  recipients: number;
  wallMs: number;
  latencyMs: { median: number; p99: number };
  /** Requests per second (bulk: recipients per second). */
  throughput: number;
  /** Process CPU (user + system) during the measured part, in ms. */
  cpuMs: number;
  peakRssMb: number;
  /** Our module only: CPU spent validating and encoding one request before it is written. */
  preRequestCpuMs?: { median: number; max: number };
  /** Our module, small c=1 only: CPU per request of the telemetry around a request (µs), the request itself left out. */
  telemetryCpuUs?: number;
  accepted: number;
  failed: number;
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
