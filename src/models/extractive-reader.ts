import { analyze, termSet } from '../core/analyzer.js';
import type { TextMemo } from '../core/text-memo.js';
import type { Candidate, Passage, ReaderResult } from '../core/types.js';
import { normalizeAnswer } from '../core/answer-text.js';
import { TABLE_ROW } from '../core/table-row.js';
import { entropy, normalizedEntropy, softmax } from './entropy.js';
import { readOptions } from './option-reader.js';
import { readQuestion, type ReadQuestion } from './read-question.js';
import { passageTerms } from './passage-terms.js';
import { leadDescription } from './lead-description.js';
import { withNoneOfThese } from './none-of-these.js';
import { normalizedPassage } from './normalized-passage.js';
import { sentencesOf } from './sentences.js';
import { objectSpans } from './object-spans.js';
import { sentenceSpans, wordGap } from './sentence-spans.js';
import { nearestWindow } from './nearest-window.js';
import { codePenalty } from './code-penalty.js';
import { isFactoid, typeFit, type AnswerType } from './question-type.js';
import { Reader, type ReaderOutput } from './reader.js';

export interface ExtractiveReaderOptions {
  /** Candidates kept in the distribution. */
  maxCandidates: number;
  /** Softmax temperature over candidate scores in [0, 1]: lower is more decisive. */
  temperature: number;
  /**
   * "auto": short spans (names, dates, numbers) for factoid questions and sentences otherwise; "sentences":
   * always whole sentences.
   */
  spans?: 'auto' | 'sentences' | 'linked';
  /** Best sentences whose spans are proposed for a factoid question. */
  spanSentences?: number;
  /** Softmax temperature over those sentences' scores, weighting their spans. */
  spanTemperature?: number;
}

/** A sentence with its score and where it came from, before spans are taken out of it. */
interface ScoredSentence {
  text: string;
  score: number;
  passage: number;
}

interface Scored {
  text: string;
  key: string;
  score: number;
  citations: Set<number>;
  /** A linked title's share of its probability: less than 1 when its passage describes another kind than asked. */
  share?: number;
}

/**
 * The default reader, with no model: every sentence of the passages is a candidate answer, scored by the
 * rarity-weighted share of the question's content terms it holds (those within a clause of each other; in its
 * opening, its subject, more when it is the answer whole), how well its passage ranked, how well its
 * section's headings match the question, and how focused it is; a sentence that only repeats the question is not
 * a candidate, and code-like text ranks lower. The question's verb weighs no more than its other terms, and a command
 * line does a how-to question's verb without naming it. Scores become a probability
 * distribution (softmax), whose entropy says how sure the reader is.
 */
export class ExtractiveReader extends Reader {
  readonly name = 'extractive';

  constructor(
    private readonly memo: TextMemo,
    private readonly options: ExtractiveReaderOptions = { maxCandidates: 8, temperature: 0.08, spans: 'sentences', spanSentences: 5 },
  ) {
    super();
  }

  protected doAnswer(query: string, passages: readonly Passage[]): ReaderOutput {
    const whole = this.read(query, passages);
    return { result: this.byIntent(query, passages, whole) ?? whole };
  }

  /**
   * A question of several intents answered with whole sentences ("what is PPTP and why should I avoid it?") gets
   * the best sentence for each intent, joined, as its first candidate: read whole, the best sentence answered one
   * intent only (LiveRAG's default pipeline: F1 0.206 -> 0.216, its multi-aspect questions 0.135 -> 0.151). Its
   * probability is the product of the parts' (each must be right). Undefined, and the whole reading stands, for a
   * question of one intent, one answered by spans or options, or when the intents find the same sentence.
   */
  private byIntent(query: string, passages: readonly Passage[], whole: ReaderResult): ReaderResult | undefined {
    const { intents, form } = readQuestion(query);
    if (intents.length < 2 || form !== undefined || whole.candidates.length === 0) return undefined;
    const sentences = (q: string): boolean => (this.options.spans ?? 'auto') === 'sentences' || !isFactoid(readQuestion(q).type);
    if (!sentences(query) || !intents.every(sentences)) return undefined;
    const tops = intents.map((q) => this.read(q, passages).candidates[0]);
    if (tops.some((c) => c === undefined)) return undefined;
    const parts = [...new Map((tops as Candidate[]).map((c) => [c.text, c])).values()];
    if (parts.length < 2) return undefined;
    const joined: Candidate = {
      text: parts.map((c) => c.text).join(' '),
      prob: Number(parts.reduce((p, c) => p * c.prob, 1).toFixed(6)),
      citations: [...new Set(parts.flatMap((c) => c.citations))].sort((a, b) => a - b),
    };
    const rest = whole.candidates.filter((c) => !parts.some((part) => part.text === c.text));
    return { ...whole, candidates: [joined, ...rest].slice(0, this.options.maxCandidates) };
  }

  private read(query: string, passages: readonly Passage[]): ReaderResult {
    const question = readQuestion(query);
    // A choice between named options, or yes/no: the answer is one of them, not a span to find.
    if ((this.options.spans ?? 'auto') !== 'sentences') {
      const read = question.form && passages.length > 0 ? readOptions(question.form, passages, this.memo) : undefined;
      if (read && read.candidates.length > 0) return read;
    }
    const { asked, queryTerms, defines, phraseOnly } = question;
    // A question of question words alone names nothing to look for.
    if (queryTerms.size === 0) return { candidates: [], entropy: 0, normalizedEntropy: 0 };
    const perPassage = passages.map((p) => this.memo.get('sentences', p.chunkId, p.text, analysedSentences));
    const sentenceCount = perPassage.reduce((n, s) => n + s.length, 0);
    // How well each passage's title and headings match the question: a sentence under "Ingesting documents"
    // answers "how do I ingest documents?" more likely than one that mentions ingestion in passing.
    const headings = passages.map((p) => this.memo.get('heading-terms', p.chunkId, `${p.title ?? ''} ${(p.headingPath ?? []).join(' ')}`, termSet));
    const sectionMatch = headings.map((heading) => [...queryTerms].filter((t) => heading.has(t)).length / queryTerms.size);
    if (sentenceCount === 0) return { candidates: [], entropy: 0, normalizedEntropy: 0 };

    // Which of the question's terms each sentence holds, found in one pass over the sentence's terms (rather than
    // a scan of the sentence per question term): the ensemble's members and rounds read many passage sets.
    const asks = [...queryTerms];
    const termIndex = new Map(asks.map((t, i) => [t, i]));
    const holds = perPassage.map((sentences) => sentences.map((sentence) => termsHeld(sentence.terms, termIndex, asks.length)));
    const weight = new Map<string, number>();
    asks.forEach((t, i) => {
      let df = 0;
      for (const sentences of holds) for (const held of sentences) if (held.has[i] === 1) df++;
      weight.set(t, df === 0 ? 0 : Math.log(1 + sentenceCount / df));
    });
    // The question's verb weighs no more than the least of its other terms: answers word it otherwise, so its rarity
    // among the passages says little, and a sentence that happens to use it outranked those on the subject.
    const verbs = question.verbs.terms;
    const others = asks.filter((t) => !verbs.has(t) && (weight.get(t) ?? 0) > 0).map((t) => weight.get(t) ?? 0);
    if (others.length > 0) {
      const cap = Math.min(...others);
      for (const t of verbs) if (weight.has(t)) weight.set(t, Math.min(weight.get(t) ?? 0, cap));
    }
    const totalWeight = [...weight.values()].reduce((a, b) => a + b, 0);
    if (totalWeight === 0) return { candidates: [], entropy: 0, normalizedEntropy: 0 };
    // A question term no passage holds, in its text or headings (a measure word, "long" of "how long", aside), counts
    // as rarer than any they hold: the share of the question the evidence covers bounds how sure an answer from it
    // can be ("the capital of Mongolia" over passages on capitalisation). Not its verb: answers word it otherwise
    // ("why should I avoid PPTP?" over passages on why PPTP is weak), so its absence is no sign the evidence misses it.
    const absent = asks.filter(
      (t) => weight.get(t) === 0 && !verbs.has(t) && !question.frameTerms.has(t) && !question.functionTerms.has(t) && !headings.some((h) => h.has(t)),
    ).length;
    const support = totalWeight / (totalWeight + absent * Math.log(1 + 2 * sentenceCount));

    const weights = asks.map((t) => weight.get(t) ?? 0);
    const act = question.verbs.act === undefined ? undefined : termIndex.get(question.verbs.act);
    // A factoid question is answered by spans of the sentences, others by a sentence whole.
    const spanAnswer = (this.options.spans ?? 'auto') !== 'sentences' && isFactoid(question.type);
    // A sentence given whole as the answer should be about what is asked, so its subject counts; a factoid's span only
    // needs its sentence to state the fact, wherever the question's terms stand in it.
    const leadWeight = spanAnswer ? 0 : LEAD_WEIGHT;
    const scoredSentences: ScoredSentence[] = [];
    perPassage.forEach((sentences, p) => {
      const passage = p + 1;
      const topic = headings[p] ?? new Set<string>();
      sentences.forEach((sentence, s) => {
        const held = holds[p]?.[s];
        if (held === undefined || held.matched === 0) return;
        let matchedWeight = 0;
        let inContextWeight = 0;
        const near = held.matched > 1 && sentence.terms.length > NEAR_TERMS ? nearestWindow(sentence.terms, termIndex, weights, NEAR_TERMS) : held.has;
        // A command line does what a how-to question asks without naming it: "npm test" runs the tests.
        const acts = act !== undefined && sentence.command === true;
        asks.forEach((t, i) => {
          const has = near[i] === 1 || (acts && i === act);
          if (has) matchedWeight += weight.get(t) ?? 0;
          if (has || topic.has(t) || sentence.context?.has(t) === true) inContextWeight += weight.get(t) ?? 0;
        });
        const { matched, novel } = held;
        // Only repeats (or quotes) the question, or asks one itself: it cannot be the answer.
        // A query of content words only ("refunds", "battery life", "充电时间") is echoed by every sentence that holds
        // it, and those are its answers: there only a sentence of nothing else (novel 0) repeats it.
        if (sentence.asks || sentence.label === true || novel === 0 || (!phraseOnly && sentence.terms.length >= asked.length && echoes(sentence.terms, asked))) return;
        // Coverage counts the sentence's own terms, and (apart) the terms the sentence and its section heading hold
        // together: under "Ingest documents", "POST them to /v1/documents" answers "how do I ingest documents?", and
        // within one passage on the Eiffel Tower the sentence with "tall" beats one that only names the tower.
        const coverage = matchedWeight / totalWeight;
        const leadCoverage = leadWeight === 0 ? 0 : leadHeld(sentence, termIndex, weights) / totalWeight;
        const contextCoverage = inContextWeight / totalWeight;
        const rankPrior = 1 / Math.sqrt(passage);
        const density = matched / (matched + novel);
        const informative = Math.min(1, novel / 6);
        const score =
          (0.35 - leadWeight) * coverage +
          // A subject needs something said of it: a bare list or heading-like fragment is all opening.
          leadWeight * leadCoverage * informative +
          0.3 * contextCoverage +
          0.15 * rankPrior +
          0.05 * (sectionMatch[p] ?? 0) +
          0.1 * density +
          0.05 * informative +
          (defines?.test(sentence.text) ? DEFINITION_BONUS : 0) -
          sentence.penalty;
        scoredSentences.push({ text: sentence.text, score, passage });
      });
    });

    const { type } = question;
    if (spanAnswer) {
      // Linked mode answers with the bridge entities (linked passages' titles) when there are any, else with spans.
      const linked =
        this.options.spans === 'linked' && (type === 'person' || type === 'place' || type === 'entity')
          ? linkedEntities(this.memo, passages, queryTerms, weight, totalWeight, question.askedSet, question.kind)
          : undefined;
      const read = linked ?? this.spanResult(type, question.askedSet, queryTerms, scoredSentences, question.verb);
      if (read) return withSupport(read, support);
    }
    // Whole sentences: the same sentence in two passages is one candidate.
    const byKey = new Map<string, Scored>();
    for (const { text, score, passage } of scoredSentences) {
      const key = text.toLowerCase().replace(/\s+/g, ' ');
      const seen = byKey.get(key);
      if (seen) {
        seen.citations.add(passage);
        seen.score = Math.max(seen.score, score);
      } else byKey.set(key, { text, key, score, citations: new Set([passage]) });
    }
    const top = [...byKey.values()].sort((a, b) => b.score - a.score).slice(0, this.options.maxCandidates);
    const probs = softmax(
      top.map((c) => c.score),
      this.options.temperature,
    );
    const candidates: Candidate[] = top.map((c, i) => ({
      text: c.text,
      prob: Number((probs[i] ?? 0).toFixed(6)),
      citations: [...c.citations].sort((a, b) => a - b),
    }));
    return withSupport({ candidates, entropy: entropy(probs), normalizedEntropy: normalizedEntropy(probs) }, support);
  }

  /**
   * Factoid answers as short spans: the best sentences' names, dates, numbers and titles, each weighted by its
   * sentence's probability, how well its kind fits the question ("when" wants a date), and how near it stands to
   * the question's terms; a span that only repeats the question is no candidate, one that partly repeats it
   * counts less. The same span found in several sentences adds up, so corroborated answers win. The weights
   * become the candidate distribution. For "what do X <verb>?", the verb's object in a sentence fits as well as a
   * name does (`objectSpans`); for "when/where does X <verb>?", a span just after the verb counts more than one
   * beside the subject ("closes at 6 pm and opens at 5 am").
   */
  private spanResult(
    type: AnswerType,
    asked: ReadonlySet<string>,
    queryTerms: ReadonlySet<string>,
    sentences: ScoredSentence[],
    verb: ReadQuestion['verb'],
  ): ReaderResult | undefined {
    const best = [...sentences].sort((a, b) => b.score - a.score).slice(0, this.options.spanSentences ?? 10);
    // Softer than the sentence distribution: a span's kind and position may outweigh a small lead in sentence score.
    const sentenceProbs = softmax(best.map((s) => s.score), this.options.spanTemperature ?? 0.12);
    const bySpan = new Map<string, Scored>();
    const fits = new Map<string, number>();
    best.forEach((sentence, i) => {
      const q = sentenceProbs[i] ?? 0;
      const { words, spans } = this.memo.get('sentence-spans', sentence.text, sentence.text, sentenceSpans);
      const positions = words.filter((w) => w.term !== undefined && queryTerms.has(w.term)).map((w) => w.at);
      const objects = verb?.asks === 'object' ? objectSpans(sentence.text, words, verb.term) : [];
      const verbAt = verb?.asks === 'after' ? words.filter((w) => w.term === verb.term).map((w) => w.at) : [];
      for (const span of objects.length === 0 ? spans : [...spans, ...objects]) {
        const { terms, key } = span;
        if (terms.length === 0) continue;
        const repeated = terms.filter((t) => asked.has(t)).length / terms.length;
        if (repeated === 1) continue;
        let distance = positions.length === 0 ? 20 : Number.POSITIVE_INFINITY;
        for (const p of positions) distance = Math.min(distance, wordGap(words, p, span.start, span.end));
        const near = 1 / (1 + distance / NEAR_WORDS);
        // The verb's object is what the question asks for by its form; a name beside the subject only by its kind.
        const isObject = objects.includes(span);
        const object = isObject || verbAt.some((at) => at < span.start && wordGap(words, at, span.start, span.end) <= AFTER_VERB_WORDS);
        const fit = isObject ? 1 : typeFit(type, span);
        const weight = (object ? OBJECT_WEIGHT : 1) * q * fit * fit * (0.3 + 0.7 * near) * (1 - 0.8 * repeated);
        if (key.length === 0) continue;
        fits.set(key, Math.max(fits.get(key) ?? 0, fit));
        const seen = bySpan.get(key);
        if (seen) {
          seen.score += weight;
          seen.citations.add(sentence.passage);
        } else bySpan.set(key, { text: span.text, key, score: weight, citations: new Set([sentence.passage]) });
      }
    });
    const top = [...bySpan.values()].sort((a, b) => b.score - a.score).slice(0, this.options.maxCandidates);
    const total = top.reduce((s, c) => s + c.score, 0);
    // No span of the kind asked for ("what colour" wants a word the span finder does not propose): a sentence
    // holding the answer beats a span that does not.
    if (top.length === 0 || total <= 0 || (fits.get(top[0]?.key ?? '') ?? 0) < 0.6) return undefined;
    const probs = top.map((c) => c.score / total);
    const candidates: Candidate[] = top.map((c, i) => ({
      text: c.text,
      prob: Number((probs[i] ?? 0).toFixed(6)),
      citations: [...c.citations].sort((a, b) => a - b),
    }));
    return { candidates, entropy: entropy(probs), normalizedEntropy: normalizedEntropy(probs) };
  }
}

/** How much a linked title counts when its passage describes another kind of thing than the question asks for. */
const OTHER_KIND = 0.5;

/**
 * Multi-hop questions often ask for the entity a passage about the question's subject links to (the bridge):
 * the candidates are the titles of passages that are not the question's own subjects, scored by how well their
 * own text matches the question and how well the passages that mention them do.
 */
function linkedEntities(
  memo: TextMemo,
  passages: readonly Passage[],
  queryTerms: ReadonlySet<string>,
  weight: ReadonlyMap<string, number>,
  total: number,
  asked: ReadonlySet<string>,
  kind: string | undefined,
): ReaderResult | undefined {
  const terms = passages.map((p) => passageTerms(memo, p));
  const relevance = terms.map((t) => [...queryTerms].reduce((s, q) => s + (t.has(q) ? (weight.get(q) ?? 0) : 0), 0) / total);
  const lowered = passages.map((p) => normalizedPassage(memo, p));
  const byTitle = new Map<string, Scored>();
  passages.forEach((p, i) => {
    const title = (p.title ?? '').replace(/\s*\(.*\)\s*$/, '').trim();
    const key = normalizeAnswer(title);
    if (key.length === 0 || !/^[\p{Lu}\p{N}"“]/u.test(title)) return;
    const own = analyze(title);
    if (own.length === 0 || own.filter((t) => asked.has(t)).length / own.length >= 0.5) return;
    let link = 0;
    const citations = new Set([i + 1]);
    lowered.forEach((text, j) => {
      if (j !== i && text.includes(` ${key} `)) {
        link = Math.max(link, relevance[j] ?? 0);
        citations.add(j + 1);
      }
    });
    if (link === 0) return;
    // A title whose passage says it is another kind of thing than the question asks for ("an American actor" for
    // "what Western TV series?") is more likely the bridge the question passes through than the answer.
    const described = kind === undefined ? undefined : memo.get('lead-description', p.chunkId, p.text, leadDescription);
    const fits = kind === undefined || described === undefined || described.has(kind);
    const share = fits ? 1 : OTHER_KIND;
    const score = (0.5 * (relevance[i] ?? 0) + 0.5 * link + 0.1 / Math.sqrt(i + 1)) * share;
    const seen = byTitle.get(key);
    if (!seen || seen.score < score) byTitle.set(key, { text: title, key, score, citations, share });
  });
  const top = [...byTitle.values()].sort((a, b) => b.score - a.score).slice(0, 8);
  if (top.length === 0) return undefined;
  // A title of another kind keeps only its share of the probability too, and what it gives up goes to "none of
  // these" (the answer is no linked title): renormalised away, a lone actor's name was certain of being the series.
  const probs = softmax(top.map((c) => c.score), 0.1).map((p, i) => p * (top[i]?.share ?? 1));
  const candidates: Candidate[] = top.map((c, i) => ({ text: c.text, prob: Number((probs[i] ?? 0).toFixed(6)), citations: [...c.citations].sort((a, b) => a - b) }));
  return withNoneOfThese(candidates, probs);
}

/**
 * Whether the terms, joined by spaces, contain the question's terms joined so: the same test as `includes` on the
 * joined strings (the first asked term may end a longer term, the last begin one), without building them.
 */
function echoes(terms: readonly string[], asked: readonly string[]): boolean {
  const m = asked.length;
  const first = asked[0] as string;
  const last = asked[m - 1] as string;
  for (let i = 0; i + m <= terms.length; i++) {
    if (!(terms[i] as string).endsWith(first) || !(terms[i + m - 1] as string).startsWith(last)) continue;
    let inner = true;
    for (let j = 1; j < m - 1 && inner; j++) inner = terms[i + j] === asked[j];
    if (inner) return true;
  }
  return false;
}

/** The weight of the question's terms in a sentence's lead (its first terms, or a table row's first cell). */
function leadHeld(sentence: AnalysedSentence, termIndex: ReadonlyMap<string, number>, weights: readonly number[]): number {
  const seen = new Set<number>();
  let held = 0;
  for (let k = 0; k < sentence.lead; k++) {
    const i = termIndex.get(sentence.terms[k] as string);
    if (i === undefined || seen.has(i)) continue;
    seen.add(i);
    held += weights[i] ?? 0;
  }
  return held;
}

/** Which of the question's terms (by index) a sentence holds, how many, and how many of its terms are not asked. */
interface TermsHeld {
  has: Uint8Array;
  matched: number;
  novel: number;
}

function termsHeld(terms: readonly string[], termIndex: ReadonlyMap<string, number>, asked: number): TermsHeld {
  const has = new Uint8Array(asked);
  let matched = 0;
  let novel = 0;
  for (const t of terms) {
    const i = termIndex.get(t);
    if (i === undefined) novel++;
    else if (has[i] === 0) {
      has[i] = 1;
      matched++;
    }
  }
  return { has, matched, novel };
}

/**
 * Terms (stop words aside) within which a sentence's matches of the question count as one mention, about a clause:
 * beyond it a long sentence's scattered matches outranked the clause that answers.
 */
const NEAR_TERMS = 8;
/** The terms that open a prose sentence, where its subject (what it is about) usually stands. */
const LEAD_TERMS = 6;
/**
 * How much of the coverage weight goes to the question's terms in a sentence's lead: "server.requestTimeoutMs | 30000"
 * is about the request timeout, "a request whose body ... twice server.requestTimeoutMs" about something else.
 */
const LEAD_WEIGHT = 0.1;

/** Proximity in words at which a span's closeness to the question's terms halves its score. */
const NEAR_WORDS = 4;
/** How much more the object of the question's verb counts than a span that only fits the answer's kind. */
const OBJECT_WEIGHT = 2;
/** Words between the question's verb and a span that follows it ("opens at 5 am", "was born in the city of ..."). */
const AFTER_VERB_WORDS = 2;

/**
 * A sentence with what scoring it needs that does not depend on the question, computed once per passage. Kept
 * lean: it is held for every chunk recently read (lower-cased copies and term sets here cost several times the
 * text on the heap).
 */
interface AnalysedSentence {
  text: string;
  terms: string[];
  penalty: number;
  /** How many of `terms` open it, where its subject stands: a table row's first cell, else the first LEAD_TERMS. */
  lead: number;
  /** It is a question (an FAQ's heading), or code that quotes one (a request in an example): a question is no answer. */
  asks: boolean;
  /**
   * What the line stands under beyond the passage's own headings: a table row's header row ("setting | default |
   * meaning", which says what the row holds), and a heading line within the text ("## Wars > North").
   */
  context?: ReadonlySet<string>;
  /** A table's header row or a heading line: context for what follows, never an answer itself. */
  label?: boolean;
  /** A line of its own that reads as a command or setting, not prose: "npm test # unit and integration tests". */
  command?: boolean;
}

/**
 * The reader's distribution when the evidence covers only `support` of the question: the rest of the mass goes to
 * "none of these", an outcome of the entropy too, so an answer from evidence that misses the question's key term
 * is neither confident nor, when nothing else is found, certain.
 */
function withSupport(read: ReaderResult, support: number): ReaderResult {
  if (support >= 1 || read.candidates.length === 0) return read;
  const candidates = read.candidates.map((c) => ({ ...c, prob: Number((c.prob * support).toFixed(6)) }));
  // What the reader already left to "none of these" (linked titles of another kind) stays there.
  const none = 1 - support * (1 - (read.unsupported ?? 0));
  const outcomes = [...candidates.map((c) => c.prob), none];
  return { ...read, candidates, entropy: entropy(outcomes), normalizedEntropy: normalizedEntropy(outcomes), unsupported: Number(none.toFixed(6)) };
}

/**
 * What a definitional question's answer earns: every sentence naming the subject covers the question alike, so
 * without it the shortest such sentence won ("what is the ensemble?" was answered with one on its cost).
 */
const DEFINITION_BONUS = 0.15;

function analysedSentences(text: string): AnalysedSentence[] {
  const out: AnalysedSentence[] = [];
  // A table row means what its header says: in "server.port | 3000 | where to listen" under "setting | default |
  // meaning", 3000 is the default. Rows are a run of lines with column separators; the run's first is the header.
  // A heading line inside the text (a refined section's "## Wars > North", a comment above a command) heads what
  // follows it in the same way. Neither is an answer.
  const lines = text.split(/\n+/);
  const rows = lines.map((line) => TABLE_ROW.test(line));
  let header: ReadonlySet<string> | undefined;
  let heading: ReadonlySet<string> | undefined;
  lines.forEach((line, i) => {
    const row = rows[i] === true;
    const headingLine = HEADING_LINE.test(line);
    const headerRow = row && rows[i - 1] !== true && rows[i + 1] === true;
    if (headingLine) heading = termSet(line);
    if (!row) header = undefined;
    else if (headerRow) header = termSet(line);
    const under = [...(heading && !headingLine ? heading : []), ...(row && !headerRow && header ? header : [])];
    const context = under.length > 0 ? new Set(under) : undefined;
    const sentences = sentencesOf(line);
    const command = !row && !headingLine && sentences.length === 1 && COMMAND_LINE.test(line.trim());
    for (const sentence of sentences) {
      // A table's column separators are its layout, not code.
      const penalty = codePenalty(row ? sentence.replace(/\s\|\s/g, ' ') : sentence);
      // In prose a quoted question is usually a title ("Who Framed Roger Rabbit?" was released in 1988), an answer;
      // in code (marks such as braces) it is a request.
      const asks = /[?？]\s*$/u.test(sentence) || (/[{}[\]<>=;|#`\\$]/u.test(sentence) && /\?\s*["'”’)\]}]/u.test(sentence));
      const terms = analyze(sentence);
      const cell = row && TABLE_ROW.test(sentence) ? sentence.split(CELL_SEPARATOR)[0] : undefined;
      const lead = cell !== undefined ? analyze(cell).length : Math.min(terms.length, LEAD_TERMS);
      out.push({
        text: sentence,
        terms,
        lead,
        penalty,
        asks,
        ...(context ? { context } : {}),
        ...(headingLine || headerRow ? { label: true } : {}),
        ...(command ? { command: true } : {}),
      });
    }
  });
  return out;
}

/** Between a table row's cells. */
const CELL_SEPARATOR = /\s\|(?:\s|$)/;

/**
 * A command or setting on a line of its own: it opens with a lower-case name (a program, a setting) and does not end
 * as a sentence does.
 */
const COMMAND_LINE = /^[a-z][\w.-]*(?:\s|:|$)(?:.*[^.!?:;,])?$/u;

/** A Markdown heading line: "## Wars > North". */
const HEADING_LINE = /^#{1,6}\s+\S/;
