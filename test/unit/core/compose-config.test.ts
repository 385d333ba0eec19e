import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultConfigPath, loadConfig } from '../../../src/core/config.js';

/** The compose file's settings for the app must be ones the server accepts, or the stack would not start. */
describe('docker/compose.yaml', () => {
  it("sets only valid settings through the app's environment", () => {
    const compose = parse(readFileSync('docker/compose.yaml', 'utf8')) as { services: { app: { environment: Record<string, string> } } };
    const env = compose.services.app.environment;
    const config = loadConfig({ files: [defaultConfigPath], env });
    expect(config.retrieval.backend).toBe('opensearch');
    expect(config.opensearch.nodes).toEqual(['http://opensearch:9200']);
    expect(config.redis.url).toBe('redis://redis:6379');
  });
});
