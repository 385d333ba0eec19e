import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { ConfigSchema, EMBEDDINGS_VARIANTS, EnsembleConfigSchema, PipelineConfigSchema, RERANKER_VARIANTS, type Config, type PipelineConfig } from './config-schema.js';
import { resolveVariant, type SettingIssue } from './config-variants.js';
import { envSetting } from './env-setting.js';
import { generatorNamesOf, moduleEnsembleProblems, rerankerNamesOf } from './module-ensembles.js';
import { RagError } from './errors.js';
import { redactUrl } from './redact-url.js';

export type {
  Config,
  CrossEncoderRerankerConfig,
  EmbeddingsConfig,
  EnsembleConfig,
  GeneratorEnsembleConfig,
  GeneratorName,
  HttpEmbeddingsConfig,
  HttpRerankerConfig,
  LlmConfig,
  LocalEmbeddingsConfig,
  PipelineConfig,
  QueryConfig,
  RerankerConfig,
  RerankerEnsembleConfig,
  RetrieverEnsembleConfig,
  RetrieverName,
} from './config-schema.js';

/** Reranker names every configuration has without defining them ("llm" needs the llm section, checked below). */
const BUILT_IN_RERANKERS = ['none', 'lexical', 'llm'];

/** Prefix of environment overrides: RAG_SERVER__PORT=8080 sets server.port. */
export const ENV_PREFIX = 'RAG_';

/**
 * This package's own config/default.yaml, wherever the package is installed: an application that embeds the library
 * starts from it (`loadConfig({ files: [defaultConfigPath] })`) without a copy in its own folder.
 */
export const defaultConfigPath = fileURLToPath(new URL('../../config/default.yaml', import.meta.url));

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

/** Deep merge of configuration trees: mappings merge key by key, anything else is replaced. */
export function mergeConfigTrees(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = isTree(prev) && isTree(value) ? mergeConfigTrees(prev, value) : value;
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
    // A byte-order mark (Notepad writes one) is no part of the JSON; the YAML parser skips it itself.
    parsed = path.endsWith('.json') ? JSON.parse(text.replace(/^\uFEFF/, '')) : parseYaml(text);
  } catch (err) {
    throw new RagError('CONFIG', `config file ${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isTree(parsed)) throw new RagError('CONFIG', `config file ${path} must hold a mapping at its top level`);
  return parsed;
}

/**
 * RAG_A__B_C=value -> {a: {bC: value}}; values parse as JSON when they can (numbers, booleans, arrays). A variable
 * of one part that names no setting is another tool's (RAG_TOKEN) and is left alone; one of our SECTION__KEY shape
 * that names no setting is a mistake, and stops with the variable's name and the spelling meant, if there is one.
 */
function fromEnv(env: Record<string, string | undefined>, files: Tree): Tree {
  let out: Tree = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined || name === `${ENV_PREFIX}CONFIG`) continue;
    const parts = name.slice(ENV_PREFIX.length).split('__');
    const path = parts.map((part) => part.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase()));
    // A name under pipelines, ensembles or rerankers is a name, not a setting: BM25_ONLY is the configured
    // "bm25-only" (camel-cased, it became a new pipeline "bm25Only").
    if (path.length >= 2 && NAMED_MAPS.includes(path[0] ?? '')) path[1] = configuredName(name, parts[1] ?? '', files[path[0] ?? '']) ?? path[1] ?? '';
    const setting = envSetting(ConfigSchema, path);
    if (setting.kind === 'foreign') continue;
    if (setting.kind === 'unknown') {
      const meant = setting.suggestion
        ? `; did you mean ${ENV_PREFIX}${setting.suggestion.map((k) => k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()).join('__')} (${setting.suggestion.join('.')})?`
        : '';
      throw new RagError('CONFIG', `environment variable ${name} names no setting (${path.join('.')})${meant}`);
    }
    // Lists and maps come as JSON; scalars stay strings here and are converted by the schema (a path "2024"
    // stays a string, a port "8080" becomes a number).
    let value: unknown = raw;
    if (/^\s*[[{]/.test(raw)) {
      try {
        value = JSON.parse(raw);
      } catch {
        // Not JSON after all: keep the string, validation will say what is wrong.
      }
      // A number JSON cannot hold exactly would be read as another one, and then taken as text (an API key): refused.
      const inexact = inexactNumber(value);
      if (inexact !== undefined) {
        throw new RagError('CONFIG', `environment variable ${name} holds a number too long to be read exactly (${inexact} digits): write it as a "string"`);
      }
    }
    let node: Tree = { [path[path.length - 1] ?? '']: value };
    for (let i = path.length - 2; i >= 0; i--) node = { [path[i] ?? '']: node };
    out = mergeConfigTrees(out, node);
  }
  return out;
}

/**
 * TypeBox converts a string to an integer with parseInt, and "true" to 1: RAG_SERVER__PORT=80.5 gave 80,
 * RAG_CACHE__TTL_SECONDS=1e4 gave 1, silently. A number taken from a variable is the string's own value (Number()),
 * so validation refuses a fraction where an integer is due, as it does in a file; a string that is no number stays
 * the string, and validation names it.
 */
function exactNumbers(raw: unknown, converted: unknown): unknown {
  if (typeof raw === 'string' && typeof converted === 'number') {
    const exact = Number(raw);
    return raw.trim() !== '' && Number.isFinite(exact) ? exact : raw;
  }
  // JSON that did not parse stays the string, for validation to name: TypeBox would wrap it into a list of itself.
  if (typeof raw === 'string' && /^\s*[[{]/.test(raw) && typeof converted === 'object' && converted !== null) return raw;
  if (Array.isArray(raw) && Array.isArray(converted)) return converted.map((v: unknown, i) => exactNumbers(raw[i], v));
  if (isTree(raw) && isTree(converted)) {
    return Object.fromEntries(Object.entries(converted).map(([k, v]) => [k, exactNumbers(raw[k], v)]));
  }
  return converted;
}

/** Sections whose keys are names the user chose. */
const NAMED_MAPS: readonly string[] = ['pipelines', 'ensembles', 'rerankers'];

/** The configured name a variable's name part means, ignoring case, '-', '_' and '.'; undefined for a new one. */
function configuredName(variable: string, part: string, section: unknown): string | undefined {
  const canonical = (n: string): string => n.toLowerCase().replace(/[-_.]/g, '');
  const matches = Object.keys(isTree(section) ? section : {}).filter((n) => canonical(n) === canonical(part));
  if (matches.length > 1) {
    throw new RagError('CONFIG', `environment variable ${variable} could mean ${matches.map((m) => `"${m}"`).join(' or ')}: rename one of them, or set it in a file`);
  }
  return matches[0];
}

/** Loads, merges and validates configuration; any invalid or unknown setting stops with its name. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  let tree: Tree = {};
  for (const file of options.files ?? []) tree = mergeConfigTrees(tree, readFile(file));
  const fromVariables = fromEnv(options.env ?? {}, tree);
  // A copy is converted: Value.Convert changes its argument, and the strings are needed to check its numbers.
  tree = mergeConfigTrees(tree, exactNumbers(fromVariables, Value.Convert(ConfigSchema, structuredClone(fromVariables))) as Tree);
  if (options.overrides) tree = mergeConfigTrees(tree, options.overrides);
  return validateConfig(tree);
}

export function validateConfig(tree: unknown): Config {
  // Sections left out entirely still get their defaults.
  const withSections = mergeConfigTrees(
    {
      server: {},
      store: {},
      chunking: {},
      ingest: {},
      retrieval: { bm25: {}, dense: {}, hybrid: {} },
      query: {},
      limits: {},
      bootstrap: {},
      redis: {},
      cache: {},
      auth: { rateLimit: {} },
    },
    isTree(tree) ? tree : {},
  );
  // An empty redis.url (RAG_REDIS__URL=) switches off a URL a file sets: an environment cannot unset a setting.
  const redisSection = withSections['redis'];
  if (isTree(redisSection) && redisSection['url'] === '') delete redisSection['url'];
  // Named maps must be mappings: TypeBox's defaults would turn a YAML list into entries "0", "1", ... silently.
  for (const section of ['pipelines', 'ensembles', 'rerankers'] as const) {
    const given = withSections[section];
    if (given !== undefined && !isTree(given)) {
      const got = Array.isArray(given) ? 'a list' : JSON.stringify(given);
      throw new RagError('CONFIG', `invalid configuration:\n  ${section}: must be a mapping of names to definitions, such as ${section}: { my-name: { ... } } (got ${got})`);
    }
  }
  const value = Value.Default(ConfigSchema, structuredClone(withSections)) as Record<string, unknown>;
  // TypeBox does not descend into records when applying defaults: give each pipeline its own.
  const pipelines = value['pipelines'];
  // Each pipeline as written, before its defaults: some settings exclude others only when given.
  const given = new Map<string, Record<string, unknown>>();
  if (isTree(pipelines)) {
    for (const [name, p] of Object.entries(pipelines)) {
      if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
        throw new RagError('CONFIG', `invalid configuration:\n  pipelines.${name}: a pipeline name may hold only letters, digits, '_', '.' and '-'`);
      }
      // A copy: defaults are filled in place.
      given.set(name, isTree(p) ? { ...p } : {});
      pipelines[name] = Value.Default(PipelineConfigSchema, p);
    }
  }
  const ensembles = value['ensembles'];
  const givenEnsembles = new Map<string, Record<string, unknown>>();
  if (isTree(ensembles)) {
    for (const [name, e] of Object.entries(ensembles)) {
      if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
        throw new RagError('CONFIG', `invalid configuration:\n  ensembles.${name}: an ensemble name may hold only letters, digits, '_', '.' and '-'`);
      }
      givenEnsembles.set(name, isTree(e) ? { ...e } : {});
      ensembles[name] = Value.Default(EnsembleConfigSchema, e);
    }
  }
  // Sections whose shape depends on a key are checked against their own variant (see resolveVariant).
  const variantIssues: SettingIssue[] = [];
  const variantPaths: string[] = [];
  if (value['embeddings'] !== undefined) {
    const r = resolveVariant('/embeddings', value['embeddings'], 'provider', EMBEDDINGS_VARIANTS);
    value['embeddings'] = r.value;
    variantIssues.push(...r.issues);
    variantPaths.push('/embeddings');
  }
  const rerankers = value['rerankers'];
  if (isTree(rerankers)) {
    for (const [name, r] of Object.entries(rerankers)) {
      if (!/^[A-Za-z0-9_.-]+$/.test(name) || BUILT_IN_RERANKERS.includes(name)) {
        throw new RagError(
          'CONFIG',
          `invalid configuration:\n  rerankers.${name}: a reranker name may hold only letters, digits, '_', '.' and '-', and may not be ${BUILT_IN_RERANKERS.map((b) => `"${b}"`).join(' or ')}`,
        );
      }
      const resolved = resolveVariant(`/rerankers/${name}`, r, 'kind', RERANKER_VARIANTS);
      rerankers[name] = resolved.value;
      variantIssues.push(...resolved.issues);
      variantPaths.push(`/rerankers/${name}`);
    }
  }
  // One message per setting: the first error TypeBox finds there is the most telling.
  const generic = [...Value.Errors(ConfigSchema, value)].filter((e) => !variantPaths.some((p) => e.path === p || e.path.startsWith(`${p}/`)));
  const errors = [...variantIssues, ...generic].filter((e, i, all) => all.findIndex((o) => o.path === e.path) === i);
  if (errors.length > 0) {
    const lines = errors.slice(0, 10).map((e) => {
      const setting = e.path.replace(/^\//, '').replace(/\//g, '.') || '(root)';
      // A secret is never echoed, even a mistyped one (nor a URL's password).
      // A short list of scalars (a retriever list) is shown too; objects are not.
      const shown = e.value !== undefined && (typeof e.value !== 'object' || isScalarList(e.value)) && !isSecretSetting(setting);
      return `  ${setting}: ${('schema' in e && literalChoices(e.schema)) || e.message}${shown ? ` (got ${JSON.stringify(withoutPassword(e.value))})` : ''}`;
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
  if (config.llm) checkBaseUrl(config.llm.baseUrl);
  if (config.refiner.structure === 'llm' && !config.llm) {
    throw new RagError('CONFIG', 'invalid configuration:\n  refiner.structure: "llm" needs an llm section (at least llm.baseUrl and llm.model)');
  }
  for (const [name, p] of Object.entries(config.pipelines)) {
    // A setting of another kind would be ignored without a word ("rounds" on a sequential pipeline).
    for (const [setting, kinds] of Object.entries(KIND_SETTINGS)) {
      if ((given.get(name) ?? {})[setting] !== undefined && !kinds.includes(p.kind)) {
        throw new RagError('CONFIG', `invalid configuration:\n  pipelines.${name}.${setting}: applies to ${kinds.join(' and ')} pipelines only (this one is ${p.kind})`);
      }
    }
    const problem = moduleEnsembleProblems(given.get(name) ?? {}, p)[0];
    if (problem !== undefined) throw new RagError('CONFIG', `invalid configuration:\n  pipelines.${name}.${problem}`);
    const uses = llmSettingsOf(p);
    if (uses.length > 0 && !config.llm) {
      const need = uses[0] === 'kind' ? '"agentic" needs an LLM, which plans with tool calls: add an llm section' : '"llm" needs an llm section';
      throw new RagError('CONFIG', `invalid configuration:\n  pipelines.${name}.${uses[0] ?? ''}: ${need} (at least llm.baseUrl and llm.model)`);
    }
    const unknown = rerankerNamesOf(p).find((r) => !BUILT_IN_RERANKERS.includes(r) && !(r in config.rerankers));
    if (unknown !== undefined) {
      const known = [...BUILT_IN_RERANKERS, ...Object.keys(config.rerankers)].join(', ');
      const setting = p.rerankers ? 'rerankers.members' : 'reranker';
      throw new RagError('CONFIG', `invalid configuration:\n  pipelines.${name}.${setting}: names "${unknown}", which is not a reranker (known: ${known})`);
    }
  }
  for (const [name, e] of Object.entries(config.ensembles)) {
    if (name in config.pipelines) throw new RagError('CONFIG', `invalid configuration:\n  ensembles.${name}: a pipeline has that name already`);
    if (e.mode !== 'generative' && givenEnsembles.get(name)?.['aggregation'] !== undefined) {
      throw new RagError('CONFIG', `invalid configuration:\n  ensembles.${name}.aggregation: applies to mode "generative" only (this ensemble votes)`);
    }
    if (e.mode === 'generative' && !config.llm) {
      throw new RagError('CONFIG', `invalid configuration:\n  ensembles.${name}.mode: "generative" needs an llm section (the LLM that writes the answer from the members')`);
    }
    const unknown = e.members.find((m) => !(m in config.pipelines));
    if (unknown !== undefined) {
      const why = unknown in config.ensembles ? 'an ensemble: members are pipelines (an ensemble cannot hold another)' : `not under pipelines (${Object.keys(config.pipelines).join(', ')})`;
      throw new RagError('CONFIG', `invalid configuration:\n  ensembles.${name}.members: names "${unknown}", which is ${why}`);
    }
    const twice = e.members.find((m, i) => e.members.indexOf(m) !== i);
    // The same pipeline twice would answer twice and outvote the others with one answer.
    if (twice !== undefined) throw new RagError('CONFIG', `invalid configuration:\n  ensembles.${name}.members: names "${twice}" twice`);
  }
  return config;
}

/** Pipeline settings that only one or two kinds read. */
const KIND_SETTINGS: Readonly<Record<string, readonly PipelineConfig['kind'][]>> = {
  rounds: ['iterative', 'loop'],
  stopBelow: ['loop'],
  branchBy: ['branching'],
  maxBranches: ['branching'],
  maxSteps: ['agentic'],
  maxMalformed: ['agentic'],
  searchK: ['agentic'],
  readTokens: ['agentic'],
};

/** The settings of a pipeline that call for the LLM ("kind" agentic, "generator", "rerankers.members"...); empty when it needs none. */
export function llmSettingsOf(pipeline: PipelineConfig): string[] {
  const uses: string[] = [];
  if (pipeline.kind === 'agentic') uses.push('kind');
  if (generatorNamesOf(pipeline).includes('llm')) uses.push(pipeline.generators ? 'generators.members' : 'generator');
  if (rerankerNamesOf(pipeline).includes('llm')) uses.push(pipeline.rerankers ? 'rerankers.members' : 'reranker');
  return uses;
}

function checkBaseUrl(baseUrl: string): void {
  let url: URL | undefined;
  try {
    url = new URL(baseUrl);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new RagError('CONFIG', `invalid configuration:\n  llm.baseUrl: must be an http(s) URL such as http://127.0.0.1:8000/v1 (got ${JSON.stringify(withoutPassword(baseUrl))})`);
  }
}

/**
 * For a setting that takes one of fixed values, "must be one of ..." naming them; TypeBox says only "Expected union
 * value". A union that also takes a list of them, or a free name (retriever, reranker, generator), says so too.
 */
function literalChoices(schema: unknown): string | undefined {
  const branches = isTree(schema) && Array.isArray(schema['anyOf']) ? (schema['anyOf'] as unknown[]) : [];
  if (branches.length === 0) return undefined;
  const values: unknown[] = [];
  const others: string[] = [];
  for (const branch of branches) {
    const literals = literalsOf(branch);
    if (literals !== undefined) values.push(...literals);
    else if (isTree(branch) && branch['type'] === 'array') {
      const min = typeof branch['minItems'] === 'number' ? branch['minItems'] : 0;
      const max = typeof branch['maxItems'] === 'number' ? branch['maxItems'] : undefined;
      const count = max === undefined ? `${min} or more` : min === max ? `${min}` : `${min} to ${max}`;
      others.push(`a list of ${count} ${literalsOf(branch['items']) !== undefined && values.length > 0 ? 'of them' : 'names'}`);
    } else if (isTree(branch) && branch['type'] === 'string') others.unshift('a name');
    else return undefined;
  }
  if (values.length === 0) return others.length > 0 ? `must be ${others.join(' or ')}` : undefined;
  return `must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}${others.length > 0 ? `, or ${others.join(' or ')}` : ''}`;
}

/** The values of a constant, or of a union of constants; undefined for any other schema. */
function literalsOf(schema: unknown): unknown[] | undefined {
  if (isTree(schema) && 'const' in schema) return [schema['const']];
  const branches = isTree(schema) && Array.isArray(schema['anyOf']) ? (schema['anyOf'] as unknown[]) : [];
  if (branches.length === 0 || branches.some((b) => !isTree(b) || !('const' in b))) return undefined;
  return branches.map((b) => (b as Tree)['const']);
}

const isScalarList = (v: unknown): boolean => Array.isArray(v) && v.length <= 16 && v.every((x) => x === null || typeof x !== 'object');

/** Settings that hold a secret, or a list of them: any part of the path names a key, password, token or secret. */
function isSecretSetting(setting: string): boolean {
  return setting.split('.').some((part) => /^(api_?keys?|keys?|password|token|secret)$/i.test(part));
}

/** A URL's password (redis://:pass@host) replaced by "***" before the value is shown in a message. */
function withoutPassword(value: unknown): unknown {
  return typeof value === 'string' && (value.includes('@') || /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) ? redactUrl(value) : value;
}

/** The digit count of the first integer in a parsed JSON value that is beyond exact (2^53), if any. */
function inexactNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && !Number.isSafeInteger(value) ? Math.abs(value).toFixed(0).length : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const v of Object.values(value)) {
    const found = inexactNumber(v);
    if (found !== undefined) return found;
  }
  return undefined;
}
