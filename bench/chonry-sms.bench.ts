// `npm run bench` (full; writes BENCHMARKS.md) or `npm run bench -- --short` (a quick proof that it
// works, prints only). Starts the provider stand-in in its own process, then measures each client
// on each scenario in a fresh process of its own.
import { ChildProcess, fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import type { QueueBenchReport } from './queue-bench';
import { CLIENT_LABELS, ClientName, ClientReport, CLIENTS, Scenario, ScenarioName, scenarios, SMALL_ONLY } from './bench-scenarios';

const short = process.argv.includes('--short');
const ROUNDS = short ? 1 : 5;

/** The round with the median throughput, reporting the highest peak RSS of all rounds. */
function medianRound(reports: ClientReport[]): ClientReport {
  const sorted = [...reports].sort((a, b) => a.throughput - b.throughput);
  return { ...sorted[(sorted.length - 1) >> 1], peakRssMb: Math.max(...reports.map((r) => r.peakRssMb)) };
}

function once<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const done = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (m: { type: string; message?: string }) => {
      if (m.type === type) {
        done();
        resolve(m as T);
      } else if (m.type === 'error') {
        done();
        reject(new Error(m.message));
      }
    };
    const onExit = (code: number | null) => {
      done();
      reject(new Error(`${type}: child exited with ${code}`));
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

async function measure(url: string, client: ClientName, scenario: Scenario): Promise<ClientReport> {
  // CHONRY_BENCH_PROFILE=<folder> writes a CPU profile of every client process there.
  const profile = process.env.CHONRY_BENCH_PROFILE;
  const execArgv = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
  if (client === 'module-no-otel') execArgv.push('--require', join(__dirname, 'no-otel.js'));
  const child = fork(join(__dirname, 'bench-client.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  const reply = once<{ report: ClientReport }>(child, 'report');
  child.send({ client, scenario, url });
  return (await reply).report;
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–');

function table(results: ClientReport[], list: Scenario[]): string {
  const rows = ['| scenario | client | median latency (ms) | p99 latency (ms) | throughput | CPU per request, bulk: per send (ms) | peak RSS (MB) | accepted |', '|---|---|---:|---:|---:|---:|---:|---:|'];
  for (const s of list) {
    for (const r of results.filter((x) => x.scenario === s.name)) {
      const unit = s.name === 'bulk-1m' ? 'recipients/s' : 'req/s';
      rows.push(
        `| ${s.title} | ${CLIENT_LABELS[r.client]} | ${fmt(r.latencyMs.median, 2)} | ${fmt(r.latencyMs.p99, 2)} | ${fmt(r.throughput, 0)} ${unit} | ${fmt(r.cpuMs / r.requests, 3)} | ${fmt(r.peakRssMb, 0)} | ${r.accepted}/${r.requests} |`,
      );
    }
  }
  return rows.join('\n');
}

/** The queue's figures, measured by bench/queue-bench.ts in a process of its own (with its two workers). */
async function queueFigures(url: string): Promise<QueueBenchReport> {
  const child = fork(join(__dirname, 'queue-bench.js'), [url, ...(short ? ['--short'] : [])], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return (await once<{ report: QueueBenchReport }>(child, 'queue-report')).report;
}

function queueGoals(q: QueueBenchReport): string[] {
  if (q.skipped) return [`| queue figures | skipped: ${q.skipped} | | |`];
  const lines: string[] = [];
  if (q.enqueue) {
    const r = q.enqueue.addBulkMs / q.enqueue.oursMs;
    lines.push(`| queue: enqueue ${fmt(q.enqueue.numbers, 0)} numbers vs BullMQ's own addBulk of the same chunks, unvalidated (${fmt(q.enqueue.oursMs, 0)} vs ${fmt(q.enqueue.addBulkMs, 0)} ms) | ${fmt(r, 2)}× | ≥ 0.5× | ${r >= 0.5 ? 'yes' : 'no'} |`);
  }
  if (q.campaign) {
    const c = q.campaign;
    const r = c.bestMs / c.ms;
    lines.push(`| queue: ${c.jobs} jobs of ${fmt(c.perJob, 0)} numbers on two workers vs the best \`max: ${c.max}\` per ${c.duration} ms allows (${fmt(c.ms, 0)} vs ${fmt(c.bestMs, 0)} ms) | ${fmt(r, 2)}× | ≥ 0.95× | ${r >= 0.95 ? 'yes' : 'no'} |`);
  }
  return lines;
}

function goals(results: ClientReport[], queue?: QueueBenchReport): string {
  const get = (scenario: ScenarioName, client: ClientName) => results.find((r) => r.scenario === scenario && r.client === client);
  const lines = ['| goal | measured | target | met |', '|---|---:|---:|:---:|'];
  const ratio = (scenario: ScenarioName, label: string, target: number) => {
    const ours = get(scenario, 'module');
    const axios = get(scenario, 'axios');
    if (!ours || !axios) return;
    const r = ours.throughput / axios.throughput;
    lines.push(`| ${label} | ${fmt(r, 2)}× | ≥ ${target}× | ${r >= target ? 'yes' : 'no'} |`);
  };
  ratio('small-c1', 'send() throughput vs axios keep-alive, c=1', 0.95);
  ratio('small-c64', 'send() throughput vs axios keep-alive, c=64', 0.95);
  // The telemetry's cost when the app registers no OpenTelemetry SDK: installed API vs none at all.
  for (const [scenario, c] of [['small-c1', 1], ['small-c64', 64]] as const) {
    const withApi = get(scenario, 'module');
    const without = get(scenario, 'module-no-otel');
    if (withApi && without) {
      const r = withApi.throughput / without.throughput;
      lines.push(`| send() throughput, @opentelemetry/api installed without an SDK vs not installed, c=${c} | ${fmt(r, 2)}× | ≥ 0.97× | ${r >= 0.97 ? 'yes' : 'no'} |`);
    }
  }
  // The same, by itself: the telemetry wrapper's CPU per request (around a request that resolves at
  // once) as a share of a whole small send's CPU, so it is not lost in the spread between rounds.
  const small = get('small-c1', 'module');
  const smallNoOtel = get('small-c1', 'module-no-otel');
  if (small?.telemetryCpuUs !== undefined && smallNoOtel?.telemetryCpuUs !== undefined) {
    const share = (small.telemetryCpuUs - smallNoOtel.telemetryCpuUs) / ((small.cpuMs / small.requests) * 1000);
    lines.push(
      `| telemetry per request, @opentelemetry/api installed without an SDK minus not installed, as a share of a small send's CPU (${fmt(small.telemetryCpuUs, 2)} vs ${fmt(smallNoOtel.telemetryCpuUs, 2)} µs) | ${fmt(share * 100, 2)} % | ≤ 1 % | ${share <= 0.01 ? 'yes' : 'no'} |`,
    );
  }
  // Our own CPU per request: the module's process CPU minus that of axios posting the same bytes
  // (validation, encoding and whatever the module adds around the request), with the part spent
  // before the request is written (validation and encoding alone) alongside.
  for (const [scenario, label] of [
    ['send-50k', 'our CPU for a 50,000-number send() (module minus axios posting the same bytes)'],
    ['personal-10k', 'our CPU for a 10,000-message sendPersonalized() (module minus axios)'],
  ] as const) {
    const ours = get(scenario, 'module');
    const axios = get(scenario, 'axios');
    if (!ours || !axios) continue;
    const own = ours.cpuMs / ours.requests - axios.cpuMs / axios.requests;
    const pre = ours.preRequestCpuMs ? `; before the request: ${fmt(ours.preRequestCpuMs.median, 1)} ms` : '';
    lines.push(`| ${label} | ${fmt(own, 1)} ms${pre} | ≤ 15 ms | ${own <= 15 ? 'yes' : 'no'} |`);
  }
  ratio('bulk-1m', `sendBulk() of ${short ? '100,000' : '1,000,000'} recipients vs a loop that joins and encodes the same chunks, no validation`, 0.5);
  const bulk = get('bulk-1m', 'module');
  if (bulk) lines.push(`| sendBulk() peak RSS (${short ? '100,000' : '1,000,000'} recipients) | ${fmt(bulk.peakRssMb, 0)} MB | ≤ 300 MB | ${bulk.peakRssMb <= 300 ? 'yes' : 'no'} |`);
  if (queue) lines.push(...queueGoals(queue));
  return lines.join('\n');
}

async function main(): Promise<void> {
  // --only=<scenario>[,<client>] narrows the run (for investigating one figure); reports are not written.
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
  const list = scenarios(short).filter((s) => !only || s.name === only[0]);
  const clients = CLIENTS.filter((c) => !only?.[1] || c === only[1]);
  const server = fork(join(__dirname, 'provider-server.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { url } = await once<{ url: string }>(server, 'ready');
  const results: ClientReport[] = [];
  let queue: QueueBenchReport | undefined;
  const loadAtStart = loadavg()[0];
  try {
    for (const scenario of list) {
      // Clients take turns, round after round, so a change in the machine's load hits them all alike.
      const here = clients.filter((c) => scenario.name.startsWith('small') || !SMALL_ONLY.includes(c));
      const rounds = new Map<ClientName, ClientReport[]>(here.map((c) => [c, []]));
      for (let round = 0; round < ROUNDS; round++) {
        // Each round starts with a different client, so none always follows the same neighbour.
        for (const client of [...here.slice(round % here.length), ...here.slice(0, round % here.length)]) {
          server.send({ type: 'reset' });
          await once(server, 'reset');
          const report = await measure(url, client, scenario);
          server.send({ type: 'stats' });
          const stats = await once<{ acceptedRecipients: number }>(server, 'stats');
          const expected = (scenario.requests + scenario.warmup) * scenario.recipients;
          if (stats.acceptedRecipients !== expected) throw new Error(`${client} / ${scenario.name}: the server accepted ${stats.acceptedRecipients} recipients, expected ${expected}`);
          rounds.get(client)!.push(report);
          console.error(`${scenario.title} · ${CLIENT_LABELS[client]} · round ${round + 1}: ${fmt(report.throughput, 0)}/s, median ${fmt(report.latencyMs.median, 2)} ms, CPU ${fmt(report.cpuMs / report.requests, 2)} ms per request`);
        }
      }
      for (const reports of rounds.values()) results.push(medianRound(reports));
    }
    if (!only || only[0] === 'queue') {
      server.send({ type: 'reset' });
      await once(server, 'reset');
      queue = await queueFigures(url);
      console.error(`queue figures: ${JSON.stringify(queue)}`);
    }
  } finally {
    server.send({ type: 'close' });
  }

  const cpu = cpus();
  const loadAtEnd = loadavg()[0];
  const busy = Math.max(loadAtStart, loadAtEnd) > cpu.length / 2;
  const machine = `${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GB RAM, Node ${process.version}, ${process.platform}-${process.arch}`;
  const report = [
    `# Benchmarks`,
    '',
    `Command: \`npm run bench${short ? ' -- --short' : ''}\` · ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `Machine: ${machine}; 1-minute load average ${loadAtStart.toFixed(2)} when the run started, ${loadAtEnd.toFixed(2)} when it ended.`,
    '',
    '## How',
    '',
    "- The provider stand-in runs in a separate process and answers at once without decoding the body (it counts recipients on the encoded bytes), so the clients' own cost shows; every client × scenario runs in a fresh process of its own, so CPU and peak RSS are that client's alone. That the bytes decode as the provider decodes them is proven by the tests, not here.",
    '- Baseline clients POST precomputed bytes, identical to what the module sends; the module validates and encodes on every call, which is most of the difference in the 50,000-number and 10,000-message rows (see the CPU-before-the-request goals, measured on the same code path `send()` / `sendPersonalized()` run before handing the body to the transport).',
    '- Bulk: `sendBulk()` at concurrency 4 against a hand-written loop that chunks by 50,000, joins and encodes at the same concurrency without validating anything.',
    '- Queue, enqueue: `ChonrySmsQueue.enqueue()` (validation, chunks, campaign state, jobs) and BullMQ\'s own `addBulk` of the same chunks, in one process with ioredis loaded (as in any application with the queue), taking turns over 5 rounds after a warm-up; the row gives the median of each. Campaign: two worker processes, timed from the moment every job is in Redis.',
    '- undici is the lower bound for HTTP on Node. A new connection per request (what the official client does) is cheap on loopback; over the internet every request would add a TCP and TLS handshake.',
    "- CPU is process user + system time over the measured requests (bulk: over the whole call); peak RSS is the client process's maximum resident set, Node and Nest included.",
    ...(ROUNDS > 1 ? [`- Clients take turns over ${ROUNDS} rounds, each round starting with a different client; each row is the round with the median throughput, with the highest peak RSS of all rounds.`] : []),
    ...(busy
      ? ['', '**Other work was running on the machine** (see the load averages), so the figures are noisy: ratios between clients measured in alternating turns are more trustworthy than absolute numbers.']
      : []),
    '',
    '## Goals',
    '',
    goals(results, queue),
    '',
    '## All figures',
    '',
    table(results, list),
    '',
  ].join('\n');
  console.log(report);
  if (!short && !only) writeFileSync(join(process.cwd(), 'BENCHMARKS.md'), report);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
