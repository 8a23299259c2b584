import { randomBytes } from 'node:crypto';
import type { Tx } from '../connection';
import { conflict } from '../../lib/errors';
import type { WaitlistMode } from '../../domain/waitlist/ordering';
import { parseWaitlistSettings, type WaitlistSettings } from '../../domain/waitlist/settings';
import { getModule } from '../platform/modules';

export interface WaitlistSettingsRow {
  event_id: number;
  tenant_id: string;
  mode: WaitlistMode;
  seed: string;
  open: boolean;
  opened_at: Date | null;
  updated_at: Date;
}

/** The tenant's waitlist and resale rules from the `waitlist` module settings. */
export async function loadWaitlistSettings(tx: Tx): Promise<WaitlistSettings> {
  return parseWaitlistSettings((await getModule(tx, 'waitlist'))?.settings);
}

export async function getEventWaitlist(tx: Tx, eventId: number): Promise<WaitlistSettingsRow | undefined> {
  return tx<WaitlistSettingsRow>('waitlist_settings').where({ event_id: eventId }).first();
}

/**
 * Creates or changes an event's waitlist. The lottery seed is drawn once, when the waitlist is
 * created, and never changes: entries' priorities are derived from it at join time. `opened_at`
 * is when it last went from closed to open, decided against the row the upsert meets, so
 * concurrent openings agree on it.
 */
export async function configureEventWaitlist(
  tx: Tx,
  tenantId: string,
  eventId: number,
  patch: { mode?: WaitlistMode; open?: boolean },
): Promise<WaitlistSettingsRow> {
  const existing = await getEventWaitlist(tx, eventId);
  if (
    existing &&
    patch.mode &&
    patch.mode !== existing.mode &&
    (await tx('waitlist_entries').where({ event_id: eventId }).first('id'))
  ) {
    throw conflict('waitlist_mode_locked', 'The queue order cannot change once people have joined');
  }
  const [row] = await tx('waitlist_settings')
    .insert({
      tenant_id: tenantId,
      event_id: eventId,
      seed: randomBytes(16).toString('hex'),
      mode: patch.mode ?? 'first_come',
      open: patch.open ?? false,
      opened_at: patch.open ? tx.fn.now() : null,
    })
    .onConflict('event_id')
    .merge({
      ...(patch.mode ? { mode: patch.mode } : {}),
      ...(patch.open !== undefined ? { open: patch.open } : {}),
      ...(patch.open
        ? {
            opened_at: tx.raw(
              'case when waitlist_settings.open then waitlist_settings.opened_at else excluded.opened_at end',
            ),
          }
        : {}),
      updated_at: tx.fn.now(),
    })
    .returning('*');
  return row;
}
