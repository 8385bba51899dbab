import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A real forward HTTP proxy for tests: absolute-URI requests (plain http) are forwarded, CONNECT
 * opens a raw tunnel. Everything it receives is kept, byte for byte, so a test can search it.
 */
export class TestProxy {
  readonly connects: { target: string; authorization?: string }[] = [];
  readonly forwarded: { method: string; url: string; authorization?: string; body: string }[] = [];
  /** Every byte that crossed the proxy, in either direction, tunnels included. */
  private readonly seen: Buffer[] = [];
  /** Answer CONNECT with this status instead of opening the tunnel (407, 403, …). */
  refuseConnect?: number;
  /** Answer plain requests with this status instead of forwarding them. */
  refuseRequests?: number;
  private readonly server = http.createServer((req, res) => this.onRequest(req, res));
  private readonly sockets = new Set<net.Socket>();

  constructor() {
    this.server.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => this.onConnect(req, socket, head));
    this.server.on('connection', (s: net.Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get traffic(): string {
    return Buffer.concat(this.seen).toString('latin1');
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      this.seen.push(Buffer.from(`${req.method} ${req.url}\r\n${JSON.stringify(req.headers)}\r\n`), body);
      this.forwarded.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers['proxy-authorization'], body: body.toString('latin1') });
      if (this.refuseRequests) {
        res.writeHead(this.refuseRequests, { 'Proxy-Authenticate': 'Basic realm="test"', 'Content-Type': 'text/plain' }).end('refused');
        return;
      }
      const target = new URL(req.url ?? '');
      const headers = { ...req.headers };
      delete headers['proxy-authorization'];
      delete headers['proxy-connection'];
      const upstream = http.request({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.on('data', (c: Buffer) => this.seen.push(c));
        up.pipe(res);
      });
      upstream.on('error', () => res.writeHead(502).end());
      upstream.end(body);
    });
  }

  private onConnect(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    this.connects.push({ target: req.url ?? '', authorization: req.headers['proxy-authorization'] });
    this.seen.push(Buffer.from(`CONNECT ${req.url}\r\n${JSON.stringify(req.headers)}\r\n`));
    if (this.refuseConnect) {
      socket.end(`HTTP/1.1 ${this.refuseConnect} Refused\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const [host, port] = (req.url ?? '').split(/:(?=\d+$)/);
    const upstream = net.connect(Number(port), host === 'localhost' ? '127.0.0.1' : host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      socket.on('data', (c: Buffer) => this.seen.push(c));
      upstream.on('data', (c: Buffer) => this.seen.push(c));
      socket.pipe(upstream).pipe(socket);
    });
    const end = () => {
      socket.destroy();
      upstream.destroy();
    };
    upstream.on('error', end);
    socket.on('error', end);
    socket.on('close', end);
  }
}
