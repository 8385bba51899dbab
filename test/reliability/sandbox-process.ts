// The sandbox in a process of its own, for the load test: its CPU, heap and event loop are then
// not counted as ours. Speaks over the IPC channel: sends { url } when listening, answers 'stats'.
import { ChonrySmsSandbox } from '../../lib/testing';
import { ACCESS_KEY, SECRET } from '../helpers';

export interface SandboxStats {
  requests: number;
  acceptedRequests: number;
  acceptedRecipients: number;
  distinctRecipients: number;
  duplicates: number;
}

async function main(): Promise<void> {
  const sandbox = new ChonrySmsSandbox({ accessKey: ACCESS_KEY, secret: SECRET, recordMessages: false });
  const url = await sandbox.start();
  process.on('message', (message) => {
    if (message === 'stats') {
      const stats: SandboxStats = {
        requests: sandbox.requests.length,
        acceptedRequests: sandbox.acceptedRequests,
        acceptedRecipients: sandbox.acceptedRecipients,
        distinctRecipients: sandbox.acceptedCount.size,
        duplicates: [...sandbox.acceptedCount.values()].filter((n) => n > 1).length,
      };
      process.send!(stats);
    } else if (message === 'reset') {
      sandbox.reset();
      process.send!('reset');
    }
  });
  // Leave with the parent, whatever happens to it.
  process.on('disconnect', () => void sandbox.close().then(() => process.exit(0)));
  process.send!({ url });
}

void main();
