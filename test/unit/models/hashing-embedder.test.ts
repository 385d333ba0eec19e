import { describe, expect, it } from 'vitest';
import { RunContext } from '../../../src/core/run-context.js';
import { HashingEmbedder } from '../../helpers/hashing-embedder.js';

const cosine = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);

describe('HashingEmbedder (test helper)', () => {
  const embedder = new HashingEmbedder(64);

  it('is deterministic, unit-length and of the stated size, through the Embedder interface', async () => {
    const ctx = new RunContext();
    const [a, b] = await embedder.embedPassages(['Glaciers are melting.', 'Glaciers are melting.'], ctx);
    expect(a).toHaveLength(64);
    expect(Array.from(a!)).toEqual(Array.from(b!));
    expect(cosine(a!, a!)).toBeCloseTo(1, 5);
    expect(ctx.trace.spans.map((s) => s.name)).toEqual(['embed.hashing']);
    expect(cosine(embedder.embed(''), embedder.embed(''))).toBeCloseTo(1, 5);
  });

  it('puts texts that share words closer than texts that do not', () => {
    const query = embedder.embed('melting glacier ice');
    const near = embedder.embed('The glaciers melt: ice loss is fast.');
    const far = embedder.embed('Quarterly revenue of the bakery chain.');
    expect(cosine(query, near)).toBeGreaterThan(cosine(query, far) + 0.2);
  });
});
