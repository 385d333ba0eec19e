import type { DocumentInput } from '../../src/core/types.js';
import { mulberry32, randInt, zipfSampler } from './random.js';

const SYLLABLES = ['ka', 'lo', 'mi', 'ru', 'ten', 'sa', 'vor', 'pel', 'dri', 'nu', 'gam', 'zel', 'tor', 'bi', 'quen', 'fa', 'hul', 'mer', 'ost', 'yan'];

export interface SyntheticCorpus {
  documents: DocumentInput[];
  /** Known-item queries: words drawn from one document, which is the answer. */
  queries: Array<{ text: string; docId: string }>;
  vocabulary: string[];
}

/**
 * A SciFact-sized corpus of made-up words with a Zipfian vocabulary (a few words everywhere, most rare), titles,
 * several paragraphs per document (so some have several chunks) and metadata (topic, year, lang); the same seed
 * gives the same corpus.
 */
export function syntheticCorpus(options: { documents: number; queries: number; seed?: number; vocabulary?: number }): SyntheticCorpus {
  const rnd = mulberry32(options.seed ?? 7);
  const vocabSize = options.vocabulary ?? 6000;
  const vocabulary: string[] = [];
  const seen = new Set<string>();
  while (vocabulary.length < vocabSize) {
    const n = 2 + randInt(rnd, 3);
    let w = '';
    for (let i = 0; i < n; i++) w += SYLLABLES[randInt(rnd, SYLLABLES.length)];
    if (!seen.has(w)) {
      seen.add(w);
      vocabulary.push(w);
    }
  }
  const word = zipfSampler(rnd, vocabSize, 1.05);
  const sentence = (len: number): string => `${Array.from({ length: len }, () => vocabulary[word()]).join(' ')}.`;
  const documents: DocumentInput[] = [];
  for (let i = 0; i < options.documents; i++) {
    const paragraphs = Array.from({ length: 1 + randInt(rnd, 4) }, () => Array.from({ length: 3 + randInt(rnd, 5) }, () => sentence(8 + randInt(rnd, 12))).join(' '));
    documents.push({
      id: `d${i}`,
      title: sentence(3).replace(/\.$/, ''),
      text: paragraphs.join('\n\n'),
      meta: { topic: `t${i % 20}`, year: 2000 + (i % 25), lang: i % 3 === 0 ? 'de' : 'en' },
    });
  }
  const queries: SyntheticCorpus['queries'] = [];
  for (let q = 0; q < options.queries; q++) {
    const doc = documents[randInt(rnd, documents.length)]!;
    // Distinct words, each as likely as the next: as a person would pick a document's telling words, not its commonest.
    const words = [...new Set(`${doc.title ?? ''} ${doc.text}`.split(/[\s.]+/).filter((w) => w.length > 0))];
    const picked = Array.from({ length: 5 }, () => words[randInt(rnd, words.length)]!);
    queries.push({ text: picked.join(' '), docId: doc.id });
  }
  return { documents, queries, vocabulary };
}
