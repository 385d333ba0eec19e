import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/** `rag serve` on an empty store, as a user starts it: its log until it listens. */
async function serveLog(env: Record<string, string>, args: string[]): Promise<string> {
  const child = spawn(process.execPath, ['bin/rag.js', 'serve', '--port', '0', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const ended = new Promise((resolve) => child.on('exit', resolve));
  const deadline = Date.now() + 30_000;
  while (!/listening/i.test(out) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGTERM');
  await ended;
  return out;
}

describe('rag serve bootstrap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rag-bootstrap-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('warns of a bootstrap path that does not exist beside one that does, and ingests the one', async () => {
    const doc = join(dir, 'guide.md');
    writeFileSync(doc, '# Guide\n\nQuokkas live on Rottnest Island.\n');
    const missing = join(dir, 'nope');
    // Before, a typo in bootstrap.paths went unnoticed when another path existed.
    const log = await serveLog({ RAG_BOOTSTRAP__PATHS: JSON.stringify([missing, doc]) }, ['--store', join(dir, 'store.db')]);
    expect(log).toContain(`bootstrap: no such file or folder: ${missing}`);
    expect(log).toMatch(/index was empty: ingested bootstrap documents/);
  }, 60_000);

  it('says the bootstrap was skipped when OpenSearch is down at start-up, and how to ingest it later', async () => {
    const doc = join(dir, 'notes.md');
    writeFileSync(doc, '# Notes\n\nWombats dig burrows.\n');
    // Port 9 (discard): nothing listens there. Before, the log said only that OpenSearch was unavailable.
    const env = { RAG_RETRIEVAL__BACKEND: 'opensearch', RAG_OPENSEARCH__NODES: '["http://127.0.0.1:9"]' };
    const log = await serveLog(env, ['--store', join(dir, 'os-store.db'), '--bootstrap', doc]);
    expect(log).toContain('bootstrap skipped: OpenSearch is unavailable; once it is back, run');
    expect(log).toContain(`rag ingest ${doc}`);
    expect(log).not.toMatch(/ingested bootstrap documents/);
  }, 60_000);
});
