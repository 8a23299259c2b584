import {
  compileTemplate,
  customerVars,
  instrumentHtml,
  renderTemplate,
  SAMPLE_VARS,
  TemplateError,
  validateTemplate,
} from '../../domain/crm/templates';
import {
  signTrackingToken,
  trackingSigner,
  verifyTrackingToken,
  isMachineOpen,
} from '../../domain/crm/tracking-tokens';

const mjml = (body: string) =>
  `<mjml><mj-body><mj-section><mj-column><mj-text>${body}</mj-text></mj-column></mj-section></mj-body></mjml>`;

describe('e-mail templates', () => {
  it('renders MJML with Liquid: HTML escaped, subject and derived text', async () => {
    const compiled = await compileTemplate({
      subject: 'Hi {{ customer.first_name }}',
      mjml: mjml(
        '<h1>Hello {{ customer.name }}</h1><p>{{ customer.city }} <a href="https://x.example/{{ customer.id }}">go</a></p>',
      ),
    });
    const vars = { ...SAMPLE_VARS, customer: { ...SAMPLE_VARS.customer, name: 'Ada <b>L</b>', city: 'Zürich' } };
    const out = renderTemplate(compiled, vars);
    expect(out.subject).toBe('Hi Ada');
    expect(out.html).toContain('Hello Ada &lt;b&gt;L&lt;/b&gt;');
    expect(out.html).toContain('href="https://x.example/1"');
    expect(out.text).toContain('Hello Ada <b>L</b>');
    expect(out.text).toContain('Zürich');
    expect(out.text).not.toContain('<p>');
  });

  it('shows dynamic blocks by segment and attribute, including whole sections through mj-raw', async () => {
    const compiled = await compileTemplate({
      subject: 's',
      mjml:
        '<mjml><mj-body><mj-raw>{% if customer.segments contains 12 %}</mj-raw>' +
        '<mj-section><mj-column><mj-text>VIP SECTION</mj-text></mj-column></mj-section><mj-raw>{% endif %}</mj-raw>' +
        '<mj-section><mj-column><mj-text>{% if customer.country == "DE" %}Hallo{% else %}Hello{% endif %}</mj-text></mj-column></mj-section>' +
        '</mj-body></mjml>',
      text: '{% if customer.segments contains 12 %}VIP{% endif %} {{ unsubscribe_url }}',
    });
    const vip = renderTemplate(compiled, {
      ...SAMPLE_VARS,
      customer: { ...SAMPLE_VARS.customer, segments: [12], country: 'DE' },
    });
    expect(vip.html).toContain('VIP SECTION');
    expect(vip.html).toContain('Hallo');
    expect(vip.text).toBe('VIP https://example.com/t/u/token');
    const plain = renderTemplate(compiled, SAMPLE_VARS);
    expect(plain.html).not.toContain('VIP SECTION');
    expect(plain.html).toContain('Hello');
  });

  it('reports Liquid and MJML errors with the part and line', async () => {
    const err = (await validateTemplate({
      subject: '{% if x %}',
      mjml: '<mjml>\n<mj-body>\n<mj-bogus/>\n</mj-body></mjml>',
    }).catch((e: unknown) => e)) as TemplateError;
    expect(err).toBeInstanceOf(TemplateError);
    expect(err.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'subject', line: 1 }),
        expect.objectContaining({ path: 'mjml', line: 3 }),
      ]),
    );
  });

  it('refuses unknown variables and filters, and file includes', async () => {
    await expect(validateTemplate({ subject: 's', mjml: mjml('{{ customer.shoe }}') })).rejects.toThrow(TemplateError);
    await expect(validateTemplate({ subject: '{{ customer.name | nope }}', mjml: mjml('x') })).rejects.toThrow(
      TemplateError,
    );
    await expect(validateTemplate({ subject: 's', mjml: mjml('{% include "/etc/passwd" %}') })).rejects.toThrow(
      TemplateError,
    );
    await expect(
      validateTemplate({ subject: 's', mjml: '<mjml><mj-body><mj-include path="/etc/passwd" /></mj-body></mjml>' }),
    ).resolves.toBeUndefined();
  });

  it('gives customers without metrics every variable (null)', () => {
    const vars = customerVars({ customer: { id: 5, name: 'Lin Wu', email: 'l@x' }, metrics: null, segments: [] });
    expect(vars).toMatchObject({
      id: 5,
      first_name: 'Lin',
      total_orders: 0,
      events_attended: null,
      lifetime_value: null,
    });
  });

  it('rewrites links through click tracking and adds the pixel, leaving the unsubscribe link', () => {
    const html = instrumentHtml(
      '<html><body><a href="https://a.example/x?y=1&amp;z=2">a</a><a href="https://u.example/unsub">u</a><a href="mailto:x@y">m</a></body></html>',
      {
        track: (url) => `https://t.example/c?u=${encodeURIComponent(url)}`,
        pixelUrl: 'https://t.example/o.gif',
        unsubscribeUrl: 'https://u.example/unsub',
      },
    );
    expect(html).toContain('href="https://t.example/c?u=https%3A%2F%2Fa.example%2Fx%3Fy%3D1%26z%3D2"');
    expect(html).toContain('href="https://u.example/unsub"');
    expect(html).toContain('href="mailto:x@y"');
    expect(html).toMatch(/<img src="https:\/\/t.example\/o.gif"[^>]*\/><\/body>/);
  });
});

describe('tracking tokens', () => {
  const secret = 'a-test-secret-that-is-long-enough-to-use';

  it('round-trips and refuses forgeries, other kinds and other secrets', () => {
    const token = signTrackingToken(secret, { kind: 'c', tenantId: 't1', messageId: 7, url: 'https://x.example/' });
    expect(verifyTrackingToken(secret, token, 'c')).toEqual({
      kind: 'c',
      tenantId: 't1',
      messageId: 7,
      url: 'https://x.example/',
    });
    expect(verifyTrackingToken(secret, token, 'o')).toBeUndefined();
    expect(verifyTrackingToken('another-secret-another-secret-another', token, 'c')).toBeUndefined();
    const [body, sig] = token.split('.');
    const altered = Buffer.from(JSON.stringify(['c', 't1', 7, 'https://evil.example/'])).toString('base64url');
    expect(verifyTrackingToken(secret, `${altered}.${sig}`, 'c')).toBeUndefined();
    expect(verifyTrackingToken(secret, `${body}.`, 'c')).toBeUndefined();
    expect(verifyTrackingToken(secret, 'garbage', 'c')).toBeUndefined();
    const js = signTrackingToken(secret, { kind: 'c', tenantId: 't1', messageId: 7, url: 'javascript:alert(1)' });
    expect(verifyTrackingToken(secret, js, 'c')).toBeUndefined();
  });

  it('builds the three URLs of a message', () => {
    const s = trackingSigner(secret, 'https://api.example/');
    expect(s.openUrl('t1', 3)).toMatch(/^https:\/\/api\.example\/t\/o\/[\w-]+\.[\w-]+\.gif$/);
    expect(verifyTrackingToken(secret, s.unsubscribeUrl('t1', 3).split('/t/u/')[1], 'u')).toMatchObject({
      messageId: 3,
    });
  });

  it('flags machine opens', () => {
    const sentAt = new Date('2026-01-01T00:00:00Z');
    const later = new Date('2026-01-01T01:00:00Z');
    expect(isMachineOpen({ userAgent: 'Mozilla/5.0', ip: '1.2.3.4', sentAt, at: later })).toBe(true);
    expect(isMachineOpen({ userAgent: 'Thunderbird', ip: '17.58.1.1', sentAt, at: later })).toBe(true);
    expect(
      isMachineOpen({ userAgent: 'Thunderbird', ip: '1.2.3.4', sentAt, at: new Date(sentAt.getTime() + 1000) }),
    ).toBe(true);
    expect(
      isMachineOpen({ userAgent: 'Mozilla/5.0 (Macintosh) Thunderbird/128', ip: '1.2.3.4', sentAt, at: later }),
    ).toBe(false);
  });
});
