import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { defaultConfigPath, loadConfig, mergeConfigTrees, type Config } from '../../src/core/config.js';
import type { DocumentInput } from '../../src/core/types.js';
import type { ModelStatus } from '../../src/models/model-status.js';
import { Rag, type RagOptions } from '../../src/rag.js';
import { buildApp, type BuildAppOptions } from '../../src/server/app.js';

/** Fixture for the HTTP integration tests: a Rag over a throw-away store and the Fastify app over it. */

type Tree = Record<string, unknown>;

const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The packaged defaults, an in-memory store and a silent logger, then the test's own overrides. */
export function httpTestConfig(overrides: Tree = {}): Config {
  const base: Tree = { store: { path: ':memory:' }, server: { logLevel: 'silent' } };
  return loadConfig({ files: [defaultConfigPath], overrides: mergeConfigTrees(base, overrides) });
}

export interface HttpFixture {
  app: FastifyInstance;
  rag: Rag;
  close(): Promise<void>;
}

/** `options` brings what configuration cannot, such as an embedder; `build` goes to buildApp. */
export async function startHttpFixture(overrides: Tree = {}, options: RagOptions = {}, build: BuildAppOptions = {}): Promise<HttpFixture> {
  const rag = new Rag(httpTestConfig(overrides), options);
  const app = await buildApp(rag, build);
  try {
    await rag.init();
  } catch (err) {
    await app.close();
    rag.close();
    throw err;
  }
  await app.ready();
  await rag.connect();
  let closed = false;
  return {
    app,
    rag,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await rag.close();
    },
  };
}

/** The one error shape every failure answers with. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
  requestId: string;
  details?: Record<string, unknown>;
}

/** Asserts `res` is an error of `status` in the documented shape, with the request id echoed, and returns it. */
export function expectError(res: LightMyRequestResponse, status: number, code?: string): ErrorBody {
  const body = res.json<unknown>();
  if (!isTree(body)) throw new Error(`expected a JSON object, got ${res.body.slice(0, 200)}`);
  expect(res.statusCode, res.body.slice(0, 500)).toBe(status);
  expect(body['statusCode']).toBe(status);
  expect(typeof body['code']).toBe('string');
  // The OpenAI-compatible routes carry `error` in OpenAI's shape, holding the same code and message.
  const error = body['error'];
  if (isTree(error)) expect(error).toMatchObject({ message: body['message'], code: body['code'] });
  else expect(typeof error).toBe('string');
  expect(typeof body['message']).toBe('string');
  expect((body['message'] as string).length).toBeGreaterThan(0);
  expect(body['requestId']).toBe(res.headers['x-request-id']);
  if (code !== undefined) expect(body['code']).toBe(code);
  return body as unknown as ErrorBody;
}

/** The body of a 200 answer, typed by the caller; fails with the body when the status is not 200. */
export function okBody<T>(res: LightMyRequestResponse): T {
  expect(res.statusCode, res.body.slice(0, 500)).toBe(200);
  return res.json<T>();
}

export function postJson(app: FastifyInstance, url: string, payload: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  const options: InjectOptions = {
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify(payload),
  };
  return app.inject(options);
}

/** POST raw bytes or text as the body, with whatever content type (or none) the test needs. */
export function postRaw(app: FastifyInstance, url: string, payload: string | Buffer | undefined, contentType?: string): Promise<LightMyRequestResponse> {
  const options: InjectOptions = { method: 'POST', url, headers: contentType === undefined ? {} : { 'content-type': contentType } };
  if (payload !== undefined) options.payload = payload;
  return app.inject(options);
}

export async function ingestDocs(app: FastifyInstance, documents: DocumentInput[]): Promise<{ documents: number; chunks: number; version: number }> {
  return okBody<{ documents: number; chunks: number; version: number }>(await postJson(app, '/v1/documents', { documents }));
}

export interface Readiness {
  ready: boolean;
  documents: number;
  chunks: number;
  version: number;
  models: ModelStatus[];
}

export async function readiness(app: FastifyInstance): Promise<Readiness> {
  return okBody<Readiness>(await app.inject({ method: 'GET', url: '/readyz' }));
}

export interface HitView {
  id: string;
  docId: string;
  title?: string;
  headingPath?: string[];
  text: string;
  score: number;
  source: string;
}

/** Hits of POST /v1/retrieve (200 asserted). */
export async function retrieveHits(app: FastifyInstance, query: string, extra: Tree = {}): Promise<HitView[]> {
  return okBody<{ hits: HitView[] }>(await postJson(app, '/v1/retrieve', { query, ...extra })).hits;
}
