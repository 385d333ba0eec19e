import { RagError } from '../core/errors.js';
import { mapConcurrent } from '../core/map-concurrent.js';
import type { RunContext } from '../core/run-context.js';
import type { StructureNode } from '../core/types.js';
import type { ChatResult } from '../models/chat-types.js';
import type { ChatFn } from '../refiner/llm-query-analyzer.js';
import { AnchorIndex } from './anchor-index.js';
import { sourceItems, structureWindows, type SourceItem, type StructureWindow } from './structure-windows.js';
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

export type StructureOutcome =
  | { by: 'llm'; tree: StructureNode; stats: RestoreStats; windows: number }
  /** `fallback`: the model was asked (or the document was too long for it) and its tree could not be used. */
  | { by: 'rules'; reason: string; fallback: boolean };

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

interface Plan {
  items: SourceItem[];
  windows: StructureWindow[];
}

/**
 * LongRefiner's document structuring with an LLM, at ingestion: the model is shown the document (in windows of
 * `windowChars` when it is long) and answers in the tree format, paragraphs abbreviated to their first and last
 * words; the tree is restored onto the original text by those anchors (`restoreTree`). A reply that is not in
 * the format, or whose anchors cannot be found, leaves the document to the rule-based structure, with the reason;
 * a model server that fails fails the call (the batch stores nothing). The public method records a span.
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
    const replies = await mapConcurrent(jobs, concurrency, (job) => this.ask(tasks[job.task] as StructureTask, job.window, job.w, job.of, ctx));
    let next = 0;
    return plans.map((plan, t) => {
      if (!('items' in plan)) return plan;
      const task = tasks[t] as StructureTask;
      const own = replies.slice(next, next + plan.windows.length);
      next += plan.windows.length;
      const outcome = this.restore(task, plan, own);
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
    try {
      return await this.chat(
        [
          { role: 'system', content: SYSTEM_PROMPT },
          { role: 'user', content: `Title: ${task.title}\n\n${part}Document:\n${window.text}` },
        ],
        { temperature: 0, maxTokens: this.options.maxTokens },
        ctx,
      );
    } catch (err) {
      if (ctx.signal.aborted || !(err instanceof Error)) throw err;
      const code = err instanceof RagError ? err.code : 'UPSTREAM_ERROR';
      throw new RagError(code, `structuring document "${task.id.slice(0, 80)}" with the LLM failed: ${err.message}; nothing of this batch was stored`, { id: task.id }, { cause: err });
    }
  }
}
