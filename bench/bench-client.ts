// One client process measuring one scenario, so CPU and peak RSS belong to that client alone.
import 'reflect-metadata';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import axios from 'axios';
import * as http from 'node:http';
import { Agent, request as undiciRequest } from 'undici';
import {
  CHONRY_SMS_RESOLVED_OPTIONS,
  ChonrySmsModule,
  ChonrySmsService,
  ResolvedChonrySmsOptions,
  SendPersonalizedSmsDto,
  SendSmsDto,
} from '../lib';
import { validateInput } from '../lib/dto';
import { checkedMessages, commonWireFields, normalizedField, personalizedSendBody, plainSendBody } from '../lib/chonry-sms.request';
import { ChonrySmsTransport, encodeSendForm, personalizedData } from '../lib/transport';
import { joinVariables } from '../lib/validation';
import { traceRequest } from '../lib/telemetry/telemetry';
import {
  BENCH_ACCESS_KEY,
  BENCH_SECRET,
  BENCH_TEMPLATE_ID,
  benchNumbers,
  ClientName,
  ClientReport,
  percentile,
  PLAIN_VARIABLES,
  personalVariables,
  Scenario,
} from './bench-scenarios';

const FORM_HEADERS = { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' };

interface Job {
  client: ClientName;
  scenario: Scenario;
  url: string;
}

type Post = (body: string | Buffer) => Promise<boolean>;

function canResolve(request: string): boolean {
  try {
    require.resolve(request);
    return true;
  } catch {
    return false;
  }
}

function accepted(text: string): boolean {
  try {
    return (JSON.parse(text) as { code?: string }).code === '0';
  } catch {
    return false;
  }
}

/** The baseline clients: POST given bytes, answer whether the provider accepted them. */
function baselinePost(client: Exclude<ClientName, 'module' | 'module-no-otel'>, sendUrl: string): Post {
  if (client === 'axios') {
    const ax = axios.create({ httpAgent: new http.Agent({ keepAlive: true }), maxBodyLength: Infinity, maxContentLength: Infinity });
    return async (body) => accepted((await ax.post<string>(sendUrl, body, { headers: FORM_HEADERS, responseType: 'text', transformResponse: (d: string) => d })).data);
  }
  if (client === 'undici') {
    const dispatcher = new Agent();
    return async (body) => {
      const res = await undiciRequest(sendUrl, { method: 'POST', body, headers: FORM_HEADERS, dispatcher });
      return accepted(await res.body.text());
    };
  }
  // What the official client does: a new connection for every request, closed afterwards.
  const target = new URL(sendUrl);
  return (body) =>
    new Promise<boolean>((resolve, reject) => {
      const req = http.request(
        { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent: false, headers: { ...FORM_HEADERS, 'Content-Length': Buffer.byteLength(body), Connection: 'close' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(accepted(Buffer.concat(chunks).toString('utf8'))));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}

/** Runs `total` calls of `call` with `concurrency` loops; returns each call's latency. */
async function measureLoop(total: number, concurrency: number, call: (i: number) => Promise<boolean>): Promise<{ latencies: Float64Array; ok: number }> {
  const latencies = new Float64Array(total);
  let next = 0;
  let ok = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < total) {
        const i = next++;
        const started = performance.now();
        if (await call(i)) ok++;
        latencies[i] = performance.now() - started;
      }
    }),
  );
  return { latencies, ok };
}

/** The hand-written bulk loop: chunk, join, encode, POST at the same concurrency, validating nothing. */
async function handWrittenBulk(post: Post, mobiles: readonly string[], chunkSize: number, concurrency: number): Promise<{ sent: number; failed: number }> {
  const content = encodeURIComponent(encodeURIComponent(PLAIN_VARIABLES.join('##')));
  const head = `accesskey=${BENCH_ACCESS_KEY}&secret=${BENCH_SECRET}&templateId=${BENCH_TEMPLATE_ID}&mobile=`;
  let next = 0;
  let sent = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next * chunkSize < mobiles.length) {
        const chunk = mobiles.slice(next * chunkSize, ++next * chunkSize);
        if (await post(`${head}${encodeURIComponent(chunk.join(','))}&content=${content}`)) sent += chunk.length;
        else failed += chunk.length;
      }
    }),
  );
  return { sent, failed };
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

async function run(job: Job): Promise<ClientReport> {
  const { client, scenario } = job;
  const sendUrl = `${job.url}/intl/api/v2/send`;
  let app: INestApplicationContext | undefined;
  let sms: ChonrySmsService | undefined;
  // Both module clients run the same code; the second cannot load @opentelemetry/api (bench/no-otel.ts).
  const isModule = client === 'module' || client === 'module-no-otel';
  if (client === 'module-no-otel' && canResolve('@opentelemetry/api')) throw new Error('module-no-otel: @opentelemetry/api is still resolvable; bench/no-otel.js was not preloaded');
  if (isModule) {
    app = await NestFactory.createApplicationContext(
      ChonrySmsModule.forRoot({ accessKey: BENCH_ACCESS_KEY, secret: BENCH_SECRET, baseUrl: job.url, templateId: BENCH_TEMPLATE_ID, timeout: 60_000 }),
      { logger: false },
    );
    sms = app.get(ChonrySmsService);
  }
  const post = isModule ? undefined : baselinePost(client, sendUrl);
  const numbers = benchNumbers(scenario.recipients);
  let call: (i: number) => Promise<boolean>;
  let preRequest: (() => void) | undefined;

  if (scenario.name === 'bulk-1m') {
    call = async () => {
      const r = sms
        ? await sms.sendBulk({ mobiles: numbers, variables: PLAIN_VARIABLES }, { concurrency: scenario.concurrency })
        : await handWrittenBulk(post!, numbers, 50_000, scenario.concurrency);
      return r.failed === 0;
    };
  } else if (scenario.name === 'personal-10k') {
    const messages = numbers.map((mobile, i) => ({ mobile, variables: personalVariables(i) }));
    const input = { messages };
    const body = encodeSendForm(BENCH_ACCESS_KEY, BENCH_SECRET, {
      templateId: BENCH_TEMPLATE_ID,
      data: personalizedData(messages.map((m) => [m.mobile, joinVariables(m.variables)] as const)),
    });
    call = sms ? async () => (await sms!.sendPersonalized(input)).recipients > 0 : () => post!(body);
    if (sms) {
      const options = app!.get<ResolvedChonrySmsOptions>(CHONRY_SMS_RESOLVED_OPTIONS);
      const transport = app!.get(ChonrySmsTransport);
      // What sendPersonalized() does before handing the body to the transport (the body's memory from its pool, and back).
      preRequest = () => {
        const dto = validateInput(SendPersonalizedSmsDto, input);
        transport.bodies.release(personalizedSendBody(options, commonWireFields(dto, options), checkedMessages(dto), transport.bodies.allocate));
      };
    }
  } else {
    const input = { mobiles: numbers, variables: PLAIN_VARIABLES };
    const body = encodeSendForm(BENCH_ACCESS_KEY, BENCH_SECRET, { templateId: BENCH_TEMPLATE_ID, mobile: numbers.join(','), content: joinVariables(PLAIN_VARIABLES) });
    call = sms ? async () => (await sms!.send(input)).recipients > 0 : () => post!(body);
    if (sms && scenario.name === 'send-50k') {
      const options = app!.get<ResolvedChonrySmsOptions>(CHONRY_SMS_RESOLVED_OPTIONS);
      const transport = app!.get(ChonrySmsTransport);
      // What send() does before handing the body to the transport (the body's memory from its pool, and back).
      preRequest = () => {
        const dto = validateInput(SendSmsDto, input);
        transport.bodies.release(plainSendBody(options, commonWireFields(dto, options), normalizedField<string[]>(dto, 'mobiles'), joinVariables(dto.variables), transport.bodies.allocate));
      };
    }
  }

  if (scenario.warmup > 0) await measureLoop(scenario.warmup, scenario.concurrency, call);
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  const { latencies, ok } = await measureLoop(scenario.requests, scenario.name === 'bulk-1m' ? 1 : scenario.concurrency, call);
  const wallMs = performance.now() - wallStart;
  const cpuMs = cpuMsSince(cpuStart);

  let preRequestCpuMs: ClientReport['preRequestCpuMs'];
  if (preRequest) {
    const samples: number[] = [];
    for (let i = 0; i < Math.max(5, scenario.requests); i++) {
      const start = process.cpuUsage();
      preRequest();
      samples.push(cpuMsSince(start));
    }
    samples.sort((a, b) => a - b);
    preRequestCpuMs = { median: percentile(samples, 50), max: samples[samples.length - 1] };
  }
  // What the telemetry costs per request by itself: the module's wrapper around a request that
  // resolves at once, so the figure is not lost in the noise of a whole HTTP exchange.
  let telemetryCpuUs: number | undefined;
  if (isModule && scenario.name === 'small-c1') telemetryCpuUs = await telemetryCost(job.url);
  await app?.close();

  const sorted = Float64Array.from(latencies).sort();
  const perRequestRecipients = scenario.recipients;
  return {
    client,
    scenario: scenario.name,
    requests: scenario.requests,
    recipients: scenario.requests * perRequestRecipients,
    wallMs,
    latencyMs: { median: percentile(sorted, 50), p99: percentile(sorted, 99) },
    throughput: scenario.name === 'bulk-1m' ? (scenario.recipients * scenario.requests) / (wallMs / 1000) : scenario.requests / (wallMs / 1000),
    cpuMs,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    preRequestCpuMs,
    telemetryCpuUs,
    accepted: ok,
    failed: scenario.requests - ok,
  };
}

async function telemetryCost(url: string): Promise<number> {
  const meta = { account: 'default', operation: 'send' as const, recipients: 1, body: Buffer.from('accesskey=x&secret=y&mobile=1'), url: new URL('/intl/api/v2/send', url) };
  const reply = { status: 200, batchId: 'b' };
  const run = () => Promise.resolve(reply);
  const seen = (r: typeof reply) => r;
  const calls = 100_000;
  for (let i = 0; i < 10_000; i++) await traceRequest(meta, run, seen);
  const samples: number[] = [];
  for (let round = 0; round < 5; round++) {
    const start = process.cpuUsage();
    for (let i = 0; i < calls; i++) await traceRequest(meta, run, seen);
    samples.push((cpuMsSince(start) * 1000) / calls);
  }
  return samples.sort((a, b) => a - b)[2];
}

process.once('message', (job: Job) => {
  run(job).then(
    (report) => process.send!({ type: 'report', report }, () => process.exit(0)),
    (err: unknown) => process.send!({ type: 'error', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }, () => process.exit(1)),
  );
});
