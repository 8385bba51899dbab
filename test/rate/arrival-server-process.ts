// A send endpoint in a process of its own that notes when each POST arrives (process.hrtime), so
// a stalled event loop in the sending process cannot move the timestamps. Speaks over IPC: sends
// { url } when listening; 'answer' messages set its replies; 'arrivals' returns the times in ns.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the server answers: every `rejectEvery`-th request is not accepted but answered with `code` (0: accept all). */
export interface ArrivalServerAnswers {
  rejectEvery: number;
  code: string;
  /** Answers after this many ms (the request arrived when it arrived). */
  delayMs: number;
}

export type ArrivalServerMessage = { type: 'answer'; answers: ArrivalServerAnswers } | { type: 'arrivals' };

let answers: ArrivalServerAnswers = { rejectEvery: 0, code: '0', delayMs: 0 };
let arrivals: bigint[] = [];
let batch = 0;

const server = createServer((req, res) => {
  if (req.method !== 'POST') {
    res.writeHead(404).end();
    return;
  }
  arrivals.push(process.hrtime.bigint());
  const n = arrivals.length;
  req.resume();
  req.on('end', () => {
    const rejected = answers.rejectEvery > 0 && n % answers.rejectEvery !== 0;
    const body = rejected
      ? { code: answers.code, msg: 'over the frequency limit' }
      : { code: '0', msg: 'SUCCESS', batchId: `arrival-${++batch}` };
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)), answers.delayMs);
  });
});

process.on('message', (message: ArrivalServerMessage) => {
  if (message.type === 'answer') {
    answers = message.answers;
    arrivals = [];
    process.send!('ok');
  } else if (message.type === 'arrivals') {
    process.send!(arrivals.map(String));
  }
});
// Leave with the parent, whatever happens to it.
process.on('disconnect', () => server.close(() => process.exit(0)));
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.send!({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
