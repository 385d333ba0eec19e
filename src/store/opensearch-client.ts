import { readFileSync } from 'node:fs';
import { Client, type ClientOptions } from '@opensearch-project/opensearch';
import type { OpenSearchConfig } from '../core/config-schema.js';
import { RagError } from '../core/errors.js';

type ConnectionSettings = Pick<OpenSearchConfig, 'nodes' | 'auth' | 'tls' | 'requestTimeoutMs' | 'maxRetries'>;

/**
 * Client options from configuration: node URLs, basic auth or an API key, TLS. Anything inconsistent is a
 * CONFIG error at start-up, naming the setting; secrets never appear in the messages.
 */
export function openSearchClientOptions(config: ConnectionSettings): ClientOptions {
  const nodes = config.nodes.map((node) => {
    // "127.0.0.1:9200" is no URL and "localhost:9200" parses as the scheme "localhost:": both lack the scheme.
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(node)) {
      throw new RagError('CONFIG', `invalid configuration:\n  opensearch.nodes: "${node}" must start with http:// or https://`);
    }
    let url: URL;
    try {
      url = new URL(node);
    } catch {
      throw new RagError('CONFIG', `invalid configuration:\n  opensearch.nodes: "${node}" is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new RagError('CONFIG', `invalid configuration:\n  opensearch.nodes: "${node}" must start with http:// or https://`);
    }
    if (url.username || url.password) {
      throw new RagError('CONFIG', 'invalid configuration:\n  opensearch.nodes: put credentials in opensearch.auth, not in the URL');
    }
    return url.toString();
  });
  const { username, password, apiKey } = config.auth;
  if (apiKey !== undefined && (username !== undefined || password !== undefined)) {
    throw new RagError('CONFIG', 'invalid configuration:\n  opensearch.auth: set either username and password, or apiKey, not both');
  }
  if ((username === undefined) !== (password === undefined)) {
    throw new RagError('CONFIG', `invalid configuration:\n  opensearch.auth.${username === undefined ? 'username' : 'password'}: is required with opensearch.auth.${username === undefined ? 'password' : 'username'}`);
  }
  const options: ClientOptions = {
    nodes,
    requestTimeout: config.requestTimeoutMs,
    // The client retries on the next node of its pool; with one node that is the same node again (after a timeout,
    // another full timeout: a hung node cost three of them), so retries go only to other nodes, one each at most.
    maxRetries: Math.min(config.maxRetries, nodes.length - 1),
    // A node that failed is tried again after a ping succeeds: the client recovers by itself when it is back.
    resurrectStrategy: 'ping',
    pingTimeout: Math.min(3000, config.requestTimeoutMs),
  };
  if (username !== undefined && password !== undefined) options.auth = { username, password };
  if (apiKey !== undefined) options.headers = { authorization: `ApiKey ${apiKey}` };
  const { caFile, rejectUnauthorized } = config.tls;
  if (caFile !== undefined || !rejectUnauthorized) {
    let ca: string | undefined;
    if (caFile !== undefined) {
      try {
        ca = readFileSync(caFile, 'utf8');
      } catch (err) {
        throw new RagError('CONFIG', `invalid configuration:\n  opensearch.tls.caFile: cannot read ${caFile}: ${(err as Error).message}`);
      }
    }
    options.ssl = { rejectUnauthorized, ...(ca !== undefined ? { ca } : {}) };
  }
  return options;
}

export function createOpenSearchClient(config: ConnectionSettings): Client {
  return new Client(openSearchClientOptions(config));
}
