import { createHmac, randomBytes } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import {
  deliverySignatureHeaders,
  signStandardWebhook,
  standardWebhookKey,
  verifyWebhook,
} from '../../domain/webhooks/signature';

const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

describe('Standard Webhooks signature', () => {
  it('matches the test vector of the Standard Webhooks libraries', () => {
    expect(
      signStandardWebhook(
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        1614265330,
        '{"test": 2432232314}',
      ),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('signs "<id>.<timestamp>.<body>" keyed by the base64-decoded secret, as the standardwebhooks package does', () => {
    for (const body of ['{}', '{"name":"Zoë ✓ 🎟"}', '']) {
      const secret = newSecret();
      expect(signStandardWebhook(secret, '42', 1_700_000_000, body)).toBe(
        new Webhook(secret).sign('42', new Date(1_700_000_000 * 1000), body),
      );
    }
  });

  it('keys a legacy URL-safe secret by the bytes it encodes, the same key as its standard-alphabet spelling', () => {
    const bytes = Buffer.from('fbefff3ef7df' + '00'.repeat(18), 'hex');
    const legacy = `whsec_${bytes.toString('base64url')}`;
    expect(legacy).toMatch(/-.*_|_.*-/);
    const standard = `whsec_${bytes.toString('base64')}`;
    expect(standardWebhookKey(legacy)).toEqual(bytes);
    expect(standardWebhookKey(standard)).toEqual(bytes);
    // Why receivers must spell it in the standard alphabet: the libraries refuse `-` and `_`.
    expect(() => new Webhook(legacy)).toThrow();
    expect(signStandardWebhook(legacy, '7', 1_700_000_000, '{}')).toBe(
      new Webhook(standard).sign('7', new Date(1_700_000_000 * 1000), '{}'),
    );
  });

  it('gives one attempt its headers: webhook-id, one timestamp for both signatures, the legacy header unchanged', () => {
    const secret = newSecret();
    const body = JSON.stringify({ id: 'evt_1', type: 'order.created', data: { order_id: 5 } });
    const now = Math.floor(Date.now() / 1000);
    const headers = deliverySignatureHeaders(secret, '42', body, now);

    expect(headers['webhook-id']).toBe('42');
    expect(headers['webhook-timestamp']).toBe(String(now));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace('5', '6'), headers)).toThrow(WebhookVerificationError);
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': '43' })).toThrow(
      WebhookVerificationError,
    );
    expect(() => new Webhook(newSecret()).verify(body, headers)).toThrow(WebhookVerificationError);

    const legacyMac = createHmac('sha256', secret).update(`${now}.${body}`).digest('hex');
    expect(headers['usher-signature']).toBe(`t=${now},v1=${legacyMac}`);
    expect(verifyWebhook(secret, body, headers['usher-signature'], now)).toBe(true);
  });
});
