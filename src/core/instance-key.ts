let instances = 0;
const instanceIds = new WeakMap<object, string>();

/**
 * A retriever's, reranker's or reader's identity for the request memo: its name and a number per instance, since two
 * pipelines may configure fusions of the same members that differ in their weights or method.
 */
export function instanceKey(component: { name: string }): string {
  let id = instanceIds.get(component);
  if (id === undefined) {
    id = `${component.name}#${++instances}`;
    instanceIds.set(component, id);
  }
  return id;
}
