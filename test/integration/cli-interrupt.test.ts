import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hang } from '../helpers/hung-llm.js';
import { OpenAiTestServer } from '../helpers/openai-test-server.js';

/**
 * Ctrl-C during an evaluation, in a real process: it stops, removes its temporary index, says so in one line and
 * exits 130. Each run gets a TMPDIR of its own, so what it leaves behind is all that is in there.
 */
describe('Ctrl-C during an evaluation', () => {
  let dir: string;
  let dataset: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rag-interrupt-'));
    dataset = join(dir, 'data');
    mkdirSync(join(dataset, 'qrels'), { recursive: true });
    const rows = (list: object[]): string => `${list.map((r) => JSON.stringify(r)).join('\n')}\n`;
    writeFileSync(join(dataset, 'corpus.jsonl'), rows([{ _id: 'kiln', text: 'A pottery kiln fires clay at about 1200 degrees Celsius.' }]));
    writeFileSync(join(dataset, 'queries.jsonl'), rows([{ _id: 'q1', text: 'how hot does a pottery kiln fire clay?' }]));
    writeFileSync(join(dataset, 'answers.jsonl'), rows([{ _id: 'q1', answers: ['1200 degrees Celsius'] }]));
    writeFileSync(join(dataset, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq1\tkiln\t1\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Starts `rag args...`, sends SIGINT once `ready()` holds, and returns how it ended and what its TMPDIR holds (`usesTmp`: the command makes a temporary index there). */
  async function interrupt(name: string, args: string[], ready: () => boolean, usesTmp = true): Promise<{ code: number | null; stdout: string; stderr: string; left: string[] }> {
    const tmp = join(dir, `tmp-${name}`);
    mkdirSync(tmp);
    const child = spawn(process.execPath, ['bin/rag.js', ...args], { env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const ended = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await expect.poll(ready, { timeout: 20_000 }).toBe(true);
      if (usesTmp) expect(readdirSync(tmp).length).toBeGreaterThan(0);
      child.kill('SIGINT');
      return { code: await ended, stdout, stderr, left: readdirSync(tmp) };
    } finally {
      child.kill('SIGKILL');
    }
  }

  it('eval qa (waiting on an LLM that never answers)', async () => {
    const llm = await OpenAiTestServer.start({ reply: hang });
    try {
      const config = join(dir, 'llm.yaml');
      writeFileSync(config, `server:\n  requestTimeoutMs: 600000\nllm:\n  baseUrl: ${llm.baseUrl}\n  model: test-model\n  maxRetries: 0\n  timeoutMs: 600000\npipelines:\n  llm:\n    kind: sequential\n    generator: llm\n`);
      const r = await interrupt('qa', ['eval', 'qa', '--dataset', dataset, '-c', config, '--pipeline', 'llm'], () => llm.chatRequests().length > 0);
      expect(r.code).toBe(130);
      expect(r.stderr.trim().split('\n').at(-1)).toBe('rag eval qa: interrupted; nothing was scored, and its temporary index was removed');
      expect(r.left).toEqual([]);
    } finally {
      await llm.close();
    }
  });

  it('reindex --vectors (an embedding server that stops answering after two batches): keeps them, says so', async () => {
    // A store with 5 chunks and no vectors, ingested without an embedder.
    const docs = join(dir, 'reindex-docs');
    mkdirSync(docs);
    for (let i = 0; i < 5; i++) writeFileSync(join(docs, `d${i}.md`), `# Topic ${i}\n\nWords about subject number ${i}.\n`);
    const store = join(dir, 'reindex.db');
    const plain = join(dir, 'plain.yaml');
    writeFileSync(plain, `store:\n  path: ${store}\nbootstrap:\n  ingestOnEmpty: false\n`);
    expect(spawnSync(process.execPath, ['bin/rag.js', 'ingest', docs, '-c', plain]).status).toBe(0);

    // Answers the start-up check and two batches of 2, then holds every request.
    let requests = 0;
    const embedder: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (++requests > 3) return;
        const { input } = JSON.parse(body) as { input: string[] };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ data: input.map((t, index) => ({ index, embedding: [t.length, 1, 2] })) }));
      });
    });
    await new Promise<void>((resolve) => embedder.listen(0, '127.0.0.1', resolve));
    try {
      const config = join(dir, 'reindex.yaml');
      const { port } = embedder.address() as AddressInfo;
      writeFileSync(config, `store:\n  path: ${store}\nembeddings:\n  provider: http\n  url: http://127.0.0.1:${port}/v1\n  timeoutMs: 600000\n  maxRetries: 0\n`);
      const r = await interrupt('reindex', ['reindex', '--vectors', '--batch-size', '2', '-c', config], () => requests > 3, false);
      expect(r.code).toBe(130);
      expect(r.stdout.trim().split('\n').at(-1)).toMatch(/^computed 4 vectors; 4 of 5 chunks have a vector; index version \d+; interrupted: run again to resume$/);
    } finally {
      embedder.closeAllConnections();
      embedder.close();
    }
  });

  it('batch (waiting on an LLM that never answers): keeps the answers so far, says so, exits 130', async () => {
    const llm = await OpenAiTestServer.start({ reply: hang });
    try {
      const store = join(dir, 'batch.db');
      const docs = join(dir, 'batch-docs');
      mkdirSync(docs);
      writeFileSync(join(docs, 'kiln.md'), '# Kiln\n\nA pottery kiln fires clay at about 1200 degrees Celsius.\n');
      const config = join(dir, 'batch.yaml');
      writeFileSync(config, `store:\n  path: ${store}\nserver:\n  requestTimeoutMs: 600000\nllm:\n  baseUrl: ${llm.baseUrl}\n  model: test-model\n  maxRetries: 0\n  timeoutMs: 600000\npipelines:\n  llm:\n    kind: sequential\n    generator: llm\n`);
      expect(spawnSync(process.execPath, ['bin/rag.js', 'ingest', docs, '-c', config]).status).toBe(0);
      const input = join(dir, 'batch-questions.jsonl');
      writeFileSync(input, '{"id":"q1","question":"how hot does a kiln fire clay?"}\n');
      const output = join(dir, 'batch-answers.jsonl');
      const r = await interrupt('batch', ['batch', '--input', input, '--output', output, '-c', config, '--pipeline', 'llm'], () => llm.chatRequests().length > 0, false);
      expect(r.code).toBe(130);
      expect(r.stdout.trim().split('\n').at(-1)).toMatch(/interrupted: run again to resume$/);
    } finally {
      await llm.close();
    }
  });

  it('eval retrieval (waiting on an embedding server that never answers)', async () => {
    let requests = 0;
    const embedder: Server = createServer(() => void requests++);
    await new Promise<void>((resolve) => embedder.listen(0, '127.0.0.1', resolve));
    try {
      const config = join(dir, 'embed.yaml');
      const { port } = embedder.address() as AddressInfo;
      writeFileSync(config, `embeddings:\n  provider: http\n  url: http://127.0.0.1:${port}/v1\n  model: test-embedder\n  timeoutMs: 600000\n`);
      const r = await interrupt('retrieval', ['eval', 'retrieval', '--dataset', dataset, '-c', config, '--retriever', 'dense'], () => requests > 0);
      expect(r.code).toBe(130);
      expect(r.stderr.trim().split('\n').at(-1)).toBe('rag eval retrieval: interrupted; nothing was scored, and its temporary index was removed');
      expect(r.left).toEqual([]);
    } finally {
      embedder.closeAllConnections();
      embedder.close();
    }
  });
});
