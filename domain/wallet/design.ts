import { z } from 'zod';

/**
 * PassDesignService: what a ticket's pass shows, for Apple and Google alike, from the event, the
 * ticket and the tenant's branding. Pure, so every rule here is unit-tested without certificates.
 */

const HexColour = z.string().regex(/^#[0-9a-fA-F]{6}$/);

/** Tenant branding, kept in the wallet module's settings under `branding`. */
export const Branding = z.object({
  organization_name: z.string().min(1).max(100).optional(),
  logo_text: z.string().max(50).optional(),
  background_color: HexColour.default('#1f2937'),
  foreground_color: HexColour.default('#ffffff'),
  label_color: HexColour.default('#d1d5db'),
  /** PNG, base64: Apple packs it into the pass. */
  logo_png_base64: z.string().max(700_000).optional(),
  /** Public https URL of the logo: Google fetches it. */
  logo_url: z.url().max(2000).optional(),
});
export type Branding = z.infer<typeof Branding>;

/** The wallet module's settings (`PUT /api/modules/wallet`). */
export const WalletSettingsSchema = z.strictObject({ branding: Branding.optional() });

/** Settings are free-form JSON: unusable branding falls back to the defaults rather than breaking passes. */
export function brandingFromSettings(settings: Record<string, unknown> | undefined): Branding {
  const parsed = Branding.safeParse(settings?.branding ?? {});
  return parsed.success ? parsed.data : Branding.parse({});
}

export interface PassSubject {
  tenantName: string;
  branding: Branding;
  event: {
    id: number;
    name: string;
    startsAt: Date;
    endsAt: Date;
    timezone: string;
    status: string;
    venueName: string;
    venueAddress: string | null;
    latitude: number | null;
    longitude: number | null;
  };
  ticket: {
    id: number;
    code: string;
    status: string;
    section: string | null;
    seat: string | null;
    holderName: string | null;
    ticketTypeName: string;
  };
}

/** A ticket's pass is void once the ticket can no longer get anyone in, or its event will not happen. */
export function isPassVoided(subject: Pick<PassSubject, 'event' | 'ticket'>): boolean {
  return subject.ticket.status !== 'valid' || subject.event.status === 'cancelled';
}

export function rgb(hex: string): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}

export interface PassField {
  key: string;
  label: string;
  value: string;
  dateStyle?: 'PKDateStyleMedium';
  timeStyle?: 'PKDateStyleShort';
  changeMessage?: string;
}

/** What the pass's icon and logo are drawn with: the brand colours, and the initial when the tenant has no logo. */
export interface PassArtwork {
  /** The organisation's initial; undefined when its name has no letter or digit, and the icon shows a plain mark. */
  initial?: string;
  backgroundColor: string;
  foregroundColor: string;
}

/** Apple's semantic tags for an event ticket: what Siri, Maps and the lock screen read from a pass. */
export interface EventTicketSemantics {
  eventType: 'PKEventTypeGeneric';
  eventName: string;
  venueName: string;
  venueLocation?: { latitude: number; longitude: number };
  eventStartDate: string;
  eventEndDate: string;
  seats?: { seatSection?: string; seatNumber?: string }[];
}

export interface ApplePassDesign {
  organizationName: string;
  description: string;
  logoText?: string;
  backgroundColor: string;
  foregroundColor: string;
  labelColor: string;
  voided: boolean;
  primaryFields: PassField[];
  secondaryFields: PassField[];
  auxiliaryFields: PassField[];
  backFields: PassField[];
  barcodeMessage: string;
  /** The event's start, for devices before iOS 18; later ones read relevantDates. */
  relevantDate: Date;
  relevantDates: { startDate: Date; endDate: Date }[];
  expirationDate: Date;
  location?: { latitude: number; longitude: number; relevantText: string };
  semantics: EventTicketSemantics;
  artwork: PassArtwork;
}

/** The initial a default icon shows: the name's first letter or digit, upper-cased, accents dropped (É is E). */
export function initialOf(name: string): string | undefined {
  return /[\p{L}\p{N}]/u.exec(name.normalize('NFD').replace(/\p{M}/gu, ''))?.[0].toUpperCase();
}

const STATUS_TEXT: Record<string, string> = {
  cancelled: 'This ticket was cancelled',
  voided: 'This ticket is no longer valid',
  transferred: 'This ticket was transferred to someone else',
};

export function applePassDesign(s: PassSubject): ApplePassDesign {
  const voided = isPassVoided(s);
  const seatFields: PassField[] = [
    ...(s.ticket.section ? [{ key: 'section', label: 'SECTION', value: s.ticket.section }] : []),
    ...(s.ticket.seat ? [{ key: 'seat', label: 'SEAT', value: s.ticket.seat }] : []),
    { key: 'type', label: 'TICKET', value: s.ticket.ticketTypeName },
  ];
  const notice = s.event.status === 'cancelled' ? 'This event was cancelled' : STATUS_TEXT[s.ticket.status];
  const organizationName = s.branding.organization_name ?? s.tenantName;
  const venueLocation =
    s.event.latitude !== null && s.event.longitude !== null
      ? { latitude: s.event.latitude, longitude: s.event.longitude }
      : undefined;
  const seat = {
    ...(s.ticket.section ? { seatSection: s.ticket.section } : {}),
    ...(s.ticket.seat ? { seatNumber: s.ticket.seat } : {}),
  };
  return {
    organizationName,
    description: `Ticket for ${s.event.name}`,
    logoText: s.branding.logo_text,
    backgroundColor: rgb(s.branding.background_color),
    foregroundColor: rgb(s.branding.foreground_color),
    labelColor: rgb(s.branding.label_color),
    voided,
    primaryFields: [{ key: 'event', label: 'EVENT', value: s.event.name, changeMessage: 'Event is now %@' }],
    secondaryFields: [
      {
        key: 'starts',
        label: 'DATE',
        value: s.event.startsAt.toISOString(),
        dateStyle: 'PKDateStyleMedium',
        timeStyle: 'PKDateStyleShort',
        changeMessage: 'New time: %@',
      },
      { key: 'venue', label: 'VENUE', value: s.event.venueName, changeMessage: 'New venue: %@' },
    ],
    auxiliaryFields: seatFields,
    backFields: [
      ...(notice ? [{ key: 'notice', label: 'NOTICE', value: notice, changeMessage: '%@' }] : []),
      ...(s.event.venueAddress ? [{ key: 'address', label: 'ADDRESS', value: s.event.venueAddress }] : []),
      ...(s.ticket.holderName ? [{ key: 'holder', label: 'HOLDER', value: s.ticket.holderName }] : []),
      { key: 'code', label: 'TICKET CODE', value: s.ticket.code },
    ],
    barcodeMessage: s.ticket.code,
    relevantDate: s.event.startsAt,
    relevantDates: [{ startDate: s.event.startsAt, endDate: s.event.endsAt }],
    expirationDate: s.event.endsAt,
    location: venueLocation && { ...venueLocation, relevantText: `${s.event.name} at ${s.event.venueName}` },
    semantics: {
      // Usher does not know what kind of event it is (concert, match, conference): Generic says no more than that.
      eventType: 'PKEventTypeGeneric',
      eventName: s.event.name,
      venueName: s.event.venueName,
      ...(venueLocation ? { venueLocation } : {}),
      eventStartDate: s.event.startsAt.toISOString(),
      eventEndDate: s.event.endsAt.toISOString(),
      ...(Object.keys(seat).length ? { seats: [seat] } : {}),
    },
    artwork: {
      initial: initialOf(organizationName),
      backgroundColor: s.branding.background_color,
      foregroundColor: s.branding.foreground_color,
    },
  };
}

/** Google ids are `<issuer>.<suffix>`, the suffix of letters, digits, '.', '_' or '-'. */
export const googleClassId = (issuerId: string, tenantId: string, eventId: number): string =>
  `${issuerId}.${tenantId}-event-${eventId}`;
export const googleObjectId = (issuerId: string, tenantId: string, ticketId: number): string =>
  `${issuerId}.${tenantId}-ticket-${ticketId}`;

const localized = (value: string) => ({ defaultValue: { language: 'en-US', value } });

export function googleEventTicketClass(issuerId: string, tenantId: string, s: PassSubject): Record<string, unknown> {
  return {
    id: googleClassId(issuerId, tenantId, s.event.id),
    issuerName: s.branding.organization_name ?? s.tenantName,
    reviewStatus: 'UNDER_REVIEW',
    eventName: localized(s.event.name),
    eventId: `${tenantId}-${s.event.id}`,
    venue: { name: localized(s.event.venueName), address: localized(s.event.venueAddress ?? s.event.venueName) },
    dateTime: { start: s.event.startsAt.toISOString(), end: s.event.endsAt.toISOString() },
    hexBackgroundColor: s.branding.background_color,
    ...(s.branding.logo_url ? { logo: { sourceUri: { uri: s.branding.logo_url } } } : {}),
    ...(s.event.latitude !== null && s.event.longitude !== null
      ? { locations: [{ latitude: s.event.latitude, longitude: s.event.longitude }] }
      : {}),
  };
}

export function googleEventTicketObject(issuerId: string, tenantId: string, s: PassSubject): Record<string, unknown> {
  return {
    id: googleObjectId(issuerId, tenantId, s.ticket.id),
    classId: googleClassId(issuerId, tenantId, s.event.id),
    state: isPassVoided(s) ? 'INACTIVE' : 'ACTIVE',
    ticketNumber: s.ticket.code,
    ticketType: localized(s.ticket.ticketTypeName),
    ...(s.ticket.holderName ? { ticketHolderName: s.ticket.holderName } : {}),
    seatInfo: {
      ...(s.ticket.section ? { section: localized(s.ticket.section) } : {}),
      ...(s.ticket.seat ? { seat: localized(s.ticket.seat) } : {}),
    },
    barcode: { type: 'QR_CODE', value: s.ticket.code, alternateText: s.ticket.code },
    validTimeInterval: { end: { date: s.event.endsAt.toISOString() } },
  };
}
