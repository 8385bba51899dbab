import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer, Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { freePort } from '../reliability/support';

/** Why the tests that stop their own Redis cannot run (no `redis-server` on the PATH), or false. */
export function redisServerSkipReason(): string | false {
  const found = spawnSync('redis-server', ['--version'], { timeout: 5000 }).status === 0;
  if (found || process.env.CI === 'true') return false;
  const reason = 'no redis-server binary: the Redis outage tests are skipped';
  process.stderr.write(`\n*** ${reason} ***\n\n`);
  return reason;
}

/** A redis-server of the test's own, on a free port, that the test may stop, freeze and restart. */
export class OwnRedis {
  private child?: ChildProcess;

  private constructor(
    readonly port: number,
    readonly password: string,
  ) {}

  static async start(password: string): Promise<OwnRedis> {
    const redis = new OwnRedis(await freePort(), password);
    await redis.restart();
    return redis;
  }

  url(port = this.port): string {
    return `redis://:${encodeURIComponent(this.password)}@127.0.0.1:${port}`;
  }

  /** Starts (again) on the same port, and waits until it answers. */
  async restart(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', this.password], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.child = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`redis-server exited at start (code ${code}): ${output}`)));
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve();
      });
    });
    child.stdout!.resume();
  }

  /** kill -9: the port is dead (connections refused) until `restart()`. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  /** kill -STOP: connections are accepted by the kernel, nothing is ever answered. */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
  }
}

/**
 * A TCP relay in front of a Redis that cuts every connection (and refuses new ones) once
 * `cutAfterBytes` bytes from clients have passed, so a Redis outage lands in the middle of a write.
 */
export class CuttingRelay {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private forwarded = 0;
  private cutAfterBytes = Infinity;
  port = 0;

  constructor(private readonly targetPort: number) {
    this.server = createServer((client) => {
      if (this.forwarded >= this.cutAfterBytes) {
        client.destroy();
        return;
      }
      const upstream = createConnection(this.targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.on('data', (chunk: Buffer) => {
        if (this.forwarded >= this.cutAfterBytes) return;
        const room = this.cutAfterBytes - this.forwarded;
        this.forwarded += chunk.length;
        upstream.write(room < chunk.length ? chunk.subarray(0, room) : chunk);
        if (this.forwarded >= this.cutAfterBytes) this.cutAll();
      });
      upstream.on('data', (chunk: Buffer) => client.write(chunk));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Cuts once `bytes` more client bytes have passed. */
  cutAfter(bytes: number): void {
    this.cutAfterBytes = this.forwarded + bytes;
  }

  /** Relays again, for as long as `cutAfter` is not called. */
  heal(): void {
    this.cutAfterBytes = Infinity;
  }

  get isCut(): boolean {
    return this.forwarded >= this.cutAfterBytes;
  }

  private cutAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
