import { Type, type Static } from '@sinclair/typebox';
import { DegradedSchema, Scalar, metadataKeys } from './common.js';

export const documentsBodySchema = (limits: { maxBatchDocuments: number; maxDocumentChars: number }) =>
  Type.Object(
    {
      documents: Type.Array(
        Type.Object(
          {
            id: Type.String({ minLength: 1, maxLength: 512 }),
            title: Type.Optional(Type.String({ maxLength: 2048 })),
            text: Type.String({ maxLength: limits.maxDocumentChars }),
            format: Type.Optional(Type.Union([Type.Literal('text'), Type.Literal('markdown'), Type.Literal('html')])),
            meta: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 128 }), Type.Union([Scalar, Type.Null()]), metadataKeys)),
          },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: limits.maxBatchDocuments },
      ),
    },
    { additionalProperties: false },
  );
export type DocumentsBody = Static<ReturnType<typeof documentsBodySchema>>;

export const IngestResponseSchema = Type.Object({
  documents: Type.Integer({ description: 'Documents stored (inserted or replaced)' }),
  chunks: Type.Integer(),
  version: Type.Integer({ description: 'Index version after this batch' }),
  failed: Type.Optional(
    Type.Array(
      Type.Object({
        id: Type.String(),
        status: Type.Integer({ description: 'The search backend\'s status for the document, e.g. 400 for a mapping conflict' }),
        reason: Type.String(),
        partial: Type.Boolean({ description: 'Part of a replacement was written: send the document again' }),
      }),
      { description: 'With retrieval.backend "opensearch": documents the cluster refused; they were not stored, the others were' },
    ),
  ),
  structure: Type.Optional(
    Type.Object(
      {
        structurer: Type.Literal('llm'),
        llm: Type.Integer({ description: 'Documents structured by the LLM (LongRefiner tree format)' }),
        rules: Type.Integer({ description: 'Documents structured by the rules: too short to organise, or fallen back' }),
        fallbacks: Type.Integer({ description: 'Documents whose LLM tree could not be used; they have the rule-based tree' }),
        fallbackDocuments: Type.Array(Type.Object({ id: Type.String(), reason: Type.String() }), { description: 'The first 100 of those, with the reason' }),
        degraded: Type.Optional(DegradedSchema),
      },
      { description: 'With refiner.structure "llm": which structurer built the documents\' trees' },
    ),
  ),
  trace: Type.Object({ totalMs: Type.Number(), spans: Type.Array(Type.Unknown()) }),
});

export const DocumentIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 512 }) });

/** GET /v1/documents: a page of the stored documents, in id order. */
export const DocumentListQuery = Type.Object(
  {
    // A query string's values are text (the server coerces no types): the number is read, and refused with its
    // bounds, by the route (wholeNumberParam); a pattern here answered a bad one with the pattern instead.
    limit: Type.Optional(Type.String({ description: 'Documents per page, a whole number from 1 to 1000 (100 when left out)' })),
    after: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'The page after this id: the `next` of the page before' })),
    prefix: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'Only the ids that start with this (docs/ for the files rag ingest read from docs)' })),
  },
  { additionalProperties: false },
);

export const StoredDocumentSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  format: Type.String(),
  meta: Type.Record(Type.String(), Type.Union([Scalar, Type.Null()])),
  structure: Type.Unknown({
    description: 'Tree of {kind: document|section|paragraph, title?, text?, level, children[]}',
  }),
  chunkCount: Type.Integer(),
  updatedAt: Type.String(),
});

export const DocumentListSchema = Type.Object({
  documents: Type.Array(Type.Omit(StoredDocumentSchema, ['structure'])),
  next: Type.Optional(Type.String({ description: 'The `after` of the next page; absent on the last' })),
});
