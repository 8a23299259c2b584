import { z } from 'zod';
import { catalogue, EVENT_TYPES, type EventType } from './catalogue';
import { isDeliverable } from './webhooks/signature';

export interface EventFieldDoc {
  name: string;
  /** Readable type, e.g. `integer`, `string or null`, `integer[]`. */
  type: string;
  optional: boolean;
  description?: string;
}

export interface EventDoc {
  type: EventType;
  /** When the event is emitted. */
  doc: string;
  /** Whether tenants can subscribe webhooks to it (internal events are not delivered). */
  webhook: boolean;
  fields: EventFieldDoc[];
}

/** The readable type of a payload field; a kind of schema the catalogue does not use yet fails loudly. */
function typeName(schema: z.core.$ZodType): string {
  if (schema instanceof z.ZodNullable) return `${typeName(schema.unwrap())} or null`;
  if (schema instanceof z.ZodArray) return `${typeName(schema.element)}[]`;
  if (schema instanceof z.ZodEnum) return `one of ${schema.options.map((o) => `"${String(o)}"`).join(', ')}`;
  if (schema instanceof z.ZodRecord) return 'object';
  if (schema instanceof z.ZodNumber) return schema.format === 'safeint' ? 'integer' : 'number';
  if (schema instanceof z.ZodStringFormat && schema.format === 'datetime') return 'ISO 8601 time (UTC)';
  if (schema instanceof z.ZodString) return 'string';
  if (schema instanceof z.ZodBoolean) return 'boolean';
  throw new Error(`The event docs cannot describe a ${schema._zod.def.type} field yet`);
}

const describe = (schema: z.core.$ZodType): string | undefined => z.globalRegistry.get(schema)?.description;

function fieldDoc(name: string, schema: z.core.$ZodType): EventFieldDoc {
  const inner = schema instanceof z.ZodOptional ? schema.unwrap() : schema;
  return {
    name,
    type: typeName(inner),
    optional: inner !== schema,
    description: describe(schema) ?? describe(inner),
  };
}

/** Every catalogued event as the webhook documentation shows it, in catalogue order. */
export const eventDocs = (): EventDoc[] =>
  EVENT_TYPES.map((type) => ({
    type,
    doc: catalogue[type].doc,
    webhook: isDeliverable(type),
    fields: Object.entries(catalogue[type].payload.shape).map(([name, schema]) => fieldDoc(name, schema)),
  }));

/** A field's type, whether it may be absent and what it means, as plain text. */
export const fieldSummary = (f: EventFieldDoc): string =>
  `${f.type}${f.optional ? ', optional' : ''}${f.description ? ` (${f.description})` : ''}`;

/** The README's table of events (between `<!-- events:start -->` and `<!-- events:end -->`). */
export function eventDocsMarkdown(): string {
  const rows = eventDocs().map(
    (e) =>
      `| \`${e.type}\` | ${e.doc}${e.webhook ? '' : ' Internal: not delivered to webhooks.'} | ${e.fields.map((f) => `\`${f.name}\`: ${fieldSummary(f)}`).join('<br>')} |`,
  );
  return ['| Event type | Emitted when | Payload (`data`) fields |', '|---|---|---|', ...rows].join('\n');
}
