import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { ConfigSchema, PipelineConfigSchema, type Config } from './config-schema.js';
import { RagError } from './errors.js';

export type { Config, PipelineConfig, RetrieverName } from './config-schema.js';

/** Prefix of environment overrides: RAG_SERVER__PORT=8080 sets server.port. */
export const ENV_PREFIX = 'RAG_';

export interface LoadConfigOptions {
  /** YAML or JSON files, later ones overriding earlier ones. */
  files?: string[];
  /** Usually process.env; only config loading reads the environment. */
  env?: Record<string, string | undefined>;
  /** Final overrides, e.g. from CLI flags, as a partial config object. */
  overrides?: Record<string, unknown>;
}

type Tree = Record<string, unknown>;

const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

function merge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = isTree(prev) && isTree(value) ? merge(prev, value) : value;
  }
  return out;
}

function readFile(path: string): Tree {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RagError('CONFIG', `cannot read config file ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new RagError('CONFIG', `config file ${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isTree(parsed)) throw new RagError('CONFIG', `config file ${path} must hold a mapping at its top level`);
  return parsed;
}

/** RAG_A__B_C=value -> {a: {bC: value}}; values parse as JSON when they can (numbers, booleans, arrays). */
function fromEnv(env: Record<string, string | undefined>): Tree {
  let out: Tree = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined || name === `${ENV_PREFIX}CONFIG`) continue;
    const path = name
      .slice(ENV_PREFIX.length)
      .split('__')
      .map((part) => part.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()));
    // Lists and maps come as JSON; scalars stay strings here and are converted by the schema (a path "2024"
    // stays a string, a port "8080" becomes a number).
    let value: unknown = raw;
    if (/^\s*[[{]/.test(raw)) {
      try {
        value = JSON.parse(raw);
      } catch {
        // Not JSON after all: keep the string, validation will say what is wrong.
      }
    }
    let node: Tree = { [path[path.length - 1] ?? '']: value };
    for (let i = path.length - 2; i >= 0; i--) node = { [path[i] ?? '']: node };
    out = merge(out, node);
  }
  return out;
}

/** Loads, merges and validates configuration; any invalid or unknown setting stops with its name. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  let tree: Tree = {};
  for (const file of options.files ?? []) tree = merge(tree, readFile(file));
  tree = merge(tree, Value.Convert(ConfigSchema, fromEnv(options.env ?? {})) as Tree);
  if (options.overrides) tree = merge(tree, options.overrides);
  return validateConfig(tree);
}

export function validateConfig(tree: unknown): Config {
  // Sections left out entirely still get their defaults.
  const withSections = merge(
    { server: {}, store: {}, chunking: {}, retrieval: { bm25: {}, dense: {}, hybrid: {} }, limits: {}, bootstrap: {} },
    isTree(tree) ? tree : {},
  );
  const value = Value.Default(ConfigSchema, structuredClone(withSections)) as Record<string, unknown>;
  // TypeBox does not descend into records when applying defaults: give each pipeline its own.
  const pipelines = value['pipelines'];
  if (isTree(pipelines)) {
    for (const [name, p] of Object.entries(pipelines)) {
      if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
        throw new RagError('CONFIG', `invalid configuration:\n  pipelines.${name}: a pipeline name may hold only letters, digits, '_', '.' and '-'`);
      }
      pipelines[name] = Value.Default(PipelineConfigSchema, p);
    }
  }
  // One message per setting: the first error TypeBox finds there is the most telling.
  const errors = [...Value.Errors(ConfigSchema, value)].filter(
    (e, i, all) => all.findIndex((o) => o.path === e.path) === i,
  );
  if (errors.length > 0) {
    const lines = errors.slice(0, 10).map((e) => {
      const setting = e.path.replace(/^\//, '').replace(/\//g, '.') || '(root)';
      return `  ${setting}: ${e.message}${e.value !== undefined && typeof e.value !== 'object' ? ` (got ${JSON.stringify(e.value)})` : ''}`;
    });
    throw new RagError('CONFIG', `invalid configuration:\n${lines.join('\n')}`);
  }
  const config = value as Config;
  if (config.chunking.chunkOverlap >= config.chunking.chunkSize) {
    throw new RagError('CONFIG', 'invalid configuration:\n  chunking.chunkOverlap: must be smaller than chunking.chunkSize');
  }
  const { weights } = config.retrieval.hybrid;
  if (weights.bm25 === 0 && weights.dense === 0) {
    throw new RagError('CONFIG', 'invalid configuration:\n  retrieval.hybrid.weights: at least one of bm25 and dense must be above 0');
  }
  if (!(config.defaultPipeline in config.pipelines)) {
    throw new RagError(
      'CONFIG',
      `invalid configuration:\n  defaultPipeline: names "${config.defaultPipeline}", which is not under pipelines (${Object.keys(config.pipelines).join(', ') || 'none defined'})`,
    );
  }
  return config;
}
