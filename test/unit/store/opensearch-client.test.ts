import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createOpenSearchClient, openSearchClientOptions } from '../../../src/store/opensearch-client.js';
import { ragErrorOf } from '../../helpers/errors.js';
import { startFakeServer, type FakeServer } from '../../helpers/fake-http.js';

const base = { nodes: ['http://127.0.0.1:9200'], auth: {}, tls: { rejectUnauthorized: true }, requestTimeoutMs: 5000, maxRetries: 1 };

describe('openSearchClientOptions', () => {
  it('maps nodes, timeouts and retries, and adds no auth or TLS when none is configured', () => {
    const options = openSearchClientOptions({ ...base, nodes: ['http://a:9200', 'https://b:9200/'] });
    expect(options.nodes).toEqual(['http://a:9200/', 'https://b:9200/']);
    expect(options.requestTimeout).toBe(5000);
    expect(options.maxRetries).toBe(1);
    expect(options.auth).toBeUndefined();
    expect(options.ssl).toBeUndefined();
    expect(options.headers).toBeUndefined();
  });

  it('retries only on other nodes: none with a single node, at most one per other node', () => {
    expect(openSearchClientOptions({ ...base, maxRetries: 2 }).maxRetries).toBe(0);
    expect(openSearchClientOptions({ ...base, maxRetries: 2, nodes: ['http://a:9200', 'http://b:9200'] }).maxRetries).toBe(1);
    expect(openSearchClientOptions({ ...base, maxRetries: 2, nodes: ['http://a:9200', 'http://b:9200', 'http://c:9200', 'http://d:9200'] }).maxRetries).toBe(2);
  });

  it('uses basic auth, or an API key header, never both', () => {
    expect(openSearchClientOptions({ ...base, auth: { username: 'u', password: 'p' } }).auth).toEqual({ username: 'u', password: 'p' });
    expect(openSearchClientOptions({ ...base, auth: { apiKey: 'k123' } }).headers).toEqual({ authorization: 'ApiKey k123' });
    const both = ragErrorOf(() => openSearchClientOptions({ ...base, auth: { username: 'u', password: 'p', apiKey: 'k' } }));
    expect(both.code).toBe('CONFIG');
    expect(both.message).toContain('opensearch.auth');
    const half = ragErrorOf(() => openSearchClientOptions({ ...base, auth: { username: 'u' } }));
    expect(half.message).toContain('opensearch.auth.password');
  });

  it('refuses URLs that are not http(s), not URLs, or carry credentials, naming the setting without the secret', () => {
    expect(ragErrorOf(() => openSearchClientOptions({ ...base, nodes: ['ftp://x'] })).message).toContain('opensearch.nodes');
    expect(ragErrorOf(() => openSearchClientOptions({ ...base, nodes: ['not a url'] })).code).toBe('CONFIG');
    // A host and port without the scheme: the same advice whether the host is a name or an address.
    for (const node of ['localhost:9471', '127.0.0.1:9471']) {
      expect(ragErrorOf(() => openSearchClientOptions({ ...base, nodes: [node] })).message).toBe(`invalid configuration:\n  opensearch.nodes: "${node}" must start with http:// or https://`);
    }
    const withSecret = ragErrorOf(() => openSearchClientOptions({ ...base, nodes: ['http://admin:s3cret@host:9200'] }));
    expect(withSecret.message).toContain('opensearch.auth');
    expect(withSecret.message).not.toContain('s3cret');
  });

  describe('TLS', () => {
    let dir: string;
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('reads the CA file and keeps certificate checks on unless turned off', () => {
      dir = mkdtempSync(join(tmpdir(), 'rag-tls-'));
      const ca = join(dir, 'ca.pem');
      writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
      expect(openSearchClientOptions({ ...base, nodes: ['https://h:9200'], tls: { caFile: ca, rejectUnauthorized: true } }).ssl).toEqual({
        rejectUnauthorized: true,
        ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      });
      expect(openSearchClientOptions({ ...base, tls: { rejectUnauthorized: false } }).ssl).toEqual({ rejectUnauthorized: false });
      const missing = ragErrorOf(() => openSearchClientOptions({ ...base, tls: { caFile: join(dir, 'nope.pem'), rejectUnauthorized: true } }));
      expect(missing.code).toBe('CONFIG');
      expect(missing.message).toContain('opensearch.tls.caFile');
    });
  });
});

describe('createOpenSearchClient on the wire', () => {
  let server: FakeServer;
  afterEach(async () => server.close());

  it('sends the API key, or basic credentials, with every request', async () => {
    server = await startFakeServer(() => ({ status: 200, body: { cluster_name: 'fake', version: { number: '2.19.6' } } }));
    const keyed = createOpenSearchClient({ ...base, nodes: [server.url], auth: { apiKey: 'abc' } });
    await keyed.info();
    expect(server.requests[0]?.headers.authorization).toBe('ApiKey abc');
    const basic = createOpenSearchClient({ ...base, nodes: [server.url], auth: { username: 'reader', password: 'pw' } });
    await basic.info();
    expect(server.requests[1]?.headers.authorization).toBe(`Basic ${Buffer.from('reader:pw').toString('base64')}`);
    await Promise.all([keyed.close(), basic.close()]);
  });
});
