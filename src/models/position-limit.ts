/**
 * Model types whose position ids start after the padding index (RoBERTa's scheme): of `max_position_embeddings`,
 * `pad_token_id + 1` are never used by real tokens (RoBERTa-base: 514 positions, 512 tokens).
 */
const OFFSET_POSITIONS = new Set([
  'roberta',
  'xlm-roberta',
  'xlm-roberta-xl',
  'roberta-prelayernorm',
  'camembert',
  'data2vec-text',
  'longformer',
  'ibert',
  'mpnet',
  'luke',
  'markuplm',
]);

/**
 * The most tokens a model's position embeddings take, from its config.json; undefined when it names no limit or
 * has no absolute positions (DeBERTa with `position_biased_input: false` takes any length). Longer inputs fail
 * inside ONNX Runtime ("Attempting to broadcast an axis..."), so a maxLength above it is capped.
 */
export function positionLimit(config: unknown): number | undefined {
  if (typeof config !== 'object' || config === null) return undefined;
  const c = config as Record<string, unknown>;
  const max = c['max_position_embeddings'];
  if (typeof max !== 'number' || !Number.isInteger(max) || max <= 0) return undefined;
  if (c['position_biased_input'] === false) return undefined;
  const type = typeof c['model_type'] === 'string' ? c['model_type'] : '';
  if (!OFFSET_POSITIONS.has(type)) return max;
  const pad = typeof c['pad_token_id'] === 'number' && Number.isInteger(c['pad_token_id']) ? c['pad_token_id'] : 1;
  return Math.max(1, max - pad - 1);
}
