import { z } from 'zod';
import { Category, Currency, MinorUnits, Pagination, Tag, Timestamp, optionalText, text } from '../schemas/common';
import { SeasonBenefitsSchema } from '../../domain/season/benefits';
import { BILLING_CYCLES, PACKAGE_TYPES } from '../../domain/season/packages';

const FlexCredits = z.number().int().min(1).max(1000).meta({ description: 'Credits of a flex package (flex only)' });
const SeriesTag = Tag.meta({
  description:
    'Full, VIP and flex packages cover the events of the season window carrying this tag (every event when unset)',
});
const PackageCategory = Category.meta({ description: 'Category packages cover the events of this category' });
const Status = z.enum(['active', 'inactive']).meta({ description: 'Inactive packages cannot be bought' });

export const CreatePackage = z.strictObject({
  name: text(200),
  description: optionalText(2000),
  type: z.enum(PACKAGE_TYPES),
  price_minor: MinorUnits.meta({
    description: 'Price in minor units: per month for monthly billing, else for the season',
  }),
  currency: Currency,
  billing_cycle: z.enum(BILLING_CYCLES),
  flex_credits: FlexCredits.nullable().optional(),
  benefits: SeasonBenefitsSchema.optional(),
  series_tag: SeriesTag.nullable().optional(),
  category: PackageCategory.nullable().optional(),
  season_starts_at: Timestamp,
  season_ends_at: Timestamp,
  status: Status.optional(),
});

/** Type and currency are fixed once created: subscriptions were sold on them. */
export const UpdatePackage = z.strictObject({
  name: text(200).optional(),
  description: optionalText(2000),
  price_minor: MinorUnits.optional(),
  billing_cycle: z.enum(BILLING_CYCLES).optional(),
  flex_credits: FlexCredits.nullable().optional(),
  benefits: SeasonBenefitsSchema.optional(),
  series_tag: SeriesTag.nullable().optional(),
  category: PackageCategory.nullable().optional(),
  season_starts_at: Timestamp.optional(),
  season_ends_at: Timestamp.optional(),
  status: Status.optional(),
});

export const PackagesQuery = Pagination.extend({ status: Status.optional() });

export const Package = z
  .object({
    id: z.number().int(),
    name: z.string(),
    description: z.string().nullable(),
    type: z.enum(PACKAGE_TYPES),
    price_minor: z.number().int(),
    currency: z.string(),
    billing_cycle: z.enum(BILLING_CYCLES),
    flex_credits: z.number().int().nullable(),
    benefits: SeasonBenefitsSchema,
    series_tag: z.string().nullable(),
    category: z.string().nullable(),
    season_starts_at: z.string(),
    season_ends_at: z.string(),
    status: Status,
    events_total: z.number().int().meta({ description: 'Events of the package’s scope (not cancelled)' }),
    events_left: z.number().int().meta({ description: 'Of which still to come' }),
    price_now_minor: z
      .number()
      .int()
      .nullable()
      .meta({ description: 'What a purchase costs now (pro rata mid-season); null when no event is left' }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'SeasonPackage' });
