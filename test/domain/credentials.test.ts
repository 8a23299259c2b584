import { generateApiKey, hashApiKey, isApiKey, signCustomerToken, verifyCustomerToken } from '../../lib/credentials';

const secret = 'x'.repeat(40);

describe('API keys', () => {
  it('are random, recognisable and stored only as a hash', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.key).not.toBe(b.key);
    expect(isApiKey(a.key)).toBe(true);
    expect(a.hash).toBe(hashApiKey(a.key));
    expect(a.hash).not.toContain(a.key.slice(4));
    expect(a.key.startsWith(a.prefix)).toBe(true);
  });
});

describe('customer tokens', () => {
  it('round-trip the tenant and customer', async () => {
    const { token } = await signCustomerToken(secret, { tenantId: 't_1', customerId: 42 }, 60);
    await expect(verifyCustomerToken(secret, token)).resolves.toEqual({ tenantId: 't_1', customerId: 42 });
  });

  it('reject another secret, a tampered payload and an expired token', async () => {
    const { token } = await signCustomerToken(secret, { tenantId: 't_1', customerId: 42 }, 60);
    await expect(verifyCustomerToken('y'.repeat(40), token)).resolves.toBeUndefined();
    const [h, , s] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ tid: 't_2', sub: '42', iss: 'usher', aud: 'usher-customer', exp: 9e9 }),
    ).toString('base64url');
    await expect(verifyCustomerToken(secret, `${h}.${forged}.${s}`)).resolves.toBeUndefined();
    const { token: expired } = await signCustomerToken(secret, { tenantId: 't_1', customerId: 42 }, -10);
    await expect(verifyCustomerToken(secret, expired)).resolves.toBeUndefined();
  });
});
