import mjml2html from 'mjml';
import { convert } from 'html-to-text';
import { Liquid, type Template } from 'liquidjs';

/**
 * E-mail templates: MJML with Liquid. The MJML is compiled to HTML once per template version with
 * the Liquid left in place (MJML passes text and attribute values through), and the Liquid is then
 * rendered per recipient: an MJML compile costs milliseconds, a Liquid render microseconds, and a
 * 100,000-recipient campaign cannot afford the first per recipient. Liquid block tags that wrap
 * whole sections go in `<mj-raw>` (`<mj-raw>{% if customer.segments contains 12 %}</mj-raw>`).
 */

export interface TemplateSource {
  subject: string;
  mjml: string;
  text?: string | null;
}

export interface TemplateIssue {
  path: 'subject' | 'mjml' | 'text';
  line?: number;
  message: string;
}

/** Raised by `compileTemplate` and `validateTemplate`: every problem with the template's part and line. */
export class TemplateError extends Error {
  constructor(readonly issues: TemplateIssue[]) {
    super(issues.map((i) => `${i.path}${i.line ? `:${i.line}` : ''}: ${i.message}`).join('; '));
    this.name = 'TemplateError';
  }
}

export interface CustomerVars {
  id: number;
  name: string;
  first_name: string;
  email: string;
  city: string | null;
  country: string | null;
  /** Ids of the segments the customer is a current member of: `{% if customer.segments contains 12 %}`. */
  segments: number[];
  total_orders: number;
  total_spent: number;
  lifetime_value: number | null;
  [attribute: string]: unknown;
}

export interface RenderVars {
  customer: CustomerVars;
  tenant: { id: string; name: string };
  /** The event the message is about (automations), or null. */
  event: Record<string, unknown> | null;
  campaign: { id: number; name: string } | null;
  unsubscribe_url: string;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const options = {
  strictVariables: true,
  strictFilters: true,
  ownPropertyOnly: true,
  // No file system: `{% include %}` and `{% render %}` find nothing.
  templates: {},
  relativeReference: false,
} as const;
const htmlEngine = new Liquid({ ...options, outputEscape: 'escape' });
const textEngine = new Liquid(options);

/** A template ready to render many times. */
export interface CompiledTemplate {
  subject: Template[];
  html: Template[];
  text: Template[];
}

function parse(engine: Liquid, source: string, path: TemplateIssue['path']): Template[] {
  try {
    return engine.parse(source);
  } catch (err) {
    throw new TemplateError([{ path, ...liquidIssue(err) }]);
  }
}

function liquidIssue(err: unknown): { line?: number; message: string } {
  const e = err as { message?: string; token?: { getPosition?: () => [number, number] } };
  const line = e.token?.getPosition?.()[0];
  return { ...(line ? { line } : {}), message: (e.message ?? String(err)).split(', line:')[0] };
}

/** The plain-text part derived from compiled HTML (once per template; the Liquid survives it as text). */
function textFromHtml(html: string): string {
  return convert(html, {
    wordwrap: false,
    selectors: [
      ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } })),
      { selector: 'img', format: 'skip' },
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    ],
  });
}

/** Parses the Liquid and compiles the MJML; throws `TemplateError` with the part and line of each problem. */
export async function compileTemplate(source: TemplateSource): Promise<CompiledTemplate> {
  const issues: TemplateIssue[] = [];
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof TemplateError) issues.push(...err.issues);
      else throw err;
      return undefined;
    }
  };
  const subject = attempt(() => parse(textEngine, source.subject, 'subject'));
  attempt(() => parse(htmlEngine, source.mjml, 'mjml'));
  const text = source.text ? attempt(() => parse(textEngine, source.text ?? '', 'text')) : undefined;
  let html: string | undefined;
  try {
    const out = await mjml2html(source.mjml, { validationLevel: 'strict', ignoreIncludes: true, keepComments: false });
    html = out.html;
  } catch (err) {
    const errors = (err as { errors?: { line?: number; message: string }[] }).errors;
    if (!errors?.length) issues.push({ path: 'mjml', message: (err as Error).message || 'not valid MJML' });
    for (const e of errors ?? [])
      issues.push({ path: 'mjml', ...(e.line ? { line: e.line } : {}), message: e.message });
  }
  if (issues.length || !subject || html === undefined) throw new TemplateError(issues);
  return {
    subject,
    html: parse(htmlEngine, html, 'mjml'),
    text: text ?? parse(textEngine, textFromHtml(html), 'text'),
  };
}

/** Renders a compiled template for one recipient. Throws `TemplateError` (e.g. an undefined variable). */
export function renderTemplate(compiled: CompiledTemplate, vars: RenderVars | object): RenderedEmail {
  const render = (engine: Liquid, tpl: Template[], path: TemplateIssue['path']): string => {
    try {
      return engine.renderSync(tpl, vars) as string;
    } catch (err) {
      throw new TemplateError([{ path, ...liquidIssue(err) }]);
    }
  };
  return {
    subject: render(textEngine, compiled.subject, 'subject').replace(/\s+/g, ' ').trim(),
    html: render(htmlEngine, compiled.html, 'mjml'),
    text: render(textEngine, compiled.text, 'text'),
  };
}

/**
 * A module's own e-mails (not written by the tenant), in the same MJML + Liquid as the CRM's templates: each kind
 * compiles once per process on first use, then renders per recipient with HTML output escaped.
 */
export function fixedMailRenderer<K extends string, V extends object>(
  sources: Record<K, TemplateSource>,
): (kind: K, vars: V) => Promise<RenderedEmail> {
  const compiled = new Map<K, Promise<CompiledTemplate>>();
  return async (kind, vars) => {
    let template = compiled.get(kind);
    if (!template) {
      template = compileTemplate(sources[kind]);
      compiled.set(kind, template);
    }
    return renderTemplate(await template, vars);
  };
}

/** A customer with every variable a template may name, so that validation catches a misspelt one. */
export const SAMPLE_VARS: RenderVars = {
  customer: {
    id: 1,
    name: 'Ada Lovelace',
    first_name: 'Ada',
    email: 'ada@example.com',
    city: 'London',
    country: 'GB',
    segments: [],
    total_orders: 3,
    total_spent: 12000,
    lifetime_value: 25000,
    birthday: null,
    avg_order_value: 4000,
    last_purchase_at: null,
    first_purchase_at: null,
    churn_risk: null,
    rfm_score: null,
    tags: [],
    currency: 'EUR',
    total_spent_minor: 1200000,
    avg_order_value_minor: 400000,
    lifetime_value_minor: 2500000,
    events_attended: 2,
    no_shows: 0,
    attended_categories: [],
    purchased_categories: [],
    emails_opened: 0,
    emails_clicked: 0,
    last_opened_at: null,
    last_clicked_at: null,
    r_score: null,
    f_score: null,
    m_score: null,
    predicted_purchases_365d: null,
    churn_probability: null,
  },
  tenant: { id: 't', name: 'Tenant' },
  event: null,
  campaign: null,
  unsubscribe_url: 'https://example.com/t/u/token',
};

/** Compiles and renders for a sample customer: the checks a template must pass before it is saved. */
export async function validateTemplate(source: TemplateSource): Promise<void> {
  const compiled = await compileTemplate(source);
  renderTemplate(compiled, SAMPLE_VARS);
}

export const firstName = (name: string): string => name.trim().split(/\s+/)[0] ?? '';

/**
 * Rewrites the http(s) links of rendered HTML through `track` (click tracking) and adds the open
 * pixel before `</body>`. The unsubscribe link is left alone so it works without a redirect.
 */
export function instrumentHtml(
  html: string,
  opts: { track(url: string): string; pixelUrl: string; unsubscribeUrl: string },
): string {
  const linked = html.replace(
    /(<a\b[^>]*?\bhref=)(["'])(https?:\/\/[^"']+)\2/gi,
    (whole, pre: string, q: string, url: string) => {
      const decoded = url.replace(/&amp;/g, '&');
      if (decoded === opts.unsubscribeUrl) return whole;
      return `${pre}${q}${opts.track(decoded).replace(/&/g, '&amp;')}${q}`;
    },
  );
  const pixel = `<img src="${opts.pixelUrl}" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px" />`;
  return /<\/body>/i.test(linked) ? linked.replace(/<\/body>/i, `${pixel}</body>`) : linked + pixel;
}

/** What the database holds about a recipient: the customer row, their metrics row and segment ids. */
export interface RecipientSource {
  customer: Record<string, unknown>;
  metrics: Record<string, unknown> | null;
  segments: number[];
}

/** The variables a template sees for one customer. */
export function customerVars(data: RecipientSource): CustomerVars {
  const c = data.customer;
  const m = data.metrics ?? {};
  const num = (v: unknown): number => (v === null || v === undefined || v === '' ? 0 : Number(v));
  const metrics = Object.fromEntries(
    Object.entries(m).filter(([k]) => k !== 'tenant_id' && k !== 'customer_id' && k !== 'updated_at'),
  );
  // Every variable validation allows exists (null when unknown), so a customer without metrics renders too.
  const defaults = Object.fromEntries(Object.keys(SAMPLE_VARS.customer).map((k) => [k, null]));
  return {
    ...defaults,
    ...metrics,
    id: Number(c.id),
    name: String(c.name ?? ''),
    first_name: firstName(String(c.name ?? '')),
    email: String(c.email ?? ''),
    city: (c.city as string | null | undefined) ?? null,
    country: (c.country as string | null | undefined) ?? null,
    birthday: (c.birthday as string | null | undefined) ?? null,
    tags: (c.tags as string[] | undefined) ?? [],
    segments: data.segments,
    total_orders: num(m.total_orders),
    // Money as major units for templates ({{ customer.total_spent }}); the minor-unit columns stay too.
    total_spent: num(m.total_spent_minor) / 100,
    lifetime_value:
      m.lifetime_value_minor === undefined || m.lifetime_value_minor === null
        ? null
        : Number(m.lifetime_value_minor) / 100,
  };
}
