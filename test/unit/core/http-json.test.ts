import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from '../../../src/core/http-json.js';
import { ragErrorOfAsync } from '../../helpers/errors.js';

/** postJson reads no more of an answer than it was told to: a runaway model server cannot fill the memory. */

let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/declared') {
        // Declares its size up front.
        const body = `[${'1,'.repeat(2498)}1]`;
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
        res.end(body);
        return;
      }
      // Chunked: no declared size, 100 chunks of 1000 bytes.
      res.writeHead(200, { 'content-type': 'application/json' });
      let sent = 0;
      const more = (): void => {
        if (res.destroyed) return;
        if (sent++ >= 100) {
          res.end('1]');
          return;
        }
        res.write(sent === 1 ? `[${'1,'.repeat(499)}`.slice(0, 1000) : '1,'.repeat(500));
        setImmediate(more);
      };
      more();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('postJson answer size', () => {
  it('refuses an answer larger than maxBytes, streamed or declared, with a clear 503', async () => {
    for (const path of ['/streamed', '/declared']) {
      const err = await ragErrorOfAsync(() => postJson(`${url}${path}`, {}, { what: 'embeddings server', timeoutMs: 5000, maxBytes: 2048 }));
      expect(err.statusCode).toBe(503);
      expect(err.message).toBe(`embeddings server at ${url}${path} answered more than 2 KB; refused unread`);
    }
  });

  it('reads an answer within the bound', async () => {
    const answer = await postJson(`${url}/declared`, {}, { what: 'embeddings server', timeoutMs: 5000, maxBytes: 10_000 });
    expect(Array.isArray(answer) && answer.length).toBe(2499);
  });
});
