import { WorkflowNotFoundError } from '@temporalio/client';
import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import {
  deleteSegment,
  evaluateSegment,
  getSegment,
  insertSegment,
  listSegmentMembers,
  listSegments,
  recordSegmentSize,
  segmentRevenue,
  segmentSizes,
  updateSegment,
  type SegmentRow,
} from '../../db/crm/segments';
import { previewSegment } from '../../db/crm/segment-sql';
import { validateSegmentRules, type RuleNode } from '../../domain/crm/segment-rules';
import { AppError, notFound } from '../../lib/errors';
import { startIdempotent } from '../../lib/temporal';
import {
  segmentRefreshStartOptions,
  segmentRefreshWorkflowId,
  segmentRefreshWorkflowType,
  setSegmentRefreshIntervalSignal,
} from '../../workflows/crm/contract';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParams, isoOrNull, page, Pagination, toPage } from '../schemas/common';
import {
  CreateSegment,
  MembersQuery,
  PreviewSegment,
  Segment,
  SegmentEvaluation,
  SegmentMember,
  SegmentPerformance,
  SegmentPreview,
  UpdateSegment,
} from './segment-schemas';

/** A rule that fails validation answers 400 with each bad condition's path, e.g. `body.rules.conditions[2].operator`. */
function parseRules(rules: unknown): RuleNode {
  const result = validateSegmentRules(rules, 'body.rules');
  if (!result.ok)
    throw new AppError(400, 'invalid_segment_rule', 'The segment rule is not valid', { errors: result.errors });
  return result.rule;
}

const toSegment = (s: SegmentRow): z.infer<typeof Segment> => ({
  id: s.id,
  name: s.name,
  description: s.description,
  rules: s.rules,
  customer_count: s.customer_count,
  is_dynamic: s.is_dynamic,
  refresh_interval_s: s.refresh_interval_s,
  last_evaluated_at: isoOrNull(s.last_evaluated_at),
  created_at: s.created_at.toISOString(),
  updated_at: s.updated_at.toISOString(),
});

async function loadSegment(tx: Tx, id: number): Promise<SegmentRow> {
  const segment = await getSegment(tx, id);
  if (!segment) throw notFound('Segment');
  return segment;
}

/** Evaluates now (a static segment takes a new snapshot) and records a size point. */
async function evaluateNow(tx: Tx, tenantId: string, id: number) {
  const result = await evaluateSegment(tx, tenantId, id);
  if (!result) throw notFound('Segment');
  await recordSegmentSize(tx, tenantId, id, result.customerCount);
  return result;
}

/** Customer segments: rules, preview, membership history, refresh and performance. */
export function segmentRoutes(deps: RouterDeps): void {
  const tags = ['crm'];
  const module = 'crm' as const;

  /** The refresh loop of a dynamic segment, started idempotently after the segment committed. */
  const startRefresh = (tenantId: string, segment: SegmentRow) => async () => {
    await startIdempotent(deps.temporal, segmentRefreshWorkflowType, {
      taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
      ...segmentRefreshStartOptions(tenantId, segment.id, segment.refresh_interval_s),
    });
  };
  /** Ends the loop of a deleted segment; one that already ended is fine. */
  const endRefresh = (tenantId: string, segmentId: number) => async () => {
    try {
      await deps.temporal.workflow
        .getHandle(segmentRefreshWorkflowId(tenantId, segmentId))
        .terminate('segment deleted');
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  };

  defineRoute(deps, {
    method: 'post',
    path: '/api/crm/segments',
    summary: 'Create a customer segment from rules; its members are evaluated at once (a static one is a snapshot)',
    tags,
    access: { scope: 'write', module },
    body: CreateSegment,
    idempotent: true,
    responses: { 201: { description: 'Created', schema: Segment } },
    handler: async ({ tx, auth, body, afterCommit }) => {
      parseRules(body.rules);
      const created = await insertSegment(tx, auth.tenantId, body);
      const { segment } = await evaluateNow(tx, auth.tenantId, created.id);
      if (segment.is_dynamic) afterCommit(startRefresh(auth.tenantId, segment));
      return { status: 201, body: toSegment(segment) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/crm/segments',
    summary: "The tenant's customer segments",
    tags,
    access: { scope: 'read', module },
    query: Pagination,
    responses: { 200: { description: 'Segments', schema: page(Segment) } },
    handler: async ({ tx, query }) => {
      const rows = await listSegments(tx, query);
      return { body: { ...toPage(rows, query.limit), items: rows.map(toSegment) } };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/crm/segments/preview',
    summary: 'How many customers a rule matches, with a sample of up to 20, without saving anything',
    tags,
    access: { scope: 'read', module },
    body: PreviewSegment,
    responses: { 200: { description: 'Preview', schema: SegmentPreview } },
    handler: async ({ tx, auth, body }) => ({
      body: await previewSegment(tx, auth.tenantId, parseRules(body.rules), 20),
    }),
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/crm/segments/{id}',
    summary: 'A customer segment',
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    responses: { 200: { description: 'Segment', schema: Segment } },
    handler: async ({ tx, params }) => ({ body: toSegment(await loadSegment(tx, params.id)) }),
  });

  defineRoute(deps, {
    method: 'patch',
    path: '/api/crm/segments/{id}',
    summary: 'Change a segment; new rules (or making it dynamic) re-evaluate its members at once',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    body: UpdateSegment,
    responses: { 200: { description: 'Updated', schema: Segment } },
    handler: async ({ tx, auth, params, body, afterCommit }) => {
      if (body.rules !== undefined) parseRules(body.rules);
      const before = await loadSegment(tx, params.id);
      let segment = (await updateSegment(tx, params.id, body)) as SegmentRow;
      const becameDynamic = segment.is_dynamic && !before.is_dynamic;
      if (body.rules !== undefined || becameDynamic)
        segment = (await evaluateNow(tx, auth.tenantId, params.id)).segment;
      if (becameDynamic) afterCommit(startRefresh(auth.tenantId, segment));
      else if (segment.is_dynamic && segment.refresh_interval_s !== before.refresh_interval_s)
        afterCommit(async () => {
          const handle = deps.temporal.workflow.getHandle(segmentRefreshWorkflowId(auth.tenantId, segment.id));
          try {
            await handle.signal(setSegmentRefreshIntervalSignal, { refreshIntervalS: segment.refresh_interval_s });
          } catch (err) {
            if (!(err instanceof WorkflowNotFoundError)) throw err;
            await startRefresh(auth.tenantId, segment)();
          }
        });
      return { body: toSegment(segment) };
    },
  });

  defineRoute(deps, {
    method: 'delete',
    path: '/api/crm/segments/{id}',
    summary: 'Delete a segment with its membership history; its refresh loop ends',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    responses: { 204: { description: 'Deleted' } },
    handler: async ({ tx, auth, params, afterCommit }) => {
      if (!(await deleteSegment(tx, params.id))) throw notFound('Segment');
      afterCommit(endRefresh(auth.tenantId, params.id));
      return { status: 204 };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/crm/segments/{id}/members',
    summary: "A segment's current members, or with include_removed=true every entry and exit",
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    query: MembersQuery,
    responses: { 200: { description: 'Members', schema: page(SegmentMember) } },
    handler: async ({ tx, params, query }) => {
      await loadSegment(tx, params.id);
      const rows = await listSegmentMembers(tx, params.id, {
        limit: query.limit,
        after: query.after,
        includeRemoved: query.include_removed === 'true',
      });
      return {
        body: {
          ...toPage(rows, query.limit),
          items: rows.map((r) => ({
            id: r.id,
            customer_id: r.customer_id,
            email: r.email,
            name: r.name,
            added_at: r.added_at.toISOString(),
            removed_at: isoOrNull(r.removed_at),
          })),
        },
      };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/crm/segments/{id}/refresh',
    summary: 'Re-evaluate a segment now (a static segment takes a new snapshot)',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    responses: { 200: { description: 'Evaluated', schema: SegmentEvaluation } },
    handler: async ({ tx, auth, params, afterCommit }) => {
      const { segment, entered, exited } = await evaluateNow(tx, auth.tenantId, params.id);
      // Also repairs a loop that never started (a crash between commit and start).
      if (segment.is_dynamic) afterCommit(startRefresh(auth.tenantId, segment));
      return { body: { segment: toSegment(segment), entered, exited } };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/crm/segments/{id}/performance',
    summary: "A segment's size over time and its current members' revenue (lifetime, last 30 and 90 days)",
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    responses: { 200: { description: 'Performance', schema: SegmentPerformance } },
    handler: async ({ tx, params }) => {
      const segment = await loadSegment(tx, params.id);
      const [sizes, revenue] = [await segmentSizes(tx, segment.id), await segmentRevenue(tx, segment.id)];
      return {
        body: {
          segment_id: segment.id,
          customer_count: segment.customer_count,
          sizes: sizes.map((s) => ({ at: s.at.toISOString(), size: s.size })),
          revenue,
        },
      };
    },
  });
}
