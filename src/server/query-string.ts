import { RagError } from '../core/errors.js';

/** A query-string value quoted in an error message: escaped as JSON, and cut short (a URL may be kilobytes long). */
export function quoteParam(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
}

/**
 * A whole number given in the query string, `fallback` when it is left out. A query string's values are text (the
 * server coerces no types), so the number is read here rather than by the schema: a schema pattern answered "abc"
 * with 'must match pattern "^[0-9]{1,4}$"', and only a number out of range with the bounds. Every bad value gets one
 * message, naming the parameter and its bounds. Digits only: Number() also reads "1e2", "0x10" and " 5".
 */
export function wholeNumberParam(name: string, value: string | undefined, bounds: { min: number; max: number; fallback: number }): number {
  if (value === undefined) return bounds.fallback;
  const n = /^[0-9]{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= bounds.min && n <= bounds.max)) {
    throw new RagError('VALIDATION', `${name}: must be a whole number from ${bounds.min} to ${bounds.max}; got ${quoteParam(value)}`);
  }
  return n;
}
