import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV_PREFIX, defaultConfigPath, loadConfig, validateConfig } from '../../../src/core/config.js';
import { ragErrorOf } from '../../helpers/errors.js';
import { makeTempDir } from '../../helpers/tmp.js';

const DEFAULT_YAML = resolve(import.meta.dirname, '../../../config/default.yaml');

let tmp: { dir: string; cleanup: () => void };
let counter = 0;
/** Writes a config file into the temp folder and returns its path. */
const writeConfig = (text: string, ext = 'yaml'): string => {
  const path = join(tmp.dir, `config-${++counter}.${ext}`);
  writeFileSync(path, text);
  return path;
};

/** A minimal valid file: the only thing the schema cannot default is a pipeline for defaultPipeline. */
const MINIMAL = 'pipelines:\n  default:\n    kind: sequential\n';

beforeAll(() => {
  tmp = makeTempDir('rag-config-');
});
afterAll(() => tmp.cleanup());

describe('loadConfig defaults', () => {
  it('loads config/default.yaml with its documented values', () => {
    const config = loadConfig({ files: [DEFAULT_YAML], env: {} });
    expect(config.server).toEqual({
      host: '127.0.0.1',
      port: 3000,
      logLevel: 'info',
      bodyLimitBytes: 16777216,
      requestTimeoutMs: 30000,
      docs: true,
    });
    expect(config.store.path).toBe('data/rag.db');
    expect(config.chunking).toEqual({ chunkSize: 1200, chunkOverlap: 150 });
    expect(config.retrieval.bm25).toEqual({ engine: 'memory', k1: 0.9, b: 0.4, maxQueryTerms: 64 });
    expect(config.limits.maxDocumentChars).toBe(5_000_000);
    expect(config.defaultPipeline).toBe('default');
    expect(Object.keys(config.pipelines).sort()).toEqual(['bm25-only', 'default']);
    expect(config.pipelines['bm25-only']?.reranker).toBe('none');
    expect(config.pipelines['bm25-only']?.retrieveK).toBe(20);
    expect(config.bootstrap).toEqual({ ingestOnEmpty: true, paths: ['README.md', 'docs'] });
  });

  it('fills settings left out of a file from the schema defaults, pipelines included', () => {
    const config = loadConfig({ files: [writeConfig(MINIMAL)], env: {} });
    expect(config.server.port).toBe(3000);
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.retrieval.bm25.engine).toBe('memory');
    expect(config.chunking.chunkSize).toBe(1200);
    expect(config.pipelines['default']).toEqual({
      kind: 'sequential',
      retriever: 'bm25',
      retrieveK: 50,
      reranker: 'lexical',
      rerankK: 20,
      contextTokens: 1200,
      abstainAbove: 0.98,
      generator: 'extractive',
      refiner: 'budget',
    });
  });

  it('gives each pipeline its own defaults without sharing objects', () => {
    const config = loadConfig({
      files: [writeConfig('pipelines:\n  default:\n    kind: sequential\n  other:\n    kind: sequential\n    retrieveK: 7\n')],
      env: {},
    });
    expect(config.pipelines['other']?.retrieveK).toBe(7);
    expect(config.pipelines['default']?.retrieveK).toBe(50);
    expect(config.pipelines['other']?.rerankK).toBe(20);
  });

  it('reads JSON files too, later files overriding earlier ones', () => {
    const json = writeConfig(JSON.stringify({ server: { port: 4001 }, chunking: { chunkSize: 500 } }), 'json');
    const yaml = writeConfig('server:\n  port: 4002\n');
    const config = loadConfig({ files: [DEFAULT_YAML, json, yaml], env: {} });
    expect(config.server.port).toBe(4002);
    expect(config.chunking.chunkSize).toBe(500);
    // Deep merge: sibling settings of an overridden one stay.
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.chunking.chunkOverlap).toBe(150);
  });

  it('treats an empty file as no settings', () => {
    const config = loadConfig({ files: [DEFAULT_YAML, writeConfig('')], env: {} });
    expect(config.server.port).toBe(3000);
  });
});

describe('environment overrides', () => {
  it('RAG_SERVER__PORT=8080 sets server.port to the number 8080', () => {
    const config = loadConfig({ files: [DEFAULT_YAML], env: { RAG_SERVER__PORT: '8080' } });
    expect(config.server.port).toBe(8080);
    expect(typeof config.server.port).toBe('number');
  });

  it('RAG_RETRIEVAL__BM25__ENGINE=fts5 selects the fts5 engine', () => {
    const config = loadConfig({ files: [DEFAULT_YAML], env: { RAG_RETRIEVAL__BM25__ENGINE: 'fts5' } });
    expect(config.retrieval.bm25.engine).toBe('fts5');
    expect(config.retrieval.bm25.k1).toBe(0.9);
  });

  it('maps snake case to camel case and parses booleans, numbers and arrays', () => {
    const config = loadConfig({
      files: [DEFAULT_YAML],
      env: {
        RAG_SERVER__LOG_LEVEL: 'debug',
        RAG_SERVER__DOCS: 'false',
        RAG_RETRIEVAL__BM25__MAX_QUERY_TERMS: '12',
        RAG_RETRIEVAL__BM25__K1: '1.2',
        RAG_BOOTSTRAP__PATHS: '["a.md","b"]',
        RAG_DEFAULT_PIPELINE: 'bm25-only',
        RAG_STORE__PATH: '/var/lib/rag/index.db',
      },
    });
    expect(config.server.logLevel).toBe('debug');
    expect(config.server.docs).toBe(false);
    expect(config.retrieval.bm25.maxQueryTerms).toBe(12);
    expect(config.retrieval.bm25.k1).toBe(1.2);
    expect(config.bootstrap.paths).toEqual(['a.md', 'b']);
    expect(config.defaultPipeline).toBe('bm25-only');
    expect(config.store.path).toBe('/var/lib/rag/index.db');
  });

  it("reaches a configured pipeline or ensemble whose name has '-', '_' or capitals", () => {
    // Before, BM25_ONLY was camel-cased into a new pipeline "bm25Only" (which then failed for want of a kind).
    const config = loadConfig({ files: [DEFAULT_YAML], env: { RAG_PIPELINES__BM25_ONLY__RETRIEVE_K: '5' } });
    expect(config.pipelines['bm25-only']?.retrieveK).toBe(5);
    expect(Object.keys(config.pipelines)).not.toContain('bm25Only');
    const file = writeConfig('pipelines:\n  seq: { kind: sequential }\n  iter: { kind: iterative }\nensembles:\n  vote-all: { members: [seq, iter, default] }\n');
    const ens = loadConfig({ files: [DEFAULT_YAML, file], env: { RAG_ENSEMBLES__VOTE_ALL__MEMBERS: '["seq","iter"]' } });
    expect(ens.ensembles['vote-all']?.members).toEqual(['seq', 'iter']);
    expect(Object.keys(ens.ensembles)).toEqual(['vote-all']);
    const twin = writeConfig('pipelines:\n  a-b: { kind: sequential }\n  a_b: { kind: sequential }\n');
    expect(ragErrorOf(() => loadConfig({ files: [DEFAULT_YAML, twin], env: { RAG_PIPELINES__A_B__RETRIEVE_K: '5' } })).message).toContain('could mean "a-b" or "a_b"');
  });

  it('lets an empty RAG_REDIS__URL switch off the Redis a file sets', () => {
    const file = writeConfig('redis:\n  url: redis://127.0.0.1:6379\n');
    expect(loadConfig({ files: [DEFAULT_YAML, file], env: {} }).redis.url).toBe('redis://127.0.0.1:6379');
    // Before: "redis.url: Expected string to match '^rediss?://' (got \"\")".
    expect(loadConfig({ files: [DEFAULT_YAML, file], env: { RAG_REDIS__URL: '' } }).redis.url).toBeUndefined();
  });

  it('ranks overrides above the environment and the environment above files', () => {
    const file = writeConfig('server:\n  port: 4000\n  host: 0.0.0.0\n');
    const config = loadConfig({
      files: [DEFAULT_YAML, file],
      env: { RAG_SERVER__PORT: '5000', RAG_SERVER__HOST: 'example.org' },
      overrides: { server: { port: 6000 } },
    });
    expect(config.server.port).toBe(6000);
    expect(config.server.host).toBe('example.org');
  });

  it('ignores variables without the prefix, undefined values and RAG_CONFIG', () => {
    expect(ENV_PREFIX).toBe('RAG_');
    const config = loadConfig({
      files: [DEFAULT_YAML],
      env: { PATH: '/usr/bin', SERVER__PORT: '1', RAG_CONFIG: 'elsewhere.yaml', RAG_SERVER__PORT: undefined },
    });
    expect(config.server.port).toBe(3000);
  });

  it('keeps a string setting whose value looks like a number a string (RAG_STORE__PATH=2024)', () => {
    // Environment values are always strings; a numeric-looking file name is still a valid path.
    const config = loadConfig({ files: [DEFAULT_YAML], env: { RAG_STORE__PATH: '2024' } });
    expect(config.store.path).toBe('2024');
  });
});

describe('invalid configuration', () => {
  it('rejects an unknown key from the environment, naming the setting path', () => {
    const err = ragErrorOf(() => loadConfig({ files: [DEFAULT_YAML], env: { RAG_SERVER__PROT: '8080' } }));
    expect(err.code).toBe('CONFIG');
    expect(err.statusCode).toBe(500);
    expect(err.message).toContain('server.prot');
  });

  it('names the variable and the spelling meant when a key differs only in case or underscores', () => {
    const err = ragErrorOf(() => loadConfig({ files: [DEFAULT_YAML], env: { RAG_LIMITS__MAXK: '5' } }));
    expect(err.code).toBe('CONFIG');
    expect(err.message).toBe('environment variable RAG_LIMITS__MAXK names no setting (limits.maxk); did you mean RAG_LIMITS__MAX_K (limits.maxK)?');
    // A section misspelt has our SECTION__KEY shape: a mistake, not another tool's variable.
    expect(ragErrorOf(() => loadConfig({ files: [DEFAULT_YAML], env: { RAG_SEVER__PORT: '1' } })).message).toContain('RAG_SEVER__PORT names no setting');
    // One part, but one of ours misspelt.
    expect(ragErrorOf(() => loadConfig({ files: [DEFAULT_YAML], env: { RAG_DEFAULTPIPELINE: 'x' } })).message).toContain('did you mean RAG_DEFAULT_PIPELINE');
  });

  it("leaves another tool's RAG_ variable of one part alone (RAG_TOKEN, RAG_KEY)", () => {
    const config = loadConfig({ files: [DEFAULT_YAML], env: { RAG_TOKEN: 'xyz', RAG_KEY: 'secret', RAG_SERVER__PORT: '8081' } });
    expect(config.server.port).toBe(8081);
  });

  it('rejects an unknown key in a file, naming the setting path', () => {
    const err = ragErrorOf(() => loadConfig({ files: [DEFAULT_YAML, writeConfig('retrieval:\n  bm25:\n    engien: fts5\n')], env: {} }));
    expect(err.code).toBe('CONFIG');
    expect(err.message).toContain('retrieval.bm25.engien');
  });

  it('rejects an unknown top-level section and an unknown pipeline setting', () => {
    const top = ragErrorOf(() => loadConfig({ files: [DEFAULT_YAML, writeConfig('sever:\n  port: 1\n')], env: {} }));
    expect(top.code).toBe('CONFIG');
    expect(top.message).toContain('sever');
    const pipe = ragErrorOf(() => loadConfig({ files: [DEFAULT_YAML], env: { RAG_PIPELINES__DEFAULT__TOP_K: '3' } }));
    expect(pipe.code).toBe('CONFIG');
    expect(pipe.message).toContain('pipelines.default.topK');
  });

  it('names the setting that has the wrong type', () => {
    const port = ragErrorOf(() => loadConfig({ files: [DEFAULT_YAML], env: { RAG_SERVER__PORT: 'eighty' } }));
    expect(port.code).toBe('CONFIG');
    expect(port.message).toContain('server.port');
    expect(port.message).toContain('eighty');

    const engine = ragErrorOf(() => loadConfig({ files: [DEFAULT_YAML, writeConfig('retrieval:\n  bm25:\n    engine: lucene\n')], env: {} }));
    expect(engine.message).toContain('retrieval.bm25.engine');
    // A setting of fixed values lists them.
    expect(engine.message).toContain('retrieval.bm25.engine: must be one of "memory", "fts5" (got "lucene")');

    const docs = ragErrorOf(() => loadConfig({ files: [DEFAULT_YAML, writeConfig('server:\n  docs: "yes"\n')], env: {} }));
    expect(docs.message).toContain('server.docs');
  });

  it('reads a number from a variable as the whole string means it, not its leading digits', () => {
    // parseInt read "80.5" as 80 and "1e4" as 1, and "true" as 1: a wrong value with no word said.
    const half = ragErrorOf(() => loadConfig({ files: [DEFAULT_YAML], env: { RAG_SERVER__PORT: '80.5' } }));
    expect(half.message).toContain('server.port: Expected integer (got 80.5)');
    const yes = ragErrorOf(() => loadConfig({ files: [DEFAULT_YAML], env: { RAG_CACHE__MAX_ENTRIES: 'true' } }));
    expect(yes.message).toContain('cache.maxEntries: Expected integer (got "true")');
    const endless = ragErrorOf(() => loadConfig({ files: [DEFAULT_YAML], env: { RAG_SERVER__PORT: 'Infinity' } }));
    expect(endless.message).toContain('server.port: Expected integer (got "Infinity")');
    const config = loadConfig({ files: [DEFAULT_YAML], env: { RAG_CACHE__TTL_SECONDS: '1e4', RAG_RETRIEVAL__BM25__K1: ' 1.2 ', RAG_REDIS__KEY_PREFIX: '0123' } });
    expect(config.cache.ttlSeconds).toBe(10000);
    expect(config.retrieval.bm25.k1).toBe(1.2);
    expect(config.redis.keyPrefix).toBe('0123');
  });

  it('refuses a list variable whose JSON does not parse, rather than take the text for one item', () => {
    // RAG_BOOTSTRAP__PATHS='["a",' became the path '["a",'.
    const err = ragErrorOf(() => loadConfig({ files: [DEFAULT_YAML], env: { RAG_BOOTSTRAP__PATHS: '["docs",' } }));
    expect(err.message).toContain('bootstrap.paths: Expected array (got "[\\"docs\\",")');
    const keys = ragErrorOf(() => loadConfig({ files: [DEFAULT_YAML], env: { RAG_AUTH__API_KEYS: '[{name: "app"}]' } }));
    expect(keys.message).toContain('auth.apiKeys: Expected array');
  });

  it('reads a JSON file that starts with a byte-order mark', () => {
    // JSON.parse refused it with "Unexpected token '\uFEFF'", an invisible character.
    const config = loadConfig({ files: [DEFAULT_YAML, writeConfig('\uFEFF{"server": {"port": 8088}}', 'json')] });
    expect(config.server.port).toBe(8088);
  });

  it('refuses an empty server.host, which would listen on every interface', () => {
    const err = ragErrorOf(() => loadConfig({ files: [DEFAULT_YAML], env: { RAG_SERVER__HOST: '' } }));
    expect(err.message).toContain('server.host: Expected string length greater or equal to 1 (got "")');
    expect(() => loadConfig({ files: [DEFAULT_YAML], overrides: { server: { host: '' } } })).toThrow(/server\.host/);
  });

  it('rejects out-of-range numbers, naming the setting', () => {
    const err = ragErrorOf(() => loadConfig({ files: [DEFAULT_YAML], env: { RAG_SERVER__PORT: '70000' } }));
    expect(err.message).toContain('server.port');
    const b = ragErrorOf(() => loadConfig({ files: [DEFAULT_YAML], env: { RAG_RETRIEVAL__BM25__B: '1.5' } }));
    expect(b.message).toContain('retrieval.bm25.b');
  });

  it('rejects a defaultPipeline naming a pipeline that does not exist', () => {
    const err = ragErrorOf(() => loadConfig({ files: [DEFAULT_YAML], env: { RAG_DEFAULT_PIPELINE: 'missing' } }));
    expect(err.code).toBe('CONFIG');
    expect(err.message).toContain('defaultPipeline');
    expect(err.message).toContain('missing');
  });

  it('rejects chunkOverlap equal to or above chunkSize', () => {
    for (const overlap of [500, 600]) {
      const err = ragErrorOf(() =>
        loadConfig({ files: [DEFAULT_YAML], overrides: { chunking: { chunkSize: 500, chunkOverlap: overlap } } }),
      );
      expect(err.code).toBe('CONFIG');
      expect(err.message).toContain('chunking.chunkOverlap');
    }
    // Just below is fine.
    const ok = loadConfig({ files: [DEFAULT_YAML], overrides: { chunking: { chunkSize: 500, chunkOverlap: 499 } } });
    expect(ok.chunking.chunkOverlap).toBe(499);
  });

  it('reports unreadable files, malformed YAML and non-mapping files as CONFIG errors', () => {
    const missing = ragErrorOf(() => loadConfig({ files: [join(tmp.dir, 'nope.yaml')] }));
    expect(missing.code).toBe('CONFIG');
    expect(missing.message).toContain('nope.yaml');

    const badYaml = writeConfig('server: [unclosed\n');
    const yamlErr = ragErrorOf(() => loadConfig({ files: [badYaml] }));
    expect(yamlErr.code).toBe('CONFIG');
    expect(yamlErr.message).toContain(badYaml);

    const badJson = writeConfig('{"server": ', 'json');
    expect(ragErrorOf(() => loadConfig({ files: [badJson] })).code).toBe('CONFIG');

    const list = writeConfig('- a\n- b\n');
    const listErr = ragErrorOf(() => loadConfig({ files: [list] }));
    expect(listErr.code).toBe('CONFIG');
    expect(listErr.message).toContain('mapping');
  });

  it('validates every pipeline, naming the bad setting', () => {
    const err = ragErrorOf(() =>
      validateConfig({ pipelines: { default: { kind: 'sequential', retrieveK: 'many' } } }),
    );
    expect(err.code).toBe('CONFIG');
    expect(err.message).toContain('pipelines.default.retrieveK');
  });

  it('rejects a pipeline whose name breaks the name pattern instead of skipping its validation', () => {
    // The schema restricts pipeline names to [A-Za-z0-9_.-]+; a name outside it must not slip through unchecked.
    const err = ragErrorOf(() =>
      validateConfig({
        defaultPipeline: 'my pipeline',
        pipelines: { 'my pipeline': { kind: 'bogus', retrieveK: 'many' } },
      }),
    );
    expect(err.code).toBe('CONFIG');
    expect(err.message).toContain('my pipeline');
  });
});

describe('dense and hybrid settings', () => {
  it('have documented defaults, and every pipeline defaults to bm25', () => {
    const config = loadConfig({ files: [DEFAULT_YAML], env: {} });
    expect(config.retrieval.dense).toEqual({ embedBatchSize: 32, reindexBatchSize: 512 });
    expect(config.retrieval.hybrid).toEqual({ fusion: 'rrf', rrfK: 60, weights: { bm25: 1, dense: 1 }, entropyWeights: false, depth: 100 });
    const minimal = loadConfig({ files: [writeConfig(MINIMAL)], env: {} });
    expect(minimal.retrieval.hybrid.weights).toEqual({ bm25: 1, dense: 1 });
    expect(minimal.pipelines['default']?.retriever).toBe('bm25');
  });

  it('take a weight, a fusion method and a pipeline retriever from a file or the environment', () => {
    const config = loadConfig({
      files: [DEFAULT_YAML, writeConfig('retrieval:\n  hybrid:\n    fusion: normalized\n    weights: { dense: 2 }\npipelines:\n  default:\n    kind: sequential\n    retriever: hybrid\n')],
      env: { RAG_RETRIEVAL__HYBRID__DEPTH: '40' },
    });
    expect(config.retrieval.hybrid).toMatchObject({ fusion: 'normalized', weights: { bm25: 1, dense: 2 }, depth: 40 });
    expect(config.pipelines['default']?.retriever).toBe('hybrid');
  });

  it('reject an unknown fusion method, an unknown retriever and two zero weights, naming the setting', () => {
    const fusion = ragErrorOf(() => loadConfig({ files: [DEFAULT_YAML], env: { RAG_RETRIEVAL__HYBRID__FUSION: 'max' } }));
    expect(fusion.message).toContain('retrieval.hybrid.fusion');
    const retriever = ragErrorOf(() => loadConfig({ files: [DEFAULT_YAML], env: { RAG_PIPELINES__DEFAULT__RETRIEVER: 'splade' } }));
    expect(retriever.message).toContain('pipelines.default.retriever');
    const zero = ragErrorOf(() =>
      loadConfig({ files: [DEFAULT_YAML], env: { RAG_RETRIEVAL__HYBRID__WEIGHTS__BM25: '0', RAG_RETRIEVAL__HYBRID__WEIGHTS__DENSE: '0' } }),
    );
    expect(zero.code).toBe('CONFIG');
    expect(zero.message).toContain('retrieval.hybrid.weights');
  });
});

describe('defaultConfigPath', () => {
  it("is the package's own config/default.yaml, readable from any working folder", () => {
    expect(defaultConfigPath).toBe(DEFAULT_YAML);
    const config = loadConfig({ files: [defaultConfigPath] });
    expect(Object.keys(config.pipelines)).toEqual(expect.arrayContaining(['default', 'bm25-only']));
  });
});

describe('named maps and component unions, as a user mistypes them', () => {
  it('refuses pipelines, ensembles or rerankers written as a list rather than a mapping', () => {
    const pipes = ragErrorOf(() => loadConfig({ files: [DEFAULT_YAML, writeConfig('pipelines:\n  - { kind: loop }\n')], env: {} }));
    expect(pipes.code).toBe('CONFIG');
    expect(pipes.message).toContain('pipelines: must be a mapping of names to definitions');
    expect(pipes.message).toContain('(got a list)');
    const ensembles = ragErrorOf(() => loadConfig({ files: [DEFAULT_YAML, writeConfig('ensembles:\n  - { members: [default] }\n')], env: {} }));
    expect(ensembles.message).toContain('ensembles: must be a mapping');
    const rerankers = ragErrorOf(() => validateConfig({ pipelines: { default: { kind: 'sequential' } }, rerankers: [{ kind: 'http', url: 'http://x' }] }));
    expect(rerankers.message).toContain('rerankers: must be a mapping');
  });

  it('lists the valid components when a retriever, generator or reranker is mistyped or a one-item list', () => {
    const gen = ragErrorOf(() => validateConfig({ pipelines: { default: { kind: 'sequential', generator: 'extractive-span' } } }));
    expect(gen.message).toContain(
      'pipelines.default.generator: must be one of "extractive", "extractive-spans", "extractive-linked", "extractive-bridge", "llm", or a list of 2 to 3 of them (got "extractive-span")',
    );
    const ret = ragErrorOf(() => validateConfig({ pipelines: { default: { kind: 'sequential', retriever: ['bm25'] } } }));
    expect(ret.message).toContain('pipelines.default.retriever: must be one of "bm25", "dense", "hybrid", or a list of 2 to 3 of them (got ["bm25"])');
    const rr = ragErrorOf(() => validateConfig({ pipelines: { default: { kind: 'sequential', reranker: ['lexical'] } } }));
    expect(rr.message).toContain('pipelines.default.reranker: must be a name or a list of 2 to 8 names (got ["lexical"])');
  });

  it('refuses a setting of another pipeline kind, which that kind would ignore', () => {
    // Before, "rounds" on a sequential pipeline (and "stopBelow" on an iterative one) started and did nothing.
    const rounds = ragErrorOf(() => validateConfig({ pipelines: { default: { kind: 'sequential', rounds: 5 } } }));
    expect(rounds.message).toContain('pipelines.default.rounds: applies to iterative and loop pipelines only (this one is sequential)');
    const stop = ragErrorOf(() => validateConfig({ pipelines: { default: { kind: 'iterative', stopBelow: 0.2 } } }));
    expect(stop.message).toContain('pipelines.default.stopBelow: applies to loop pipelines only (this one is iterative)');
    expect(validateConfig({ pipelines: { default: { kind: 'loop', rounds: 2, stopBelow: 0.3 } } }).pipelines['default']?.rounds).toBe(2);
  });

  it('refuses an ensemble holding a pipeline twice or another ensemble, and aggregation settings on a voting one', () => {
    const base = { pipelines: { default: { kind: 'sequential' }, other: { kind: 'iterative' } } };
    const twice = ragErrorOf(() => validateConfig({ ...base, ensembles: { e: { members: ['default', 'other', 'other'] } } }));
    expect(twice.message).toContain('ensembles.e.members: names "other" twice');
    const nested = ragErrorOf(() => validateConfig({ ...base, ensembles: { e: { members: ['default', 'other'] }, f: { members: ['e', 'default'] } } }));
    expect(nested.message).toContain('ensembles.f.members: names "e", which is an ensemble: members are pipelines');
    const aggregation = ragErrorOf(() => validateConfig({ ...base, ensembles: { e: { members: ['default', 'other'], aggregation: { timeoutMs: 100 } } } }));
    expect(aggregation.message).toContain('ensembles.e.aggregation: applies to mode "generative" only');
  });
});
