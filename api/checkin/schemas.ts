import { z } from 'zod';
import { Id, IdParam, Timestamp, limitParam, optionalText, text } from '../schemas/common';
import { ScanId, ScanVerdict, TicketCode } from '../../realtime/protocol';

export const CreateGate = z.strictObject({
  event_id: Id,
  name: text(100),
  location: optionalText(200),
  capacity_limit: z.number().int().min(1).max(1_000_000).nullable().optional(),
  is_vip: z.boolean().default(false),
  ticket_type_ids: z
    .array(Id)
    .min(1)
    .max(100)
    .nullable()
    .optional()
    .meta({ description: 'Ticket types this gate admits (a VIP lane); omitted or null admits all' }),
  accepts_vouchers: z
    .boolean()
    .default(false)
    .meta({ description: 'Also admits add-on vouchers (`POST /api/upsells/vouchers/scan`), once each' }),
  // --- group code at the gate (groups-gate) ---
  admits_group_codes: z.boolean().default(false).meta({
    description: "A group's code (groups module) admits every ticket of the group at once, each counted once",
  }),
  // --- end group code at the gate (groups-gate) ---
});

export const UpdateGate = z.strictObject({
  name: text(100).optional(),
  location: optionalText(200),
  capacity_limit: z.number().int().min(1).max(1_000_000).nullable().optional(),
  is_vip: z.boolean().optional(),
  ticket_type_ids: z.array(Id).min(1).max(100).nullable().optional(),
  accepts_vouchers: z.boolean().optional(),
  admits_group_codes: z.boolean().optional(), // groups-gate
});

export const Gate = z
  .object({
    id: z.number().int(),
    event_id: z.number().int(),
    name: z.string(),
    location: z.string().nullable(),
    capacity_limit: z.number().int().nullable(),
    is_vip: z.boolean(),
    ticket_type_ids: z.array(z.number().int()).nullable(),
    accepts_vouchers: z.boolean(),
    admits_group_codes: z.boolean(), // groups-gate
    status: z.enum(['open', 'closed']),
    created_at: z.string(),
  })
  .meta({ id: 'CheckinGate' });

export const AssignStaff = z.strictObject({
  staff_ref: z.string().trim().min(1).max(100).meta({ description: "The staff member's id in the tenant's system" }),
  name: text(200),
});
export const Staff = z
  .object({ gate_id: z.number().int(), staff_ref: z.string(), name: z.string(), assigned_at: z.string() })
  .meta({ id: 'CheckinStaff' });
export const StaffParams = z.object({ id: IdParam, staff_ref: z.string().min(1).max(100) });

export const RegisterDevice = z.strictObject({
  event_id: Id,
  device_name: text(100),
  device_uuid: z.string().trim().min(1).max(100),
  gate_id: Id.nullable().optional(),
  staff_ref: optionalText(100),
});

export const UpdateDevice = z.strictObject({
  device_name: text(100).optional(),
  gate_id: Id.nullable().optional(),
  staff_ref: optionalText(100),
  status: z.enum(['active', 'inactive']).optional(),
});

export const Device = z
  .object({
    id: z.number().int(),
    event_id: z.number().int(),
    device_name: z.string(),
    device_uuid: z.string(),
    gate_id: z.number().int().nullable(),
    staff_ref: z.string().nullable(),
    status: z.enum(['active', 'inactive', 'offline']),
    last_seen_at: z.string().nullable(),
    last_sync_at: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'CheckinDevice' });

export const RegisteredDevice = Device.extend({
  token: z.string().meta({ description: 'Shown once: the device connects to the scanner socket with it (`?token=`)' }),
  scanner_url: z.string(),
}).meta({ id: 'CheckinRegisteredDevice' });

export const HttpScan = z.strictObject({
  scan_id: ScanId,
  code: TicketCode,
  gate_id: Id,
  device_id: Id.optional(),
  direction: z.enum(['entry', 'exit']).default('entry'),
  scanned_at: Timestamp.optional(),
});

export const SyncScans = z.strictObject({
  device_id: Id,
  scans: z
    .array(
      z.strictObject({
        scan_id: ScanId,
        code: TicketCode,
        gate_id: Id.optional(),
        direction: z.enum(['entry', 'exit']).default('entry'),
        scanned_at: Timestamp,
      }),
    )
    .min(1)
    .max(1000),
});

export const SyncResult = z
  .object({ device_id: z.number().int(), synced_at: z.string(), results: z.array(ScanVerdict) })
  .meta({ id: 'CheckinSyncResult' });

export const CodeParams = z.object({ code: TicketCode });

export const TicketLookup = z
  .object({
    ticket: z.object({
      id: z.number().int(),
      code: z.string(),
      status: z.string(),
      event_id: z.number().int(),
      order_number: z.string(),
      holder_name: z.string().nullable(),
      holder_email: z.string().nullable(),
      ticket_type: z.string(),
      ticket_type_id: z.number().int(),
    }),
    checked_in: z.boolean(),
    inside: z.boolean(),
    first_admission: z.object({ at: z.string(), gate_id: z.number().int().nullable() }).nullable(),
    scans: z.array(
      z.object({
        scan_id: z.string(),
        verdict: z.string(),
        reason: z.string().nullable(),
        direction: z.string(),
        gate_id: z.number().int().nullable(),
        source: z.string(),
        suspicious: z.boolean(),
        scanned_at: z.string(),
      }),
    ),
  })
  .meta({ id: 'CheckinTicketLookup' });

export const SearchQuery = z.object({
  event_id: IdParam,
  q: z.string().trim().min(2).max(200).meta({ description: 'Part of a name or e-mail, or an order number' }),
  limit: limitParam(50, 20),
});

export const ManifestQuery = z.object({
  cursor: z
    .string()
    .max(100)
    .regex(/^\d+:\d+$/)
    .optional()
    .meta({ description: 'next_cursor of the previous page: only tickets changed since' }),
  limit: limitParam(5000, 1000),
});
export const ManifestEntry = z.object({
  ticket_id: z.number().int(),
  code: z.string(),
  status: z.string(),
  holder_name: z.string().nullable(),
  ticket_type: z.string(),
  ticket_type_id: z.number().int(),
});
export const Manifest = z
  .object({
    event_id: z.number().int(),
    items: z.array(ManifestEntry),
    next_cursor: z.string().nullable(),
    complete: z.boolean(),
  })
  .meta({ id: 'CheckinManifest' });

export const StatusBody = z
  .object({
    event_id: z.number().int(),
    capacity: z.number().int(),
    sold: z.number().int(),
    inside: z.number().int(),
    admitted: z.number().int(),
    capacity_pct: z.number(),
    rate_per_minute: z.number(),
    gates: z.array(
      z.object({
        gate_id: z.number().int(),
        name: z.string(),
        status: z.enum(['open', 'closed']),
        is_vip: z.boolean(),
        capacity_limit: z.number().int().nullable(),
        inside: z.number().int(),
        admitted: z.number().int(),
        capacity_pct: z.number().nullable(),
      }),
    ),
  })
  .meta({ id: 'CheckinStatus' });

export const StatsBody = z
  .object({
    event_id: z.number().int(),
    admitted: z.number().int(),
    no_shows: z.number().int().meta({ description: 'Valid tickets never admitted' }),
    rate_per_minute: z.number(),
    per_minute: z.array(z.object({ minute: z.string(), count: z.number().int() })),
    peak: z
      .array(z.object({ minute: z.string(), count: z.number().int() }))
      .meta({ description: 'The busiest minutes' }),
    per_gate: z.array(
      z.object({
        gate_id: z.number().int().nullable(),
        name: z.string().nullable(),
        admitted: z.number().int(),
        refused: z.number().int(),
      }),
    ),
    per_ticket_type: z.array(
      z.object({
        ticket_type_id: z.number().int(),
        name: z.string(),
        sold: z.number().int(),
        admitted: z.number().int(),
      }),
    ),
    verdicts: z.record(z.string(), z.number().int()),
    snapshots: z.array(
      z.object({
        gate_id: z.number().int().nullable(),
        checked_in_count: z.number().int(),
        total_sold: z.number().int(),
        snapshot_at: z.string(),
      }),
    ),
  })
  .meta({ id: 'CheckinStats' });

export const GateStats = z
  .object({
    gate_id: z.number().int(),
    inside: z.number().int(),
    admitted: z.number().int(),
    capacity_pct: z.number().nullable(),
    verdicts: z.record(z.string(), z.number().int()),
    per_minute: z.array(z.object({ minute: z.string(), count: z.number().int() })),
  })
  .meta({ id: 'CheckinGateStats' });

export const Alert = z
  .object({
    id: z.number().int(),
    event_id: z.number().int(),
    gate_id: z.number().int().nullable(),
    kind: z.string(),
    message: z.string(),
    payload: z.record(z.string(), z.unknown()),
    created_at: z.string(),
  })
  .meta({ id: 'CheckinAlert' });
