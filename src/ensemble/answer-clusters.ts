import { answerTokens, normalizeAnswer, tokenF1, tokensF1 } from '../core/answer-text.js';
import type { Candidate, ReaderResult } from '../core/types.js';
import { entropy, normalizedEntropy } from '../models/entropy.js';

/** One voter's distribution over answers: an ensemble member, or a branch of a branching pipeline. */
export interface Voter {
  name: string;
  weight: number;
  candidates: readonly Candidate[];
  /** The voter's probability of "none of these": its passages miss part of the question (the extractive readers). */
  unsupported?: number;
}

/** Answers that mean the same, with the weighted probability mass the voters gave them. */
export interface AnswerCluster {
  /** The member text with the most mass: the cluster's answer. */
  answer: string;
  /** Share of all the voters' weighted mass (the clusters' scores sum to 1). */
  prob: number;
  /** Voters that gave it mass, most first. */
  members: string[];
  /** Passage citations per voter, of the text chosen as the answer. */
  citations: Record<string, number[]>;
}

export interface Vote {
  clusters: AnswerCluster[];
  /** Normalised entropy of the cluster distribution ("none of these" among its outcomes): the combined uncertainty. */
  normalizedEntropy: number;
  /** The share of the weighted mass the voters left to "none of these"; absent when none of them left any. */
  unsupported?: number;
}

/**
 * Two answers are the same when their normalised text is, or their token F1 is at least this and they write the same
 * numbers ("1,000" and "1,000,000" have token F1 0.8: "1 000" and "1 000 000").
 */
export const SAME_ANSWER_F1 = 0.8;

/** Whether two answers fall in one cluster by that rule. */
export function sameAnswer(a: string, b: string): boolean {
  const [x, y] = [normalizeAnswer(a), normalizeAnswer(b)];
  return x.length > 0 && (x === y || (tokenF1(x, y) >= SAME_ANSWER_F1 && sameNumbers(numbersOf(a), numbersOf(b))));
}

/** What the clustering rules read of an answer's text. */
interface Mention {
  tokens: string[];
  /** The word its noun phrase ends on (see `headOf`). */
  head: string;
  /** The numbers it writes, whole ("2.5", "1,000", "7:30"), which its tokens split (see `numbersOf`). */
  numbers: string[];
  /** It joins several ("Will Smith and Jada Smith", "Pasek & Paul", "1980-1990"): never a longer mention. */
  joins: boolean;
}

function mentionOf(text: string, tokens: string[]): Mention {
  return { tokens, head: headOf(text, tokens), numbers: numbersOf(text), joins: tokens.includes('and') || tokens.includes('or') || JOINED.test(text) };
}

/**
 * Whether two answers count as one in a vote: the same answer (`sameAnswer`), or one a shorter mention of the other
 * ("Jackson" and "Reggie Jackson"; see `joinShorterMentions`).
 */
export function sameOrMention(a: string, b: string): boolean {
  if (sameAnswer(a, b)) return true;
  const [x, y] = [mentionOf(a, answerTokens(a)), mentionOf(b, answerTokens(b))];
  return x.tokens.length > 0 && y.tokens.length > 0 && (moreSpecific(x, y) || moreSpecific(y, x));
}

/** A cluster as the vote builds it: the mention of its first answer, and the mass its answers gather. */
interface Building extends Mention {
  key: string;
  mass: number;
  texts: Map<string, { text: string; mass: number }>;
  byVoter: Map<string, number>;
  citations: Record<string, number[]>;
}

/**
 * Clusters every voter's candidates (same normalised text, or token F1 >= 0.8 with the cluster's first answer and
 * the same numbers; a shorter mention of a longer answer joins it, see `joinShorterMentions`) and scores each cluster
 * by the weighted sum of its members' probabilities, sum_i w_i * p_i(cluster), renormalised over the clusters (an
 * LLM's one candidate need not carry all its mass). What the voters left to "none of these"
 * (their weighted mean) then takes its share: members that agree on an answer their passages barely support do not
 * make it certain. It never changes which cluster wins.
 */
export function vote(voters: readonly Voter[]): Vote {
  const clusters: Building[] = [];
  const byKey = new Map<string, Building>();
  // Members mostly propose the same texts: each is normalised once per vote.
  const keys = new Map<string, string>();
  for (const voter of voters) {
    for (const c of voter.candidates) {
      let key = keys.get(c.text);
      if (key === undefined) keys.set(c.text, (key = normalizeAnswer(c.text)));
      if (key.length === 0) continue;
      const mass = voter.weight * c.prob;
      const tokens = key.split(' ');
      let cluster = byKey.get(key);
      if (!cluster) {
        const mention = mentionOf(c.text, tokens);
        cluster = clusters.find((k) => tokensF1(k.tokens, tokens) >= SAME_ANSWER_F1 && sameNumbers(k.numbers, mention.numbers));
        if (!cluster) {
          cluster = { key, ...mention, mass: 0, texts: new Map(), byVoter: new Map(), citations: {} };
          clusters.push(cluster);
        }
        // Clusters are only appended, so the first one close enough stays the first: remember it for this text.
        byKey.set(key, cluster);
      }
      cluster.mass += mass;
      const text = cluster.texts.get(key) ?? { text: c.text, mass: 0 };
      text.mass += mass;
      cluster.texts.set(key, text);
      cluster.byVoter.set(voter.name, (cluster.byVoter.get(voter.name) ?? 0) + mass);
      cluster.citations[voter.name] ??= c.citations;
    }
  }
  joinShorterMentions(clusters);
  const total = clusters.reduce((s, c) => s + c.mass, 0);
  const allWeight = voters.reduce((s, v) => s + v.weight, 0);
  const none = allWeight > 0 ? voters.reduce((s, v) => s + (v.unsupported !== undefined && v.unsupported > 0 ? v.weight * v.unsupported : 0), 0) / allWeight : 0;
  const scored: AnswerCluster[] = clusters
    .map((c) => ({
      answer: [...c.texts.values()].sort((a, b) => b.mass - a.mass)[0]?.text ?? c.key,
      prob: total > 0 ? ((1 - none) * c.mass) / total : 0,
      members: [...c.byVoter].sort((a, b) => b[1] - a[1]).map(([name]) => name),
      citations: c.citations,
    }))
    .sort((a, b) => b.prob - a.prob);
  if (none <= 0 || total <= 0) return { clusters: scored, normalizedEntropy: normalizedEntropy(scored.map((c) => c.prob)) };
  return { clusters: scored, normalizedEntropy: normalizedEntropy([...scored.map((c) => c.prob), none]), unsupported: none };
}

/**
 * The word an answer's noun phrase ends on, which names what it is ("Jackson" of "Reggie Jackson", "2000" of
 * "February 2000"): its last word, or the last before a comma that qualifies it ("Bangor" of "Bangor, Maine"), unless
 * what follows the comma is a number (the year of "May 1, 1989").
 */
function headOf(text: string, tokens: readonly string[]): string {
  const comma = text.indexOf(',');
  if (comma > 0 && !/^\s*\d/.test(text.slice(comma + 1))) {
    const before = answerTokens(text.slice(0, comma));
    if (before.length > 0) return before[before.length - 1] as string;
  }
  return tokens[tokens.length - 1] ?? '';
}

/**
 * The numbers a text writes, each whole with the separators inside it: normalisation splits "2.5" into "2 5", "7:30"
 * into "7 30", "1,000" into "1 000", so "5" would seem to be a word of "2.5". Commas that end a number ("May 1, 1989")
 * are not inside it.
 */
function numbersOf(text: string): string[] {
  // A thousands separator is not part of the number's value: "1,000" is "1000".
  return (text.match(/\d+(?:[.,:]\d+)*/g) ?? []).map((n) => n.replace(/,(?=\d{3}(?!\d))/g, ''));
}

/** The same numbers, in any order ("May 1, 1989" and "1 May 1989"). */
function sameNumbers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join(' ') === [...b].sort().join(' ');
}

/** An ampersand, or a dash between numbers (a range): the answer joins several. */
const JOINED = /&|\d\s*[-\u2013\u2014]\s*\d/;

/**
 * Whether `longer` names what `shorter` does, more specifically: it holds all its words and ends on the same head,
 * every number of the shorter is a whole number of the longer ("2000" of "February 2000", not "5" of "2.5" or "30"
 * of "7:30"), and it names one thing, not several ("Smith" is not "Will Smith and Jada Smith", "1990" not
 * "1980-1990").
 */
function moreSpecific(longer: Mention, shorter: Mention): boolean {
  return (
    !longer.joins &&
    longer.tokens.length > shorter.tokens.length &&
    longer.head === shorter.head &&
    shorter.tokens.every((t) => longer.tokens.includes(t)) &&
    shorter.numbers.every((n) => longer.numbers.includes(n))
  );
}

/**
 * A shorter mention of a longer answer ("Jackson" beside "Reggie Jackson", "2000" beside "February 2000") is the same
 * answer said less specifically, yet token F1 keeps them apart (0.67), so members that name one thing at two lengths
 * split their mass and a third answer can win on less. It joins the longer cluster, whose answer stays the text with
 * the most mass. Only where every longer answer it fits is one thing at several lengths, each holding the one before:
 * "Paul" beside both "Justin Paul" and "Les Paul" could be either, and stays apart.
 */
function joinShorterMentions(clusters: Building[]): void {
  const byLength = [...clusters].sort((a, b) => a.tokens.length - b.tokens.length);
  const joined = new Set<Building>();
  for (const shorter of byLength) {
    const longer = byLength.filter((c) => !joined.has(c) && moreSpecific(c, shorter));
    const into = longer[0];
    if (into === undefined || !longer.every((c, i) => i === 0 || moreSpecific(c, longer[i - 1] as Building))) continue;
    into.mass += shorter.mass;
    for (const [key, t] of shorter.texts) {
      const held = into.texts.get(key);
      if (held) held.mass += t.mass;
      else into.texts.set(key, { ...t });
    }
    for (const [voter, mass] of shorter.byVoter) into.byVoter.set(voter, (into.byVoter.get(voter) ?? 0) + mass);
    for (const [voter, cited] of Object.entries(shorter.citations)) into.citations[voter] ??= cited;
    joined.add(shorter);
  }
  if (joined.size > 0) clusters.splice(0, clusters.length, ...clusters.filter((c) => !joined.has(c)));
}

/**
 * A vote as one reader's result: the best clusters as candidates, each cited as the voter that gave it the most
 * mass cited it, and the entropy of the cluster distribution.
 */
export function voteAsReaderResult(v: Vote, maxCandidates = 8): ReaderResult {
  const probs = v.clusters.map((c) => c.prob);
  const result: ReaderResult = {
    candidates: v.clusters.slice(0, maxCandidates).map((c) => ({ text: c.answer, prob: Number(c.prob.toFixed(6)), citations: c.citations[c.members[0] ?? ''] ?? [] })),
    entropy: entropy(v.unsupported === undefined ? probs : [...probs, v.unsupported]),
    normalizedEntropy: v.normalizedEntropy,
  };
  if (v.unsupported !== undefined) result.unsupported = Number(v.unsupported.toFixed(6));
  return result;
}
