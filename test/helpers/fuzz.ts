import { randInt } from './random.js';

/**
 * Seeded generators of hostile request bodies for the fuzz test. Bodies are built as JSON text, not objects, so
 * they can hold what JSON.stringify cannot write: `__proto__` keys, duplicate keys, lone surrogates, 10,000 levels
 * of nesting.
 */

/** The parts of a JSON schema (as TypeBox writes them) that a minimal valid example needs. */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  const?: unknown;
  enum?: unknown[];
  minLength?: number;
  minItems?: number;
  minimum?: number;
}

/** A smallest valid value of a schema: required properties only, first union member, bounds met. */
export function exampleOf(schema: JsonSchema): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  if (schema.anyOf?.[0]) return exampleOf(schema.anyOf[0]);
  switch (schema.type) {
    case 'object':
      return Object.fromEntries((schema.required ?? []).map((key) => [key, exampleOf(schema.properties?.[key] ?? {})]));
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => exampleOf(schema.items ?? {}));
    case 'string':
      return 'quokka'.padEnd(schema.minLength ?? 0, 's');
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    default:
      return null;
  }
}

const DEPTH = 10_000;

/** JSON texts no client should send, each with a name for the failure report. */
export const HOSTILE_VALUES: ReadonlyArray<readonly [string, () => string]> = [
  ['null', () => 'null'],
  ['true', () => 'true'],
  ['zero', () => '0'],
  ['negative', () => '-1'],
  ['1e308', () => '1e308'],
  ['a 30-digit integer', () => '123456789012345678901234567890'],
  ['a fraction', () => '0.5'],
  ['empty string', () => '""'],
  ['blank string', () => '" \\t\\n "'],
  ['100 kB string', () => JSON.stringify('quokka '.repeat(14_000))],
  ['20,000-element array', () => `[${new Array<string>(20_000).fill('0').join(',')}]`],
  ['10,000 nested arrays', () => `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`],
  ['10,000 nested objects', () => `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`],
  ['an object of 5,000 keys', () => `{${Array.from({ length: 5000 }, (_, i) => `"k${i}":${i}`).join(',')}}`],
  ['__proto__ object', () => '{"__proto__":{"polluted":true}}'],
  ['constructor.prototype object', () => '{"constructor":{"prototype":{"polluted":true}}}'],
  ['a lone surrogate', () => '"quokka \\ud800 island"'],
  ['NUL and control characters', () => '"\\u0000\\u0001\\u001b[31m\\u007f"'],
  ['BOM, zero-width and RTL override', () => '"\\ufeffquo\\u200bkka\\u202e"'],
  ['astral and combining characters', () => JSON.stringify('𝔮𝔲𝔬𝔨𝔨𝔞 👩‍👩‍👧 q̷̨̛u̸o̶k̵k̷a̸ مرحبا 日本語')],
  ['an operator object', () => '{"$ne":null,"$gt":""}'],
  ['SQL', () => JSON.stringify("x' OR 1=1; DROP TABLE documents; --")],
  ['FTS5 syntax', () => JSON.stringify('NEAR("a" b*, 2) AND title:x OR ^y')],
  ['a server path', () => JSON.stringify('../../../../etc/passwd')],
  ['a metadata-service URL', () => JSON.stringify('http://169.254.169.254/latest/meta-data/')],
  ['empty object', () => '{}'],
  ['empty array', () => '[]'],
];

/** Whole bodies that are not what a route's schema describes, or not JSON at all. */
export const HOSTILE_BODIES: ReadonlyArray<readonly [string, string]> = [
  ['duplicate keys', '{"query":"quokka","query":5}'],
  ['trailing garbage', '{"query":"quokka"} {"query":"again"}'],
  ['NaN literal', '{"query":"quokka","k":NaN}'],
  ['a comment', '{"query":"quokka" /* hi */}'],
  ['single quotes', "{'query':'quokka'}"],
  ['a BOM before the object', '\ufeff{"query":"quokka"}'],
  ['an unterminated string', '{"query":"quo'],
  ['top-level __proto__', '{"query":"quokka","__proto__":{"isAdmin":true}}'],
  ['top-level constructor', '{"query":"quokka","constructor":{"prototype":{"isAdmin":true}}}'],
  ['a bare number', '42'],
  ['a bare string', '"quokka"'],
];

/** Object keys that have broken parsers, prototypes and SQL/JSON-path builders elsewhere. */
const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', '', 'a\u0000b', 'tab\tkey', 'we"ird\\key', '$.lang', '[0]', '*', '𝔮𝔲𝔬𝔨𝔨𝔞', 'k'.repeat(200)];

/** One of `items`, drawn with `rnd`. */
export const pick = <T,>(rnd: () => number, items: readonly T[]): T => items[randInt(rnd, items.length)] as T;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path into a value (the root is []), objects' keys and arrays' indices. */
function pathsOf(value: Json, at: Array<string | number> = []): Array<Array<string | number>> {
  const out = [at];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...at, i])));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...at, k]));
  return out;
}

const MARK = '\u0001fuzz\u0001';

/** `base` with the value at `path` replaced by the raw JSON text `raw`. */
function withRawAt(base: Json, path: Array<string | number>, raw: string): string {
  if (path.length === 0) return raw;
  const copy = JSON.parse(JSON.stringify(base)) as Json;
  let node = copy as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  node[path[path.length - 1] as string | number] = MARK;
  return JSON.stringify(copy).replace(JSON.stringify(MARK), raw);
}

/** The value at `path` in `base`. */
function at(base: Json, path: Array<string | number>): Json {
  let node = base;
  for (const k of path) node = (node as Record<string | number, Json>)[k] as Json;
  return node;
}

/** The paths of the objects (not arrays) in `base`, the root included. */
function objectPaths(base: Json): Array<Array<string | number>> {
  return pathsOf(base).filter((p) => {
    const v = at(base, p);
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  });
}

/** One random mutation of a valid body: a hostile value somewhere (mostly), or a field left out. */
export function mutate(rnd: () => number, valid: unknown): { name: string; body: string } {
  const base = valid as Json;
  if (rnd() < 0.85) {
    const path = pick(rnd, pathsOf(base));
    const [name, make] = pick(rnd, HOSTILE_VALUES);
    return { name: `${name} at ${path.join('.') || 'the root'}`, body: withRawAt(base, path, make()) };
  }
  const path = pick(rnd, objectPaths(base));
  const node = at(base, path) as Record<string, Json>;
  const keys = Object.keys(node);
  if (keys.length === 0) return { name: 'an empty object', body: withRawAt(base, path, '{}') };
  const drop = pick(rnd, keys);
  const rest = Object.fromEntries(Object.entries(node).filter(([k]) => k !== drop));
  return { name: `"${drop}" left out of ${path.join('.') || 'the root'}`, body: withRawAt(base, path, JSON.stringify(rest)) };
}

/**
 * Every hostile key added to every object of a valid body, with a harmless value ("en"), so that where the
 * schema lets keys through (metadata, filters, chat messages) they reach the code behind it.
 */
export function withHostileKeys(valid: unknown): Array<{ name: string; body: string }> {
  const base = valid as Json;
  return objectPaths(base).flatMap((path) =>
    HOSTILE_KEYS.map((key) => ({
      name: `key ${JSON.stringify(key).slice(0, 40)} added to ${path.join('.') || 'the root'}`,
      body: withRawAt(base, path, `{${JSON.stringify(key)}:"en"${objectBody(base, path)}}`),
    })),
  );
}

/** The members of the object at `path` as JSON text after a leading comma ("" when it has none). */
function objectBody(base: Json, path: Array<string | number>): string {
  const inner = JSON.stringify(at(base, path)).slice(1, -1);
  return inner.length > 0 ? `,${inner}` : '';
}
