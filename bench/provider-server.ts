// The benchmark's provider stand-in, run as a child process so its work never counts against the
// clients being measured. It answers every send at once without decoding the body (so a client's
// own cost shows, not the stand-in's), and counts recipients cheaply on the encoded bytes: the
// encoded commas of `mobile` (`%2C`) or the double-encoded `":"` after each key of `data`. That the
// bytes decode as the provider decodes them is the tests' job (the sandbox and the wire vectors).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const MOBILE_SEPARATOR = Buffer.from('%2C');
const DATA_KEY_END = Buffer.from('%2522%253A%2522');

function count(body: Buffer, needle: Buffer, from: number): number {
  let n = 0;
  for (let i = body.indexOf(needle, from); i >= 0; i = body.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** Recipients of one send body, from its encoded `mobile` or `data` field. */
function recipientsOf(body: Buffer): number {
  const mobile = body.indexOf('&mobile=');
  if (mobile >= 0) {
    const end = body.indexOf('&', mobile + 8);
    return count(end < 0 ? body : body.subarray(0, end), MOBILE_SEPARATOR, mobile) + 1;
  }
  const data = body.indexOf('&data=');
  return data >= 0 ? count(body, DATA_KEY_END, data) : 0;
}

async function main(): Promise<void> {
  let requests = 0;
  let acceptedRequests = 0;
  let acceptedRecipients = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests++;
      const recipients = recipientsOf(Buffer.concat(chunks));
      const ok = recipients > 0;
      if (ok) {
        acceptedRequests++;
        acceptedRecipients += recipients;
      }
      res.setHeader('content-type', 'application/json;charset=UTF-8');
      res.end(ok ? `{"code":"0","msg":"SUCCESS","batchId":"${requests}"}` : '{"code":"9002","msg":"missing mobile"}');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.on('message', (message: { type: string }) => {
    if (message.type === 'stats') process.send!({ type: 'stats', acceptedRequests, acceptedRecipients, requests });
    if (message.type === 'reset') {
      requests = acceptedRequests = acceptedRecipients = 0;
      process.send!({ type: 'reset' });
    }
    if (message.type === 'close') server.close(() => process.exit(0));
  });
  process.send!({ type: 'ready', url });
}

void main();
