import 'reflect-metadata';
import { ConsoleLogger, INestApplication, LogLevel, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChonrySmsSandbox } from '../lib/testing';
import { isError } from './suite-support';

export const SECRET = 'S3cr3t-Do-Not-Leak-7f3a9c';
export const ACCESS_KEY = 'test-access-key';

export interface WireVector {
  name: string;
  kind: 'plain' | 'personal';
  mobile?: string;
  content?: string;
  data?: string;
  body: string;
}

export function loadVectors(): WireVector[] {
  // Tests run from the package root (scripts/test.mjs sets the working directory).
  const file = join(process.cwd(), 'test', 'fixtures', 'official-client-vectors.jsonl');
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as WireVector);
}

export async function startSandbox(opts: ConstructorParameters<typeof ChonrySmsSandbox>[0] = {}): Promise<ChonrySmsSandbox> {
  const sandbox = new ChonrySmsSandbox({ accessKey: ACCESS_KEY, secret: SECRET, ...opts });
  await sandbox.start();
  return sandbox;
}

/** A logger that keeps every line it is given, at every level. */
export class CapturingLogger extends ConsoleLogger {
  readonly lines: string[] = [];
  constructor() {
    super('test', { logLevels: ['log', 'error', 'warn', 'debug', 'verbose', 'fatal'] });
  }
  protected override printMessages(messages: unknown[], context?: string, logLevel?: LogLevel): void {
    this.lines.push(`${logLevel} [${context}] ${messages.map((m) => (isError(m) ? `${m.message}\n${m.stack}` : typeof m === 'string' ? m : JSON.stringify(m))).join(' ')}`);
  }
}

export async function createApp(
  metadata: ModuleMetadata,
  logger?: ConsoleLogger,
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  const app = moduleRef.createNestApplication({ logger: logger ?? false });
  await app.init();
  return app;
}

/** Resolves when the promise settles, with the rejection (or a failure if it resolved). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}
