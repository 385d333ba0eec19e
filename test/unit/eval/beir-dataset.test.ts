import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBeirDataset } from '../../../src/eval/beir-dataset.js';
import { ragErrorOf } from '../../helpers/errors.js';
import { makeTempDir } from '../../helpers/tmp.js';

let tmp: { dir: string; cleanup: () => void };
let beir: string;

beforeAll(() => {
  tmp = makeTempDir('rag-beir-');
  beir = join(tmp.dir, 'scifact');
  mkdirSync(join(beir, 'qrels'), { recursive: true });
  writeFileSync(join(beir, 'corpus.jsonl'), '{"_id":"d1","title":"t","text":"x"}\n');
  writeFileSync(
    join(beir, 'queries.jsonl'),
    [
      '{"_id":"q1","text":"first query"}',
      '',
      '{"_id":"q2","text":"no judgements"}',
      '{"_id":3,"text":"numeric id"}',
      '{"id":"q4","text":"plain id field"}',
      '{"_id":"q5","text":"dev only"}',
    ].join('\n'),
  );
  writeFileSync(
    join(beir, 'qrels', 'test.tsv'),
    'query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t0\nq1\td3\t2\n3\td1\t1\nq4\td9\t1\nbroken line\n\n',
  );
  writeFileSync(join(beir, 'qrels', 'dev.tsv'), 'query-id\tcorpus-id\tscore\nq5\td1\t1\n');
});
afterAll(() => tmp.cleanup());

describe('loadBeirDataset', () => {
  it('loads the test qrels, with grades, skipping the header and bad lines', () => {
    const ds = loadBeirDataset(beir);
    expect(ds.dir).toBe(beir);
    expect(ds.corpusPath).toBe(join(beir, 'corpus.jsonl'));
    expect([...ds.qrels.keys()].sort()).toEqual(['3', 'q1', 'q4']);
    expect(ds.qrels.get('q1')).toEqual(
      new Map([
        ['d1', 1],
        ['d2', 0],
        ['d3', 2],
      ]),
    );
  });

  it('keeps only queries that have judgements, reading _id or id, numeric or not', () => {
    const ds = loadBeirDataset(beir);
    expect(ds.queries).toEqual([
      { id: 'q1', text: 'first query' },
      { id: '3', text: 'numeric id' },
      { id: 'q4', text: 'plain id field' },
    ]);
  });

  it('reads another split when asked', () => {
    const ds = loadBeirDataset(beir, 'dev');
    expect(ds.queries).toEqual([{ id: 'q5', text: 'dev only' }]);
  });

  it('stops with nothing to evaluate when no query has a judgement, and names the line of a query that is not JSON', () => {
    mkdirSync(join(tmp.dir, 'none-judged', 'qrels'), { recursive: true });
    const dir = join(tmp.dir, 'none-judged');
    writeFileSync(join(dir, 'corpus.jsonl'), '{"_id":"d1","text":"x"}\n');
    writeFileSync(join(dir, 'queries.jsonl'), '{"_id":"q1","text":"first query"}\n');
    writeFileSync(join(dir, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq9\td1\t1\n');
    const none = ragErrorOf(() => loadBeirDataset(dir));
    expect(none.message).toBe(`nothing to evaluate in ${dir}: no query of queries.jsonl has a judgement in ${join(dir, 'qrels', 'test.tsv')}`);
    writeFileSync(join(dir, 'qrels', 'test.tsv'), '');
    expect(ragErrorOf(() => loadBeirDataset(dir)).message).toMatch(/^nothing to evaluate/);

    writeFileSync(join(dir, 'queries.jsonl'), '{"_id":"q1","text":"first query"}\n{"_id": "q2", "text": \nnull\n');
    expect(ragErrorOf(() => loadBeirDataset(dir)).message).toMatch(new RegExp(`^${join(dir, 'queries.jsonl')}:2: not valid JSON`));
    writeFileSync(join(dir, 'queries.jsonl'), '{"_id":"q1","text":"first query"}\nnull\n');
    expect(ragErrorOf(() => loadBeirDataset(dir)).message).toBe(`${join(dir, 'queries.jsonl')}:2: not a JSON object (a query has "_id" and "text")`);
  });

  it('stops at a judged query given twice or without a text, rather than scoring it twice or leaving it out', () => {
    const dir = join(tmp.dir, 'twice');
    mkdirSync(join(dir, 'qrels'), { recursive: true });
    writeFileSync(join(dir, 'corpus.jsonl'), '{"_id":"d1","text":"x"}\n');
    writeFileSync(join(dir, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq1\td1\t1\n');
    writeFileSync(join(dir, 'queries.jsonl'), '{"_id":"q1","text":"first query"}\n{"_id":"q9","text":"unjudged"}\n{"_id":"q1","text":"another text"}\n');
    expect(ragErrorOf(() => loadBeirDataset(dir)).message).toBe(`${join(dir, 'queries.jsonl')}: query id q1 appears twice (lines 1 and 3); keep one row per query`);
    writeFileSync(join(dir, 'queries.jsonl'), '{"_id":"q1","text":42}\n');
    expect(ragErrorOf(() => loadBeirDataset(dir)).message).toBe(`${join(dir, 'queries.jsonl')}:1: query q1 is judged but has no "text" string`);
    // An unjudged query is not read, duplicates and all.
    writeFileSync(join(dir, 'queries.jsonl'), '{"_id":"q1","text":"first"}\n{"_id":"q9","text":1}\n{"_id":"q9","text":1}\n');
    expect(loadBeirDataset(dir).queries).toEqual([{ id: 'q1', text: 'first' }]);
  });

  it('reports a folder missing a BEIR file as NOT_FOUND', () => {
    const err = ragErrorOf(() => loadBeirDataset(beir, 'train'));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain('train.tsv');
    expect(ragErrorOf(() => loadBeirDataset(join(tmp.dir, 'none'))).code).toBe('NOT_FOUND');
  });
});
