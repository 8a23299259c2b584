import { defineSearchAttributeKey, SearchAttributeType, type TypedSearchAttributes } from '@temporalio/common';

export const TenantIdAttribute = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
export const EventIdAttribute = defineSearchAttributeKey('EventId', SearchAttributeType.KEYWORD);

/** Every workflow carries these so ops can filter by tenant and event in Temporal UI. */
export function searchAttributes(
  tenantId: string,
  eventId?: number | string,
): TypedSearchAttributes | { key: typeof TenantIdAttribute; value: string }[] {
  return [
    { key: TenantIdAttribute, value: tenantId },
    ...(eventId === undefined ? [] : [{ key: EventIdAttribute, value: String(eventId) }]),
  ];
}
