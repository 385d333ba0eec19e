import { randomUUID } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { RagError, isRagError } from '../../core/errors.js';
import { firstChars, longerThan } from '../../core/char-count.js';
import { estimateTokens } from '../../core/tokens.js';
import type { Citation } from '../../core/types.js';
import { citationsIn } from '../../models/citation-markers.js';
import { standaloneQuestion, type ConversationTurn } from '../../query/standalone-question.js';
import { ChatCompletionSchema, ChatRequestSchema, ModelListSchema, ModelSchema, type ChatRequest } from '../schemas/chat.js';
import { OpenAiErrorResponse, jsonOrEventStream } from '../schemas/common.js';
import { contextFor } from '../request-context.js';
import { afterFirstEvent } from '../first-event.js';
import { openAiError } from '../plugins/error-handler.js';
import { SseStream, streamFailure } from '../sse.js';

const textOf = (content: ChatRequest['messages'][number]['content']): string =>
  typeof content === 'string' ? content : Array.isArray(content) ? content.map((p) => p.text ?? '').join('\n') : '';

/**
 * The answer with a [n] marker for each of its citations: an LLM writes its own, an extractive answer has none, so
 * the markers the text lacks are appended. Decided per citation, not by whether the text holds any bracketed
 * number: a source's own "[2]" is no marker of ours.
 */
function withMarkers(answer: string, citations: Citation[]): string {
  const marked = new Set(citationsIn(answer, Math.max(0, ...citations.map((c) => c.n))));
  const missing = citations.filter((c) => !marked.has(c.n));
  return missing.length === 0 ? answer : `${answer} ${missing.map((c) => `[${c.n}]`).join('')}`;
}

/**
 * OpenAI fields that ask for a different kind of reply than a pipeline gives: answered as asked or refused, never
 * ignored (a client that sends tools or a JSON schema would take prose for a reply to them).
 */
function unsupportedField(body: ChatRequest): { param: string; reason: string } | undefined {
  const given = (v: unknown): boolean => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);
  if (given(body.tools) || given(body.functions)) {
    return { param: given(body.tools) ? 'tools' : 'functions', reason: 'tool and function calling are not supported: a pipeline answers in text' };
  }
  for (const param of ['tool_choice', 'function_call'] as const) {
    if (given(body[param]) && body[param] !== 'none' && body[param] !== 'auto') return { param, reason: 'tool and function calling are not supported: a pipeline answers in text' };
  }
  const format = body.response_format;
  if (given(format) && !(typeof format === 'object' && (format as { type?: unknown }).type === 'text')) {
    return { param: 'response_format', reason: 'only {"type": "text"} is supported: a pipeline answers in text, not JSON' };
  }
  if (body.logprobs === true || given(body.top_logprobs)) {
    return { param: body.logprobs === true ? 'logprobs' : 'top_logprobs', reason: 'log-probabilities are not returned; the answer\'s `confidence` says how sure the pipeline is' };
  }
  return undefined;
}

/** User turns a follow-up's topic is taken from: the conversation's latest. */
const TOPIC_TURNS = 8;

/** Only text can be asked; an image or audio part is refused by name rather than read as nothing. */
function nonTextPart(messages: ChatRequest['messages']): string | undefined {
  for (const [i, m] of messages.entries()) {
    if (!Array.isArray(m.content)) continue;
    const j = m.content.findIndex((part) => part.type !== 'text' || typeof part.text !== 'string');
    if (j < 0) continue;
    const part = m.content[j];
    // A text part without its text was told "only text parts are supported (got type "text")".
    if (part?.type === 'text') return `messages.${i}.content.${j}.text: is required, a string (a text part's text)`;
    return `messages.${i}.content.${j}: only text parts are supported (got type "${String(part?.type)}")`;
  }
  return undefined;
}

/**
 * OpenAI-compatible chat: any chat UI or OpenAI client talks to a pipeline as a "model". The conversation becomes
 * a standalone question, the pipeline answers it, and the citations come back both as [n] markers in the text and
 * as a `citations` field.
 */
export const chatRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { config } = app.rag;
  const created = Math.floor(Date.now() / 1000);

  /**
   * The pipeline a model name means, or a 400 that lists the models. A configured pipeline's own name comes first,
   * as GET /v1/models and /v1/query read it: the packaged `default` pipeline stays reachable when `defaultPipeline`
   * names another. "default" names the default pipeline only where no pipeline has that name.
   */
  const pipelineNamed = (model: string): string => {
    const names = app.rag.pipelines.names();
    if (names.includes(model)) return model;
    if (model === 'default') return app.rag.pipelines.get().name;
    const ensembles = app.rag.ensembles.names();
    throw new RagError(
      'UNKNOWN_PIPELINE',
      `unknown model "${model}": a model is a configured pipeline (${names.join(', ')})${ensembles.length > 0 ? ` or ensemble (${ensembles.join(', ')})` : ''}; GET /v1/models lists them`,
      { param: 'model' },
    );
  };

  // Ensembles are listed too, with their kind; chat answers with either.
  const models = (): Array<Static<typeof ModelSchema>> =>
    [
      ...app.rag.pipelines.names().map((id) => ({ id, kind: 'pipeline' as const })),
      ...app.rag.ensembles.names().map((id) => ({ id, kind: 'ensemble' as const })),
    ].map(({ id, kind }) => ({ id, object: 'model' as const, created, owned_by: 'rag-platform', kind }));

  // "/v1/models/" too: it is the list, not a model with an empty id (a 400 before).
  for (const url of ['/v1/models', '/v1/models/']) {
    app.get(
      url,
      { schema: { tags: ['chat'], summary: 'Pipelines, as OpenAI models', response: { 200: ModelListSchema, '4xx': OpenAiErrorResponse, '5xx': OpenAiErrorResponse }, hide: url.endsWith('/') }, config: { openAiErrors: true } },
      async () => ({ object: 'list' as const, data: models() }),
    );
  }

  app.get(
    '/v1/models/:id',
    {
      schema: {
        tags: ['chat'],
        summary: 'One pipeline or ensemble, as an OpenAI model',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) }),
        response: { 200: ModelSchema, '4xx': OpenAiErrorResponse, '5xx': OpenAiErrorResponse },
      },
      config: { openAiErrors: true },
    },
    async (request) => {
      const model = models().find((m) => m.id === request.params.id);
      if (!model) throw new RagError('NOT_FOUND', `no model "${request.params.id}": the models are the configured pipelines and ensembles (GET /v1/models)`);
      return model;
    },
  );

  app.post(
    '/v1/chat/completions',
    {
      schema: {
        tags: ['chat'],
        summary: 'OpenAI-compatible chat completion answered by a pipeline',
        body: ChatRequestSchema,
        response: {
          200: jsonOrEventStream(ChatCompletionSchema, 'The completion (JSON), or with stream: true its chunks as they come (server-sent events)'),
          '4xx': OpenAiErrorResponse,
          '5xx': OpenAiErrorResponse,
        },
      },
      config: { openAiErrors: true },
    },
    async (request, reply) => {
      const { model, messages, stream } = request.body;
      const unsupported = unsupportedField(request.body);
      if (unsupported) throw new RagError('BAD_REQUEST', `${unsupported.param}: ${unsupported.reason}`, { param: unsupported.param });
      const nonText = nonTextPart(messages);
      if (nonText) throw new RagError('BAD_REQUEST', nonText, { param: 'messages' });
      // A model is a pipeline or an ensemble, as GET /v1/models lists them.
      const ensemble = app.rag.ensembles.names().includes(model);
      const modelName = ensemble ? model : pipelineNamed(model);
      const target = ensemble ? { ensemble: modelName } : { pipeline: modelName };
      const turns: ConversationTurn[] = messages.map((m) => ({ role: m.role === 'developer' ? 'system' : m.role, content: textOf(m.content) }));
      const { maxQueryChars } = config.limits;
      // The question is the last user message: a blank one is no question, and taking the user turn before it
      // answered an earlier question again as if it were the new one.
      const lastUser = turns.findLastIndex((t) => t.role === 'user');
      if (lastUser >= 0 && (turns[lastUser]?.content.trim() ?? '') === '') {
        throw new RagError('BAD_REQUEST', `messages.${lastUser}.content: the last user message has no text to answer`, { param: `messages.${lastUser}.content` });
      }
      const asked = turns.filter((t) => t.role === 'user' && t.content.trim().length > 0);
      // The question is checked before any work on it, and only the latest user turns, each as long as a question
      // may be, give it its topic: 200 long messages were analysed for seconds before a 400.
      if (longerThan(asked.at(-1)?.content.trim() ?? '', maxQueryChars)) {
        throw new RagError('BAD_REQUEST', `messages: the question is longer than ${maxQueryChars} characters`);
      }
      // Earlier turns only give the topic, so they are cut to a question's length; the last is the question, already
      // checked by code point, and cut by UTF-16 unit it lost its words after 2048 emoji.
      const recent = asked.slice(-TOPIC_TURNS).map((t, i, all) => (i === all.length - 1 ? t : { ...t, content: firstChars(t.content, maxQueryChars) }));
      const standalone = standaloneQuestion(recent);
      if (standalone.length === 0) throw new RagError('BAD_REQUEST', 'messages: no user message with text to answer');
      // The topic is the server's addition: a follow-up within the limit that it would push over is answered as
      // asked, not refused as longer than a limit the client kept to.
      const question = longerThan(standalone, maxQueryChars) ? (asked.at(-1)?.content.trim() ?? '') : standalone;
      const ctx = contextFor(request, reply, config.server.requestTimeoutMs);
      const id = `chatcmpl-${randomUUID()}`;
      const promptTokens = estimateTokens(turns.map((t) => t.content).join('\n'));

      // The planner names the question "query", a field chat has not: the client sent it as its last user message.
      const asChat = (err: unknown): unknown =>
        isRagError(err) && err.details?.['noWords'] === true
          ? new RagError('BAD_REQUEST', `messages.${lastUser}.content: the question has no words to search for (letters or digits)`, { param: `messages.${lastUser}.content` })
          : err;
      if (!stream) {
        const r = await app.rag.query({ query: question, ...target }, ctx).catch((err: unknown) => {
          throw asChat(err);
        });
        // The whole reply when the model reasoned before its final line: what a stream of the same question shows.
        const content = withMarkers(r.generated ?? r.answer, r.citations);
        const completionTokens = estimateTokens(content);
        return {
          id,
          object: 'chat.completion' as const,
          created: Math.floor(Date.now() / 1000),
          model: modelName,
          choices: [{ index: 0, message: { role: 'assistant' as const, content }, finish_reason: 'stop' }],
          usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
          citations: r.citations,
          confidence: r.confidence,
          question,
          ...(r.degraded ? { degraded: r.degraded } : {}),
        };
      }

      // A question with no words is answered as a JSON error, before the stream opens.
      const events = await afterFirstEvent(app.rag.stream({ query: question, ...target }, ctx)).catch((err: unknown) => {
        throw asChat(err);
      });
      const sse = new SseStream(reply);
      // Every content delta sent, for the usage chunk a client may ask for.
      let sent = '';
      const chunk = (delta: { role?: string; content?: string }, finish: string | null, extra: Record<string, unknown> = {}): void => {
        sent += delta.content ?? '';
        sse.data({ id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: modelName, choices: [{ index: 0, delta, finish_reason: finish }], ...extra });
      };
      try {
        chunk({ role: 'assistant', content: '' }, null);
        let streamed = '';
        for await (const e of events) {
          if (e.event === 'token') {
            streamed += e.data.text;
            chunk({ content: e.data.text }, null);
          } else if (e.event === 'answer') {
            if (e.data.abstained) {
              if (streamed.length === 0) chunk({ content: e.data.answer }, null);
            } else {
              // Markers the streamed text lacks come last, so the client's text matches the non-streaming answer.
              const full = withMarkers(streamed, e.data.citations);
              if (full.length > streamed.length) chunk({ content: full.slice(streamed.length) }, null);
            }
            chunk({}, 'stop', { citations: e.data.citations, confidence: e.data.confidence, question, ...(e.data.degraded ? { degraded: e.data.degraded } : {}) });
          }
        }
        if (request.body.stream_options?.include_usage) {
          const completionTokens = estimateTokens(sent);
          const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
          sse.data({ id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: modelName, choices: [], usage });
        }
        sse.data('[DONE]');
      } catch (err) {
        if (!(ctx.signal.aborted && !sse.open)) {
          const e = streamFailure(request, err);
          sse.data({ error: openAiError(e.statusCode, e.code, e.message) });
        }
      } finally {
        sse.end();
      }
      return reply;
    },
  );
};
