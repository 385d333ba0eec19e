import type { PreTrainedTokenizer, Tensor } from '@huggingface/transformers';
import { loadedTransformers } from './transformers-module.js';
import { truncateEncoding, type Encoding } from './truncate-encoding.js';

export interface EncodedBatch {
  /** input_ids, attention_mask and, when the tokenizer makes them, token_type_ids: int64 [batch, seq]. */
  inputs: Record<string, Tensor>;
  /** The attention mask, row by row (1 = real token), for pooling. */
  mask: Uint8Array[];
  seqLength: number;
  /** Real tokens in the batch, padding excluded. */
  tokens: number;
}

/**
 * Tokenizes texts (or text pairs, for a cross-encoder) into one padded batch for an encoder model: truncated to
 * `maxLength` with the special tokens kept (see truncateEncoding), padded on the right to the longest row.
 */
export function encodeBatch(tokenizer: PreTrainedTokenizer, texts: string[], pairs: string[] | null, maxLength: number): EncodedBatch {
  const bare = new Map<string, number[]>();
  const idsOf = (text: string): number[] => {
    let ids = bare.get(text);
    if (ids === undefined) {
      ids = tokenizer.encode(text, { add_special_tokens: false });
      bare.set(text, ids);
    }
    return ids;
  };
  const rows: Encoding[] = texts.map((text, i) => {
    const pair = pairs?.[i] ?? null;
    const e = tokenizer(text, { text_pair: pair, return_tensor: false });
    const full: Encoding = { inputIds: e.input_ids, attentionMask: e.attention_mask };
    if (e.token_type_ids) full.tokenTypeIds = e.token_type_ids;
    if (full.inputIds.length <= maxLength) return full;
    return truncateEncoding(full, maxLength, idsOf(text), pair === null ? null : idsOf(pair));
  });

  const batch = rows.length;
  const seqLength = Math.max(...rows.map((r) => r.inputIds.length));
  const ids = new BigInt64Array(batch * seqLength).fill(BigInt(tokenizer.pad_token_id ?? 0));
  const attention = new BigInt64Array(batch * seqLength);
  const types = rows.every((r) => r.tokenTypeIds !== undefined) ? new BigInt64Array(batch * seqLength) : null;
  const mask: Uint8Array[] = [];
  let tokens = 0;
  rows.forEach((r, b) => {
    const rowMask = new Uint8Array(seqLength);
    const offset = b * seqLength;
    for (let t = 0; t < r.inputIds.length; t++) {
      ids[offset + t] = BigInt(r.inputIds[t] ?? 0);
      attention[offset + t] = BigInt(r.attentionMask[t] ?? 0);
      rowMask[t] = r.attentionMask[t] ?? 0;
      if (types) types[offset + t] = BigInt(r.tokenTypeIds?.[t] ?? 0);
    }
    tokens += r.inputIds.length;
    mask.push(rowMask);
  });
  const dims = [batch, seqLength];
  const { Tensor } = loadedTransformers();
  const inputs: Record<string, Tensor> = {
    input_ids: new Tensor('int64', ids, dims),
    attention_mask: new Tensor('int64', attention, dims),
  };
  if (types) inputs['token_type_ids'] = new Tensor('int64', types, dims);
  return { inputs, mask, seqLength, tokens };
}
