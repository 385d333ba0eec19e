import type { PipelineConfig } from '../core/config.js';
import type { RunContext } from '../core/run-context.js';
import type { AgentReport, AgentStep, Passage, PipelineResult, QueryPlan, ScoredChunk } from '../core/types.js';
import type { ChatModel } from '../models/chat-model.js';
import type { ChatOptions, ChatResult, ChatToolCall } from '../models/chat-types.js';
import { textAnswer, toolAnswer, type AgentAnswer } from './agent-answer.js';
import { AgentEvidence } from './agent-evidence.js';
import { LAST_TURN, NO_CALL, agentMessages } from './agent-prompt.js';
import { AGENT_TOOLS, checkToolCall, type AgentCall, type ReadArgs } from './agent-tools.js';
import type { PipelineRunOptions } from './pipeline.js';
import { pipelineResult } from './pipeline-result.js';
import { PipelineStages, type PipelineDeps } from './pipeline-stages.js';
import { StagedPipeline } from './staged-pipeline.js';

/** The LLM that plans, and how it is asked. */
export interface AgentModel {
  chat: ChatModel;
  /** Alternatives per token, for the answer's entropy. */
  topLogprobs: number;
  temperature?: number;
  maxTokens?: number;
}

/** What running one tool call gave: the reply the LLM reads, and an answer when it was a valid answer call. */
interface ToolOutcome {
  reply: string;
  step: AgentStep;
  answer?: AgentAnswer;
}

/** What every tool call of one run works with. */
interface AgentRun {
  plan: QueryPlan;
  options: PipelineRunOptions;
  evidence: AgentEvidence;
  ctx: RunContext;
}

/** The LLM call whose tool calls are being run. */
interface Turn {
  step: number;
  reply: ChatResult;
}

/** A tool that could not do what it was asked; the message goes back to the LLM. */
class ToolRefusal extends Error {}

type StopReason = AgentReport['stopReason'];

/**
 * The agentic pipeline (ReAct-like, DESIGN "Pipelines"): an LLM plans with three tools through OpenAI tool calls:
 * `search` (the pipeline's retriever and reranker, shared through the request's memo), `read` (a document refined
 * to `readTokens` by the pipeline's refiner or budget selector) and `answer` (the final answer, citing passage
 * ids), for at most `maxSteps` LLM calls.
 *
 * Every call's arguments are checked; a malformed one (bad JSON, unknown tool, invalid arguments, unknown ids) is
 * answered with a tool message saying what is wrong, so the model can correct itself. After `maxMalformed` of
 * them in a row, or `maxSteps` calls without an answer, the loop stops and the pipeline's generator answers from
 * the evidence gathered so far (or, when there is none, from the question's own retrieval), and the result says
 * why (`agent.stopReason`). Each LLM call is an `agent.step.<n>` span, each tool call an `agent.tool.<name>` span.
 */
export class AgenticPipeline extends StagedPipeline {
  readonly kind = 'agentic';

  constructor(
    name: string,
    config: PipelineConfig,
    deps: PipelineDeps,
    private readonly model: AgentModel,
  ) {
    super(name, config, deps);
  }

  protected async doRun(plan: QueryPlan, options: PipelineRunOptions, ctx: RunContext): Promise<PipelineResult> {
    const maxSteps = this.config.maxSteps ?? 6;
    const maxMalformed = this.config.maxMalformed ?? 3;
    const evidence = new AgentEvidence();
    const run: AgentRun = { plan, options, evidence, ctx };
    const messages = agentMessages(plan, maxSteps);
    const steps: AgentStep[] = [];
    let malformed = 0;
    let inARow = 0;
    let llmCalls = 0;
    let stopReason: StopReason = 'step-limit';
    const report = (entropySource: AgentReport['entropySource']): AgentReport => ({ stopReason, steps, llmCalls, malformedCalls: malformed, entropySource });

    for (let step = 1; step <= maxSteps; step++) {
      const reply = await ctx.span(`agent.step.${step}`, () => this.model.chat.chat(messages, this.chatOptions(), ctx), (r) => ({
        toolCalls: r.toolCalls.length,
        finishReason: r.finishReason,
      }));
      llmCalls++;
      messages.push({ role: 'assistant', content: reply.text.length > 0 ? reply.text : null, ...(reply.toolCalls.length > 0 ? { toolCalls: reply.toolCalls } : {}) });
      if (reply.toolCalls.length === 0) {
        const answer = reply.text.trim().length > 0 ? textAnswer(reply, evidence) : undefined;
        if (answer && (answer.read.candidates[0]?.text ?? '') !== '') {
          stopReason = 'answered';
          return this.answered(answer, evidence, report(answer.entropySource));
        }
        malformed++;
        inARow++;
        steps.push({ step, tool: '', args: reply.text, ms: 0, ok: false, error: 'neither a tool call nor an answer' });
        messages.push({ role: 'user', content: NO_CALL });
      } else {
        for (const call of reply.toolCalls) {
          const outcome = await this.callTool(call, { step, reply }, run);
          steps.push(outcome.step);
          messages.push({ role: 'tool', toolCallId: call.id, content: outcome.reply });
          if (outcome.answer) {
            stopReason = 'answered';
            return this.answered(outcome.answer, evidence, report(outcome.answer.entropySource));
          }
          if (outcome.step.ok) {
            inARow = 0;
          } else {
            malformed++;
            inARow++;
          }
        }
      }
      if (inARow >= maxMalformed) {
        stopReason = 'malformed-calls';
        break;
      }
      if (step === maxSteps - 1) messages.push({ role: 'user', content: LAST_TURN });
    }
    return this.fallback(run, report('reader'));
  }

  private chatOptions(): ChatOptions {
    const options: ChatOptions = { tools: AGENT_TOOLS, topLogprobs: this.model.topLogprobs };
    if (this.model.temperature !== undefined) options.temperature = this.model.temperature;
    if (this.model.maxTokens !== undefined) options.maxTokens = this.model.maxTokens;
    return options;
  }

  /** Checks and runs one tool call, in its own span; a refusal is the tool's reply, not an error of the request. */
  private async callTool(call: ChatToolCall, turn: Turn, run: AgentRun): Promise<ToolOutcome> {
    const { ctx } = run;
    const { step } = turn;
    const start = ctx.trace.now();
    const checked = checkToolCall(call);
    const refused = (error: string, args: AgentStep['args']): ToolOutcome => ({ reply: `Error: ${error}`, step: { step, tool: call.name, args, ms: 0, ok: false, error } });
    const outcome = async (): Promise<ToolOutcome> => {
      if (!checked.ok) return refused(checked.error, checked.args);
      try {
        return await this.runTool(checked.call, turn, run);
      } catch (err) {
        if (!(err instanceof ToolRefusal)) throw err;
        return refused(err.message, { ...checked.call.args });
      }
    };
    const result = await ctx.span(`agent.tool.${checked.ok ? checked.call.tool : 'invalid'}`, outcome, (o) => ({
      step,
      tool: call.name,
      ok: o.step.ok,
      ...(o.step.error !== undefined ? { error: o.step.error } : {}),
      ...(o.step.passages !== undefined ? { passages: o.step.passages } : {}),
    }));
    result.step.ms = Math.round((ctx.trace.now() - start) * 1000) / 1000;
    return result;
  }

  private async runTool(call: AgentCall, { step, reply }: Turn, run: AgentRun): Promise<ToolOutcome> {
    const { evidence } = run;
    const record = (passages?: number): AgentStep => ({ step, tool: call.tool, args: { ...call.args }, ms: 0, ok: true, ...(passages !== undefined ? { passages } : {}) });
    switch (call.tool) {
      case 'search': {
        const before = evidence.size;
        const ids = evidence.add(await this.search(call.args.query, run));
        const text = ids.length === 0 ? `Nothing found for "${call.args.query}". Try other words.` : evidence.describeHits(ids);
        return { reply: text, step: record(evidence.size - before) };
      }
      case 'read': {
        const before = evidence.size;
        const { docId, passages } = await this.read(call.args, run);
        const ids = evidence.add(passages);
        return { reply: `Document ${docId}, the parts that matter for what you look for:\n\n${evidence.describeWhole(ids)}`, step: record(evidence.size - before) };
      }
      case 'answer': {
        const unknown = call.args.citations.filter((id) => evidence.get(id) === undefined);
        if (unknown.length > 0) {
          // Before any search has found anything there is no range to cite from ("p1 to p0").
          const cite = evidence.size === 0 ? 'search first, then cite ids from its results' : `cite ids from the results (p1 to p${evidence.size})`;
          throw new ToolRefusal(`citations name ${unknown.join(', ')}, which no search or read returned; ${cite}`);
        }
        return { reply: 'Answer recorded.', step: record(), answer: toolAnswer(call.args, reply, evidence) };
      }
    }
  }

  /** The top `searchK` reranked chunks for the query; the question itself shares the plan's (memoised) retrieval. */
  private async search(query: string, { plan, options, ctx }: AgentRun): Promise<Passage[]> {
    const same = query.trim().toLowerCase() === plan.corrected.trim().toLowerCase();
    const ranked = await this.stages.ranked(same ? plan : PipelineStages.followUp(plan, query), options, ctx);
    return this.stages.whole(ranked.slice(0, this.config.searchK ?? 5));
  }

  /**
   * A document (named by a passage id, or its own id) refined to `readTokens` for the focus: its chunks that the
   * focus retrieves, and those already shown, selected by the pipeline's refiner or budget selector.
   */
  private async read(args: ReadArgs, { plan, options, evidence, ctx }: AgentRun): Promise<{ docId: string; passages: Passage[] }> {
    const docId = evidence.get(args.id)?.docId ?? args.id;
    const allowed = options.filter?.['docId'];
    if (allowed !== undefined && String(allowed) !== docId) throw new ToolRefusal(`document ${docId} is outside this request's filter`);
    const focus = args.focus ?? plan.corrected;
    const found = await this.stages.ranked(PipelineStages.followUp(plan, focus), { ...options, filter: { ...options.filter, docId } }, ctx);
    const chunks = union(found, evidence.chunksOf(docId));
    if (chunks.length === 0) {
      throw new ToolRefusal(`no document "${args.id}" with anything about "${focus}"; give a passage id from the results (p1 to p${evidence.size}) or another focus`);
    }
    return { docId, passages: await this.stages.select(focus, chunks, { ...options, contextTokens: this.config.readTokens ?? 600 }, ctx) };
  }

  /** The answer tool's answer (or a plain-text reply) as the result; its passages are all the evidence, numbered as cited. */
  private answered(answer: AgentAnswer, evidence: AgentEvidence, agent: AgentReport): PipelineResult {
    // Without log-probabilities the entropy is a stand-in (the most uncertain), not a reason to abstain.
    const config = answer.entropySource === 'unknown' ? { ...this.config, abstainAbove: 1 } : this.config;
    return { ...pipelineResult(this.name, config, answer.read, evidence.all()), agent };
  }

  /** The loop stopped without an answer: the generator answers from the evidence (within the context budget). */
  private async fallback({ plan, options, evidence, ctx }: AgentRun, agent: AgentReport): Promise<PipelineResult> {
    return ctx.span(
      'agent.fallback',
      async () => {
        const budget = options.contextTokens ?? this.config.contextTokens;
        const passages = evidence.size > 0 ? withinBudget(evidence.all(), budget) : await this.stages.context(plan, options, ctx);
        const read = await this.stages.read(plan.corrected, passages, ctx);
        return { ...pipelineResult(this.name, this.config, read, passages), agent: { ...agent, fallback: this.stages.reader.name } };
      },
      (r) => ({ reason: agent.stopReason, reader: this.stages.reader.name, passages: r.passages.length, evidence: evidence.size }),
    );
  }
}

/** Chunks of the first list, then those of the second not in it. */
function union(a: readonly ScoredChunk[], b: readonly ScoredChunk[]): ScoredChunk[] {
  const seen = new Set(a.map((c) => c.id));
  return [...a, ...b.filter((c) => !seen.has(c.id))];
}

/** The evidence in the order it was found, as much as fits the budget (at least the first passage). */
function withinBudget(passages: readonly Passage[], budget: number): Passage[] {
  const out: Passage[] = [];
  let used = 0;
  for (const p of passages) {
    if (out.length > 0 && used + p.tokens > budget) continue;
    out.push(p);
    used += p.tokens;
  }
  return out;
}
