// The benchmark's provider stand-in, run as a child process so its work never counts against the
// clients being measured: the module's own ChonrySmsSandbox, which decodes bodies as the provider does.
import { ChonrySmsSandbox } from '../lib/testing';
import { BENCH_ACCESS_KEY, BENCH_SECRET } from './bench-scenarios';

async function main(): Promise<void> {
  const sandbox = new ChonrySmsSandbox({ accessKey: BENCH_ACCESS_KEY, secret: BENCH_SECRET, recordMessages: false });
  const url = await sandbox.start();
  process.on('message', (message: { type: string }) => {
    if (message.type === 'stats') {
      process.send!({ type: 'stats', acceptedRequests: sandbox.acceptedRequests, acceptedRecipients: sandbox.acceptedRecipients, requests: sandbox.requests.length });
    }
    if (message.type === 'reset') {
      sandbox.reset();
      process.send!({ type: 'reset' });
    }
    if (message.type === 'close') void sandbox.close().then(() => process.exit(0));
  });
  process.send!({ type: 'ready', url });
}

void main();
