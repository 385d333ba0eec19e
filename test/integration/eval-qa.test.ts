import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { QaReport } from '../../src/eval/qa-eval.js';
import { runCli } from '../helpers/cli-run.js';
import { OpenAiTestServer } from '../helpers/openai-test-server.js';

/** Runs the CLI in-process: what it printed to stdout and to stderr (console.error), and the exit status it set. */
async function cli(...args: string[]): Promise<{ out: string[]; err: string[]; exitCode: number }> {
  const { stdout, errorLines, exitCode } = await runCli(args);
  return { out: stdout, err: errorLines, exitCode };
}

const lines = (rows: object[]): string => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;
const lastJson = (out: string[]): QaReport => JSON.parse(out.at(-1) ?? '{}') as QaReport;

/** A port nothing listens on: an LLM there is down ("connection refused"). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('rag eval qa and rag batch: what the scores are over', () => {
  let dir: string;
  let dataset: string;
  let llmDown: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rag-eval-qa-'));
    dataset = join(dir, 'qa');
    mkdirSync(dataset);
    writeFileSync(
      join(dataset, 'corpus.jsonl'),
      lines([
        { _id: 'kiln', title: 'Kilns', text: 'A pottery kiln fires clay at about 1200 degrees Celsius to harden it.' },
        { _id: 'glaze', title: 'Glazes', text: 'Glazes are glassy coatings that melt onto pottery during a second firing.' },
      ]),
    );
    writeFileSync(
      join(dataset, 'queries.jsonl'),
      lines([
        { _id: 'q1', text: 'how hot does a pottery kiln fire clay?', metadata: { kind: 'number' } },
        { _id: 'q2', text: 'what melts onto pottery during a second firing?', metadata: { kind: 'thing' } },
        { _id: 'q3', text: '*** ???', metadata: { kind: 'thing' } },
      ]),
    );
    writeFileSync(
      join(dataset, 'answers.jsonl'),
      lines([
        { _id: 'q1', answers: ['1200 degrees Celsius'] },
        { _id: 'q2', answers: ['glazes'] },
        { _id: 'q3', answers: ['nothing'] },
      ]),
    );
    llmDown = join(dir, 'llm-down.yaml');
    writeFileSync(llmDown, `llm:\n  baseUrl: http://127.0.0.1:${await closedPort()}/v1\n  model: test-model\n  maxRetries: 0\npipelines:\n  llm:\n    kind: sequential\n    generator: llm\n`);
  });
  afterEach(() => {
    process.exitCode = undefined;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('scores a plain LiveRAG submission without inventing calibration, latency or a pipeline', async () => {
    const answers = join(dir, 'plain.jsonl');
    writeFileSync(answers, lines([{ id: 'q1', question: 'x', answer: 'about 1200 degrees Celsius', passages: [] }, { id: 'q2', answer: 'Glazes', passages: [] }, { id: 'q3', answer: 'nothing' }]));
    const json = lastJson((await cli('eval', 'qa', '--dataset', dataset, '--answers', answers, '--json')).out);
    expect(json.calibration).toBeNull();
    expect(json.latency_ms).toBeNull();
    expect(json.not_computed).toEqual({ calibration: 'the answers carry no confidence', latency: 'the answers carry no time' });
    expect(json.pipeline).toBeNull();
    expect(json.answers_file).toBe(answers);
    expect(json.scores.em).toBe(0.6667);

    const { out } = await cli('eval', 'qa', '--dataset', dataset, '--answers', answers);
    const text = out.join('\n');
    expect(text).toContain(`(3 of 3 answered, 0 failed; answers file ${answers})`);
    expect(text).toContain('calibration not computed (the answers carry no confidence)');
    expect(text).toContain('latency     not computed (the answers carry no time)');
    expect(text).not.toMatch(/NaN|most confident half|pipeline default|p50 0 ms/);
  });

  it('counts every question of the dataset, an unanswered one as 0, and refuses an id answered twice', async () => {
    const partial = join(dir, 'partial.jsonl');
    writeFileSync(partial, lines([{ id: 'q1', answer: '1200 degrees Celsius', confidence: 0.9, time_ms: 3 }]));
    const { out } = await cli('eval', 'qa', '--dataset', dataset, '--answers', partial, '--json');
    const json = lastJson(out);
    expect(json).toMatchObject({ questions: 3, answered: 1, unanswered: 1 + 1 });
    // One right of three, not one of one.
    expect(json.scores).toMatchObject({ count: 3, em: 0.3333 });
    expect(json.categories['kind']?.['thing']).toMatchObject({ count: 2, em: 0 });
    expect(json.warnings).toEqual([`2 of 3 questions have no answer (no row in ${partial}); each scores 0 in the means`]);

    const twice = join(dir, 'twice.jsonl');
    writeFileSync(twice, lines([{ id: 'q1', answer: 'a' }, { id: 'q2', answer: 'b' }, { id: 'q1', answer: 'c' }]));
    await expect(cli('eval', 'qa', '--dataset', dataset, '--answers', twice)).rejects.toThrow(`${twice} answers 1 questions more than once: q1 (lines 1, 3); keep one row per question`);
  });

  it('gives the most confident half one figure: the risk-coverage point at 0.5', async () => {
    // Three answers with a confidence: "half" is two of them (1.5 rounded), in both figures.
    const answers = join(dir, 'confident.jsonl');
    writeFileSync(
      answers,
      lines([
        { id: 'q1', answer: '1200 degrees Celsius', confidence: 0.9, time_ms: 1 },
        { id: 'q2', answer: 'wrong', confidence: 0.8, time_ms: 1 },
        { id: 'q3', answer: 'wrong', confidence: 0.1, time_ms: 1 },
      ]),
    );
    const json = lastJson((await cli('eval', 'qa', '--dataset', dataset, '--answers', answers, '--json')).out);
    expect(json.calibration?.top_half_accuracy).toBe(0.5);
    expect(json.calibration?.risk_coverage.find((p) => p.coverage === 0.5)?.accuracy).toBe(0.5);
  });

  it('says when the answers came from the extractive stand-in rather than the LLM pipeline, and counts a failed question as 0', async () => {
    const { out, err } = await cli('eval', 'qa', '--dataset', dataset, '-c', llmDown, '--pipeline', 'llm');
    const text = out.join('\n');
    expect(text).toContain('(2 of 3 answered, 1 failed; pipeline llm)');
    expect(text).toMatch(/warning: 2 of 2 answers came from a stand-in \(generate: llm unavailable 2\): these scores are not llm's alone/);
    expect(text).toContain('warning: 1 of 3 questions have no answer (failed); each scores 0 in the means');
    // Both percentiles with two decimals (before, "p50 12.16 ms, p95 52.0399 ms").
    expect(text).toMatch(/^latency {5}p50 \d+\.\d\d ms, p95 \d+\.\d\d ms$/m);
    expect(err).toEqual([]);

    const json = lastJson((await cli('eval', 'qa', '--dataset', dataset, '-c', llmDown, '--pipeline', 'llm', '--json')).out);
    expect(json.degraded).toEqual({ answers: 2, causes: { 'generate: llm unavailable': 2 } });
    expect(json.scores.count).toBe(3);

    const report = join(dir, 'report.html');
    await cli('eval', 'qa', '--dataset', dataset, '-c', llmDown, '--pipeline', 'llm', '--report', report);
    expect(readFileSync(report, 'utf8')).toContain('<tr><th>answers from a stand-in</th><td>2 (generate: llm unavailable 2)</td></tr>');
  });

  it('rag batch counts the answers a stand-in gave in its summary, with a warning', async () => {
    const store = join(dir, 'batch.db');
    await cli('ingest', join(dataset, 'corpus.jsonl'), '--store', store);
    const questions = join(dir, 'questions.jsonl');
    writeFileSync(questions, lines([{ id: 'a', question: 'how hot does a pottery kiln fire clay?' }, { id: 'b', question: 'what are glazes?' }]));
    const { out, err } = await cli('batch', '--input', questions, '--output', join(dir, 'answers.jsonl'), '-c', llmDown, '--pipeline', 'llm', '--store', store);
    expect(out.join('\n')).toContain('answered 2 (2 by a stand-in: generate: llm unavailable 2), failed 0');
    expect(err.join('\n')).toMatch(/rag batch: warning: 2 of 2 answers came from a stand-in, not llm/);
  });

  describe('with a judge whose every reply is unusable', () => {
    let judge: OpenAiTestServer;
    let config: string;
    beforeAll(async () => {
      judge = await OpenAiTestServer.start({ reply: () => ({ text: 'It looks right to me.' }) });
      config = join(dir, 'judge.yaml');
      writeFileSync(config, `llm:\n  baseUrl: ${judge.baseUrl}\n  model: test-model\n  maxRetries: 0\n`);
    });
    afterAll(() => judge.close());

    it('says why nothing was judged and exits non-zero', async () => {
      const answers = join(dir, 'to-judge.jsonl');
      writeFileSync(answers, lines([{ id: 'q1', answer: '1200 degrees Celsius', passages: [] }, { id: 'q2', answer: 'glazes', passages: [] }]));
      const { out, err, exitCode } = await cli('eval', 'qa', '--dataset', dataset, '--answers', answers, '-c', config, '--judge');
      expect(exitCode).toBe(1);
      // No mean of nothing: "correctness 0" read as a grade.
      expect(out.join('\n')).toContain('LLM judge   nothing judged; 2 failed');
      expect(out.join('\n')).not.toMatch(/correctness 0/);
      expect(out.join('\n')).toContain('first failure: the judge replied "It looks right to me.": no JSON object');
      expect(err.join('\n')).toContain('no answer could be judged');
    });
  });
});
