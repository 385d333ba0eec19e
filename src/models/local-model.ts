import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { PreTrainedModel, PreTrainedTokenizer, Tensor } from '@huggingface/transformers';
import { RagError } from '../core/errors.js';
import { loadWithProviders, type ExecutionProvider, type ProviderFailure } from './execution-providers.js';
import { resolveModelFolder, type ModelDtype } from './model-folder.js';
import type { ModelStatus } from './model-status.js';
import { positionLimit } from './position-limit.js';
import { loadedTransformers, transformers } from './transformers-module.js';

export interface LocalModelOptions {
  modelPath: string;
  allowRemoteModels: boolean;
  executionProviders: ExecutionProvider[];
  dtype: ModelDtype;
  maxLength: number;
}

/** Which head the ONNX graph has: token states (feature extraction) or a classifier (a cross-encoder). */
export type ModelHead = 'encoder' | 'sequence-classification';

export interface LocalModel {
  tokenizer: PreTrainedTokenizer;
  model: PreTrainedModel;
  /** The folder loaded (absolute), or the Hub id when remote models are allowed and it is no folder. */
  source: string;
  provider: ExecutionProvider;
  failures: ProviderFailure[];
  /** The configured maxLength, capped at what the tokenizer and the position embeddings say the model takes. */
  maxLength: number;
  /** What the start-up should log: a maxLength capped. */
  warnings?: string[];
  loadMs: number;
}

/** What a loaded local model reports (the start-up log, /readyz): where it runs and what it fell back from. */
export function localModelStatus(role: string, m: LocalModel, options: Pick<LocalModelOptions, 'executionProviders' | 'dtype'>): ModelStatus {
  const s: ModelStatus = {
    role,
    kind: 'local',
    source: m.source,
    provider: m.provider,
    requestedProviders: [...options.executionProviders],
    dtype: options.dtype,
    maxLength: m.maxLength,
    loadMs: m.loadMs,
  };
  if (m.failures.length > 0) s.fallbacks = m.failures;
  if (m.warnings) s.warnings = [...m.warnings];
  return s;
}

/**
 * Loads a tokenizer and an ONNX model from a model folder through transformers.js, with the first configured
 * execution provider that can both create the session and run `probe` on it (a provider whose kernels fail at
 * run time falls back like one whose library is missing).
 */
export async function loadLocalModel(
  role: string,
  head: ModelHead,
  options: LocalModelOptions,
  probe: (loaded: { tokenizer: PreTrainedTokenizer; model: PreTrainedModel; maxLength: number }) => Promise<void>,
): Promise<LocalModel> {
  const started = performance.now();
  const source = resolveModelFolder(role, options.modelPath, options.dtype, options.allowRemoteModels);
  const pretrained = { local_files_only: !options.allowRemoteModels };
  let tokenizer: PreTrainedTokenizer;
  try {
    const { AutoTokenizer } = await transformers();
    tokenizer = await AutoTokenizer.from_pretrained(source, pretrained);
  } catch (err) {
    throw new RagError('CONFIG', `${role}: cannot load the tokenizer of ${source}: ${(err as Error).message}`, undefined, { cause: err });
  }
  const { maxLength, warning } = await effectiveMaxLength(role, source, options, tokenizer, pretrained);
  const { AutoModel, AutoModelForSequenceClassification } = await transformers();
  const Auto = head === 'encoder' ? AutoModel : AutoModelForSequenceClassification;
  const choice = await loadWithProviders(`${role} (${source})`, options.executionProviders, async (device) => {
    const model = await Auto.from_pretrained(source, { ...pretrained, device, dtype: options.dtype });
    try {
      await probe({ tokenizer, model, maxLength });
    } catch (err) {
      await model.dispose();
      throw err;
    }
    return model;
  });
  return {
    tokenizer,
    model: choice.value,
    source,
    provider: choice.provider,
    failures: choice.failures,
    maxLength,
    ...(warning ? { warnings: [warning] } : {}),
    loadMs: Math.round(performance.now() - started),
  };
}

/**
 * The configured maxLength, capped at what the model takes: the tokenizer's model_max_length, and the position
 * embeddings of config.json (a tokenizer may claim more than the graph holds; longer inputs then fail inside ONNX
 * Runtime on every long text). A cap says so, naming the setting.
 */
async function effectiveMaxLength(
  role: string,
  source: string,
  options: LocalModelOptions,
  tokenizer: PreTrainedTokenizer,
  pretrained: { local_files_only: boolean },
): Promise<{ maxLength: number; warning?: string }> {
  const limits: Array<{ limit: number; why: string }> = [];
  const fromTokenizer: unknown = tokenizer.model_max_length;
  if (typeof fromTokenizer === 'number' && Number.isFinite(fromTokenizer) && fromTokenizer > 0) {
    limits.push({ limit: fromTokenizer, why: `its tokenizer's model_max_length is ${fromTokenizer}` });
  }
  const fromPositions = positionLimit(await modelConfig(source, pretrained));
  if (fromPositions !== undefined) limits.push({ limit: fromPositions, why: `its config.json has position embeddings for ${fromPositions} tokens` });
  const tightest = limits.sort((a, b) => a.limit - b.limit)[0];
  if (!tightest || tightest.limit >= options.maxLength) return { maxLength: options.maxLength };
  return {
    maxLength: tightest.limit,
    warning: `${role}: maxLength ${options.maxLength} is more than ${source} takes (${tightest.why}): texts are cut at ${tightest.limit} tokens (set ${role === 'embeddings' ? 'embeddings' : role.replace(/^reranker\./, 'rerankers.')}.maxLength to at most ${tightest.limit} to silence this)`,
  };
}

/** The model's config.json (a folder's own file; a Hub model's through transformers.js); undefined when unreadable. */
async function modelConfig(source: string, pretrained: { local_files_only: boolean }): Promise<unknown> {
  try {
    if (isAbsolute(source)) return JSON.parse(readFileSync(join(source, 'config.json'), 'utf8')) as unknown;
    const { AutoConfig } = await transformers();
    return await AutoConfig.from_pretrained(source, pretrained);
  } catch {
    // The model's own loading reports a broken config; the tokenizer's limit still applies.
    return undefined;
  }
}

/** The first of `names` among a model's outputs (exports name the token states differently). */
export function outputTensor(outputs: unknown, names: readonly string[], what: string): Tensor {
  const { Tensor } = loadedTransformers();
  if (typeof outputs === 'object' && outputs !== null) {
    for (const name of names) {
      const t: unknown = (outputs as Record<string, unknown>)[name];
      if (t instanceof Tensor) return t;
    }
  }
  const found = typeof outputs === 'object' && outputs !== null ? Object.entries(outputs).filter(([, t]) => t instanceof Tensor) : [];
  const gives = found.length > 0 ? ` (it gives ${found.map(([n]) => n).join(', ')})` : '';
  throw new RagError('CONFIG', `${what}: the model has none of the outputs ${names.join(', ')}${gives}; is it the right kind of model?`);
}

/** A tensor's values as float32 (an fp16 model's outputs are converted). */
export function floatData(t: Tensor): Float32Array {
  const data: unknown = (t.type === 'float32' ? t : t.to('float32')).data;
  if (data instanceof Float32Array) return data;
  throw new RagError('INTERNAL', `expected a float tensor, got ${t.type}`);
}

/** Milliseconds to the microsecond, as the trace keeps them. */
export const roundMs = (ms: number): number => Math.round(ms * 1000) / 1000;
