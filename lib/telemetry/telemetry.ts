import { ChonrySmsApiError, ChonrySmsError, ChonrySmsTransportError } from '../errors';
import { ChonrySmsOperation, ChonrySmsSendContext, sendChannel } from './send-channel';
import { isError } from '../realm';

/**
 * Traces and metrics for every provider request: the `chonry-sms:send` diagnostics channel, and
 * OpenTelemetry when `@opentelemetry/api` is installed (an optional peer: without it, only the
 * channel). Without a registered SDK (neither a tracer nor a meter provider), a request costs two
 * global lookups and no span; without a channel subscriber, the channel costs one property read.
 *
 * The API is described structurally below instead of imported as types, so the package's own
 * declarations never name the optional peer.
 */

interface Attributes {
  [key: string]: string | number | boolean | undefined;
}
interface Span {
  spanContext(): object;
  setAttribute(key: string, value: string | number | boolean): unknown;
  setAttributes(attributes: Attributes): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}
interface OtelApi {
  isSpanContextValid(spanContext: object): boolean;
  /** Absent before API 1.3: then a meter provider is never taken for a no-op one. */
  createNoopMeter?(): { createCounter(name: string): object };
  ProxyTracerProvider: new () => { getDelegate(): object };
  trace: {
    getTracerProvider(): object & { getDelegate?(): object };
    getTracer(name: string): { startSpan(name: string, options: { kind: number; attributes: Attributes }, context?: unknown): Span };
    setSpan(context: unknown, span: Span): unknown;
  };
  context: { active(): unknown; with<T>(context: unknown, fn: () => T): T };
  metrics: {
    getMeterProvider(): object;
    getMeter(name: string): {
      createCounter(name: string, options: { description: string; unit: string }): { add(value: number, attributes: Attributes): void };
      createHistogram(name: string, options: { description: string; unit: string }): { record(value: number, attributes: Attributes): void };
    };
  };
}

const INSTRUMENTATION = 'nestjs-chonry-sms';
const SPAN_KIND_INTERNAL = 0;
const SPAN_KIND_CLIENT = 2;
const STATUS_ERROR = 2;

let api: OtelApi | null | undefined;
/** `@opentelemetry/api` if the app has it, loaded on first use and never again tried after a miss. */
function otel(): OtelApi | null {
  if (api === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      api = require('@opentelemetry/api') as OtelApi;
    } catch {
      api = null;
    }
  }
  return api;
}

type Tracer = ReturnType<OtelApi['trace']['getTracer']>;
let tracerCache: { provider: object; tracer: Tracer } | undefined;
/**
 * The module's tracer, taken once per global tracer provider (the API makes a new proxy tracer on
 * every `getTracer`; a tracer taken before the app registers its SDK still follows it).
 */
function tracer(otelApi: OtelApi): Tracer {
  const provider = otelApi.trace.getTracerProvider();
  if (tracerCache?.provider !== provider) tracerCache = { provider, tracer: otelApi.trace.getTracer(INSTRUMENTATION) };
  return tracerCache.tracer;
}

interface Instruments {
  provider: object;
  /** The API's no-op meter provider: nothing recorded is kept. */
  noop: boolean;
  recipients: ReturnType<ReturnType<OtelApi['metrics']['getMeter']>['createCounter']>;
  duration: ReturnType<ReturnType<OtelApi['metrics']['getMeter']>['createHistogram']>;
}
let instruments: Instruments | undefined;
/**
 * The metric instruments of the current global meter provider. Unlike tracers, meters taken before
 * the app registers its SDK stay no-ops, so they are made again when the provider changes.
 */
function meters(otelApi: OtelApi): Instruments {
  const provider = otelApi.metrics.getMeterProvider();
  if (instruments?.provider !== provider) {
    const meter = otelApi.metrics.getMeter(INSTRUMENTATION);
    const recipients = meter.createCounter('chonry_sms.recipients', { description: 'Recipients of SMS requests, by outcome: accepted, rejected (not sent) or unknown', unit: '{recipient}' });
    instruments = {
      provider,
      noop: otelApi.createNoopMeter !== undefined && Object.getPrototypeOf(recipients) === Object.getPrototypeOf(otelApi.createNoopMeter().createCounter(INSTRUMENTATION)),
      recipients,
      duration: meter.createHistogram('http.client.request.duration', { description: 'Duration of requests to the Chonry gateway', unit: 's' }),
    };
  }
  return instruments;
}

let noopTracerProvider: object | undefined;
/**
 * Whether the app registered an OpenTelemetry SDK: a tracer provider behind the API's proxy, or a
 * meter provider. Asked per request (two global lookups), so an SDK registered after the module
 * started is followed; without one, a request makes no span and records nothing.
 */
function sdkRegistered(otelApi: OtelApi): boolean {
  noopTracerProvider ??= new otelApi.ProxyTracerProvider().getDelegate();
  const provider = otelApi.trace.getTracerProvider();
  if ((provider.getDelegate ? provider.getDelegate() : provider) !== noopTracerProvider) return true;
  return !meters(otelApi).noop;
}

/** The outcome of a send as the recipients counter names it. */
export type RecipientOutcome = 'accepted' | 'rejected' | 'unknown';

export function outcomeOf(err: unknown): RecipientOutcome {
  return err instanceof ChonrySmsError && err.delivery === 'not-sent' ? 'rejected' : 'unknown';
}

/** Counts a send's recipients once it has ended, after its retries. */
export function countRecipients(account: string, outcome: RecipientOutcome, recipients: number): void {
  const otelApi = otel();
  if (!otelApi || !(recipients > 0)) return;
  const instruments = meters(otelApi);
  if (!instruments.noop) instruments.recipients.add(recipients, { 'chonry_sms.account': account, 'chonry_sms.outcome': outcome });
}

/** What the module knows of a request before it is made. */
export interface RequestMeta {
  account: string;
  operation: ChonrySmsOperation;
  recipients: number;
  /** The request body (only its size is published). */
  body: Buffer;
  url: URL;
}

/** What a request gave back, as far as telemetry may see it. */
export interface RequestOutcome {
  status?: number;
  batchId?: string;
}

function errorType(err: unknown): string {
  if (err instanceof ChonrySmsTransportError) return err.kind;
  if (err instanceof ChonrySmsApiError) return `provider-code-${err.code}`;
  return isError(err) ? err.name : 'unknown';
}

/**
 * Runs one provider request (`run`) inside the diagnostics channel's events and a client span.
 * `seen` picks from the result what may be shown (status, batch id): never the reply's text.
 */
export async function traceRequest<T>(meta: RequestMeta, run: () => Promise<T>, seen: (result: T) => RequestOutcome): Promise<T> {
  const otelApi = otel();
  const traced = otelApi && sdkRegistered(otelApi) ? () => withClientSpan(otelApi, meta, run, seen) : run;
  if (!sendChannel.hasSubscribers) return traced();
  const context: ChonrySmsSendContext = { account: meta.account, operation: meta.operation, recipients: meta.recipients, bytes: meta.body.length };
  let result: T;
  // The traced function resolves to nothing, so the channel's `result` never holds the reply.
  await sendChannel.tracePromise(async () => {
    result = await traced();
    const { batchId } = seen(result);
    if (batchId) context.batchId = batchId;
  }, context);
  return result!;
}

async function withClientSpan<T>(otelApi: OtelApi, meta: RequestMeta, run: () => Promise<T>, seen: (result: T) => RequestOutcome): Promise<T> {
  const port = meta.url.port ? Number(meta.url.port) : meta.url.protocol === 'https:' ? 443 : 80;
  const common: Attributes = { 'server.address': meta.url.hostname, 'server.port': port, 'http.request.method': 'POST', 'chonry_sms.account': meta.account };
  const span = tracer(otelApi).startSpan(`POST ${meta.url.pathname}`, {
    kind: SPAN_KIND_CLIENT,
    attributes: { ...common, 'url.full': meta.url.href, 'chonry_sms.operation': meta.operation, 'chonry_sms.recipients': meta.recipients },
  }, otelApi.context.active());
  const started = performance.now();
  const durationAttributes: Attributes = { ...common };
  try {
    // Without an SDK the span is the API's no-op one (an invalid context): nothing to propagate.
    const result = otelApi.isSpanContextValid(span.spanContext()) ? await otelApi.context.with(otelApi.trace.setSpan(otelApi.context.active(), span), run) : await run();
    const { status, batchId } = seen(result);
    if (status !== undefined) {
      span.setAttribute('http.response.status_code', status);
      durationAttributes['http.response.status_code'] = status;
    }
    if (batchId) span.setAttribute('chonry_sms.batch_id', batchId);
    return result;
  } catch (err) {
    const type = errorType(err);
    const status = err instanceof ChonrySmsTransportError ? err.status : err instanceof ChonrySmsApiError ? 200 : undefined;
    span.setAttributes({ 'error.type': type, 'chonry_sms.delivery': err instanceof ChonrySmsError ? err.delivery : 'unknown', ...(status ? { 'http.response.status_code': status } : {}) });
    // The name and kind only: a message can carry provider text.
    span.setStatus({ code: STATUS_ERROR, message: type });
    Object.assign(durationAttributes, { 'error.type': type }, status ? { 'http.response.status_code': status } : {});
    throw err;
  } finally {
    span.end();
    meters(otelApi).duration.record((performance.now() - started) / 1000, durationAttributes);
  }
}

/** What a bulk send or a campaign job is, for its parent span. */
export interface OperationMeta {
  account: string;
  name: string;
  recipients: number;
  attributes?: Attributes;
}

/**
 * Runs a bulk send or a queue job in an internal span that is the parent of its requests' spans.
 * `summary` adds what the outcome may show (counts).
 */
export async function traceOperation<T>(meta: OperationMeta, run: () => Promise<T>, summary?: (result: T) => Attributes): Promise<T> {
  const otelApi = otel();
  if (!otelApi || !sdkRegistered(otelApi)) return run();
  const span = tracer(otelApi).startSpan(`chonry-sms ${meta.name}`, {
    kind: SPAN_KIND_INTERNAL,
    attributes: { 'chonry_sms.account': meta.account, 'chonry_sms.recipients': meta.recipients, ...meta.attributes },
  }, otelApi.context.active());
  try {
    const result = await otelApi.context.with(otelApi.trace.setSpan(otelApi.context.active(), span), run);
    if (summary) span.setAttributes(summary(result));
    return result;
  } catch (err) {
    span.setAttributes({ 'error.type': errorType(err) });
    span.setStatus({ code: STATUS_ERROR, message: errorType(err) });
    throw err;
  } finally {
    span.end();
  }
}
