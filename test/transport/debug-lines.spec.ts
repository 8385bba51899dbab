import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { ConsoleLogger, LoggerService, LogLevel } from '@nestjs/common';
import { ChonrySmsModule, ChonrySmsService } from '../../lib';
import { ChonrySmsSandbox } from '../../lib/testing';
import { ACCESS_KEY, createApp, SECRET, startSandbox } from '../helpers';

/** A logger that is not Nest's ConsoleLogger (pino, winston adapters): it keeps every line. */
class ForeignLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown): void { this.lines.push(`log ${String(message)}`); }
  error(message: unknown): void { this.lines.push(`error ${String(message)}`); }
  warn(message: unknown): void { this.lines.push(`warn ${String(message)}`); }
  debug(message: unknown): void { this.lines.push(`debug ${String(message)}`); }
  verbose(message: unknown): void { this.lines.push(`verbose ${String(message)}`); }
}

class Capturing extends ConsoleLogger {
  readonly lines: string[] = [];
  protected override printMessages(messages: unknown[], _context?: string, logLevel?: LogLevel): void {
    this.lines.push(`${logLevel} ${messages.map(String).join(' ')}`);
  }
}

// The request's debug line is only built when Nest would print it; the question must be answered
// the same on the Nest 11 and Nest 12 lines (Nest 11's Logger.isLevelEnabled says "off" for any
// logger instance), so each kind of app logger is tried with a real send.
describe('the per-request debug line', () => {
  let sandbox: ChonrySmsSandbox;
  beforeAll(async () => { sandbox = await startSandbox(); });
  afterAll(() => sandbox.close());

  async function sendWith(logger: LoggerService): Promise<void> {
    const app = await createApp({ imports: [ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, baseUrl: sandbox.url, templateId: '100' })] }, logger as ConsoleLogger);
    try {
      await app.get(ChonrySmsService).send({ mobiles: ['+8613900000001'], variables: ['x'] });
    } finally {
      await app.close();
    }
  }
  const postLines = (lines: string[]) => lines.filter((l) => l.startsWith('debug') && l.includes('POST '));

  it('is logged to a ConsoleLogger with debug on', async () => {
    const logger = new Capturing('t', { logLevels: ['log', 'error', 'warn', 'debug'] });
    await sendWith(logger);
    assert.equal(postLines(logger.lines).length, 1, logger.lines.join('\n'));
  });

  it('is not logged to a ConsoleLogger without debug', async () => {
    const logger = new Capturing('t', { logLevels: ['log', 'error', 'warn'] });
    await sendWith(logger);
    assert.equal(postLines(logger.lines).length, 0);
    assert.ok(logger.lines.length > 0, 'the logger was in use');
  });

  it('is logged to a logger that is not a ConsoleLogger (levels are its own business)', async () => {
    const logger = new ForeignLogger();
    await sendWith(logger);
    assert.equal(postLines(logger.lines).length, 1, logger.lines.join('\n'));
  });
});
