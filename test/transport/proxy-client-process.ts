// A Nest app in a process of its own, so that NODE_EXTRA_CA_CERTS (read only at start-up) can make
// the test's self-signed gateway certificate trusted. argv[2]: JSON of module options to add.
// Prints one JSON line: { batchId } or { error: { kind, delivery, message, status } }.
import { Test } from '@nestjs/testing';
import { ChonrySmsModule, ChonrySmsService, ChonrySmsTransportError } from '../../lib';
import { ACCESS_KEY, SECRET } from '../helpers';

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2]) as Record<string, unknown>;
  const moduleRef = await Test.createTestingModule({
    imports: [ChonrySmsModule.forRoot({ accessKey: ACCESS_KEY, secret: SECRET, templateId: '100', timeout: 3000, ...options } as never)],
  }).compile();
  const app = await moduleRef.createNestApplication({ logger: false }).init();
  try {
    const result = await app.get(ChonrySmsService).send({ mobiles: ['447911123456'], variables: ['Ada', '9:40'] });
    process.stdout.write(`${JSON.stringify({ batchId: result.batchId })}\n`);
  } catch (err) {
    const e = err as ChonrySmsTransportError;
    process.stdout.write(`${JSON.stringify({ error: { kind: e.kind, delivery: e.delivery, message: e.message, status: e.status } })}\n`);
  } finally {
    await app.close();
  }
}

void main();
