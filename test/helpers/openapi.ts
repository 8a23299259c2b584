/** The parts of the OpenAPI document that the generated sweeps read. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  minimum?: number;
  minItems?: number;
  minLength?: number;
  format?: string;
}
export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
}
export interface Operation {
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}
export interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

/** Every operation of the document, so a sweep covers a route added later without being edited. */
export function operationsOf(doc: OpenApiDoc): { path: string; method: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, op]) => ({ path, method, op })),
  );
}

/** A scalar field of a body schema: its path from the body's root ('0' for an array element) and types. */
export interface Leaf {
  path: string[];
  types: string[];
}

/** Every scalar field of a schema, through $refs, arrays, unions and nullable wrappers. */
export function leavesOf(doc: OpenApiDoc, schema: JsonSchema | undefined, path: string[] = [], seen = 0): Leaf[] {
  if (!schema || seen > 8) return [];
  if (schema.$ref) return leavesOf(doc, doc.components?.schemas?.[schema.$ref.split('/').pop() ?? ''], path, seen + 1);
  const branches = [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])];
  if (branches.length) {
    const all = branches.flatMap((b) => leavesOf(doc, b, path, seen + 1));
    // A nullable scalar is one leaf, not one per branch.
    const byPath = new Map<string, Leaf>();
    for (const l of all) {
      const known = byPath.get(l.path.join('.'));
      if (known) known.types = [...new Set([...known.types, ...l.types])];
      else byPath.set(l.path.join('.'), { path: l.path, types: [...l.types] });
    }
    return [...byPath.values()];
  }
  if (schema.properties)
    return Object.entries(schema.properties).flatMap(([k, s]) => leavesOf(doc, s, [...path, k], seen + 1));
  if (schema.items) return leavesOf(doc, schema.items, [...path, '0'], seen + 1);
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  return types.length ? [{ path, types }] : [];
}

/** The smallest JSON value that holds `value` at `path` (numeric segments become array indexes). */
export function valueAt(path: string[], value: unknown): unknown {
  return path.reduceRight<unknown>((inner, key) => (/^\d+$/.test(key) ? [inner] : { [key]: inner }), value);
}
