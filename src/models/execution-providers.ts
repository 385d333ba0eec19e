import { RagError } from '../core/errors.js';

/** ONNX Runtime execution providers as transformers.js names them (its `device` option). */
export type ExecutionProvider = 'cuda' | 'webgpu' | 'dml' | 'coreml' | 'cpu';

export interface ProviderFailure {
  provider: ExecutionProvider;
  reason: string;
}

export interface ProviderChoice<T> {
  value: T;
  provider: ExecutionProvider;
  /** The providers tried first, and why each failed. */
  failures: ProviderFailure[];
}

/**
 * Loads a model with the first execution provider that works, in the configured order (e.g. cuda, then cpu).
 * ONNX Runtime fails a session whose provider library or device is missing instead of switching by itself, so
 * each provider is tried alone; every failure is kept so the fallback is reported, never silent. When none works
 * the start stops with every provider's reason.
 */
export async function loadWithProviders<T>(
  what: string,
  providers: readonly ExecutionProvider[],
  load: (provider: ExecutionProvider) => Promise<T>,
): Promise<ProviderChoice<T>> {
  const failures: ProviderFailure[] = [];
  for (const provider of providers) {
    try {
      return { value: await load(provider), provider, failures };
    } catch (err) {
      if (err instanceof RagError) throw err;
      failures.push({ provider, reason: firstLine(err) });
    }
  }
  const reasons = failures.map((f) => `${f.provider}: ${f.reason}`).join('; ');
  throw new RagError('CONFIG', `${what}: no configured execution provider could run it (${reasons})`, { failures });
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]?.trim().slice(0, 500) || 'unknown error';
}
