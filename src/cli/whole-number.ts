import { InvalidArgumentError } from 'commander';

/**
 * A commander parser for a whole number in [min, max], written in digits: "1e9" or "abc" for --concurrency would
 * otherwise hang or do nothing, and a port of "" would become 0.
 */
export const wholeNumber =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (value: string): number => {
    const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
    if (!(n >= min && n <= max)) throw new InvalidArgumentError(max === Number.MAX_SAFE_INTEGER ? `a whole number >= ${min}` : `a whole number from ${min} to ${max}`);
    return n;
  };

/** A TCP port to listen on; 0 asks for a free one. */
export const port = wholeNumber(0, 65_535);
