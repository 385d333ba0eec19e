import type { FastifyRequest } from 'fastify';
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

/**
 * The first query-string parameter of `url` that cannot be percent-decoded (`?prefix=%FF`), named as sent when its
 * name is the part that cannot be. The query-string parser keeps such a value as its raw text, so "prefix=%FF"
 * listed the ids starting with the three characters "%FF" (those "%25FF" asks for): an empty page, where a path
 * that cannot be decoded is a 400.
 */
export function undecodableParam(url: string): { name: string; value: string } | undefined {
  const start = url.indexOf('?');
  if (start === -1) return undefined;
  for (const pair of url.slice(start + 1).split('&')) {
    if (!pair.includes('%')) continue;
    const eq = pair.indexOf('=');
    const rawName = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
    const name = decoded(rawName);
    if (name === undefined) return { name: rawName, value: rawValue };
    if (decoded(rawValue) === undefined) return { name, value: rawValue };
  }
  return undefined;
}

function decoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** The onRequest hook that answers a query string that cannot be decoded as the router answers such a path. */
export async function refuseUndecodableQuery(request: FastifyRequest): Promise<void> {
  const bad = undecodableParam(request.url);
  if (bad === undefined) return;
  throw new RagError('BAD_REQUEST', `the URL is not valid: query parameter ${quoteParam(bad.name)} cannot be percent-decoded (${quoteParam(bad.value)})`, {
    param: bad.name,
  });
}
