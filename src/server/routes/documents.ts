import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { RagError } from '../../core/errors.js';
import type { DocumentInput } from '../../core/types.js';
import { ErrorResponse } from '../schemas/common.js';
import { DocumentIdParams, DocumentListQuery, DocumentListSchema, IngestResponseSchema, StoredDocumentSchema, documentsBodySchema } from '../schemas/documents.js';
import { contextFor } from '../request-context.js';
import { wholeNumberParam } from '../query-string.js';

const ID_IN_PATH =
  'The id is the rest of the path, percent-decoded: its slashes may be sent as they are (docs/api.md, as rag ingest names a file) or encoded (docs%2Fapi.md).';

/** Each id route twice: "/:id", documented, and the hidden "/*" (see `idFromWildcard`). */
const ID_ROUTES = [
  { url: '/v1/documents/:id', wildcard: false },
  { url: '/v1/documents/*', wildcard: true },
] as const;

/**
 * The wildcard route's "*" parameter under the name the documented route uses, before validation: a bad id reads
 * "id: ..." whichever route the request took.
 */
async function idFromWildcard(request: FastifyRequest): Promise<void> {
  const params = request.params as Record<string, string | undefined>;
  request.params = { id: params['*'] ?? '' };
}

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
    '/v1/documents',
    {
      schema: {
        tags: ['documents'],
        summary: 'The stored documents, a page at a time in id order (without their trees)',
        querystring: DocumentListQuery,
        response: { 200: DocumentListSchema, '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request) => {
      const limit = wholeNumberParam('limit', request.query.limit, { min: 1, max: 1000, fallback: 100 });
      return app.rag.store.documentPage({ limit, after: request.query.after, prefix: request.query.prefix });
    },
  );

  // Each route twice: "/:id" is the one documented (one path segment, so an id's slashes must be encoded), and the
  // hidden "/*" takes the rest of the path, so the ids `rag ingest` gives (docs/api.md) work with their slashes as is.
  const getSchema = {
    tags: ['documents'],
    summary: 'A stored document with its structure tree',
    description: ID_IN_PATH,
    params: DocumentIdParams,
    response: { 200: StoredDocumentSchema, '4xx': ErrorResponse, '5xx': ErrorResponse },
  };
  for (const { url, wildcard } of ID_ROUTES) {
    app.get(
      url,
      { schema: { ...getSchema, hide: wildcard }, ...(wildcard ? { preValidation: idFromWildcard } : {}) },
      async (request) => {
        const doc = app.rag.store.getDocument(request.params.id);
        if (!doc) throw new RagError('NOT_FOUND', `no document with id "${request.params.id}"`, { id: request.params.id });
        return doc;
      },
    );
  }

  const deleteSchema = {
    tags: ['documents'],
    summary: 'Delete a document and its chunks',
    description: ID_IN_PATH,
    params: DocumentIdParams,
    response: {
      200: Type.Object({ deleted: Type.Boolean(), id: Type.String(), version: Type.Integer() }),
      '4xx': ErrorResponse,
      // A deletion that waited out its deadline for another process's write is 503 (docs/api.md, UNAVAILABLE).
      '5xx': ErrorResponse,
    },
  };
  for (const { url, wildcard } of ID_ROUTES) {
    app.delete(
      url,
      { schema: { ...deleteSchema, hide: wildcard }, ...(wildcard ? { preValidation: idFromWildcard } : {}) },
      async (request, reply) => {
        const { id } = request.params;
        const ctx = contextFor(request, reply, config.server.requestTimeoutMs);
        if (!(await app.rag.deleteDocument(id, ctx))) throw new RagError('NOT_FOUND', `no document with id "${id}"`, { id });
        return { deleted: true, id, version: app.rag.store.version() };
      },
    );
  }
};
