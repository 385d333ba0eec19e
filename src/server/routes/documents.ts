import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { RagError } from '../../core/errors.js';
import type { DocumentInput } from '../../core/types.js';
import { ErrorResponse } from '../schemas/common.js';
import { DocumentIdParams, IngestResponseSchema, StoredDocumentSchema, documentsBodySchema } from '../schemas/documents.js';
import { contextFor } from '../request-context.js';

/** Ingestion: a batch is stored whole or not at all; upsert by id; delete by id. */
export const documentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { config } = app.rag;
  app.post(
    '/v1/documents',
    {
      schema: {
        tags: ['documents'],
        summary: 'Insert or replace a batch of documents (all or nothing)',
        body: documentsBodySchema(config.limits),
        response: { 200: IngestResponseSchema, '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request, reply) => {
      const ctx = contextFor(request, reply, config.server.requestTimeoutMs);
      const result = await app.rag.ingest(request.body.documents as DocumentInput[], ctx);
      return { ...result, trace: ctx.trace.toJSON() };
    },
  );

  app.get(
    '/v1/documents/:id',
    {
      schema: {
        tags: ['documents'],
        summary: 'A stored document with its structure tree',
        params: DocumentIdParams,
        response: { 200: StoredDocumentSchema, '4xx': ErrorResponse },
      },
    },
    async (request) => {
      const doc = app.rag.store.getDocument(request.params.id);
      if (!doc) throw new RagError('NOT_FOUND', `no document with id "${request.params.id}"`, { id: request.params.id });
      return doc;
    },
  );

  app.delete(
    '/v1/documents/:id',
    {
      schema: {
        tags: ['documents'],
        summary: 'Delete a document and its chunks',
        params: DocumentIdParams,
        response: {
          200: Type.Object({ deleted: Type.Boolean(), id: Type.String(), version: Type.Integer() }),
          '4xx': ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const ctx = contextFor(request, reply, config.server.requestTimeoutMs);
      if (!(await app.rag.deleteDocument(id, ctx))) throw new RagError('NOT_FOUND', `no document with id "${id}"`, { id });
      return { deleted: true, id, version: app.rag.store.version() };
    },
  );
};
