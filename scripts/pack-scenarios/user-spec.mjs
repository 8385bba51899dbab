// What a user's spec looks like, shared by the runner scenarios: its own provider injecting
// ChonrySmsService, the testing module, what the sandbox received, a validation failure with nothing sent.
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The packed tarball pack-check left next to the scratch app. */
export function findTarball() {
  const dir = resolve(process.cwd(), '..');
  const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error(`no tarball in ${dir}`);
  return join(dir, tgz);
}

export const USER_SPEC = `import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ChonrySmsError, ChonrySmsService, ChonrySmsValidationError } from 'nestjs-chonry-sms';
import { ChonrySmsSandbox, ChonrySmsTestingModule } from 'nestjs-chonry-sms/testing';

@Injectable()
class OrderNotifier {
  constructor(private readonly sms: ChonrySmsService) {}

  shipped(mobile: string, order: string) {
    return this.sms.send({ mobiles: [mobile], variables: [order] });
  }
}

@Module({ providers: [OrderNotifier], exports: [OrderNotifier] })
class OrdersModule {}

describe('OrderNotifier', () => {
  it('sends through the sandbox, and refuses a bad number before sending', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ChonrySmsTestingModule.forRoot({ templateId: '100', isGlobal: true }), OrdersModule],
    }).compile();
    const app = await moduleRef.createNestApplication().init();
    try {
      const sandbox = app.get(ChonrySmsSandbox);
      const result = await app.get(OrderNotifier).shipped('+44 7911 123456', 'A-1');
      expect(result.recipients).toBe(1);
      expect(sandbox.messages).toEqual([
        expect.objectContaining({ mobile: '447911123456', variables: ['A-1'], templateId: '100' }),
      ]);

      const error = await app.get(OrderNotifier).shipped('not a number', 'A-2').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChonrySmsValidationError);
      expect(error).toBeInstanceOf(ChonrySmsError);
      expect(sandbox.requests).toHaveLength(1);
    } finally {
      await app.close();
    }
  });
});
`;

// The health indicator on the terminus line that goes with the app's Nest line.
export const HEALTH_SPEC = `import 'reflect-metadata';
import { TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { ChonrySmsHealthIndicator, ChonrySmsHealthModule } from 'nestjs-chonry-sms/health';
import { ChonrySmsTestingModule } from 'nestjs-chonry-sms/testing';

it('reports the sandbox gateway up', async () => {
  const moduleRef = await Test.createTestingModule({
    imports: [ChonrySmsTestingModule.forRoot({ isGlobal: true }), TerminusModule, ChonrySmsHealthModule.register({})],
  }).compile();
  const app = await moduleRef.createNestApplication().init();
  try {
    const report = await app.get(ChonrySmsHealthIndicator).isHealthy();
    expect(report['chonry-sms'].status).toBe('up');
  } finally {
    await app.close();
  }
});
`;
