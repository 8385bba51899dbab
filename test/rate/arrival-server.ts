import { ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { ArrivalServerAnswers, ArrivalServerMessage } from './arrival-server-process';

/** The parent's handle on `arrival-server-process`. */
export class ArrivalServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(): Promise<ArrivalServer> {
    const child = fork(join(__dirname, 'arrival-server-process.js'), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const [{ url }] = (await once(child, 'message')) as [{ url: string }];
    return new ArrivalServer(child, url);
  }

  /** Sets how the next requests are answered, and forgets earlier arrivals. */
  async answer(answers: Partial<ArrivalServerAnswers> = {}): Promise<void> {
    await this.ask({ type: 'answer', answers: { rejectEvery: 0, code: '0', delayMs: 0, ...answers } });
  }

  /** Arrival times of every POST since the last `answer()`, in ns of the server's monotonic clock, in order. */
  async arrivals(): Promise<bigint[]> {
    return ((await this.ask({ type: 'arrivals' })) as string[]).map(BigInt);
  }

  async close(): Promise<void> {
    const exited = once(this.child, 'exit');
    this.child.disconnect();
    await exited;
  }

  private async ask(message: ArrivalServerMessage): Promise<unknown> {
    const reply = once(this.child, 'message');
    this.child.send(message);
    return (await reply)[0];
  }
}

/**
 * Every run of `max + 1` consecutive arrivals that fits inside one `durationMs` window, as
 * "#i→#j: gap ms" (empty when the limit held over every sliding window).
 */
export function windowBreaches(arrivals: readonly bigint[], max: number, durationMs: number): string[] {
  const window = BigInt(durationMs) * 1_000_000n;
  const breaches: string[] = [];
  for (let i = 0; i + max < arrivals.length; i++) {
    const gap = arrivals[i + max] - arrivals[i];
    if (gap < window) breaches.push(`#${i}→#${i + max}: ${(Number(gap) / 1e6).toFixed(1)} ms`);
  }
  return breaches;
}

/** Most arrivals within any window [t, t + durationMs). */
export function mostInWindow(arrivals: readonly bigint[], durationMs: number): number {
  const window = BigInt(durationMs) * 1_000_000n;
  let most = 0;
  for (let i = 0, j = 0; i < arrivals.length; i++) {
    while (j < arrivals.length && arrivals[j] < arrivals[i] + window) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

/** Blocks the event loop for `ms`, as a slow synchronous step of the application would. */
export function busyLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}
