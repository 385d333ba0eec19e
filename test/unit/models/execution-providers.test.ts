import { describe, expect, it } from 'vitest';
import { RagError } from '../../../src/core/errors.js';
import { loadWithProviders } from '../../../src/models/execution-providers.js';
import { ragErrorOfAsync } from '../../helpers/errors.js';

describe('loadWithProviders', () => {
  it('uses the first provider that loads and reports the ones that failed, with their reasons', async () => {
    const tried: string[] = [];
    const choice = await loadWithProviders('model m', ['cuda', 'webgpu', 'cpu'], async (p) => {
      tried.push(p);
      if (p !== 'cpu') throw new Error(`${p} library missing\nstack...`);
      return 'session';
    });
    expect(tried).toEqual(['cuda', 'webgpu', 'cpu']);
    expect(choice).toEqual({
      value: 'session',
      provider: 'cpu',
      failures: [
        { provider: 'cuda', reason: 'cuda library missing' },
        { provider: 'webgpu', reason: 'webgpu library missing' },
      ],
    });
  });

  it('stops at the first provider that works', async () => {
    const tried: string[] = [];
    const choice = await loadWithProviders('m', ['cuda', 'cpu'], async (p) => {
      tried.push(p);
      return p;
    });
    expect(choice.provider).toBe('cuda');
    expect(choice.failures).toEqual([]);
    expect(tried).toEqual(['cuda']);
  });

  it('fails with CONFIG naming every provider and its reason when none works', async () => {
    const e = await ragErrorOfAsync(() =>
      loadWithProviders('embeddings (/m)', ['cuda'], async () => {
        throw new Error('Failed to load shared library');
      }),
    );
    expect(e.code).toBe('CONFIG');
    expect(e.message).toBe('embeddings (/m): no configured execution provider could run it (cuda: Failed to load shared library)');
  });

  it('does not try other providers after a configuration error of the model itself', async () => {
    const tried: string[] = [];
    const e = await ragErrorOfAsync(() =>
      loadWithProviders('m', ['cuda', 'cpu'], async (p) => {
        tried.push(p);
        throw new RagError('CONFIG', 'bad model');
      }),
    );
    expect(e.message).toBe('bad model');
    expect(tried).toEqual(['cuda']);
  });
});
