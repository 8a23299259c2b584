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
  examples?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  minLength?: number;
  maxLength?: number;
  format?: string;
  pattern?: string;
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
  if (schema.$ref) return leavesOf(doc, resolveRef(schema, doc), path, seen + 1);
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

export interface ExampleOptions {
  /** Fill the properties a schema does not require too, not just the required ones. */
  optional?: boolean;
  /** Values by property name, for what a schema cannot tell (a pattern, a row that must exist). */
  values?: Record<string, unknown>;
}

/** Example strings by format, each one the format accepts. */
const FORMATS: Record<string, () => string> = {
  email: () => 'example@example.com',
  'date-time': () => new Date(Date.now() + 7 * 86_400_000).toISOString(),
  date: () => new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10),
  uri: () => 'https://example.com/',
  url: () => 'https://example.com/',
  uuid: () => '00000000-0000-4000-8000-000000000000',
};

/**
 * A value the schema accepts, built from what it says: `const`, the first `enum` value, the
 * `default`, its first `examples` entry, an example of the `format`, the smallest allowed size. Throws where the schema
 * does not say enough (a `pattern`), so a sweep reports the gap instead of sending a guess.
 */
export function exampleOf(schema: JsonSchema, doc: Pick<OpenApiDoc, 'components'>, opts: ExampleOptions = {}): unknown {
  const resolved = resolveRef(schema, doc);
  const variants = resolved.anyOf ?? resolved.oneOf ?? resolved.allOf;
  if (variants?.length) {
    const notNull = variants.find((v) => resolveRef(v, doc).type !== 'null') ?? variants[0];
    return exampleOf(notNull, doc, opts);
  }
  if (resolved.const !== undefined) return resolved.const;
  if (resolved.enum?.length) return resolved.enum[0];
  if (resolved.default !== undefined) return resolved.default;
  if (resolved.examples?.length) return resolved.examples[0];
  const type = Array.isArray(resolved.type) ? resolved.type.find((t) => t !== 'null') : resolved.type;
  switch (type) {
    case 'integer':
    case 'number': {
      const low = resolved.minimum ?? (resolved.exclusiveMinimum !== undefined ? resolved.exclusiveMinimum + 1 : 1);
      return Math.min(Math.max(1, low), resolved.maximum ?? Infinity);
    }
    case 'boolean':
      return true;
    case 'array':
      return Array.from({ length: Math.max(1, resolved.minItems ?? 1) }, () =>
        exampleOf(resolved.items ?? {}, doc, opts),
      );
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [name, property] of Object.entries(resolved.properties ?? {})) {
        if (opts.values && name in opts.values) out[name] = opts.values[name];
        else if (opts.optional || resolved.required?.includes(name)) out[name] = exampleOf(property, doc, opts);
      }
      return out;
    }
    case 'string': {
      if (resolved.format && FORMATS[resolved.format]) return FORMATS[resolved.format]();
      if (resolved.pattern) throw new Error(`no example for a string matching ${resolved.pattern}`);
      if (resolved.format) throw new Error(`no example for the string format ${resolved.format}`);
      return 'example'.padEnd(resolved.minLength ?? 0, 'x').slice(0, resolved.maxLength);
    }
    case 'null':
      return null;
    case undefined:
      // An empty schema accepts anything.
      return 'example';
    default:
      throw new Error(`no example for the type ${type}`);
  }
}

function resolveRef(schema: JsonSchema, doc: Pick<OpenApiDoc, 'components'>): JsonSchema {
  if (!schema.$ref) return schema;
  const found = doc.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')];
  if (!found) throw new Error(`unresolved ${schema.$ref}`);
  return resolveRef(found, doc);
}
