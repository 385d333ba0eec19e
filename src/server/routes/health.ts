import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { llmSettingsOf } from '../../core/config.js';
import { redactUrl } from '../../core/redact-url.js';
import { redisReadiness } from '../../core/redis-client.js';
import type { ModelStatus } from '../../models/model-status.js';

/** Short, so a readiness check answers within the one second orchestrators usually give it. */
const LLM_PROBE_MS = 750;
/** Likewise for the HTTP embedding and rerank servers. */
const MODEL_PROBE_MS = 750;

const LlmReadiness = Type.Object({
  url: Type.String({ description: 'The models URL probed (GET {baseUrl}/models)' }),
  model: Type.String(),
  reachable: Type.Boolean(),
  modelListed: Type.Optional(Type.Boolean({ description: 'The configured model is among those the server lists (a hint: some servers ignore the name)' })),
  required: Type.Boolean({ description: 'The default pipeline needs the LLM, so readiness depends on it' }),
  reason: Type.Optional(Type.String()),
});

const RedisReadinessSchema = Type.Object({
  url: Type.String({ description: 'Without its password' }),
  connected: Type.Boolean({ description: 'Connected and answering a PING' }),
  status: Type.String({ description: "The client's connection state: ready, connecting, reconnecting..." }),
  reason: Type.Optional(Type.String({ description: 'Why it is not usable: the last error (WRONGPASS, ECONNREFUSED) or an unanswered PING' })),
});

const Provider = Type.String();

const ModelStatusSchema = Type.Object({
  role: Type.String(),
  kind: Type.String(),
  source: Type.String(),
  model: Type.Optional(Type.String()),
  provider: Type.Optional(Provider),
  requestedProviders: Type.Optional(Type.Array(Provider)),
  fallbacks: Type.Optional(Type.Array(Type.Object({ provider: Provider, reason: Type.String() }))),
  dtype: Type.Optional(Type.String()),
  dimensions: Type.Optional(Type.Integer()),
  maxLength: Type.Optional(Type.Integer({ description: 'The effective value: the configured maxLength, capped at what the model takes' })),
  warnings: Type.Optional(Type.Array(Type.String(), { description: 'What the start-up warned about, e.g. a capped maxLength' })),
  loadMs: Type.Number(),
  reachable: Type.Optional(Type.Boolean({ description: "HTTP models: whether the server answers now (probed, the answer kept a few seconds)" })),
  required: Type.Optional(Type.Boolean({ description: 'HTTP models: the default pipeline cannot answer without it, so readiness depends on it' })),
  reason: Type.Optional(Type.String({ description: 'Why the server is not reachable, naming the URL' })),
});

const Readiness = Type.Object({
  ready: Type.Boolean(),
  reason: Type.Optional(Type.String()),
  documents: Type.Optional(Type.Integer()),
  chunks: Type.Optional(Type.Integer()),
  version: Type.Optional(Type.Integer()),
  llm: Type.Optional(LlmReadiness),
  /** With redis.url: whether the cache and the rate limits have it; without it they degrade (ready, with a reason). */
  redis: Type.Optional(RedisReadinessSchema),
  /** The configured models: where each runs (execution provider) and what it fell back from. */
  models: Type.Optional(Type.Array(ModelStatusSchema)),
  opensearch: Type.Optional(Type.Object({ index: Type.String(), documents: Type.Integer(), chunks: Type.Integer() })),
});

/**
 * Liveness (the process answers) and readiness (the store answers, the index and the models are loaded). With an
 * LLM configured, readiness also reports whether its server answers; it makes the server unready only when the
 * default pipeline needs the LLM. With retrieval.backend "opensearch", the cluster must answer and the collection
 * exist: down is 503 with the reason or, with a fallback configured, ready but degraded (the reason says so).
 * HTTP model servers (embeddings, rerankers) are probed too: one the default pipeline cannot answer without
 * makes the server unready, another leaves it ready with the reason.
 * With Redis configured, a lost connection leaves the server ready (cache and rate limits degrade, they do not
 * fail requests) and the reason says so; so does a Redis that answers but refused the last rate-limit count. Checked on every call, so it recovers with the cluster and with Redis.
 */
export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/healthz', { schema: { tags: ['ops'], response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({
    status: 'ok' as const,
  }));

  app.get('/readyz', { schema: { tags: ['ops'], response: { 200: Readiness, 503: Readiness } } }, async (_request, reply) => {
    const { rag } = app;
    let models: ModelStatus[];
    try {
      models = rag.modelStatus();
    } catch (err) {
      return reply.status(503).send({ ready: false, reason: `models not loaded: ${(err as Error).message}` });
    }
    // The slow checks (the LLM and model servers, the cluster) run side by side: the probe waits for the slowest only.
    const searchCheck = rag.search?.readiness();
    const modelCheck = rag.probeModels(MODEL_PROBE_MS);
    let llm: typeof LlmReadiness.static | undefined;
    if (rag.llm) {
      const status = await rag.llm.probe(LLM_PROBE_MS);
      const fallback = rag.config.pipelines[rag.config.defaultPipeline];
      llm = { url: status.url, model: rag.llm.model, reachable: status.reachable, required: fallback !== undefined && llmSettingsOf(fallback).length > 0 };
      if (status.modelListed !== undefined) llm.modelListed = status.modelListed;
      if (status.reason !== undefined) llm.reason = status.reason;
    }
    const probes = await modelCheck;
    const required = rag.modelsRequired();
    type ModelView = ModelStatus & { reachable?: boolean; required?: boolean; reason?: string };
    const modelViews = models.map((m): ModelView => {
      const p = probes.get(m.role);
      if (!p) return m;
      return { ...m, reachable: p.reachable, required: required.has(m.role), ...(p.reason !== undefined ? { reason: p.reason } : {}) };
    });
    const modelDown = modelViews.filter((m) => m.reachable === false);
    let counts: { documents: number; chunks: number };
    try {
      rag.store.ping();
      counts = rag.store.counts();
    } catch (err) {
      return reply.status(503).send({ ready: false, reason: `store unavailable: ${(err as Error).message}`, ...(llm ? { llm } : {}) });
    }
    const redis = rag.redis && rag.config.redis.url ? { url: redactUrl(rag.config.redis.url), ...(await redisReadiness(rag.redis)) } : undefined;
    const body = { ready: true, ...counts, version: rag.store.version(), models: modelViews, ...(llm ? { llm } : {}), ...(redis ? { redis } : {}) };
    if (llm && llm.required && !llm.reachable) return reply.status(503).send({ ...body, ready: false, reason: llm.reason ?? 'LLM server unavailable' });
    const blocking = modelDown.find((m) => m.required === true);
    if (blocking) return reply.status(503).send({ ...body, ready: false, reason: `${blocking.role}: ${blocking.reason ?? 'model server unavailable'}` });
    // The store's vectors changed under this server (another process rebuilt or dropped them).
    const vectors = rag.vectorProblem();
    if (vectors !== null && required.has('embeddings')) return reply.status(503).send({ ...body, ready: false, reason: `vectors: ${vectors}` });
    // Ready but degraded: what still answers, and how it answers differently.
    const degraded: string[] = [];
    if (vectors !== null) degraded.push(`vectors: ${vectors}; dense and hybrid retrieval and ingestion answer 503`);
    for (const m of modelDown) {
      const meanwhile = m.role.startsWith('reranker.') ? 'its pipelines keep the retrieval order' : 'dense retrieval and ingestion answer 503';
      degraded.push(`${m.role}: ${m.reason ?? 'model server unavailable'}; ${meanwhile}`);
    }
    if (redis && !redis.connected) degraded.push(`Redis at ${redis.url} is ${redis.status}${redis.reason ? ` (${redis.reason})` : ''}; answering uncached, rate limits open`);
    // Connected, yet refusing the counters (out of memory, a read-only replica): the limits are open all the same.
    const limitsFailing = app.rateLimitHealth.failing;
    if (redis?.connected && limitsFailing !== null) {
      degraded.push(`Redis at ${redis.url} refused the last rate-limit count (${limitsFailing}); rate limits open`);
    }
    const withReason = <T extends object>(b: T): T & { reason?: string } => (degraded.length > 0 ? { ...b, reason: `degraded: ${degraded.join('; ')}` } : b);
    if (!searchCheck) return withReason(body);
    const search = await searchCheck;
    const mismatch = rag.store.searchMismatch();
    if (mismatch !== null) degraded.push(`OpenSearch may hold documents the store does not: ${mismatch}; run \`rag opensearch rebuild\``);
    if (search.ready) return withReason({ ...body, opensearch: { index: search.index ?? '', documents: search.documents ?? 0, chunks: search.chunks ?? 0 } });
    if (rag.config.opensearch.fallback !== 'none') {
      degraded.unshift(`${search.reason ?? 'OpenSearch unavailable'}; queries are answered by the embedded BM25`);
      return withReason(body);
    }
    return reply.status(503).send({ ...body, ready: false, reason: search.reason ?? 'OpenSearch unavailable' });
  });
};
