import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliDeps } from '../../src/cli/main.js';
import { RagError } from '../../src/core/errors.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { runCli } from '../helpers/cli-run.js';
import { HashingEmbedder } from '../helpers/hashing-embedder.js';

/** The CLI's dense paths: `rag reindex` and `rag eval retrieval --retriever`, with an embedder handed in. */

async function cli(deps: CliDeps, ...args: string[]): Promise<{ out: string[]; err: string }> {
  const { stdout, written } = await runCli(args, deps);
  return { out: stdout, err: written };
}

const withEmbedder = (dimensions = 128): CliDeps => ({ createEmbedder: () => new HashingEmbedder({ dimensions, name: `cli-hashing-${dimensions}` }) });

describe('rag CLI with an embedder', () => {
  let dir: string;
  let dataset: string;
  let notes: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rag-cli-dense-'));
    dataset = join(dir, 'beir');
    mkdirSync(join(dataset, 'qrels'), { recursive: true });
    const topics = ['volcano lava eruption', 'glacier ice melting', 'coral reef bleaching', 'desert dune sand', 'comet tail orbit'];
    const corpus = topics.map((t, i) => JSON.stringify({ _id: `d${i}`, title: `About ${t.split(' ')[0]}`, text: `A study of ${t} and its causes.` }));
    writeFileSync(join(dataset, 'corpus.jsonl'), `${corpus.join('\n')}\n`);
    writeFileSync(join(dataset, 'queries.jsonl'), topics.map((t, i) => JSON.stringify({ _id: `q${i}`, text: `what about ${t}?` })).join('\n'));
    writeFileSync(join(dataset, 'qrels', 'test.tsv'), `query-id\tcorpus-id\tscore\n${topics.map((_t, i) => `q${i}\td${i}\t1`).join('\n')}\n`);
    notes = join(dir, 'notes');
    mkdirSync(notes);
    for (let i = 0; i < 12; i++) writeFileSync(join(notes, `note-${i}.md`), `# Note ${i}\n\n## Part\n\nThis note talks about topic number ${i} in depth.\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reindex --vectors backfills a store ingested without an embedder, with a progress bar', async () => {
    const store = join(dir, 'backfill.db');
    await cli({}, 'ingest', notes, '--store', store);
    const { out, err } = await cli(withEmbedder(), 'reindex', '--vectors', '--store', store, '--batch-size', '5');
    expect(out.join('\n')).toMatch(/computed 12 vectors with "cli-hashing-128" \(128 dimensions\)/);
    expect(out.join('\n')).toContain('12 of 12 chunks have a vector');
    expect(err).toMatch(/vectors/);
    const s = new SqliteStore(store);
    try {
      expect(s.vectorStatus()).toEqual({ space: { model: 'cli-hashing-128', dimensions: 128 }, chunks: 12, vectors: 12 });
    } finally {
      s.close();
    }
    // With the vectors in place, a query through a dense pipeline works from the CLI.
    const config = join(dir, 'dense.yaml');
    writeFileSync(config, 'pipelines:\n  default:\n    kind: sequential\n    retriever: dense\n');
    const answer = await cli(withEmbedder(), 'query', 'topic number 7 in depth', '--store', store, '--config', config, '--json');
    const response = JSON.parse(answer.out[0] ?? '{}') as { passages: Array<{ docId: string }>; trace: { spans: Array<{ name: string }> } };
    expect(response.trace.spans.map((s) => s.name)).toContain('retrieve.dense');
    expect(response.passages[0]?.docId).toMatch(/note-7\.md$/);
  });

  it('reindex --vectors --rebuild recomputes for another model; --drop-vectors removes them', async () => {
    const store = join(dir, 'rebuild.db');
    await cli(withEmbedder(64), 'ingest', notes, '--store', store);
    await expect(cli(withEmbedder(32), 'ingest', notes, '--store', store)).rejects.toThrow(/"cli-hashing-64" \(64 dimensions\).*"cli-hashing-32" \(32 dimensions\)/);
    const { out } = await cli(withEmbedder(32), 'reindex', '--vectors', '--rebuild', '--store', store);
    expect(out.join('\n')).toMatch(/computed 12 vectors with "cli-hashing-32"/);
    const dropped = await cli({}, 'reindex', '--drop-vectors', '--store', store);
    expect(dropped.out.join('\n')).toContain('dropped 12 vectors');
    await cli({}, 'ingest', notes, '--store', store);
  });

  it('reindex needs an embedder and exactly one action', async () => {
    const store = join(dir, 'none.db');
    await expect(cli({}, 'reindex', '--vectors', '--store', store)).rejects.toThrow(/no embedder is configured/);
    await expect(cli({}, 'reindex', '--store', store)).rejects.toThrow(RagError);
    await expect(cli(withEmbedder(), 'reindex', '--rebuild', '--drop-vectors', '--store', store)).rejects.toThrow(/--rebuild goes with --vectors/);
    await expect(cli(withEmbedder(), 'reindex', '--rebuild', '--store', store)).rejects.toThrow(/--rebuild goes with --vectors/);
  });

  it.each(['dense', 'hybrid'] as const)('eval retrieval --retriever %s reports the retriever and its quality', async (retriever) => {
    const { out } = await cli(withEmbedder(), 'eval', 'retrieval', '--dataset', dataset, '--retriever', retriever, '--json');
    const report = JSON.parse(out[out.length - 1] ?? '{}') as Record<string, unknown>;
    expect(report['retriever']).toBe(retriever);
    // Which model was measured, so runs of two models can be told apart.
    expect(report['embedder']).toEqual({ model: 'cli-hashing-128', dimensions: 128 });
    expect(report['ndcg@10']).toBe(1);
    expect(report['queries']).toBe(5);
  });

  it('ingests and evaluates retrieval while a reranker no command here uses has its server down', async () => {
    // Before, both loaded every model and stopped on "reranker.down: the rerank server is not usable", though the
    // running server ingested the same documents fine.
    const config = join(dir, 'reranker-down.yaml');
    writeFileSync(config, 'rerankers:\n  down: { kind: http, url: "http://127.0.0.1:9", timeoutMs: 500, maxRetries: 0 }\n');
    const store = join(dir, 'reranker-down.db');
    const { out } = await cli(withEmbedder(), 'ingest', notes, '--store', store, '--config', config);
    expect(out.join('\n')).toMatch(/12 documents/);
    const evaluated = await cli(withEmbedder(), 'eval', 'retrieval', '--dataset', dataset, '--retriever', 'hybrid', '--config', config, '--json');
    expect((JSON.parse(evaluated.out.at(-1) ?? '{}') as Record<string, unknown>)['queries']).toBe(5);
    // A query loads what pipelines use: the model is checked there, as the server checks it at start.
    await expect(cli(withEmbedder(), 'query', 'topic number 3', '--store', store, '--config', config)).rejects.toThrow(/reranker\.down/);
  });

  it('eval retrieval --retriever dense without an embedder fails, and an unknown retriever is refused', async () => {
    await expect(cli({}, 'eval', 'retrieval', '--dataset', dataset, '--retriever', 'dense', '--json')).rejects.toThrow(/needs an embedding model/);
    await expect(cli(withEmbedder(), 'eval', 'retrieval', '--dataset', dataset, '--retriever', 'splade')).rejects.toThrow();
  });
});
