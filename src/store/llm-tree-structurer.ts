import { mapConcurrent } from '../core/map-concurrent.js';
import type { RunContext } from '../core/run-context.js';
import { standInForAny } from '../core/stand-in.js';
import type { Degradation, StructureNode } from '../core/types.js';
import type { ChatResult } from '../models/chat-types.js';
import type { ChatFn } from '../refiner/llm-query-analyzer.js';
import { AnchorIndex } from './anchor-index.js';
import { sourceItems, structureWindows, type SourceItem, type StructureWindow } from './structure-windows.js';
import type { StructuredBy } from './structure-report.js';
import { parseTreeReply } from './tree-format.js';
import { restoreTree, type RestoreStats, type WindowReply } from './tree-restore.js';

export interface LlmTreeStructurerOptions {
  /** Characters of the document shown to the model in one call; a longer document is structured in windows. */
  windowChars: number;
  /** A document needing more windows than this keeps its rule-based structure. */
  maxWindows: number;
  /** Calls in flight at once for one batch. */
  concurrency: number;
  /** Most tokens of one reply. */
  maxTokens: number;
  /** Least share of the reply's abbreviated paragraphs that must be found in the text (default 0.5). */
  minMatched?: number;
}

/** A document to structure: its id and title, and its rule-based tree without made-up sections (what the model reads). */
export interface StructureTask {
  id: string;
  title: string;
  source: StructureNode;
}

/** The LLM's tree, or the rules' (with why, as the stored document records it: `StructuredBy`). */
export type StructureOutcome = { by: 'llm'; tree: StructureNode; stats: RestoreStats; windows: number } | Extract<StructuredBy, { by: 'rules' }>;

const SYSTEM_PROMPT = [
  "You organise a document into a tree: an abstract, sections and sub-sections, in the document's order.",
  'Write the tree and nothing else, exactly in this form:',
  '<abstract>',
  'first words...last words',
  '</abstract>',
  '<section: Section title>',
  'first words...last words',
  '<sub-section: Sub-section title>',
  'first words...last words',
  '</sub-section: Sub-section title>',
  '</section: Section title>',
  'Rules:',
  '- Every paragraph of the document appears once, in order, on a line of its own, abbreviated to its first four words and its last four words joined by "...", copied exactly from the text.',
  '- The abstract holds the opening paragraphs that introduce the whole document; leave it out if there are none.',
  '- A section groups consecutive paragraphs on one topic; a sub-section is part of a section. Use the document\'s own headings as titles where it has them, otherwise a short title of your own.',
  '- Do not rephrase, summarise, merge or skip paragraphs.',
].join('\n');

/** A text of a sentence or two has no parts to find; asking would only cost a call. */
const MIN_WORDS = 25;

/**
 * Share of the request's time left that the model calls may take: the rest is kept for what follows when the
 * model hangs (the rules' trees, chunking, embedding and storing the batch), so the batch is still stored in time.
 */
const MODEL_SHARE = 0.8;

interface Plan {
  items: SourceItem[];
  windows: StructureWindow[];
}

/**
 * LongRefiner's document structuring with an LLM, at ingestion: the model is shown the document (in windows of
 * `windowChars` when it is long) and answers in the tree format, paragraphs abbreviated to their first and last
 * words; the tree is restored onto the original text by those anchors (`restoreTree`). A reply that is not in
 * the format, or whose anchors cannot be found, leaves the document to the rule-based structure, with the reason.
 * So does a model that fails (unreachable, erroring, or not answering within its share of the request's time):
 * the batch is still stored, with the rules' trees and a `degraded` note, and after the first failure the rest
 * of the batch is not sent to the model (a hung server would otherwise cost a timeout per document). Only the
 * request's own abort or deadline fails the batch. The public method records a span.
 */
export class LlmTreeStructurer {
  readonly name = 'llm';

  constructor(
    private readonly chat: ChatFn,
    private readonly options: LlmTreeStructurerOptions,
  ) {}

  async structure(tasks: readonly StructureTask[], ctx: RunContext): Promise<StructureOutcome[]> {
    return ctx.span('ingest.structure', () => this.doStructure(tasks, ctx), (outcomes) => {
      const llm = outcomes.filter((o) => o.by === 'llm');
      return {
        structurer: this.name,
        documents: tasks.length,
        llm: llm.length,
        rules: outcomes.length - llm.length,
        fallbacks: outcomes.filter((o) => o.by === 'rules' && o.fallback).length,
        calls: llm.reduce((n, o) => n + o.windows, 0),
        ...(outcomes.some((o) => o.by === 'rules' && o.degraded) ? { degraded: true } : {}),
      };
    });
  }

  protected async doStructure(tasks: readonly StructureTask[], ctx: RunContext): Promise<StructureOutcome[]> {
    const { windowChars, maxWindows, concurrency } = this.options;
    const plans: Array<Plan | StructureOutcome> = tasks.map((task) => {
      const items = sourceItems(task.source);
      const words = items.reduce((n, i) => n + (i.heading ? 0 : i.text.split(/\s+/).length), 0);
      if (words < MIN_WORDS) return { by: 'rules', reason: `fewer than ${MIN_WORDS} words: nothing to organise`, fallback: false };
      const windows = structureWindows(items, windowChars);
      if (windows.length > maxWindows) {
        return { by: 'rules', reason: `needs ${windows.length} windows of ${windowChars} characters, more than refiner.llmStructure.maxWindows (${maxWindows})`, fallback: true };
      }
      return { items, windows };
    });
    const jobs = plans.flatMap((plan, task) => ('items' in plan ? plan.windows.map((window, w) => ({ task, window, w, of: plan.windows.length })) : []));
    const left = ctx.remainingMs();
    const budget = Number.isFinite(left) ? Math.floor(left * MODEL_SHARE) : undefined;
    const calls = ctx.child(budget);
    let failure: Degradation | undefined;
    const replies = await mapConcurrent(jobs, concurrency, async (job): Promise<ChatResult | undefined> => {
      if (failure) return undefined;
      try {
        return await this.ask(tasks[job.task] as StructureTask, job.window, job.w, job.of, calls);
      } catch (err) {
        // The request itself aborted or ran out of time: that is its failure, and the batch's.
        ctx.check('ingest.structure');
        failure ??= degradation(err, ctx, budget, left);
        return undefined;
      }
    });
    if (failure) ctx.log.warn({ reason: failure.reason, detail: failure.message }, 'the LLM failed while structuring; the rest of the batch gets the rule-based structure');
    let next = 0;
    return plans.map((plan, t) => {
      if (!('items' in plan)) return plan;
      const task = tasks[t] as StructureTask;
      const own = replies.slice(next, next + plan.windows.length);
      next += plan.windows.length;
      if (failure && own.some((r) => r === undefined)) {
        return { by: 'rules', reason: `the LLM failed (${failure.reason}): ${failure.message}`, fallback: true, degraded: failure };
      }
      const outcome = this.restore(task, plan, own as ChatResult[]);
      if (outcome.by === 'rules') ctx.log.warn({ doc: task.id, reason: outcome.reason }, 'LLM structuring fell back to the rule-based structure');
      return outcome;
    });
  }

  private restore(task: StructureTask, plan: Plan, replies: ChatResult[]): StructureOutcome {
    const index = new AnchorIndex(plan.items.map((i) => i.text));
    const starts = plan.windows.map((w) => {
      const first = w.slices[0];
      return first ? index.wordAt(first.item, first.from) : index.size;
    });
    const windows: WindowReply[] = plan.windows.map((_, w) => ({
      from: starts[w] ?? index.size,
      to: starts[w + 1] ?? index.size,
      reply: parseTreeReply(replies[w]?.text ?? ''),
    }));
    const restored = restoreTree(task.title, plan.items, index, windows, this.options.minMatched ?? 0.5);
    if (restored.ok) return { by: 'llm', tree: restored.tree, stats: restored.stats, windows: plan.windows.length };
    const cut = replies.some((r) => r.finishReason === 'length') ? ` (a reply was cut off at refiner.llmStructure.maxTokens, ${this.options.maxTokens})` : '';
    return { by: 'rules', reason: `${restored.reason}${cut}`, fallback: true };
  }

  private async ask(task: StructureTask, window: StructureWindow, w: number, of: number, ctx: RunContext): Promise<ChatResult> {
    const part = of > 1 ? `This is part ${w + 1} of ${of} of the document; structure this part only.\n\n` : '';
    return this.chat(
      [
        { role: 'system', content: SYSTEM_PROMPT },
        { role: 'user', content: `Title: ${task.title}\n\n${part}Document:\n${window.text}` },
      ],
      { temperature: 0, maxTokens: this.options.maxTokens },
      ctx,
    );
  }
}

/** The note for a batch whose structuring call failed: a timeout or an unreachable model, or any other error. */
function degradation(err: unknown, ctx: RunContext, budgetMs: number | undefined, leftMs: number): Degradation {
  const reserveMs = budgetMs === undefined ? 0 : Math.round(leftMs - budgetMs);
  const standIn = { stage: 'structure', primary: 'llm', fallback: 'rules', budgetMs, reserveMs, keptFor: 'the rule-based structure and storing', who: 'the LLM tree structurer' };
  return standInForAny(err, ctx, standIn);
}
