import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';

/** What the proxy does with one request: pass it on, answer it itself, never answer, or drop the connection. */
export type ProxyAction = 'pass' | 'hang' | 'drop' | { status: number; body: unknown };

export interface ProxiedRequest {
  method: string;
  path: string;
  body: string;
}

export interface OpenSearchProxy {
  url: string;
  /** Bulk requests passed on so far. */
  bulks: number;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of a real OpenSearch node that can fail chosen requests (the third bulk request, every
 * request from now on): a node dying in the middle of a write, exactly where a test wants it.
 */
export async function startOpenSearchProxy(target: string, decide: (request: ProxiedRequest) => ProxyAction): Promise<OpenSearchProxy> {
  const sockets = new Set<Socket>();
  const proxy: OpenSearchProxy = { url: '', bulks: 0, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request: ProxiedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', body: Buffer.concat(chunks).toString() };
      const action = decide(request);
      if (action === 'hang') return;
      if (action === 'drop') {
        req.socket.destroy();
        return;
      }
      if (action !== 'pass') {
        res.writeHead(action.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(action.body));
        return;
      }
      if (request.path.split('?')[0]!.endsWith('/_bulk')) proxy.bulks++;
      const headers: Record<string, string> = {};
      const type = req.headers['content-type'];
      if (typeof type === 'string') headers['content-type'] = type;
      const init: RequestInit = { method: request.method, headers };
      if (request.method !== 'GET' && request.method !== 'HEAD' && request.body.length > 0) init.body = request.body;
      fetch(`${target}${request.path}`, init)
        .then(async (r) => {
          const body = Buffer.from(await r.arrayBuffer());
          res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
          res.end(body);
        })
        .catch(() => req.socket.destroy());
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  proxy.url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return proxy;
}
