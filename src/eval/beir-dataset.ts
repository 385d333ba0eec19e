import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RagError } from '../core/errors.js';
import { readJsonLines } from './json-lines.js';

export interface BeirQuery {
  id: string;
  text: string;
}

export interface BeirDataset {
  dir: string;
  corpusPath: string;
  queries: BeirQuery[];
  /** query id -> (document id -> grade) */
  qrels: Map<string, Map<string, number>>;
}

/** Loads a BEIR folder's queries and one split's qrels (the corpus is streamed by the ingestion code). */
export function loadBeirDataset(dir: string, split = 'test'): BeirDataset {
  const corpusPath = join(dir, 'corpus.jsonl');
  const queriesPath = join(dir, 'queries.jsonl');
  const qrelsPath = join(dir, 'qrels', `${split}.tsv`);
  for (const path of [corpusPath, queriesPath, qrelsPath]) {
    if (!existsSync(path)) throw new RagError('NOT_FOUND', `not a BEIR dataset folder: ${path} is missing`);
  }
  const qrels = new Map<string, Map<string, number>>();
  readFileSync(qrelsPath, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const cols = line.trim().split('\t');
      if (cols.length < 3 || (i === 0 && cols[0] === 'query-id')) return;
      const [qid, docId, grade] = cols as [string, string, string];
      let rel = qrels.get(qid);
      if (!rel) qrels.set(qid, (rel = new Map()));
      rel.set(docId, Number(grade));
    });
  const queries: BeirQuery[] = [];
  // A judged query read twice would be scored twice (the second text against the first's judgements), and one
  // without a text left out: either changes the means without a word, so both stop with the line.
  const judgedLines = new Map<string, number>();
  for (const { line, row: r } of readJsonLines(queriesPath)) {
    if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new RagError('BAD_REQUEST', `${queriesPath}:${line}: not a JSON object (a query has "_id" and "text")`);
    const row = r as { _id?: unknown; id?: unknown; text?: unknown };
    const id = String(row._id ?? row.id);
    if (!qrels.has(id)) continue;
    if (typeof row.text !== 'string') throw new RagError('BAD_REQUEST', `${queriesPath}:${line}: query ${id} is judged but has no "text" string`);
    const first = judgedLines.get(id);
    if (first !== undefined) throw new RagError('BAD_REQUEST', `${queriesPath}: query id ${id} appears twice (lines ${first} and ${line}); keep one row per query`);
    judgedLines.set(id, line);
    queries.push({ id, text: row.text });
  }
  // Scores over no query would read as 0.0000, a result rather than a mistake.
  if (queries.length === 0) {
    throw new RagError('BAD_REQUEST', `nothing to evaluate in ${dir}: no query of queries.jsonl has a judgement in ${qrelsPath}`);
  }
  return { dir, corpusPath, queries, qrels };
}
