/**
 * Questions whose answer is one of a few things the question itself names: a choice between options ("Who was
 * born first, Emma Bull or Virginia Woolf?") or yes/no about named subjects ("Are Ferocactus and Silene both
 * types of plant?"). The answer space is known, so the reader weighs evidence for each option instead of
 * looking for a span.
 */
export interface QuestionOptions {
  /** `shared`: what two named subjects have in common ("What profession do A and B share?"). */
  kind: 'choice' | 'yesno' | 'shared';
  /** The options to choose from (choice), or the subjects the question is asked about (yes/no). */
  options: string[];
  /** The question without its options: what is asked of each. */
  predicate: string;
  /** A choice by a measured quantity: the option with the least (earliest) or greatest (latest) value wins. */
  comparative?: { measure: 'date' | 'number'; pick: 'min' | 'max' };
  /** Yes/no about whether the subjects share an attribute ("the same nationality"). */
  same?: boolean;
}

const AUXILIARY = /^(?:is|are|was|were|do|does|did|can|could|has|have|had|will|would)\b/i;
/** Connectors that may join capitalised words inside one name ("Letters to Cleo", "Craig v. Boren"). */
const NAME_JOINERS = new Set(['of', 'the', 'to', 'de', 'del', 'la', 'le', 'van', 'von', 'der', 'da', 'di', 'du', 'and', '&', 'v.', 'vs.', 'y', 'for']);

const EARLY = /\b(earlier|earliest|first|older|oldest|before|sooner|preceded)\b/i;
const LATE = /\b(later|latest|last|younger|youngest|more recent(?:ly)?|most recent(?:ly)?|newer|newest)\b/i;
const MORE = /\b(more|most|larger|largest|bigger|biggest|higher|highest|greater|greatest|longer|longest|taller|tallest|further|farther|heavier|wider|deeper)\b/i;
const LESS = /\b(fewer|fewest|less|least|smaller|smallest|lower|lowest|shorter|shortest|lighter|narrower)\b/i;
/** Comparisons by time: "born first", "released earlier", "founded later". */
const TIMED = /\b(born|died|founded|formed|established|released|published|built|opened|came out|started|began|created|fought|written|launched|premiered|aired|debuted|first|earlier|later|older|younger|oldest|youngest)\b/i;

/** The question's options or yes/no subjects, or undefined when it is neither form. */
export function questionOptions(question: string): QuestionOptions | undefined {
  const q = question.replace(/\s+/g, ' ').trim().replace(/\s*\?+\s*$/, '');
  const choice = choiceOptions(q);
  if (choice) return choice;
  if (AUXILIARY.test(q)) return yesNoSubjects(q);
  return sharedSubjects(q);
}

const SHARED = /\b(both|in common|share|shares|shared|common to)\b/i;

/** "What profession does H. L. Mencken and Albert Camus have in common?": the two subjects and what is asked. */
function sharedSubjects(q: string): QuestionOptions | undefined {
  if (!SHARED.test(q) || !/\b(what|which|who)\b/i.test(q)) return undefined;
  const and = /\s+and\s+/i.exec(q);
  if (!and) return undefined;
  const before = q.slice(0, and.index).replace(/["”]$/, '');
  const after = q.slice(and.index + and[0].length).replace(/^(?:the\s+)?["“]?/i, '');
  const first = quotedTail(q.slice(0, and.index)) ?? trailingName(before);
  const second = quotedHead(q.slice(and.index + and[0].length)) ?? leadingName(after);
  if (!first || !second) return undefined;
  const subjects = [first, second].map(cleanOption);
  if (subjects.some((s) => s.length === 0 || s.split(' ').length > 10)) return undefined;
  const predicate = q.replace(first, ' ').replace(second, ' ').replace(/\s+/g, ' ').trim();
  return { kind: 'shared', options: subjects, predicate };
}

function quotedTail(text: string): string | undefined {
  return /["“]([^"”]{1,80})["”]\s*$/.exec(text.trimEnd())?.[1];
}

function quotedHead(text: string): string | undefined {
  return /^\s*(?:the\s+)?["“]([^"”]{1,80})["”]/i.exec(text)?.[1];
}

function choiceOptions(q: string): QuestionOptions | undefined {
  const at = q.toLowerCase().lastIndexOf(' or ');
  if (at < 0) return undefined;
  const before = q.slice(0, at);
  const after = q.slice(at + 4);
  // Options set off by a comma or colon ("Which band, Letters to Cleo or ...", "higher: Distaghil Sar or ...").
  // The earliest such mark wins, so a title with a colon stays whole ("Oscar nominated, LaLee's Kin: The Legacy of Cotton").
  const comma = [before.lastIndexOf(','), before.lastIndexOf(':')]
    .filter((at) => at >= 0 && before.length - at <= 80 && looksLikeName(before.slice(at + 1)))
    .sort((a, b) => a - b)[0] ?? -1;
  const setOff = comma >= 0;
  let left: string;
  let head: string;
  const quoted = quotedTail(before);
  if (quoted !== undefined) {
    left = quoted;
    head = before.slice(0, before.lastIndexOf(quoted)).replace(/[\s,:"“]+$/, '');
  } else if (setOff) {
    left = before.slice(comma + 1);
    head = before.slice(0, comma);
  } else {
    left = trailingName(before) ?? lastWord(before);
    head = before.slice(0, before.length - left.length);
  }
  // The right option runs to the end, or to a comma that opens a clause ("..., had more members").
  let right = after;
  let tail = '';
  const clause = /,\s*(?=\p{Ll})/u.exec(after);
  if (clause) {
    right = after.slice(0, clause.index);
    tail = after.slice(clause.index + clause[0].length);
  } else if (!setOff) {
    const name = /^\p{Ll}/u.test(left) ? undefined : leadingName(after);
    if (name && name.length < after.length) {
      right = name;
      tail = after.slice(name.length);
    } else if (!name) {
      right = firstWord(after);
      tail = after.slice(right.length);
    }
  }
  const options = [left, right].map(cleanOption);
  if (options.some((o) => o.length === 0 || o.split(' ').length > 12)) return undefined;
  const predicate = `${head} ${tail}`.replace(/\s+/g, ' ').trim();
  const form: QuestionOptions = { kind: 'choice', options, predicate };
  const comparative = comparativeOf(predicate);
  if (comparative) form.comparative = comparative;
  return form;
}

function comparativeOf(predicate: string): QuestionOptions['comparative'] {
  if (EARLY.test(predicate) && TIMED.test(predicate)) return { measure: 'date', pick: 'min' };
  if (LATE.test(predicate) && TIMED.test(predicate)) return { measure: 'date', pick: 'max' };
  if (MORE.test(predicate)) return { measure: 'number', pick: 'max' };
  if (LESS.test(predicate)) return { measure: 'number', pick: 'min' };
  return undefined;
}

/** "Are X and Y both ...", "Were X and Y of the same ...", "Is X a ...": the subjects and what is asked of them. */
function yesNoSubjects(q: string): QuestionOptions | undefined {
  const body = q.replace(AUXILIARY, '').trim().replace(/^both\s+/i, '');
  const and = /\s+and\s+/i.exec(body);
  let subjects: string[];
  let predicate: string;
  if (and) {
    const firstPart = body.slice(0, and.index).replace(/^the\s+/i, '');
    // "the drinks Gibson and ...": the name is the capitalised run; "Karjiang a mountain and ...": it opens the part.
    const first = (/\p{Lu}\S*$/u.test(firstPart) ? trailingName(firstPart) : leadingName(firstPart)) ?? firstPart;
    const rest = body.slice(and.index + and[0].length);
    const second = leadingName(rest.replace(/^the\s+/i, '')) ?? rest.split(/\s+(?:both|of the same|the same|are|were|is|was)\b/i)[0] ?? '';
    subjects = [first, second];
    predicate = rest.slice(rest.indexOf(second) + second.length);
  } else {
    const subject = leadingName(body.replace(/^(?:the|a|an)\s+/i, ''));
    if (!subject) return undefined;
    subjects = [subject];
    predicate = body.slice(body.indexOf(subject) + subject.length);
  }
  subjects = subjects.map(cleanOption);
  if (subjects.some((s) => s.length === 0 || s.split(' ').length > 10)) return undefined;
  predicate = predicate.replace(/^\s*both\b/i, '').replace(/\s+/g, ' ').trim();
  return { kind: 'yesno', options: subjects, predicate, same: /\b(same|similar|common)\b/i.test(predicate) || /\bboth\b.*\bsame\b/i.test(q) };
}

/** Capitalised words, numbers and joiners only: a name or title, not a clause. */
function looksLikeName(text: string): boolean {
  const words = cleanOption(text).split(' ').filter((w) => w.length > 0);
  return words.length > 0 && isNameWord(words[0] ?? '') && words.every((w) => isNameWord(w) || NAME_JOINERS.has(w.toLowerCase()) || /^[^\p{L}]*$/u.test(w));
}

function cleanOption(text: string): string {
  return text
    .replace(/^[\s,:;]+|[\s,:;.]+$/g, '')
    .replace(/^(?:both\s+)?(?:(?:the|a|an)\s+)?/i, '')
    .replace(/^["“'‘]+|["”'’]+$/g, '')
    .trim();
}

function isNameWord(word: string): boolean {
  return /^[\p{Lu}\p{N}"“]/u.test(word);
}

/** The run of capitalised words (with joiners) that ends the text. */
function trailingName(text: string): string | undefined {
  const words = text.trimEnd().split(' ');
  let start = words.length;
  while (start > 0) {
    const w = words[start - 1] ?? '';
    if (isNameWord(w)) start--;
    else if (NAME_JOINERS.has(w.toLowerCase()) && start < words.length && start > 1 && isNameWord(words[start - 2] ?? '')) start--;
    else break;
  }
  if (start === words.length) return undefined;
  return words.slice(start).join(' ');
}

/** The run of capitalised words (with joiners) that opens the text. */
function leadingName(text: string): string | undefined {
  const words = text.trimStart().split(' ');
  let end = 0;
  while (end < words.length) {
    const w = words[end] ?? '';
    if (isNameWord(w)) end++;
    else if (NAME_JOINERS.has(w.toLowerCase()) && end > 0 && (isNameWord(words[end + 1] ?? '') || (NAME_JOINERS.has((words[end + 1] ?? '').toLowerCase()) && isNameWord(words[end + 2] ?? '')))) end++;
    else break;
  }
  if (end === 0) return undefined;
  return words.slice(0, end).join(' ').replace(/[,;:]+$/, '');
}

function lastWord(text: string): string {
  return text.trimEnd().split(' ').pop() ?? '';
}

function firstWord(text: string): string {
  return text.trimStart().split(' ')[0] ?? '';
}
