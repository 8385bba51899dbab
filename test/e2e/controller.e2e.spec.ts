import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { Body, Controller, INestApplication, Post, ValidationPipe } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { ChonrySmsModule, ChonrySmsService, SendPersonalizedSmsDto, SendSmsDto } from '../../lib';
import { ChonrySmsSandbox } from '../../lib/testing';
import { ACCESS_KEY, SECRET, startSandbox } from '../helpers';

@Controller('sms')
class SmsController {
  constructor(private readonly sms: ChonrySmsService) {}

  @Post()
  send(@Body() dto: SendSmsDto) {
    return this.sms.send(dto);
  }

  @Post('personalized')
  sendPersonalized(@Body() dto: SendPersonalizedSmsDto) {
    return this.sms.sendPersonalized(dto);
  }
}

describe('a Nest app using the DTOs with ValidationPipe, over real HTTP', () => {
  let sandbox: ChonrySmsSandbox;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    sandbox = await startSandbox();
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          load: [() => ({ CHONRY_ACCESS_KEY: ACCESS_KEY, CHONRY_SECRET: SECRET, CHONRY_BASE_URL: sandbox.url })],
        }),
        ChonrySmsModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            accessKey: config.getOrThrow<string>('CHONRY_ACCESS_KEY'),
            secret: config.getOrThrow<string>('CHONRY_SECRET'),
            baseUrl: config.getOrThrow<string>('CHONRY_BASE_URL'),
            sign: '【Acme】',
          }),
        }),
      ],
      controllers: [SmsController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });
  afterAll(async () => {
    await app?.close();
    await sandbox.close();
  });

  const post = (path: string, body: unknown) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('POST /sms sends and returns the batch', async () => {
    const res = await post('/sms', { mobiles: ['+44 7911 123456'], variables: ['Mr Smith', '9:40'], scheduleSendTime: '2030-01-01 08:00:00' });
    assert.equal(res.status, 201);
    const body = (await res.json()) as { batchId: string; recipients: number };
    assert.equal(body.recipients, 1);
    const last = sandbox.messages.at(-1)!;
    assert.deepEqual([last.mobile, last.variables, last.sign, last.scheduleSendTime, last.batchId], ['447911123456', ['Mr Smith', '9:40'], '【Acme】', '2030-01-01 08:00:00', body.batchId]);
  });

  it('POST /sms/personalized sends', async () => {
    const res = await post('/sms/personalized', { messages: [{ mobile: '8613700000000', variables: ['先生'] }, { mobile: '8613700000001', variables: ['女士'] }] });
    assert.equal(res.status, 201);
    assert.equal(((await res.json()) as { recipients: number }).recipients, 2);
  });

  it('ValidationPipe answers 400 with messages naming field and position, and nothing is sent', async () => {
    const before = sandbox.requests.length;
    const res = await post('/sms', { mobiles: ['447911123456', '12345'], variables: ['a##b'], extra: 1 });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { message: string[] };
    const text = body.message.join('\n');
    assert.match(text, /mobiles\[1\]: "12345"/);
    assert.match(text, /variables\[0\]: "a##b" contains "##" or "\$\$"/);
    assert.match(text, /property extra should not exist/);
    assert.equal(sandbox.requests.length, before);
  });
});
