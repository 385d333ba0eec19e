import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { cli, cliOutput } from '../helpers/cli-run.js';
import { OpenAiTestServer } from '../helpers/openai-test-server.js';
import { tinyModels } from '../helpers/tiny-models.js';

const run = promisify(execFile);

describe('rag CLI', () => {
  let dir: string;
  let dataset: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rag-cli-'));
    // A tiny BEIR dataset whose answers are known: each query's relevant document shares its rare words.
    dataset = join(dir, 'beir');
    mkdirSync(join(dataset, 'qrels'), { recursive: true });
    const topics = ['volcano lava eruption', 'glacier ice melting', 'coral reef bleaching', 'desert dune sand', 'comet tail orbit'];
    const corpus = topics.map((t, i) => JSON.stringify({ _id: `d${i}`, title: `About ${t.split(' ')[0]}`, text: `A study of ${t} and its causes.` }));
    corpus.push(JSON.stringify({ _id: 'q0', title: 'Self', text: 'volcano lava eruption volcano lava eruption' }));
    writeFileSync(join(dataset, 'corpus.jsonl'), `${corpus.join('\n')}\n`);
    writeFileSync(join(dataset, 'queries.jsonl'), topics.map((t, i) => JSON.stringify({ _id: `q${i}`, text: `what about ${t}?` })).join('\n'));
    writeFileSync(join(dataset, 'qrels', 'test.tsv'), `query-id\tcorpus-id\tscore\n${topics.map((_t, i) => `q${i}\td${i}\t1`).join('\n')}\n`);
    writeFileSync(join(dir, 'guide.md'), '# Guide\n\n## Installing\n\nRun the installer with administrator rights.\n\n## Removing\n\nDelete the folder.\n');
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('evaluates retrieval on a BEIR folder and ends --json output with one JSON object', async () => {
    const lines = await cli('eval', 'retrieval', '--dataset', dataset, '--json');
    const report = JSON.parse(lines[lines.length - 1] ?? '{}') as Record<string, unknown>;
    expect(Object.keys(report)).toEqual(expect.arrayContaining(['ndcg@10', 'recall@100', 'mrr@10', 'queries', 'latency_ms']));
    // The query's own id (q0 is also a corpus id) is ignored, so every query finds its document first.
    expect(report['ndcg@10']).toBe(1);
    expect(report['mrr@10']).toBe(1);
    expect(report['queries']).toBe(5);
    const latency = report['latency_ms'] as { p50: number; p95: number };
    expect(latency.p95).toBeGreaterThanOrEqual(latency.p50);
  });

  it('ranks as deep as --support-recall asks, and stops when there is nothing to evaluate', async () => {
    // 400 documents that match the query better than its one relevant document: it ranks 401st, beyond the
    // 300 chunks the evaluation retrieved whatever k was asked.
    const deep = join(dir, 'deep');
    mkdirSync(join(deep, 'qrels'), { recursive: true });
    const filler = Array.from({ length: 60 }, (_v, i) => `word${i}`).join(' ');
    const corpus = Array.from({ length: 400 }, (_v, i) => JSON.stringify({ _id: `d${i}`, text: `ammonite ammonite shell ${i}` }));
    corpus.push(JSON.stringify({ _id: 'relevant', text: `ammonite ${filler}` }));
    writeFileSync(join(deep, 'corpus.jsonl'), `${corpus.join('\n')}\n`);
    writeFileSync(join(deep, 'queries.jsonl'), `${JSON.stringify({ _id: 'q', text: 'ammonite' })}\n`);
    writeFileSync(join(deep, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq\trelevant\t1\n');
    const lines = await cli('eval', 'retrieval', '--dataset', deep, '--support-recall', '401');
    expect(lines.join('\n')).toContain('Support@401  1.0000 (all relevant documents in the top 401; 1203 chunks retrieved)');
    await expect(cli('eval', 'retrieval', '--dataset', deep, '--support-recall', '3001')).rejects.toThrow(/a whole number from 1 to 3000/);

    writeFileSync(join(deep, 'corpus.jsonl'), '');
    await expect(cli('eval', 'retrieval', '--dataset', deep)).rejects.toThrow(`nothing to evaluate in ${deep}: ${join(deep, 'corpus.jsonl')} holds no document`);
    await expect(cli('eval', 'refine', '--dataset', deep, '--budget', '512,0')).rejects.toThrow(/a whole number >= 32/);
  });

  it('ingests files and answers a query from them with a citation', async () => {
    const store = join(dir, 'index.db');
    const ingested = await cli('ingest', join(dir, 'guide.md'), '--store', store);
    expect(ingested.join('\n')).toMatch(/ingested 1 documents/);
    const out = await cli('query', 'how do I install it with administrator rights?', '--store', store, '--json');
    const response = JSON.parse(out[0] ?? '{}') as { answer: string; citations: Array<{ headingPath?: string[] }> };
    expect(response.answer).toContain('administrator rights');
    expect(response.citations[0]?.headingPath).toEqual(['Installing']);
    // An abstention prints how much the passages left to "none of these", and its best guesses.
    const abstained = (await cli('query', 'how do I install the periscope of a submarine?', '--store', store)).join('\n');
    expect(abstained).toMatch(/confidence 0\.000 .*none of these 0\.\d{3}/);
    expect(abstained).toMatch(/^ {2}best guess 0\.\d{3}: Run the installer with administrator rights\.$/m);
    // A corrected question says how it was read (before, only --json showed the corrections).
    const corrected = await cli('query', 'how do I run the installer with adminstrator rights?', '--store', store);
    expect(corrected[0]).toBe('(read as: how do I run the installer with administrator rights?; adminstrator -> administrator)');
  });

  it('answers with an ensemble named by --ensemble, listing its members', async () => {
    // Before, ensembles answered only through /v1/query, chat and eval qa: rag query had no --ensemble.
    const store = join(dir, 'ensemble.db');
    await cli('ingest', join(dir, 'guide.md'), '--store', store);
    const config = join(dir, 'ensemble.yaml');
    writeFileSync(config, 'ensembles:\n  pair:\n    members: [default, bm25-only]\n');
    const out = await cli('query', 'how do I install it with administrator rights?', '--store', store, '--config', config, '--ensemble', 'pair');
    const text = out.join('\n');
    expect(text).toContain('administrator rights');
    expect(text).toMatch(/ensemble pair/);
    expect(text).toMatch(/^ {2}default: .*\(weight 0\.\d+\)$/m);
    expect(text).toMatch(/^ {2}bm25-only: .*\(weight 0\.\d+\)$/m);
    await expect(cli('query', 'install', '--store', store, '--config', config, '--pipeline', 'pair')).rejects.toThrow(/"pair" is an ensemble, not a pipeline: ask for it as the ensemble \(--ensemble pair/);
    // The CLI's own words, not the API's ("give "pipeline" or "ensemble""), and the hint from every command.
    await expect(cli('query', 'install', '--store', store, '--config', config, '--pipeline', 'default', '--ensemble', 'pair')).rejects.toThrow(/give --pipeline or --ensemble, not both/);
    await expect(cli('eval', 'qa', '--dataset', dir, '--config', config, '--pipeline', 'pair')).rejects.toThrow(/"pair" is an ensemble, not a pipeline/);
    await expect(cli('query', 'install', '--store', store, '--config', config, '--ensemble', 'bm25-only')).rejects.toThrow(/"bm25-only" is a pipeline, not an ensemble: ask for it as the pipeline \(--pipeline bm25-only/);
    // rag batch too: its rows name the ensemble and carry the members.
    const questions = join(dir, 'ensemble-questions.jsonl');
    writeFileSync(questions, `${JSON.stringify({ id: 'q1', question: 'how do I install it with administrator rights?' })}\n`);
    const answers = join(dir, 'ensemble-answers.jsonl');
    await cli('batch', '--input', questions, '--output', answers, '--store', store, '--config', config, '--ensemble', 'pair');
    const row = JSON.parse(readFileSync(answers, 'utf8').trim()) as { pipeline: string; members: Array<{ pipeline: string }> };
    expect(row.pipeline).toBe('pair');
    expect(row.members.map((m) => m.pipeline)).toEqual(['default', 'bm25-only']);
  });

  it('says when a stand-in answered: an LLM that fails leaves the extractive answer, marked degraded, not passed off as the LLM pipeline\'s', async () => {
    const llm = await OpenAiTestServer.start({ reply: () => ({ status: 500, error: 'boom' }) });
    try {
      const store = join(dir, 'degraded.db');
      await cli('ingest', join(dir, 'guide.md'), '--store', store);
      const config = join(dir, 'degraded.yaml');
      writeFileSync(config, `llm: { baseUrl: "${llm.baseUrl}", model: test-model, maxRetries: 0 }\npipelines:\n  written: { kind: sequential, generator: llm }\n`);
      const text = (await cli('query', 'how do I install it with administrator rights?', '--store', store, '--config', config, '--pipeline', 'written')).join('\n');
      expect(text).toContain('administrator rights');
      expect(text).toMatch(/^ {2}degraded: generate llm unavailable, answered by extractive \(LLM server at .* answered 500: boom\)$/m);
    } finally {
      await llm.close();
    }
  });

  it('loads the configured models before a query: a pipeline with the cross-encoder reranker runs, a missing folder stops it', async () => {
    const store = join(dir, 'models.db');
    await cli('ingest', join(dir, 'guide.md'), '--store', store);
    const config = join(dir, 'models.yaml');
    const yaml = (modelPath: string): string =>
      `rerankers:\n  cross:\n    kind: cross-encoder\n    modelPath: ${JSON.stringify(modelPath)}\npipelines:\n  neural:\n    kind: sequential\n    reranker: cross\n`;
    writeFileSync(config, yaml(tinyModels().crossEncoder));
    const out = await cli('query', 'how do I install it?', '--store', store, '--config', config, '--pipeline', 'neural', '--json');
    const response = JSON.parse(out[0] ?? '{}') as { pipeline: string; trace: { spans: Array<{ name: string }> } };
    expect(response.pipeline).toBe('neural');
    expect(response.trace.spans.map((s) => s.name)).toContain('model.cross');

    const missing = join(dir, 'no-such-model');
    writeFileSync(config, yaml(missing));
    await expect(cli('query', 'how do I install it?', '--store', store, '--config', config, '--pipeline', 'neural')).rejects.toThrow(missing);
  });

  it('rag batch keeps the failures of its last run only: a rerun asks a failed question again', async () => {
    const store = join(dir, 'failures.db');
    await cli('ingest', join(dir, 'guide.md'), '--store', store);
    const questions = join(dir, 'failing-questions.jsonl');
    // A question of no words fails (BAD_REQUEST); the other one is answered.
    writeFileSync(questions, `${JSON.stringify({ id: 'ok', question: 'how do I install it?' })}\n${JSON.stringify({ id: 'bad', question: '?' })}\n`);
    const answers = join(dir, 'failing-answers.jsonl');
    for (let run = 0; run < 3; run++) {
      await cli('batch', '--input', questions, '--output', answers, '--store', store);
      process.exitCode = undefined;
    }
    // Before, each rerun appended its failure again: three lines for one question.
    const failures = readFileSync(`${answers}.errors.jsonl`, 'utf8').trim().split('\n');
    expect(failures.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(['bad']);
    expect(readFileSync(answers, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('refuses mistaken numbers, names and paths before doing any work', async () => {
    const questions = join(dir, 'questions.jsonl');
    writeFileSync(questions, `${JSON.stringify({ id: 'a', question: 'how do I install it?' })}\n`);
    const store = join(dir, 'mistakes.db');
    await cli('ingest', join(dir, 'guide.md'), '--store', store);
    // "1e9" built a billion workers; "abc" answered nothing and exited 0.
    for (const n of ['1e9', 'abc', '0']) {
      await expect(cli('batch', '--input', questions, '--output', join(dir, 'a.jsonl'), '--concurrency', n, '--store', store)).rejects.toThrow(/a whole number from 1 to 256/);
    }
    await expect(cli('batch', '--input', questions, '--output', join(dir, 'no-folder', 'a.jsonl'), '--store', store)).rejects.toThrow(/no folder .*no-folder to write it in/);
    await expect(cli('batch', '--input', questions, '--output', join(dir, 'b.jsonl'), '--pipeline', 'nope', '--store', store)).rejects.toThrow(/unknown pipeline "nope"/);
    // Answers appended into the question file: refused, and the file left as it was.
    await expect(cli('batch', '--input', questions, '--output', questions, '--store', store)).rejects.toThrow(/--output .*questions\.jsonl is the --input file/);
    expect(readFileSync(questions, 'utf8')).toBe(`${JSON.stringify({ id: 'a', question: 'how do I install it?' })}\n`);
    await expect(cli('eval', 'qa', '--dataset', dir, '--pipeline', 'nope')).rejects.toThrow(/unknown pipeline "nope"/);
    // Before, --pipeline beside --answers was checked, then ignored: the report named the file's pipeline.
    await expect(cli('eval', 'qa', '--dataset', dir, '--answers', questions, '--pipeline', 'default')).rejects.toThrow(/give --answers or --pipeline, not both/);
    await expect(cli('eval', 'qa', '--dataset', dir, '--report', join(dir, 'no-folder', 'r.html'))).rejects.toThrow(/--report .*no folder/);
    await expect(cli('query', 'install', '-k', '5000', '--store', store)).rejects.toThrow(/-k must be at most limits.maxK \(1000\)/);
    await expect(cli('ingest', join(dir, 'guide.md'), '--batch-size', '0', '--store', store)).rejects.toThrow(/a whole number >= 1/);
    // No index made up on the spot to answer nothing from, and a path that cannot hold one is named.
    await expect(cli('query', 'install', '--store', join(dir, 'typo', 'index.db'))).rejects.toThrow(/no index at .*typo.index\.db: ingest documents first/);
    await expect(cli('query', 'install', '--store', join(dir, 'guide.md'))).rejects.toThrow(/cannot open the index .*guide\.md \(store\.path\): file is not a database/);
    await expect(cli('serve', '--bootstrap', join(dir, 'missing-docs'), '--store', store, '--port', '0')).rejects.toThrow(/--bootstrap: no such file or folder: .*missing-docs/);
    await expect(cli('serve', '--port', '')).rejects.toThrow(/a whole number from 0 to 65535/);
    await expect(cli('ingest', join(dir, 'guide.md'), join(dir, 'more-docs'), '--store', join(dir, 'never.db'))).rejects.toThrow(/^no such file or folder: .*more-docs$/);
    expect(existsSync(join(dir, 'never.db'))).toBe(false);
    // A port already taken is named with what to do, before any work.
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = String((taken.address() as AddressInfo).port);
      await expect(cli('serve', '--store', store, '--port', port)).rejects.toThrow(new RegExp(`port ${port} on 127.0.0.1 is already in use: .*--port N .*RAG_SERVER__PORT`));
    } finally {
      taken.close();
    }
    await expect(cli('opensearch', 'start', '--data', join(dir, 'guide.md'))).rejects.toThrow(/--data .*guide\.md is a file, not a folder/);
  });

  it('ingests JSONL that starts with a byte order mark, and says which batches a bad document did not stop', async () => {
    const store = join(dir, 'batches.db');
    const rows = ['a', 'b', 'c'].map((id) => JSON.stringify({ id, text: `Document ${id} about kettles.` }));
    writeFileSync(join(dir, 'bom.jsonl'), `\ufeff${rows.join('\n')}\n`);
    expect((await cli('ingest', join(dir, 'bom.jsonl'), '--store', store)).join('\n')).toMatch(/ingested 3 documents/);
    writeFileSync(join(dir, 'third-bad.jsonl'), `${[...rows.slice(0, 2), JSON.stringify({ id: 'bad', text: ' ' })].join('\n')}\n`);
    // The bad document is named by its file and line (before, "document 0", its place in its batch).
    await expect(cli('ingest', join(dir, 'third-bad.jsonl'), '--batch-size', '2', '--store', store)).rejects.toThrow(
      /third-bad\.jsonl:3 \("bad"\): text is empty; nothing of this batch was stored; the 2 documents of the batches before it were stored/,
    );
    // An id repeated in a later batch is refused as one repeated within a batch is, whatever --batch-size (before,
    // with batches of 2 the second silently replaced the first).
    writeFileSync(join(dir, 'dup.jsonl'), `${[...rows, JSON.stringify({ id: 'a', text: 'Another a.' })].join('\n')}\n`);
    for (const size of ['2', '500']) {
      await expect(cli('ingest', join(dir, 'dup.jsonl'), '--batch-size', size, '--store', store), size).rejects.toThrow(/dup\.jsonl:4.*"a".*dup\.jsonl:1|dup\.jsonl:4 \("a"\): id appears twice/);
    }
    // A line that is not JSON stops the reading; the batches before it are in the index, and the message says so.
    writeFileSync(join(dir, 'third-broken.jsonl'), `${[...rows.slice(0, 2), '{"id": "c", "text": '].join('\n')}\n`);
    await expect(cli('ingest', join(dir, 'third-broken.jsonl'), '--batch-size', '2', '--store', store)).rejects.toThrow(
      /third-broken\.jsonl:3: not valid JSON .*; the 2 documents of the batches before it were stored/,
    );
  });

  it('skips a file with no text found in a folder, with a warning, but refuses one named on its own', async () => {
    const folder = join(dir, 'with-empty');
    mkdirSync(folder);
    writeFileSync(join(folder, 'a.md'), '# Alpha\n\nThe first note on kettles.\n');
    writeFileSync(join(folder, 'empty.txt'), '');
    writeFileSync(join(folder, 'z.md'), '# Zeta\n\nThe last note on kettles.\n');
    const store = join(dir, 'with-empty.db');
    const out = await cliOutput('ingest', folder, '--store', store);
    expect(out.stdout.join('\n')).toMatch(/ingested 2 documents .*; skipped 1 file with no text$/);
    expect(out.stderr).toContain(`rag ingest: warning: skipped ${join(folder, 'empty.txt')}: it holds no text\n`);
    // The file named once: its id is its path (before: 'empty.txt ("empty.txt"): ...').
    await expect(cli('ingest', join(folder, 'empty.txt'), '--store', store)).rejects.toThrow(`${join(folder, 'empty.txt')}: text is empty; nothing of this batch was stored`);
    // A file emptied since it was stored is skipped too, and the warning says that its earlier text stays.
    writeFileSync(join(folder, 'z.md'), '');
    const again = await cliOutput('ingest', folder, '--store', store);
    expect(again.stderr).toContain(`skipped ${join(folder, 'z.md')}: it holds no text; the index still holds its earlier text (rag documents delete `);
    expect(again.stderr).not.toMatch(/skipped .*empty\.txt.*still holds/);
  });

  it('skips a page of a folder that holds no text once parsed (a redirect page), but refuses one named on its own', async () => {
    const folder = join(dir, 'site');
    mkdirSync(folder);
    writeFileSync(join(folder, 'page.html'), '<html><head><title>Ports</title></head><body><p>The default port is 8080.</p></body></html>');
    const redirect = join(folder, 'old-page.html');
    writeFileSync(redirect, '<html><head><script>window.location.href = "page.html";</script></head></html>');
    const store = join(dir, 'site.db');
    // Before, the redirect page stopped the whole folder: "text is empty once parsed as HTML".
    const out = await cliOutput('ingest', folder, '--store', store);
    expect(out.stdout.join('\n')).toMatch(/ingested 1 documents .*; skipped 1 file with no text$/);
    expect(out.stderr).toContain(`rag ingest: warning: skipped ${redirect}: it holds no text once parsed\n`);
    await expect(cli('ingest', redirect, '--store', store)).rejects.toThrow(/text is empty once parsed as HTML/);
  });

  it('refuses a file that is not UTF-8, naming it and how to convert it, before any of its batch is stored', async () => {
    const folder = join(dir, 'latin1');
    mkdirSync(folder);
    writeFileSync(join(folder, 'a.md'), '# Good\n\nA well-encoded note.\n');
    writeFileSync(join(folder, 'menu.md'), Buffer.from('# Menu\n\ncaf\xe9 au lait\n', 'latin1'));
    const store = join(dir, 'latin1.db');
    await expect(cli('ingest', folder, '--store', store)).rejects.toThrow(
      `${join(folder, 'menu.md')}: not UTF-8 text (line 3); convert it first, e.g. from Latin-1 or Windows-1252: iconv -f windows-1252 -t utf-8`,
    );
    const s = new SqliteStore(store);
    try {
      expect(s.counts().documents).toBe(0);
    } finally {
      s.close();
    }
  });

  it('exits with the error, not a progress bar that runs on, when an evaluation cannot start', async () => {
    const started = Date.now();
    const failed = run(process.execPath, ['bin/rag.js', 'eval', 'qa', '--dataset', join(dir, 'no-such-dataset')], { timeout: 30_000 });
    await expect(failed).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/not a QA dataset folder/) });
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it.skipIf(!existsSync('/proc/self'))('names a store path whose folder cannot be made under /proc, rather than hang', async () => {
    // mkdirSync's recursive option spun forever there, at full CPU and without a word.
    const failed = run(process.execPath, ['bin/rag.js', 'ingest', 'README.md', '--store', '/proc/rag-no-such/x/rag.db'], { timeout: 20_000 });
    await expect(failed).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/cannot open the index \/proc\/rag-no-such\/x\/rag\.db \(store\.path\): ENOENT/) });
  });

  it('is installed as the `rag` bin', async () => {
    const { stdout } = await run(process.execPath, ['bin/rag.js', '--help']);
    expect(stdout).toMatch(/serve/);
    expect(stdout).toMatch(/eval/);
  });
});
