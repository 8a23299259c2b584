import { eventually, type Harness } from './harness';
import type { TenantFixture } from './fixtures';
import type { ReceivedMail } from './smtp';

/** Customers, segments, templates and sent campaigns for the CRM tests, set up as a tenant would. */
export interface CampaignBody {
  id: number;
  status: string;
  winner_variant: string | null;
  winner_manual: boolean;
}

/** Quoted-printable bodies as text, so assertions read what the recipient sees. */
export const decode = (raw: string): string =>
  raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

export const header = (raw: string, name: string): string => {
  const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  return new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1]?.trim() ?? '';
};

export const linkPaths = (mail: ReceivedMail, kind: 'o' | 'c' | 'u'): string[] =>
  [...decode(mail.raw).matchAll(new RegExp(`https?://[^/"\\s]+(/t/${kind}/[A-Za-z0-9_.-]+)`, 'g'))].map((m) => m[1]);

let seq = 0;
export async function addCustomer(
  h: Harness,
  t: TenantFixture,
  opts: { name?: string; consent?: boolean; erased?: boolean; email?: string } = {},
): Promise<{ id: number; email: string }> {
  const email = opts.email ?? `c${++seq}-${Date.now()}@example.com`;
  const [row] = await h
    .owner('customers')
    .insert({
      tenant_id: t.tenantId,
      email,
      name: opts.name ?? `Cust ${seq}`,
      marketing_consent: opts.consent ?? true,
      erased_at: opts.erased ? new Date() : null,
    })
    .returning(['id']);
  return { id: Number(row.id), email };
}

export async function addSegment(h: Harness, t: TenantFixture, customerIds: number[]): Promise<number> {
  const [seg] = await h
    .owner('customer_segments')
    .insert({
      tenant_id: t.tenantId,
      name: `seg ${++seq}`,
      rules: JSON.stringify({ conditions: [] }),
      is_dynamic: false,
    })
    .returning(['id']);
  const segmentId = Number(seg.id);
  if (customerIds.length)
    await h
      .owner('customer_segment_members')
      .insert(customerIds.map((customer_id) => ({ tenant_id: t.tenantId, segment_id: segmentId, customer_id })));
  return segmentId;
}

export const MJML = (body: string) =>
  `<mjml><mj-body><mj-section><mj-column><mj-text>${body}</mj-text></mj-column></mj-section></mj-body></mjml>`;

export async function addTemplate(
  t: TenantFixture,
  subject: string,
  body: string,
  extra: Record<string, unknown> = {},
) {
  const r = await t.api.post<{ id: number }>('/api/crm/templates', {
    name: subject,
    subject,
    mjml: MJML(body),
    ...extra,
  });
  if (r.status !== 201) throw new Error(`template: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.id;
}

export const mailTo = (h: Harness, email: string) => h.mail.filter((m) => m.to.includes(email));

export async function sentCampaign(
  t: TenantFixture,
  id: number,
  timeoutMs = 30_000,
  h?: Harness,
): Promise<CampaignBody> {
  try {
    return await eventually(
      async () => {
        const r = await t.api.get<CampaignBody>(`/api/crm/campaigns/${id}`);
        return r.body.status === 'sent' && r.body;
      },
      { what: `campaign ${id} sent`, timeoutMs },
    );
  } catch (err) {
    if (h) {
      const messages = await h
        .owner('crm_messages')
        .where({ campaign_id: id })
        .select('id', 'status', 'last_error', 'attempts');
      const outbox = await h.owner('outbox').whereNotNull('last_error').select('type', 'last_error').limit(5);
      const wf = await h.temporal.workflow
        .getHandle(`crm-campaign/${t.tenantId}/${id}`)
        .describe()
        .catch((e: Error) => e.message);
      throw new Error(
        `${(err as Error).message}: ${JSON.stringify({ messages, outbox, wf: typeof wf === 'string' ? wf : wf.status })}`,
        { cause: err },
      );
    }
    throw err;
  }
}
