export type Pooling = 'mean' | 'cls';

/**
 * One vector per row from an encoder's token states [batch, seq, hidden]: the mean over real tokens (the mask
 * leaves padding out, so a text's vector does not depend on what it was batched with) or the first token's
 * state ([CLS]). Optionally L2-normalised.
 */
export function poolTokens(states: Float32Array, dims: readonly number[], mask: Uint8Array[], pooling: Pooling, normalize: boolean): Float32Array[] {
  const [batch = 0, seq = 0, hidden = 0] = dims;
  const out: Float32Array[] = [];
  for (let b = 0; b < batch; b++) {
    const v = new Float32Array(hidden);
    const row = b * seq * hidden;
    if (pooling === 'cls') {
      v.set(states.subarray(row, row + hidden));
    } else {
      // Accumulate in float64: long texts sum hundreds of states.
      const sum = new Float64Array(hidden);
      let count = 0;
      const m = mask[b];
      for (let t = 0; t < seq; t++) {
        if (!m?.[t]) continue;
        count++;
        const at = row + t * hidden;
        for (let h = 0; h < hidden; h++) sum[h] = (sum[h] ?? 0) + (states[at + h] ?? 0);
      }
      for (let h = 0; h < hidden; h++) v[h] = (sum[h] ?? 0) / Math.max(count, 1);
    }
    out.push(normalize ? l2Normalize(v) : v);
  }
  return out;
}

/** Scales a vector to unit length in place (a zero vector stays zero). */
export function l2Normalize(v: Float32Array): Float32Array {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] = (v[i] ?? 0) / norm;
  return v;
}
