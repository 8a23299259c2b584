import { createHarness, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { addCustomer, addSegment, addTemplate, mailTo, sentCampaign, type CampaignBody } from '../helpers/crm';

interface ComplaintBody {
  message_id: number;
  customer_id: number;
  recorded: boolean;
  feedback_type: string;
}

/** A feedback-loop report as a mailbox provider sends it (RFC 5965), around the original e-mail. */
const arf = (original: string, part: 'message/rfc822' | 'text/rfc822-headers', type = 'abuse'): string =>
  [
    'From: fbl@mailbox.example',
    'To: abuse@tenant.example',
    'Subject: Abuse report',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="fbl-b1"',
    '',
    '--fbl-b1',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'This is an e-mail abuse report for an e-mail message received from IP 127.0.0.1.',
    '',
    '--fbl-b1',
    'Content-Type: message/feedback-report',
    '',
    `Feedback-Type: ${type}`,
    'User-Agent: SomeMailbox/1.0',
    'Version: 1',
    '',
    '--fbl-b1',
    `Content-Type: ${part}`,
    '',
    part === 'message/rfc822' ? original : original.split(/\r?\n\r?\n/)[0],
    '--fbl-b1--',
    '',
  ].join('\r\n');

describe('spam complaints', () => {
  let h: Harness;
  let t: TenantFixture;
  let other: TenantFixture;

  beforeAll(async () => {
    h = await createHarness({ worker: true });
    t = await createTenantWithKey(h, 'Complaints');
    other = await createTenantWithKey(h, 'Other');
    await h
      .owner('tenant_modules')
      .where({ tenant_id: t.tenantId, module: 'crm' })
      .update({ settings: JSON.stringify({ send_rate_per_s: 500, frequency_cap_per_week: 50 }) });
  }, 60_000);
  afterAll(() => h.stop());

  async function sendTo(customerIds: number[]): Promise<number> {
    const segmentId = await addSegment(h, t, customerIds);
    const templateId = await addTemplate(t, 'News', 'Our spring line-up');
    const campaign = await t.api.post<CampaignBody>('/api/crm/campaigns', {
      name: `c-${Date.now()}`,
      segment_id: segmentId,
      template_id: templateId,
    });
    const send = await t.api.post(`/api/crm/campaigns/${campaign.body.id}/send`, undefined, {
      'idempotency-key': `send-${campaign.body.id}`,
    });
    expect(send.status).toBe(202);
    await sentCampaign(t, campaign.body.id, 30_000, h);
    return campaign.body.id;
  }

  it('an ARF report suppresses the address, withdraws consent and emits crm.email_complained, once', async () => {
    const fan = await addCustomer(h, t);
    const campaignId = await sendTo([fan.id]);
    const [mail] = mailTo(h, fan.email);

    const first = await t.api.post<ComplaintBody>('/api/crm/complaints', { arf: arf(mail.raw, 'message/rfc822') });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ customer_id: fan.id, recorded: true, feedback_type: 'abuse' });
    // The same complaint again, now with only the original's headers: nothing changes.
    const again = await t.api.post<ComplaintBody>('/api/crm/complaints', { arf: arf(mail.raw, 'text/rfc822-headers') });
    expect(again.body).toMatchObject({ message_id: first.body.message_id, recorded: false });

    expect(await h.owner('email_suppressions').where({ email: fan.email }).pluck('reason')).toEqual(['complaint']);
    const consent = await t.api.get<{ consent: { email: boolean } }>(`/api/crm/customers/${fan.id}`);
    expect(consent.body.consent.email).toBe(false);
    const ledger = await t.api.get<{ items: { granted: boolean; source: string }[] }>(
      `/api/crm/customers/${fan.id}/consents`,
    );
    expect(ledger.body.items.at(-1)).toMatchObject({ granted: false, source: 'spam_complaint' });
    const events = await h
      .owner('outbox')
      .where({ tenant_id: t.tenantId, type: 'crm.email_complained' })
      .pluck('payload');
    expect(events).toEqual([
      { message_id: first.body.message_id, customer_id: fan.id, campaign_id: campaignId, automation_id: null },
    ]);

    // The next campaign skips the customer (consent is checked first), and the address even with consent given back.
    const next = await sendTo([fan.id]);
    expect(await h.owner('crm_messages').where({ campaign_id: next }).pluck('suppress_reason')).toEqual(['no_consent']);
    await h.owner('customers').where({ id: fan.id }).update({ marketing_consent: true });
    const after = await sendTo([fan.id]);
    expect(await h.owner('crm_messages').where({ campaign_id: after }).pluck('suppress_reason')).toEqual(['complaint']);
    expect(mailTo(h, fan.email)).toHaveLength(1);
  }, 90_000);

  it("takes an e-mail service's bare Message-ID; another tenant's message is a 404", async () => {
    const fan = await addCustomer(h, t);
    await sendTo([fan.id]);
    const [mail] = mailTo(h, fan.email);

    expect((await other.api.post('/api/crm/complaints', { message_id: mail.messageId })).status).toBe(404);
    const r = await t.api.post<ComplaintBody>('/api/crm/complaints', { message_id: mail.messageId });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ customer_id: fan.id, recorded: true });
    expect((await t.api.post('/api/crm/complaints', { message_id: '<order-1@usher>' })).status).toBe(404);
  }, 90_000);

  it('refuses a report without the original message, a not-spam report and an ambiguous body', async () => {
    const noOriginal = await t.api.post<{ code: string }>('/api/crm/complaints', {
      arf: 'Subject: hello\r\n\r\njust text',
    });
    expect(noOriginal.status).toBe(422);
    expect(noOriginal.body.code).toBe('arf_without_message_id');
    const original = 'Message-ID: <crm-x-1@usher>\r\nSubject: x\r\n\r\nbody';
    const notSpam = await t.api.post<{ code: string }>('/api/crm/complaints', {
      arf: arf(original, 'message/rfc822', 'not-spam'),
    });
    expect(notSpam.body.code).toBe('not_a_complaint');
    const both = await t.api.post('/api/crm/complaints', { arf: arf(original, 'message/rfc822'), message_id: 'x' });
    expect(both.status).toBe(400);
    expect((await t.api.post('/api/crm/complaints', {})).status).toBe(400);
  });
});
