import type { EventPayload } from '../../domain/catalogue';
import type { Tx } from '../connection';
import { queueEmails } from '../platform/mail';
import { emit } from '../platform/outbox';
import { getModule } from '../platform/modules';

export interface AlertRow {
  id: number;
  tenant_id: string;
  event_id: number;
  gate_id: number | null;
  kind: 'capacity' | 'suspicious' | 'vip_arrival' | 'device_offline';
  dedupe_key: string;
  message: string;
  payload: Record<string, unknown>;
  created_at: Date;
}

export interface NewAlert {
  eventId: number;
  gateId: number | null;
  kind: AlertRow['kind'];
  dedupeKey: string;
  message: string;
  payload: Record<string, unknown>;
}

/**
 * Records alerts once per dedupe key and hands each new one on: a `checkin.alert` domain event
 * (tenant webhooks) and an e-mail to the check-in module's `alert_email` setting when there is one.
 */
export async function raiseAlerts(tx: Tx, tenantId: string, alerts: NewAlert[]): Promise<AlertRow[]> {
  if (!alerts.length) return [];
  const created: AlertRow[] = await tx('checkin_alerts')
    .insert(
      alerts.map((a) => ({
        tenant_id: tenantId,
        event_id: a.eventId,
        gate_id: a.gateId,
        kind: a.kind,
        dedupe_key: a.dedupeKey,
        message: a.message,
        payload: JSON.stringify(a.payload),
      })),
    )
    .onConflict(['tenant_id', 'dedupe_key'])
    .ignore()
    .returning('*');
  if (!created.length) return [];
  await emit(
    tx,
    tenantId,
    created.map((row) => ({
      type: 'checkin.alert',
      aggregateType: 'event',
      aggregateId: row.event_id,
      payload: toAlertPayload(row),
    })),
  );
  const settings = (await getModule(tx, 'checkin'))?.settings;
  const to = typeof settings?.alert_email === 'string' ? settings.alert_email : undefined;
  if (to) {
    await queueEmails(
      tx,
      tenantId,
      created.map((row) => ({
        idempotencyKey: `checkin-alert-${row.id}`,
        to,
        subject: `Check-in alert: ${row.kind.replace('_', ' ')}`,
        text: row.message,
      })),
    );
  }
  return created;
}

export function toAlertPayload(a: AlertRow): EventPayload<'checkin.alert'> {
  return {
    id: a.id,
    event_id: a.event_id,
    gate_id: a.gate_id,
    kind: a.kind,
    message: a.message,
    payload: a.payload,
    created_at: new Date(a.created_at).toISOString(),
  };
}

/** An event's latest alerts, newest first. */
export async function latestAlerts(tx: Tx, eventId: number, limit: number): Promise<AlertRow[]> {
  return tx('checkin_alerts').where({ event_id: eventId }).orderBy('id', 'desc').limit(limit);
}
