import type { TSchema } from '@sinclair/typebox';

/**
 * Where an environment variable's path leads in the configuration schema: `found` when a setting has that path
 * (a record, such as `pipelines`, takes any key), `foreign` when it is a single part naming no setting nor
 * resembling one (the variable belongs to another tool that shares the RAG_ prefix), else `unknown` with the
 * spelling of a setting that differs only in case or underscores, if one does.
 */
export type EnvSetting = { kind: 'found' } | { kind: 'foreign' } | { kind: 'unknown'; suggestion?: string[] };

export function envSetting(schema: TSchema, path: readonly string[]): EnvSetting {
  let nodes: TSchema[] = [schema];
  for (const [depth, key] of path.entries()) {
    const next = nodes.flatMap((node) => childrenAt(node, key));
    if (next.length === 0) {
      const near = nodes.flatMap((node) => Object.keys(propertiesOf(node))).find((k) => loose(k) === loose(key));
      // RAG_TOKEN, one part naming no setting, is another tool's (unless it is one of ours misspelt, such as
      // RAG_DEFAULTPIPELINE); RAG_SEVER__PORT has our shape and is a typo.
      if (path.length === 1 && near === undefined) return { kind: 'foreign' };
      return near === undefined ? { kind: 'unknown' } : { kind: 'unknown', suggestion: [...path.slice(0, depth), near] };
    }
    nodes = next;
  }
  return { kind: 'found' };
}

/** A union's branches, or the node itself. */
const branchesOf = (node: TSchema): TSchema[] => (Array.isArray(node['anyOf']) ? (node['anyOf'] as TSchema[]) : [node]);

/** The schemas a key leads to from a node: its property, or a record's values; through unions, every branch's. */
function childrenAt(node: TSchema, key: string): TSchema[] {
  return branchesOf(node).flatMap((branch) => {
    const property = propertiesOf(branch)[key];
    if (property !== undefined) return [property];
    const patterns = branch['patternProperties'] as Record<string, TSchema> | undefined;
    return patterns ? Object.values(patterns) : [];
  });
}

const ownProperties = (node: TSchema): Record<string, TSchema> => (node['properties'] as Record<string, TSchema> | undefined) ?? {};

function propertiesOf(node: TSchema): Record<string, TSchema> {
  return Object.assign({}, ...branchesOf(node).map(ownProperties)) as Record<string, TSchema>;
}

const loose = (key: string): string => key.toLowerCase().replace(/_/g, '');
