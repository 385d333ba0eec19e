/**
 * The benchmark's server, run as a child process of bench/run.ts so the load generator does not share (and steal)
 * the server's event loop:
 *
 *   node --import tsx bench/server-process.ts <storePath> [configFile]
 *
 * Opens the already-built store (no bootstrap ingestion), builds the in-memory index, listens on 127.0.0.1 on a
 * free port and prints one JSON line on stdout: {"port": <n>, "chunks": <n>, "warmMs": <n>}. Everything else goes
 * to stderr. It exits cleanly (so `node --cpu-prof` can write its profile) on SIGTERM, SIGINT, or when its stdin
 * closes, which happens when the parent dies without killing it.
 */
import { existsSync } from 'node:fs';
import { defaultConfigPath } from '../src/core/config.js';
import { loadConfig } from '../src/core/config.js';
import { Rag } from '../src/rag.js';
import { buildApp } from '../src/server/app.js';

async function main(): Promise<void> {
  const [storePath, configFile] = process.argv.slice(2);
  if (!storePath) throw new Error('usage: node --import tsx bench/server-process.ts <storePath> [configFile]');
  if (!existsSync(storePath)) throw new Error(`store not found: ${storePath}`);
  const files = [defaultConfigPath];
  if (configFile) files.push(configFile);
  const config = loadConfig({
    files,
    // The response cache stays off: the load repeats the same queries, and hits would measure the cache, not the pipeline.
    overrides: { store: { path: storePath }, bootstrap: { ingestOnEmpty: false }, cache: { enabled: false } },
  });

  const rag = new Rag(config);
  const app = await buildApp(rag, { logger: false });
  await rag.init();
  const started = performance.now();
  const chunks = rag.warm();
  const warmMs = performance.now() - started;
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error(`unexpected server address: ${String(address)}`);

  let closing = false;
  const shutdown = async (why: string): Promise<void> => {
    if (closing) return;
    closing = true;
    try {
      await app.close();
      await rag.close();
    } catch (err) {
      process.stderr.write(`server-process: error while closing after ${why}: ${(err as Error).message}\n`);
    }
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.stdin.on('end', () => void shutdown('stdin closed'));
  process.stdin.on('error', () => void shutdown('stdin error'));
  process.stdin.resume();

  process.stdout.write(`${JSON.stringify({ port: address.port, chunks, warmMs: Math.round(warmMs * 10) / 10 })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`server-process: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
