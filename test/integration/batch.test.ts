import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answeredIds, jsonlAppender, readQuestions, runBatch, type SubmissionRow } from '../../src/eval/batch-runner.js';
import { Rag } from '../../src/rag.js';
import { httpTestConfig, startHttpFixture, type HttpFixture } from '../helpers/http-fixture.js';

describe('batch answering (LiveRAG submission format)', () => {
  let dir: string;
  let rag: Rag;
  const questions = Array.from({ length: 12 }, (_v, i) => ({ id: `q${i}`, question: `what colour is the gadget number ${i}?` }));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rag-batch-'));
    rag = new Rag(httpTestConfig({ cache: { enabled: false } }));
    await rag.ingest(questions.map((_q, i) => ({ id: `doc${i}`, text: `Gadget number ${i} is painted ${i % 2 ? 'green' : 'orange'} and weighs ${i} kg.` })));
    const lines = [
      ...questions.map((q) => JSON.stringify(q)),
      '{"id": "broken", "question": ',
      JSON.stringify({ _id: 'beir-style', text: 'what does gadget number 3 weigh?' }),
      JSON.stringify({ id: 'empty', question: '   ' }),
    ];
    writeFileSync(join(dir, 'questions.jsonl'), `${lines.join('\n')}\n`);
  });
  afterAll(async () => {
    await rag.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports bad rows and reads both LiveRAG and BEIR rows', async () => {
    const { questions: read, invalid } = await readQuestions(join(dir, 'questions.jsonl'));
    expect(read.map((q) => q.id)).toContain('beir-style');
    expect(read).toHaveLength(13);
    expect(invalid).toHaveLength(2);
    expect(invalid[0]).toMatch(/questions\.jsonl:13: not valid JSON/);
    expect(invalid[1]).toMatch(/questions\.jsonl:15: needs "id"/);
  });

  it('says a JSON line that is not an object is not one', async () => {
    const path = join(dir, 'nulls.jsonl');
    writeFileSync(path, `null\n[1]\n${JSON.stringify(questions[0])}\n`);
    const { questions: read, invalid } = await readQuestions(path);
    expect(read).toHaveLength(1);
    expect(invalid).toEqual([`${path}:1: not a JSON object (needs "id" and "question")`, `${path}:2: not a JSON object (needs "id" and "question")`]);
  });

  it('resumes an interrupted batch and writes each id exactly once', async () => {
    const output = join(dir, 'answers.jsonl');
    const { questions: read } = await readQuestions(join(dir, 'questions.jsonl'));
    const stop = new AbortController();
    const write = jsonlAppender(output);
    let written = 0;
    await runBatch(rag, read, {
      concurrency: 2,
      timeoutMs: 10_000,
      signal: stop.signal,
      onRow: (row) => {
        write(row);
        if (++written === 5) stop.abort();
      },
      onFailure: () => undefined,
    });
    // A crash in the middle of a write leaves half a line: the resume must drop it, not choke on it.
    appendFileSync(output, '{"id": "q11", "question": "what col');
    const done = answeredIds(output);
    expect(done.size).toBeGreaterThanOrEqual(5);
    expect(done.size).toBeLessThan(read.length);

    const result = await runBatch(rag, read, { concurrency: 3, timeoutMs: 10_000, skip: done, onRow: write, onFailure: () => undefined });
    expect(result.skipped).toBe(done.size);
    const rows = readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as SubmissionRow);
    const ids = rows.map((r) => r.id).sort();
    expect(ids).toEqual(read.map((q) => q.id).sort());
    const row = rows.find((r) => r.id === 'q4');
    expect(row?.answer).toMatch(/orange/);
    expect(row?.passages[0]?.doc_IDs).toEqual(['doc4']);
    expect(row?.final_prompt).toContain('Question: what colour is the gadget number 4?');
    expect(row?.final_prompt).toContain('[1]');
    // The LLM generator's own prompt (before: a wording of the batch's own, which no generator was sent).
    expect(row?.final_prompt.startsWith('You answer questions using only the numbered passages you are given.')).toBe(true);
    expect(typeof row?.confidence).toBe('number');
  });

  it('reports a failing question and goes on with the others', async () => {
    const failures: string[] = [];
    const rows: string[] = [];
    const result = await runBatch(rag, [{ id: 'bad', question: '*** ???' }, ...questions.slice(0, 2)], {
      concurrency: 1,
      timeoutMs: 10_000,
      onRow: (r) => rows.push(r.id),
      onFailure: (f) => failures.push(`${f.id}:${f.code}`),
    });
    expect(failures).toEqual(['bad:BAD_REQUEST']);
    expect(rows).toEqual(['q0', 'q1']);
    expect(result).toMatchObject({ done: 2, failed: 1 });
  });
});

describe('batch jobs over HTTP', () => {
  /** A server whose index holds one document, about a kettle. */
  const kettleServer = async (): Promise<HttpFixture> => {
    const fx = await startHttpFixture();
    await fx.app.inject({
      method: 'POST',
      url: '/v1/documents',
      payload: { documents: [{ id: 'kettle', text: 'The kettle boils water in about three minutes.' }] },
    });
    return fx;
  };

  it('runs a job in the background and reports progress, then the answers', async () => {
    const fx = await kettleServer();
    try {
      const started = await fx.app.inject({
        method: 'POST',
        url: '/v1/batch',
        payload: { questions: [{ id: 'a', question: 'how long does the kettle take to boil?' }, { id: 'b', question: '?!' }] },
      });
      expect(started.statusCode).toBe(202);
      const { id } = started.json<{ id: string }>();
      let job: { status: string; done: number; failed: number; rows?: Array<{ id: string; answer: string }>; failures: Array<{ id: string }> } | undefined;
      await expect
        .poll(async () => {
          job = (await fx.app.inject({ method: 'GET', url: `/v1/batch/${id}` })).json();
          return job?.status;
        })
        .toBe('done');
      expect(job?.done).toBe(1);
      expect(job?.failures.map((f) => f.id)).toEqual(['b']);
      expect(job?.rows?.[0]?.answer).toMatch(/three minutes/);

      const unknown = await fx.app.inject({ method: 'POST', url: '/v1/batch', payload: { questions: [{ id: 'x', question: 'y' }], pipeline: 'nope' } });
      expect(unknown.statusCode).toBe(400);
      expect((await fx.app.inject({ method: 'GET', url: '/v1/batch/missing' })).statusCode).toBe(404);
    } finally {
      await fx.close();
    }
  });

  it('answers other requests while a job runs, and refuses a batch that names one id twice', async () => {
    const fx = await kettleServer();
    try {
      const questions = Array.from({ length: 500 }, (_v, i) => ({ id: `q${i}`, question: `how long does kettle ${i} take to boil?` }));
      const started = await fx.app.inject({ method: 'POST', url: '/v1/batch', payload: { questions } });
      expect(started.statusCode).toBe(202);
      const { id } = started.json<{ id: string }>();
      // The extractive pipeline answers without I/O: a job that never yielded would be done before this is read.
      const meanwhile = (await fx.app.inject({ method: 'GET', url: `/v1/batch/${id}` })).json<{ status: string; done: number }>();
      expect(meanwhile.status).toBe('running');
      expect(meanwhile.done).toBeLessThan(questions.length);
      expect((await fx.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

      const twice = await fx.app.inject({
        method: 'POST',
        url: '/v1/batch',
        payload: { questions: [{ id: 'd', question: 'how long to boil?' }, { id: 'e', question: 'what boils?' }, { id: 'd', question: 'again?' }] },
      });
      expect(twice.statusCode).toBe(400);
      expect(twice.json()).toMatchObject({ code: 'VALIDATION', message: 'questions.2.id: "d" appears twice in the batch' });
    } finally {
      await fx.close();
    }
  });
});

describe('batch jobs over HTTP: ensembles and stopping', () => {
  it('answers a job with an ensemble, and stops a running job with DELETE, keeping the answers so far', async () => {
    const fx = await startHttpFixture({ ensembles: { pair: { members: ['default', 'bm25-only'] } } });
    try {
      await fx.rag.ingest([{ id: 'kettle', text: 'The kettle boils water in about three minutes.' }]);
      // Before, a batch could not name an ensemble (400 unknown field) and a job could not be stopped (404 no route).
      const started = await fx.app.inject({ method: 'POST', url: '/v1/batch', payload: { questions: [{ id: 'a', question: 'how long does the kettle take to boil?' }], ensemble: 'pair' } });
      expect(started.statusCode).toBe(202);
      const { id } = started.json<{ id: string }>();
      await expect.poll(async () => (await fx.app.inject({ method: 'GET', url: `/v1/batch/${id}` })).json<{ status: string }>().status).toBe('done');
      const job = (await fx.app.inject({ method: 'GET', url: `/v1/batch/${id}` })).json<{ ensemble: string; rows: Array<{ pipeline: string; answer: string }> }>();
      expect(job.ensemble).toBe('pair');
      expect(job.rows[0]).toMatchObject({ pipeline: 'pair', answer: expect.stringMatching(/three minutes/) });
      const both = await fx.app.inject({ method: 'POST', url: '/v1/batch', payload: { questions: [{ id: 'a', question: 'kettle?' }], ensemble: 'pair', pipeline: 'default' } });
      expect(both.statusCode).toBe(400);
      const unknown = await fx.app.inject({ method: 'POST', url: '/v1/batch', payload: { questions: [{ id: 'a', question: 'kettle?' }], ensemble: 'nope' } });
      expect(unknown.json()).toMatchObject({ code: 'UNKNOWN_ENSEMBLE' });

      const questions = Array.from({ length: 1000 }, (_v, i) => ({ id: `q${i}`, question: `how long does kettle ${i} take to boil?` }));
      const long = (await fx.app.inject({ method: 'POST', url: '/v1/batch', payload: { questions, ensemble: 'pair' } })).json<{ id: string }>();
      const stopped = await fx.app.inject({ method: 'DELETE', url: `/v1/batch/${long.id}` });
      expect(stopped.statusCode).toBe(200);
      expect(stopped.json<{ status: string }>().status).toBe('cancelled');
      const after = (await fx.app.inject({ method: 'GET', url: `/v1/batch/${long.id}` })).json<{ status: string; done: number; rows: unknown[] }>();
      expect(after.status).toBe('cancelled');
      expect(after.done).toBeLessThan(questions.length);
      expect(after.rows.length).toBe(after.done);
      // A finished job is forgotten by DELETE.
      expect((await fx.app.inject({ method: 'DELETE', url: `/v1/batch/${id}` })).statusCode).toBe(200);
      expect((await fx.app.inject({ method: 'GET', url: `/v1/batch/${id}` })).statusCode).toBe(404);
      expect((await fx.app.inject({ method: 'DELETE', url: `/v1/batch/${id}` })).statusCode).toBe(404);
    } finally {
      await fx.close();
    }
  });
});

describe('resuming into an output file', () => {
  it('leaves a file that is not a submission file as it was, and names it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rag-batch-out-'));
    try {
      const notes = join(dir, 'notes.txt');
      writeFileSync(notes, 'line one\nline two\nlast line without a newline');
      expect(() => answeredIds(notes)).toThrow(`${notes}:1: not a row of answers`);
      expect(readFileSync(notes, 'utf8')).toBe('line one\nline two\nlast line without a newline');
      // One line, no newline: nothing complete to check, and still not a half-written row to cut.
      writeFileSync(notes, 'a single note');
      expect(() => answeredIds(notes)).toThrow(`${notes}:1: not a row of answers`);
      expect(readFileSync(notes, 'utf8')).toBe('a single note');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves a question file as it was: its ids are not answers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rag-batch-out-'));
    try {
      const questions = join(dir, 'questions.jsonl');
      const text = '{"id":"q1","question":"what is bm25?"}\n{"_id":"q2","text":"how are chunks made?"}\n';
      writeFileSync(questions, text);
      expect(() => answeredIds(questions)).toThrow(`${questions}:1: not a row of answers`);
      writeFileSync(questions, text.split('\n')[1] + '\n');
      expect(() => answeredIds(questions)).toThrow(`${questions}:1: not a row of answers`);
      expect(readFileSync(questions, 'utf8')).toBe(text.split('\n')[1] + '\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
