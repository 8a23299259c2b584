import { z } from 'zod';
import {
  AfterParam,
  Currency,
  Id,
  IdParam,
  limitParam,
  MinorUnits,
  optionalText,
  text,
  Timestamp,
} from '../schemas/common';
import { RULE_TYPES } from '../../domain/upsells/offers';

export const PRODUCT_TYPES = ['addon', 'upgrade', 'bundle', 'external'] as const;
export const DISPLAY_IN = ['cart', 'checkout', 'confirmation', 'all'] as const;

const HttpUrl = z.url({ protocol: /^https?$/ }).max(2000);
const Count = z.number().int().min(0).max(10_000_000);
const Limit = z.number().int().min(1).max(1000);

const Variant = z.strictObject({
  key: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/, 'letters, digits, _ . - (at most 40)')
    .meta({ examples: ['xl'] }),
  label: text(100).meta({ examples: ['XL'] }),
});

const BundleItem = z
  .strictObject({
    ticket_type_id: Id.optional(),
    product_id: Id.optional().meta({ description: 'An add-on of the tenant' }),
    quantity: z.number().int().min(1).max(100),
  })
  .meta({ description: 'Exactly one of ticket_type_id or product_id' });

/** The fields a product shares between create and change; cross-field rules are in domain/upsells/catalog-products.ts. */
const productFields = {
  event_id: Id.nullable()
    .optional()
    .meta({ description: 'The event it is offered with; null: every event of the tenant' }),
  name: text(200),
  description: optionalText(5000),
  category: optionalText(64).meta({ description: 'e.g. parking, merchandise, food_drink (free text)' }),
  price_minor: MinorUnits.meta({ description: 'Price in minor units (cents); for an upgrade, the difference paid' }),
  original_price_minor: MinorUnits.nullable()
    .optional()
    .meta({ description: 'A struck-through price, at least price' }),
  inventory: Count.nullable().optional().meta({ description: 'Units for sale; null or absent: unlimited' }),
  image_url: HttpUrl.nullable().optional(),
  display_in: z.enum(DISPLAY_IN).optional().meta({ description: 'Where it is offered (default all)' }),
  variants: z.array(Variant).max(50).optional().meta({ description: 'e.g. sizes; the buyer picks one' }),
  per_order_limit: Limit.nullable().optional(),
  per_ticket_limit: Limit.nullable().optional(),
  sale_starts_at: Timestamp.nullable().optional(),
  sale_ends_at: Timestamp.nullable().optional(),
  requires_redemption: z
    .boolean()
    .optional()
    .meta({ description: 'Each unit gets a voucher code scanned once at a gate that accepts it (parking, drinks)' }),
  upgrade_ticket_type_id: Id.nullable().optional().meta({ description: 'upgrade: the better ticket type' }),
  bundle_items: z.array(BundleItem).max(20).optional().meta({ description: 'bundle: what it holds' }),
  external_url: HttpUrl.nullable().optional().meta({ description: "external: the partner's link" }),
  affiliate_code: optionalText(100).meta({ description: "external: the tenant's affiliate code at the partner" }),
  status: z.enum(['active', 'inactive']).optional().meta({ description: 'default active' }),
};

export const CreateProduct = z.strictObject({
  type: z.enum(PRODUCT_TYPES),
  currency: Currency,
  ...productFields,
});

/** A product's type stays what it was created as: its counters and purchases depend on it. */
export const UpdateProduct = CreateProduct.omit({ type: true }).partial();

export const Product = z
  .object({
    id: z.number().int(),
    event_id: z.number().int().nullable(),
    type: z.enum(PRODUCT_TYPES),
    name: z.string(),
    description: z.string().nullable(),
    category: z.string().nullable(),
    price_minor: z.number().int(),
    original_price_minor: z.number().int().nullable(),
    currency: z.string(),
    inventory: z.number().int().nullable(),
    reserved: z.number().int(),
    sold: z.number().int(),
    available: z.number().int().nullable().meta({ description: 'inventory - reserved - sold; null: unlimited' }),
    image_url: z.string().nullable(),
    display_in: z.enum(DISPLAY_IN),
    variants: z.array(z.object({ key: z.string(), label: z.string() })),
    per_order_limit: z.number().int().nullable(),
    per_ticket_limit: z.number().int().nullable(),
    sale_starts_at: z.string().nullable(),
    sale_ends_at: z.string().nullable(),
    requires_redemption: z.boolean(),
    upgrade_ticket_type_id: z.number().int().nullable(),
    bundle_items: z.array(
      z.object({
        ticket_type_id: z.number().int().optional(),
        product_id: z.number().int().optional(),
        quantity: z.number().int(),
      }),
    ),
    external_url: z.string().nullable(),
    affiliate_code: z.string().nullable(),
    status: z.enum(['active', 'inactive']),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'UpsellProduct' });

export const ProductsQuery = z.object({
  limit: limitParam(200, 50),
  after: AfterParam.optional().meta({ description: 'Return products with an id above this cursor' }),
  event_id: IdParam.optional().meta({ examples: [1] }),
  type: z.enum(PRODUCT_TYPES).optional(),
  status: z.enum(['active', 'inactive']).optional(),
});

const Priority = z.number().int().min(-1000).max(1000).meta({
  description: 'The lower number ranks first (default 100); a product is offered under its best matching rule',
});

const Conditions = z
  .strictObject({
    ticket_type_ids: z
      .array(Id)
      .min(1)
      .max(100)
      .optional()
      .meta({ description: 'ticket_type: any of these in the cart' }),
    segment_ids: z.array(Id).min(1).max(50).optional().meta({ description: 'customer_segment: a member of any (CRM)' }),
    min_cart_minor: MinorUnits.optional().meta({ description: 'cart_value: the tickets total at least this' }),
    max_cart_minor: MinorUnits.optional().meta({ description: 'cart_value: the tickets total at most this' }),
  })
  .meta({ id: 'UpsellRuleConditions', description: 'Only the conditions of the rule type; always has none' });

export const CreateRule = z.strictObject({
  product_id: Id,
  rule_type: z.enum(RULE_TYPES),
  conditions: Conditions.optional(),
  priority: Priority.optional(),
});

export const UpdateRule = z.strictObject({
  rule_type: z.enum(RULE_TYPES).optional().meta({ description: 'A new type needs conditions of its kind' }),
  conditions: Conditions.optional(),
  priority: Priority.optional(),
});

export const Rule = z
  .object({
    id: z.number().int(),
    product_id: z.number().int(),
    rule_type: z.enum(RULE_TYPES),
    conditions: z.object({
      ticket_type_ids: z.array(z.number().int()).optional(),
      segment_ids: z.array(z.number().int()).optional(),
      min_cart_minor: z.number().int().optional(),
      max_cart_minor: z.number().int().optional(),
    }),
    priority: z.number().int(),
    created_at: z.string(),
  })
  .meta({ id: 'UpsellRule' });

export const RulesQuery = z.object({
  limit: limitParam(200, 50),
  after: AfterParam.optional().meta({ description: 'Return rules with an id above this cursor' }),
  product_id: IdParam.optional().meta({ examples: [1] }),
});
