import { withTenant } from '../../db/connection';
import { queueEmail } from '../../db/platform/mail';
import { isModuleEnabled } from '../../db/platform/modules';
import { getTicket } from '../../db/tickets/tickets';
import {
  ensurePasses,
  orderForPassMail,
  passesOfTickets,
  passTickets,
  type WalletPassRow,
} from '../../db/wallet/passes';
import { hasPasses, touchPasses } from '../../db/wallet/push';
import type { PassScope } from '../../domain/wallet/scope';
import type { Config } from '../../lib/config';
import { startIdempotent } from '../../lib/temporal';
import { apnsSettings, appleWalletSettings, googleWalletSettings } from '../../integrations/wallet/settings';
import { walletPushWorkflowId, walletPushWorkflowType, type WalletPushInput } from '../../workflows/wallet/contract';
import { searchAttributes } from '../../workflows/search-attributes';
import {
  defineTrigger,
  type AfterCommitContext,
  type OutboxEvent,
  type Trigger,
  type TriggerContext,
} from '../platform/triggers';

const EVENT_CHANGES = ['event.updated', 'event.cancelled'] as const;
/** Ticket events from tickets, resale and refunds: a transfer, exchange or resale names the ticket that replaces it. */
const TICKET_CHANGES = ['ticket.updated', 'ticket.cancelled', 'ticket.voided', 'ticket.transferred'] as const;
type PassChange = (typeof EVENT_CHANGES)[number] | (typeof TICKET_CHANGES)[number];

function walletLinks(config: Config, passes: WalletPassRow[]): { apple?: string; google?: string }[] {
  const base = config.publicApiUrl.replace(/\/$/, '');
  const apple = appleWalletSettings(config);
  const google = googleWalletSettings(config);
  const byTicket = new Map<number, { apple?: string; google?: string }>();
  for (const p of passes) {
    const links = byTicket.get(p.ticket_id) ?? {};
    if (p.platform === 'apple' && apple)
      links.apple = `${base}/api/wallet/apple/download/${p.serial_number}?token=${p.auth_token}`;
    if (p.platform === 'google' && google)
      links.google = `${base}/api/wallet/google/save/${p.serial_number}?token=${p.auth_token}`;
    byTicket.set(p.ticket_id, links);
  }
  return [...byTicket.values()];
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** After purchase: a pass record per ticket and platform, and the e-mail with the "Add to Wallet" links. */
async function createPassesForOrder(
  event: OutboxEvent<'order.created'>,
  { tx, config }: TriggerContext,
): Promise<void> {
  const payload = event.payload;
  if (!payload.ticket_ids.length || !(await isModuleEnabled(tx, 'wallet'))) return;
  await ensurePasses(tx, event.tenantId, await passTickets(tx, payload.ticket_ids));
  const order = await orderForPassMail(tx, payload.order_id);
  const links = walletLinks(config, await passesOfTickets(tx, payload.ticket_ids)).filter((l) => l.apple || l.google);
  if (!order || !links.length) return;
  const lines = links.map((l, i) =>
    [
      `Ticket ${i + 1}:`,
      l.apple && `  Add to Apple Wallet: ${l.apple}`,
      l.google && `  Add to Google Wallet: ${l.google}`,
    ]
      .filter(Boolean)
      .join('\n'),
  );
  const html = links
    .map(
      (l, i) =>
        `<p>Ticket ${i + 1}: ${[
          l.apple && `<a href="${escapeHtml(l.apple)}">Add to Apple Wallet</a>`,
          l.google && `<a href="${escapeHtml(l.google)}">Add to Google Wallet</a>`,
        ]
          .filter(Boolean)
          .join(' · ')}</p>`,
    )
    .join('');
  await queueEmail(tx, event.tenantId, {
    idempotencyKey: `wallet-order-${payload.order_id}`,
    to: order.email,
    subject: `Your tickets for ${order.event_name} (order ${order.order_number})`,
    text: `Hello ${order.name},\n\nyour tickets for ${order.event_name} are ready. Keep them on your phone:\n\n${lines.join('\n\n')}\n`,
    html: `<p>Hello ${escapeHtml(order.name)},</p><p>your tickets for ${escapeHtml(order.event_name)} are ready. Keep them on your phone:</p>${html}`,
  });
}

/** The passes a change reaches, from the event alone (the after-commit part has nothing else). */
function targetOf(event: OutboxEvent<PassChange>): { scope: PassScope; eventChanged: boolean } {
  if (event.type === 'event.updated' || event.type === 'event.cancelled')
    return { scope: { eventId: event.payload.event_id }, eventChanged: true };
  return { scope: { eventId: event.payload.event_id, ticketIds: [event.payload.ticket_id] }, eventChanged: false };
}

/** A change holders see: mark the passes changed, voiding dead tickets' passes. */
async function touchChangedPasses(event: OutboxEvent<PassChange>, { tx }: TriggerContext): Promise<void> {
  if (!(await isModuleEnabled(tx, 'wallet'))) return;
  if ('new_ticket_id' in event.payload && (await getTicket(tx, event.payload.ticket_id))) {
    // The new holder's ticket gets passes of its own; the old ones are voided by the touch.
    await ensurePasses(tx, event.tenantId, await passTickets(tx, [event.payload.new_ticket_id]));
  }
  await touchPasses(tx, targetOf(event).scope);
}

/**
 * Then fans the push out, once the touch has committed: a device told earlier could fetch its pass
 * before the change is visible, find nothing new and not ask again.
 */
async function pushChangedPasses(
  event: OutboxEvent<PassChange>,
  { db, config, temporal }: AfterCommitContext,
): Promise<void> {
  // Devices still see the change when they next ask; there is just no one to tell now.
  if (!apnsSettings(config) && !googleWalletSettings(config)) return;
  const target = targetOf(event);
  const reached = await withTenant(
    db,
    event.tenantId,
    async (tx) => (await isModuleEnabled(tx, 'wallet')) && (await hasPasses(tx, target.scope)),
  );
  if (!reached) return;
  const input: WalletPushInput = {
    tenantId: event.tenantId,
    scope: target.scope,
    eventChanged: target.eventChanged,
    batchSize: config.WALLET_PUSH_BATCH_SIZE,
    parallelBatches: config.WALLET_PUSH_PARALLEL_BATCHES,
    retryRounds: config.WALLET_PUSH_RETRY_ROUNDS,
    retryDelayMs: config.WALLET_PUSH_RETRY_DELAY_S * 1000,
  };
  await startIdempotent(temporal, walletPushWorkflowType, {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowId: walletPushWorkflowId(event.tenantId, target.scope.eventId, event.id),
    args: [input],
    typedSearchAttributes: searchAttributes(event.tenantId, target.scope.eventId),
  });
}

export function walletTriggers(): Trigger[] {
  return [
    defineTrigger({ name: 'wallet.passes', on: ['order.created'], run: createPassesForOrder }),
    defineTrigger({
      name: 'wallet.update',
      on: [...EVENT_CHANGES, ...TICKET_CHANGES],
      run: touchChangedPasses,
      afterCommit: pushChangedPasses,
    }),
  ];
}
