import type { z } from 'zod';
import type { Tx } from '../../db/connection';
import {
  createTemplate,
  deleteTemplate,
  getTemplate,
  listTemplates,
  recipientData,
  tenantName,
  updateTemplate,
  type EmailTemplateRow,
} from '../../db/crm/templates';
import {
  compileTemplate,
  customerVars,
  renderTemplate,
  TemplateError,
  validateTemplate,
  type TemplateSource,
} from '../../domain/crm/templates';
import { trackingSigner } from '../../domain/crm/tracking-tokens';
import { AppError, notFound } from '../../lib/errors';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { IdParams, page, Pagination, toPage } from '../schemas/common';
import { CreateTemplate, EmailTemplate, PreviewTemplate, RenderedTemplate, UpdateTemplate } from './campaign-schemas';

/** A template that does not compile or render answers 400 with the part (`body.mjml`, `body.subject`, `body.text`) and line. */
async function assertValidTemplate(source: TemplateSource): Promise<void> {
  try {
    await validateTemplate(source);
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    throw new AppError(400, 'invalid_template', 'The template does not compile', {
      errors: err.issues.map((i) => ({
        path: `body.${i.path}`,
        message: i.line ? `line ${i.line}: ${i.message}` : i.message,
        code: 'invalid_template',
      })),
      issues: err.issues,
    });
  }
}

const toTemplate = (t: EmailTemplateRow): z.infer<typeof EmailTemplate> => ({
  id: t.id,
  name: t.name,
  subject: t.subject,
  mjml: t.mjml,
  text: t.text,
  created_at: t.created_at.toISOString(),
  updated_at: t.updated_at.toISOString(),
});

async function loadTemplate(tx: Tx, id: number): Promise<EmailTemplateRow> {
  const t = await getTemplate(tx, id);
  if (!t) throw notFound('Template');
  return t;
}

/** E-mail templates (MJML with Liquid) and their preview for a customer. */
export function templateRoutes(deps: RouterDeps): void {
  const tags = ['crm'];
  const module = 'crm' as const;

  defineRoute(deps, {
    method: 'post',
    path: '/api/crm/templates',
    summary: 'Create an e-mail template (MJML with Liquid); a template that does not compile answers 400 with the line',
    tags,
    access: { scope: 'write', module },
    body: CreateTemplate,
    idempotent: true,
    responses: { 201: { description: 'Created', schema: EmailTemplate } },
    handler: async ({ tx, auth, body }) => {
      await assertValidTemplate(body);
      return { status: 201, body: toTemplate(await createTemplate(tx, auth.tenantId, body)) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/crm/templates',
    summary: 'List e-mail templates',
    tags,
    access: { scope: 'read', module },
    query: Pagination,
    responses: { 200: { description: 'A page of templates', schema: page(EmailTemplate) } },
    handler: async ({ tx, query }) => ({
      body: toPage((await listTemplates(tx, query.limit, query.after)).map(toTemplate), query.limit),
    }),
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/crm/templates/{id}',
    summary: 'An e-mail template',
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    responses: { 200: { description: 'The template', schema: EmailTemplate } },
    handler: async ({ tx, params }) => ({ body: toTemplate(await loadTemplate(tx, params.id)) }),
  });

  defineRoute(deps, {
    method: 'patch',
    path: '/api/crm/templates/{id}',
    summary: 'Change an e-mail template (messages not yet sent use the new version)',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    body: UpdateTemplate,
    responses: { 200: { description: 'Changed', schema: EmailTemplate } },
    handler: async ({ tx, params, body }) => {
      const current = await loadTemplate(tx, params.id);
      await assertValidTemplate({
        subject: body.subject ?? current.subject,
        mjml: body.mjml ?? current.mjml,
        text: body.text === undefined ? current.text : body.text,
      });
      const saved = await updateTemplate(tx, params.id, body);
      if (!saved) throw notFound('Template');
      return { body: toTemplate(saved) };
    },
  });

  defineRoute(deps, {
    method: 'delete',
    path: '/api/crm/templates/{id}',
    summary: 'Delete an e-mail template (messages already queued still render with it)',
    tags,
    access: { scope: 'write', module },
    params: IdParams,
    responses: { 204: { description: 'Deleted' } },
    handler: async ({ tx, params }) => {
      if (!(await deleteTemplate(tx, params.id))) throw notFound('Template');
      return { status: 204 };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/crm/templates/{id}/preview',
    summary: 'Render a template for one customer: subject, HTML and text as that customer would get them',
    tags,
    access: { scope: 'read', module },
    params: IdParams,
    body: PreviewTemplate,
    responses: { 200: { description: 'The rendered e-mail', schema: RenderedTemplate } },
    handler: async ({ tx, auth, params, body }) => {
      const template = await loadTemplate(tx, params.id);
      const data = (await recipientData(tx, [body.customer_id])).get(body.customer_id);
      if (!data) throw notFound('Customer');
      const signer = trackingSigner(deps.config.TOKEN_SECRET, deps.config.publicApiUrl);
      try {
        const rendered = renderTemplate(await compileTemplate(template), {
          customer: customerVars(data),
          tenant: { id: auth.tenantId, name: await tenantName(tx, auth.tenantId) },
          event: null,
          campaign: null,
          // A preview has no message: the link shows the shape, and answers 404.
          unsubscribe_url: signer.unsubscribeUrl(auth.tenantId, Number.MAX_SAFE_INTEGER),
        });
        return { body: rendered };
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        throw new AppError(422, 'template_render_failed', err.message, { issues: err.issues });
      }
    },
  });
}
