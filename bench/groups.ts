/**
 * `npm run bench:groups`: the group-booking figures of issue #23, one JSON object.
 * - `bulk_order_500_ms` (target ≤ 2,000): one `BULK_ORDER_SIZE`-ticket (500) bulk order from a CSV roster through
 *   `POST /api/groups/groups/{id}/orders`, timed at the client.
 * - `deadlines_1000_s` (target ≤ 30): `GROUPS` (1,000) groups of 20 seats, bulk-ordered and some shares of each
 *   paid offline through the API; then every group's payment deadline is set to one instant `GROUPS_LEAD_S` ahead
 *   and their deadline workflows start (reminders and grace are off through the module settings, so only the
 *   releases are timed). The clock runs from the deadline until the last deadline workflow has closed.
 * - `seat_count_errors` (must be 0): events whose sold count differs from the seats their groups still hold.
 * The deadline part orders through `placeBulkOrder` and starts the workflows itself, as the order route does, so
 * that the setup's length does not spread the deadlines; the groups' hold workflows (started from the outbox) are started first.
 * Each deadline is one workflow task running one local activity (release and refunds in one transaction-backed step).
 *
 *   npx tsx bench/groups.ts       (`env GROUPS=50 npx tsx bench/groups.ts` for a reduced run: bash ignores GROUPS=)
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import type { Client } from '@temporalio/client';
import { createApp } from '../api/app';
import { withTenant, type Db } from '../db/connection';
import { placeBulkOrder } from '../db/groups/bulk-order';
import { getGroup, loadGroupsSettings } from '../db/groups/groups';
import { upsertModule } from '../db/platform/modules';
import { createApiKey } from '../db/tenants/keys';
import { createTenant } from '../db/tenants/tenants';
import { OfflinePaymentProvider } from '../integrations/payments/offline';
import { inBatches } from '../lib/batches';
import { startIdempotent } from '../lib/temporal';
import { groupBookingStart, groupBookingWorkflowType, groupHoldWorkflowType } from '../workflows/groups/contract';
import { runBench, withBenchStack } from './stack';

const GROUPS = Number(process.env.GROUPS ?? 1_000);
const SEATS = 20;
const GROUPS_PER_EVENT = 50;
const LEAD_S = Number(process.env.GROUPS_LEAD_S ?? Math.max(15, GROUPS * 0.03));
const BULK = Number(process.env.BULK_ORDER_SIZE ?? 500);
const CONCURRENCY = 8;

type Call = <T>(method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }>;

const seconds = (ms: number): number => Math.round(ms / 10) / 100;

/** An on-sale event with one general-admission type of `inventory` seats; answers the type's id. */
async function seatsEvent(call: Call, name: string, inventory: number): Promise<{ eventId: number; ga: number }> {
  const starts = new Date(Date.now() + 30 * 86_400_000);
  const created = async (path: string, body: unknown): Promise<number> => {
    const res = await call<{ id: number }>('POST', path, body);
    if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  };
  const eventId = await created('/api/events', {
    name,
    venue: { name: 'Hall', address: '1 Main St' },
    timezone: 'Europe/Berlin',
    starts_at: starts.toISOString(),
    ends_at: new Date(starts.getTime() + 3 * 3_600_000).toISOString(),
    capacity: inventory,
    status: 'on_sale',
  });
  const ga = await created(`/api/events/${eventId}/ticket-types`, {
    name: 'General admission',
    price_minor: 4000,
    currency: 'EUR',
    inventory,
  });
  return { eventId, ga };
}

const roster = (n: number, prefix: string): { name: string; email: string }[] =>
  Array.from({ length: n }, (_, i) => ({ name: `Member ${i}`, email: `${prefix}-${i}@bench.example` }));

/** Events whose sold count differs from the seats of their groups that are not released (paid or still held). */
async function seatCountErrors(owner: Db, tenantId: string): Promise<number> {
  const { rows } = await owner.raw<{ rows: { errors: number }[] }>(
    `with sold as (select event_id, sum(sold)::int as n from ticket_types where tenant_id = ? group by event_id),
          held as (select g.event_id, count(*)::int as n from group_members m join groups g on g.id = m.group_id
                    where g.tenant_id = ? and m.status <> 'released' group by g.event_id)
     select count(*)::int as errors from sold full join held using (event_id)
      where coalesce(sold.n, 0) <> coalesce(held.n, 0)`,
    [tenantId, tenantId],
  );
  return rows[0].errors;
}

async function main(): Promise<void> {
  await withBenchStack({ name: 'groups', temporal: true, worker: true, pool: 20 }, async (stack) => {
    const temporal = stack.temporal as Client;
    const payments = new OfflinePaymentProvider();
    const api = await createApp({ ...stack, temporal, payments });
    const server = await new Promise<Server>((resolve) => {
      const s = api.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const tenantId = (await createTenant(stack.owner, { name: 'Groups bench' })).id;
      await upsertModule(stack.owner, tenantId, 'groups', { enabled: true });
      const { key } = await createApiKey(stack.owner, tenantId, 'bench', ['admin']);
      const call: Call = async <T>(method: string, path: string, body?: unknown) => {
        const res = await fetch(base + path, {
          method,
          headers: {
            authorization: `Bearer ${key}`,
            'content-type': 'application/json',
            ...(method === 'POST' && { 'idempotency-key': randomUUID() }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json()) as T };
      };
      const expect201 = async <T>(path: string, body: unknown): Promise<T> => {
        const res = await call<T>('POST', path, body);
        if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(res.body)}`);
        return res.body;
      };
      const leader = (
        await expect201<{ id: number }>('/api/customers', { email: 'leader@bench.example', name: 'Leader' })
      ).id;
      const newGroup = (eventId: number, ga: number, size: number, name: string) =>
        expect201<{ id: number }>('/api/groups/groups', {
          event_id: eventId,
          name,
          payment_mode: 'mixed',
          leader_customer_id: leader,
          seats: [{ ticket_type_id: ga, quantity: size }],
        });

      // The 500-ticket bulk order, at the default settings (a week to pay: its seats stay held).
      const big = await seatsEvent(call, 'Bulk order bench', BULK);
      const bigGroup = await newGroup(big.eventId, big.ga, BULK, 'Big group');
      const csv = ['name,email,ticket_type', ...roster(BULK, 'big').map((m) => `${m.name},${m.email},${big.ga}`)];
      const orderStarted = performance.now();
      await expect201(`/api/groups/groups/${bigGroup.id}/orders`, { roster_csv: csv.join('\n') });
      const bulkOrderMs = Math.round(performance.now() - orderStarted);

      // The deadline part: every group held first, untimed.
      const events: { eventId: number; ga: number }[] = [];
      for (let i = 0; i * GROUPS_PER_EVENT < GROUPS; i++)
        events.push(await seatsEvent(call, `Deadline bench ${i}`, GROUPS_PER_EVENT * SEATS));
      const indexes = Array.from({ length: GROUPS }, (_, i) => i);
      const groupIds: number[] = [];
      await inBatches(indexes, CONCURRENCY, async (i) => {
        const e = events[Math.floor(i / GROUPS_PER_EVENT)];
        groupIds[i] = (await newGroup(e.eventId, e.ga, SEATS, `Class ${i}`)).id;
      });
      await upsertModule(stack.owner, tenantId, 'groups', {
        enabled: true,
        settings: { payment_days: 1, reminder_hours: [], grace_hours: 0, deadline_time_scale: LEAD_S / 86_400 },
      });

      // Ordered and partly paid first, untimed; then every deadline is moved to one instant and the workflows start.
      let paidSeats = 0;
      const placed: { id: number; eventId: number }[] = [];
      await inBatches(indexes, CONCURRENCY, async (i) => {
        const e = events[Math.floor(i / GROUPS_PER_EVENT)];
        const members = await withTenant(stack.db, tenantId, async (tx) => {
          const held = await getGroup(tx, groupIds[i], { lock: true });
          if (!held) throw new Error(`group ${groupIds[i]} is gone`);
          const entries = roster(SEATS, `g${i}`).map((m) => ({ ...m, ticketTypeId: e.ga }));
          const order = await placeBulkOrder(tx, tenantId, held, {
            entries,
            provider: payments.name,
            coveredByLeader: entries.slice(0, i % 4).map((m) => m.email),
          });
          return order.members;
        });
        placed[i] = { id: groupIds[i], eventId: e.eventId };
        // Shares paid offline: the leader pays the 0-3 seats they cover in one payment, 0-2 members their own.
        const covered = members.slice(0, i % 4).map((m) => m.id);
        const own = members.slice(4, 4 + (i % 3)).map((m) => m.id);
        if (covered.length)
          await expect201(`/api/groups/groups/${groupIds[i]}/payments`, { member_ids: covered, payer: 'leader' });
        await Promise.all(
          own.map((id) =>
            expect201(`/api/groups/groups/${groupIds[i]}/payments`, { member_ids: [id], payer: 'member' }),
          ),
        );
        paidSeats += covered.length + own.length;
      });
      // Every new group starts its hold workflow from the outbox: let those starts settle before the clock runs
      // (at most 2 minutes), so the timed part is the deadlines alone.
      const holds = `WorkflowType = '${groupHoldWorkflowType.name}' AND ExecutionStatus = 'Running'`;
      const holdsBy = Date.now() + 120_000;
      while ((await temporal.workflow.count(holds)).count < GROUPS + 1 && Date.now() < holdsBy)
        await new Promise((r) => setTimeout(r, 500));
      const settings = await withTenant(stack.db, tenantId, loadGroupsSettings);
      const scale = settings.deadline_time_scale;
      const deadlineAt = Date.now() + LEAD_S * 1000;
      await stack
        .owner('groups')
        .whereIn('id', groupIds)
        .update({ payment_deadline_at: new Date(deadlineAt) });
      // Started as the order route starts them (api/groups/deadline.ts), all with the shared deadline.
      await inBatches(placed, CONCURRENCY * 2, (g) =>
        startIdempotent(
          temporal,
          groupBookingWorkflowType,
          groupBookingStart(stack.config.TEMPORAL_TASK_QUEUE, {
            tenantId,
            groupId: g.id,
            eventId: g.eventId,
            deadlineAt: new Date(deadlineAt).toISOString(),
            reminderOffsetsMs: settings.reminder_hours.map((h) => h * 3_600_000 * scale),
            graceMs: settings.grace_hours * 3_600_000 * scale,
          }),
        ),
      );
      const startSlackS = seconds(deadlineAt - Date.now());
      if (startSlackS <= 0) throw new Error('the workflows started after the deadline: raise GROUPS_LEAD_S');

      const query = `WorkflowType = '${groupBookingWorkflowType.name}' AND ExecutionStatus = 'Completed'`;
      const timeout = deadlineAt + 600_000;
      while ((await temporal.workflow.count(query)).count < GROUPS) {
        if (Date.now() > timeout) throw new Error('the deadline workflows did not all finish in 10 minutes');
        await new Promise((r) => setTimeout(r, 250));
      }
      const closed: number[] = [];
      for await (const wf of temporal.workflow.list({ query })) closed.push((wf.closeTime as Date).getTime());
      closed.sort((a, b) => a - b);
      const [seatsLeft] = (await stack
        .owner('group_members')
        .whereIn('group_id', groupIds)
        .select(
          stack.owner.raw(`count(*) filter (where status <> 'released')::int as kept`),
          stack.owner.raw(`count(*) filter (where status <> 'released' and paid_at is null)::int as unpaid_kept`),
          stack.owner.raw(`count(*) filter (where status = 'released' and paid_at is not null)::int as paid_released`),
        )) as { kept: number; unpaid_kept: number; paid_released: number }[];

      console.log(
        JSON.stringify(
          {
            bench: 'groups',
            cpus: os.cpus().length,
            groups: GROUPS,
            seats_per_group: SEATS,
            deadlines_1000_s: seconds(closed[closed.length - 1] - deadlineAt),
            deadline_p50_s: seconds(closed[Math.floor(closed.length / 2)] - deadlineAt),
            lead_s: LEAD_S,
            start_slack_s: startSlackS,
            bulk_order_size: BULK,
            bulk_order_500_ms: bulkOrderMs,
            paid_seats: paidSeats,
            kept_seats: seatsLeft.kept,
            unpaid_seats_kept: seatsLeft.unpaid_kept,
            paid_seats_released: seatsLeft.paid_released,
            seat_count_errors: await seatCountErrors(stack.owner, tenantId),
          },
          null,
          2,
        ),
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
}

runBench(main);
