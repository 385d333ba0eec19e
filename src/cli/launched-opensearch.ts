import type { Config } from '../core/config.js';
import { launchOpenSearch } from '../store/opensearch-launcher.js';

/**
 * Runs `fn` against a single OpenSearch node started for it (the repository's launcher: Maven artifacts, a free
 * port, a temporary folder), then stops the node, whatever happens. The configuration it gets points at the node.
 */
export async function withLaunchedOpenSearch<T>(config: Config, fn: (config: Config) => Promise<T>): Promise<T> {
  const note = (line: string): void => {
    process.stderr.write(`opensearch: ${line}\n`);
  };
  note('starting a local node (the first time, its artifacts are resolved from Maven)...');
  const node = await launchOpenSearch({ log: note });
  try {
    return await fn({ ...config, opensearch: { ...config.opensearch, nodes: [node.url], replicas: 0, auth: {}, tls: { rejectUnauthorized: true } } });
  } finally {
    await node.close();
    note('node stopped');
  }
}
