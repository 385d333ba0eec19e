import { describe, expect, it } from 'vitest';
import { codePenalty } from '../../../src/models/code-penalty.js';

describe('codePenalty', () => {
  it('does not count the punctuation within names written inline in prose', () => {
    // Settings, routes, addresses, files and placeholders: before, their dots, slashes and brackets made this prose code.
    expect(codePenalty('With auth.apiKeys set, every /v1/ route needs Authorization: Bearer <key> (401 without a valid one).')).toBe(0);
    expect(codePenalty('Give secrets through the environment (RAG_LLM__API_KEY, RAG_AUTH__API_KEYS, ...) rather than a file.')).toBe(0);
    expect(codePenalty('The server listens on 127.0.0.1:3000 and serves src/models/openai-chat-client.ts unchanged.')).toBe(0);
  });

  it('still counts what joins code: braces, assignments, quotes, semicolons', () => {
    expect(codePenalty("const client = new OpenAI({ baseURL: 'http://127.0.0.1:3000/v1', apiKey: 'unused' });")).toBeGreaterThan(0.1);
    expect(codePenalty('{"role": "embeddings", "kind": "local", "source": "/models/e5-small"}')).toBeGreaterThan(0.1);
    expect(codePenalty('cache: { enabled: true, ttlSeconds: 300 }')).toBeGreaterThan(0.1);
  });
});
