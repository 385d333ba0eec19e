import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { RagError } from '../../core/errors.js';
import { BatchJobs, type BatchJob } from '../../eval/batch-jobs.js';
import { BatchJobSchema, batchBodySchema } from '../schemas/batch.js';
import { ErrorResponse } from '../schemas/common.js';

/** Answers only once the job is done: a running job reports progress without a half-built result. */
const view = (job: BatchJob): Omit<BatchJob, 'rows'> & { rows?: BatchJob['rows'] } => {
  const { rows, ...rest } = job;
  return job.status === 'running' ? rest : { ...rest, rows };
};

/** Batch jobs: POST a list of questions, then poll GET /v1/batch/:id for progress and the answers. */
export const batchRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { config } = app.rag;
  // Finished jobs: the newest 100, for an hour, and 20,000 answers in all (about 160 MB).
  const jobs = new BatchJobs(app.rag, { concurrency: 4, timeoutMs: config.server.requestTimeoutMs, keep: 100, ttlMs: 60 * 60_000, maxRows: 20_000 });
  app.addHook('onClose', async () => jobs.cancelAll());

  app.post(
    '/v1/batch',
    {
      schema: {
        tags: ['query'],
        summary: 'Start a batch job over a list of questions',
        body: batchBodySchema(config.limits),
        response: { 202: BatchJobSchema, '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request, reply) => {
      const { pipeline, ensemble } = request.body;
      // Both given, or an unknown pipeline or ensemble, is the caller's mistake: say so now, not in every row.
      if (ensemble !== undefined) app.rag.ensemble({ query: '', ensemble, ...(pipeline !== undefined ? { pipeline } : {}) });
      else app.rag.pipelineNamed(pipeline);
      // Rows are matched to questions by id, so an id must name one question (as `rag batch` requires of a file).
      const seen = new Set<string>();
      for (const [i, { id }] of request.body.questions.entries()) {
        if (seen.has(id)) throw new RagError('VALIDATION', `questions.${i}.id: "${id.slice(0, 80)}" appears twice in the batch`);
        seen.add(id);
      }
      // Each job runs in the background for as long as its questions take: without a cap, a client could queue
      // unbounded work with cheap requests.
      if (jobs.running >= config.limits.maxRunningBatchJobs) {
        throw new RagError(
          'RATE_LIMITED',
          `${jobs.running} batch jobs are running, the most limits.maxRunningBatchJobs allows; start this one when one of them is done`,
        );
      }
      const job = jobs.start(request.body.questions, { ...(pipeline !== undefined ? { pipeline } : {}), ...(ensemble !== undefined ? { ensemble } : {}) });
      return reply.status(202).send(view(job));
    },
  );

  app.get(
    '/v1/batch/:id',
    {
      schema: {
        tags: ['query'],
        summary: 'Progress of a batch job, and its answers once done',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: BatchJobSchema, '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request) => {
      const job = jobs.get(request.params.id);
      if (!job) throw new RagError('NOT_FOUND', `no batch job "${request.params.id}" (jobs live in memory and do not survive a restart)`);
      return view(job);
    },
  );

  app.delete(
    '/v1/batch/:id',
    {
      schema: {
        tags: ['query'],
        summary: 'Stop a running batch job (its answers so far are kept), or forget a finished one',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: BatchJobSchema, '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request) => {
      const job = jobs.cancel(request.params.id);
      if (!job) throw new RagError('NOT_FOUND', `no batch job "${request.params.id}" (jobs live in memory and do not survive a restart)`);
      return view(job);
    },
  );
};
