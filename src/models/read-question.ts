import { LRUCache } from 'lru-cache';
import { analyze, stem } from '../core/analyzer.js';
import { withoutQuestionFrame } from '../query/question-frame.js';
import { functionTermsOf } from './question-language.js';
import { questionOptions, type QuestionOptions } from './question-options.js';
import { definitionPattern } from './definition-pattern.js';
import { answerTypeOf, askedKind, type AnswerType } from './question-type.js';
import { questionAcronyms } from './question-acronyms.js';
import { questionVerbs, type QuestionVerbs } from './question-verbs.js';
import { QueryDecomposer } from '../query/query-decomposer.js';

/**
 * The scaffolding of a question ("how do I", "what is"): it says what is asked, not what the answer holds. With the
 * Chinese, Japanese and Korean question words and endings, as the analyser's bigrams ("무엇입니까" asks "what is";
 * "ですか", "是多少"): counted as words the answer lacks, they sent a found answer to "none of these".
 */
const QUESTION_WORDS = new Set([
  ...'how what which who whom whose when where why do does did i you we can could should would may might must my me our your is are was were been has have had get'
    .split(' ')
    .map((w) => stem(w)),
  ...analyze('什么 多少 哪里 哪个 哪些 怎么 怎样 为什么 是否 吗 呢 なに どこ いつ だれ なぜ どれ どのくらい ですか ますか 무엇 뭐 얼마 어디 언제 누구 어떻게 입니까 습니까 인가요 나요 예요 에요'),
]);

/** What the extractive readers need of a question whatever the passages. */
export interface ReadQuestion {
  /** The options it names, when the answer is one of them (or yes/no). */
  form: QuestionOptions | undefined;
  /** Its index terms, in order. */
  asked: readonly string[];
  /** Its terms, and the acronyms its names make ("DCEU" of "DC Extended Universe"): what an answer must not only repeat. */
  askedSet: ReadonlySet<string>;
  /** The terms an answer's text is matched by: its content terms (none for a question of question words alone). */
  queryTerms: ReadonlySet<string>;
  /**
   * Its terms are all content terms ("refunds", "battery life", 充电时间): no question word ("what", "how do I") makes a
   * sentence that holds them in order a quotation of it; such sentences answer it.
   */
  phraseOnly: boolean;
  type: AnswerType;
  /** The kind of thing a "what/which X" question asks for (X's stem). */
  kind: string | undefined;
  /** For a definitional question ("what is the ensemble?"), a sentence that defines its subject: "The ensemble is ...". */
  defines: RegExp | undefined;
  /**
   * Terms that say what kind of answer is asked for rather than what it is about ("long" in "how long do refunds
   * take?"): the answer ("five days") rarely holds them, so the evidence is not short of support without them.
   */
  frameTerms: ReadonlySet<string>;
  /**
   * The function words of a question in another language than English ("wer", "hat", "den"), which the analyser
   * (English's stop words only) keeps as terms: the evidence is not short of support without them either.
   */
  functionTerms: ReadonlySet<string>;
  /**
   * The verb (its term) the question closes with, in "what/when/where do/does/did <subject> <verb>?": for "what", the
   * answer is its object, the words after it ("what do zebra stripes deter?": "... deter biting flies"); for "when" and
   * "where", a date or place just after it ("when does the bakery open?": "... opens at 5 am").
   */
  verb: { term: string; asks: 'object' | 'after' } | undefined;
  /** Its verbs (`questionVerbs`): they weigh no more than its other content terms. */
  verbs: QuestionVerbs;
  /**
   * Its intents, when it asks several things ("what is PPTP and why should I avoid it?"), as the planner splits them;
   * `[query]` when it asks one.
   */
  intents: readonly string[];
}

/** Recent questions analysed (a pure function of the text, like the analyser's stems). */
const analysed = new LRUCache<string, ReadQuestion>({ max: 2000 });

/**
 * The question analysed once: every read of it (each member and round of an ensemble reads it over other passages)
 * would otherwise parse it again.
 */
export function readQuestion(query: string): ReadQuestion {
  let question = analysed.get(query);
  if (question === undefined) {
    question = analyseQuestion(query);
    analysed.set(query, question);
  }
  return question;
}

/** The intents a question is read by: as many as the planner's default splits it into, at most three answered in one. */
const INTENTS = new QueryDecomposer({ maxSubQueries: 3 });

function analyseQuestion(query: string): ReadQuestion {
  const asked = analyze(query);
  // Matched without a how-to frame, as retrieval does: the closing "work" of "how does X work?" asks, it is not X.
  const unframed = withoutQuestionFrame(query);
  const meaning = meaningTerms(query);
  const content = (unframed === query ? asked : analyze(unframed)).filter((t) => !QUESTION_WORDS.has(t) && !meaning.has(t));
  // A question of question words alone ("how do I", "what is it", "who are you") names nothing to look for: matched
  // by those words, it was answered at confidence 0.4 by any sentence holding "how" and "I". It gets no candidates.
  const queryTerms = new Set(content);
  return {
    form: questionOptions(query),
    asked,
    askedSet: new Set([...asked, ...questionAcronyms(query)]),
    queryTerms,
    phraseOnly: asked.every((t) => queryTerms.has(t)),
    type: answerTypeOf(query),
    kind: askedKind(query),
    defines: definitionPattern(query, true),
    frameTerms: new Set([...query.matchAll(HOW_MUCH)].flatMap((m) => analyze(m[1] ?? ''))),
    functionTerms: functionTermsOf(query),
    verb: verbAsked(query),
    verbs: questionVerbs(query),
    intents: INTENTS.decompose(query),
  };
}

/**
 * "What does X mean?", "what is meant by X?", "what does X stand for?": the verb asks for X's meaning, which the answer
 * gives without saying "means" ("normalizedEntropy divides ... (0 = certain)"); matched as a term it found sentences that
 * use the word in passing ("mean what they mean for the other kinds", a table's "meaning" column).
 */
const MEANING_FRAME = /^\s*what\s+(?:(?:does|do|did)\s+.+?\s+(?<verb>mean|stand\s+for)\b|(?:is|are|was|were)\s+(?<meant>meant)\s+by\b)/i;

function meaningTerms(query: string): ReadonlySet<string> {
  const m = MEANING_FRAME.exec(query)?.groups;
  return new Set(analyze(m?.['verb'] ?? m?.['meant'] ?? ''));
}

/** Function words that cannot precede a closing verb: "have in common" ends with a noun, not a verb. */
const BEFORE_VERB_NOT = new Set('in of to on at by for from with into about as than and or the a an'.split(' '));

/**
 * "What/when/where do/does/did <subject> <verb>?" (no kind named after "what", no clause after the verb): the verb's
 * term. Without a parser the last word is taken for the verb only in that form; "what do they have in common?" has
 * none.
 */
function verbAsked(query: string): ReadQuestion['verb'] {
  const m = /^\s*(what|when|where)\s+(?:do|does|did)\s+([^,;:?]+?)\s+([\p{L}-]+)\s*\?*\s*$/iu.exec(query);
  const subject = m?.[2]?.split(/\s+/) ?? [];
  if (!m || subject.length > 6 || BEFORE_VERB_NOT.has((subject.at(-1) ?? '').toLowerCase())) return undefined;
  const term = analyze(m[3] ?? '')[0];
  return term === undefined ? undefined : { term, asks: m[1]?.toLowerCase() === 'what' ? 'object' : 'after' };
}

/** "How long", "how many", "how old"...: the word after "how" asks for a measure. */
const HOW_MUCH =
  /\bhow\s+(long|many|much|old|tall|far|big|large|small|high|low|deep|wide|thick|often|soon|fast|slow|heavy|late|early|hot|cold|warm|loud|bright|expensive|cheap|strong|close|near)\b/gi;
