import { z } from 'zod';
import { RosterQuestionsSchema } from '../../domain/groups/roster';
import { Email, Id, IdParam, Timestamp, text } from '../schemas/common';

export const RosterOptions = z
  .strictObject({
    questions: RosterQuestionsSchema.default([]).meta({
      description: 'What each member answers with their attendee details',
    }),
    reassign_cutoff_at: Timestamp.nullable()
      .default(null)
      .meta({ description: 'Seats can be reassigned until then (null: until the event starts)' }),
  })
  .meta({ id: 'GroupRosterOptions' });

export const MemberParams = z.object({ id: IdParam, member_id: IdParam });

export const InviteMembers = z.strictObject({
  member_ids: z
    .array(Id)
    .min(1)
    .max(10000)
    .optional()
    .meta({ description: 'The members to (re)invite; without it, every member who has not completed their details' }),
});

export const SentInvitations = z
  .object({
    items: z.array(z.object({ member_id: z.number().int(), invitation_id: z.number().int(), email: z.string() })),
  })
  .meta({ id: 'GroupSentInvitations' });

export const Reassign = z.strictObject({ name: text(200), email: Email });

export const GroupMessage = z.strictObject({ subject: text(150), body: text(5000) });

export const MessageSent = z.object({ sent: z.number().int() }).meta({ id: 'GroupMessageSent' });

export const RosterQuery = z.object({
  format: z.enum(['json', 'csv']).default('json').meta({ description: 'csv: the same roster as a CSV file' }),
});

export const RosterRow = z
  .object({
    member_id: z.number().int(),
    name: z.string().nullable(),
    email: z.string().nullable(),
    ticket_type: z.string(),
    detail_status: z.enum(['not_invited', 'invited', 'accepted', 'completed', 'released']),
    payment_status: z.enum(['paid', 'owed', 'covered_by_leader', 'released']),
    price_minor: z.number().int().nullable(),
    ticket_code: z.string().nullable().meta({ description: 'The seat’s ticket code while it scans, else null' }),
    answers: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'GroupRosterRow' });

export const Roster = z
  .object({
    group_id: z.number().int(),
    name: z.string(),
    status: z.string(),
    currency: z.string().nullable(),
    payment_deadline_at: z.string().nullable(),
    reassign_cutoff_at: z.string().nullable(),
    owed_minor: z.number().int(),
    questions: z.array(z.object({ id: z.string(), label: z.string(), type: z.string(), required: z.boolean() })),
    members: z.array(RosterRow),
  })
  .meta({ id: 'GroupRoster' });

export const Reminded = z.object({ reminded: z.number().int() }).meta({ id: 'GroupDetailsReminded' });

export const LeaderLink = z
  .object({ url: z.string(), token: z.string() })
  .meta({ id: 'GroupLeaderLink', description: 'The signed link of the leader dashboard page' });

/** Public (signed invitation link) bodies and views. */
export const MemberDetails = z.strictObject({
  name: text(200),
  email: Email,
  answers: z.record(z.string().max(40), z.unknown()).default({}),
});

export const InvitationView = z
  .object({
    group: z.object({ name: z.string(), event_name: z.string(), starts_at: z.string() }),
    member: z.object({
      name: z.string().nullable(),
      email: z.string().nullable(),
      status: z.string(),
      answers: z.record(z.string(), z.unknown()),
    }),
    questions: Roster.shape.questions,
    ticket: z
      .object({
        code: z.string(),
        status: z.string(),
        wallet: z.object({ apple_url: z.string(), google_url: z.string() }),
      })
      .nullable()
      .meta({ description: 'The member’s own ticket, once the seat is paid' }),
  })
  .meta({ id: 'GroupInvitation' });

export const TokenParams = z.object({ token: z.string().max(512) });
