import type { TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** One invalid setting: a JSON-pointer path into the configuration, TypeBox's message, the offending value. */
export interface SettingIssue {
  path: string;
  message: string;
  value?: unknown;
  /** The schema the value failed, so a setting of fixed values can list them. */
  schema?: unknown;
}

const isTree = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Resolves a section whose shape depends on one key (the embeddings by `provider`, a reranker by `kind`). Checked
 * as a union, TypeBox would only say "Expected union value" and apply no defaults; picking the variant by its key
 * first gives the variant's defaults, string conversion (for environment variables) and errors that name the
 * exact setting.
 */
export function resolveVariant(path: string, section: unknown, key: string, variants: Record<string, TObject>): { value: unknown; issues: SettingIssue[] } {
  if (!isTree(section)) return { value: section, issues: [{ path, message: 'must be a mapping', value: section }] };
  const chosen = section[key];
  const schema = typeof chosen === 'string' ? variants[chosen] : undefined;
  if (schema === undefined) {
    const message = `must be one of ${Object.keys(variants).map((v) => `"${v}"`).join(', ')}`;
    return { value: section, issues: [{ path: `${path}/${key}`, message, value: chosen }] };
  }
  const value = Value.Default(schema, Value.Convert(schema, structuredClone(section)));
  const issues = [...Value.Errors(schema, value)].map((e) => ({ path: `${path}${e.path}`, message: e.message, value: e.value, schema: e.schema }));
  return { value, issues };
}
