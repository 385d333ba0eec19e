import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisTestServer, redisAvailable } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/tmp.js';

const run = promisify(execFile);
const bin = resolve('bin/rag.js');

/** The CLI with Redis configured and up: no warning that it is down, and a query's answer cached there. */
describe.skipIf(!redisAvailable)('rag commands with Redis configured', () => {
  const tmp = makeTempDir('rag-cli-redis-');
  const store = join(tmp.dir, 'index.db');
  let redis: RedisTestServer;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    redis = await RedisTestServer.start();
    env = { ...process.env, RAG_REDIS__URL: redis.url };
    writeFileSync(join(tmp.dir, 'numbat.md'), '# Numbats\n\nNumbats eat termites during the daytime.\n');
  });
  afterAll(async () => {
    await redis.stop();
    tmp.cleanup();
  });

  const rag = (...args: string[]) => run(process.execPath, [bin, ...args, '--store', store], { cwd: tmp.dir, env });

  it('ingests, lists and deletes without a word about Redis', async () => {
    for (const args of [['ingest', 'numbat.md'], ['documents', 'list'], ['documents', 'delete', 'numbat.md'], ['ingest', 'numbat.md']]) {
      const { stderr } = await rag(...args);
      expect(stderr).not.toMatch(/redis/i);
    }
  });

  it('caches a query in Redis, the second asking answered from it', async () => {
    const first = await rag('query', 'what do numbats eat?', '--json');
    expect(first.stderr).not.toMatch(/redis/i);
    expect(JSON.parse(first.stdout)).not.toHaveProperty('cached');
    const second = await rag('query', 'what do numbats eat?', '--json');
    expect(second.stderr).not.toMatch(/redis/i);
    expect(JSON.parse(second.stdout)).toMatchObject({ cached: true, answer: expect.stringContaining('termites') });
  });

  it('caches what a batch answers, from its first question on', async () => {
    writeFileSync(join(tmp.dir, 'q.jsonl'), `${JSON.stringify({ id: 'q1', question: 'when do numbats eat termites?' })}\n`);
    await rag('batch', '--input', 'q.jsonl', '--output', 'a.jsonl');
    const asked = await rag('query', 'when do numbats eat termites?', '--json');
    expect(JSON.parse(asked.stdout)).toMatchObject({ cached: true });
  });
});
