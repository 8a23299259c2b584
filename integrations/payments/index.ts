import type { Config } from '../../lib/config';
import { OfflinePaymentProvider } from './offline';
import type { PaymentProvider } from './provider';
import { createStripeClient, StripePaymentProvider } from './stripe';

export function createPaymentProvider(
  config: Pick<Config, 'PAYMENT_PROVIDER' | 'STRIPE_SECRET_KEY' | 'STRIPE_API_URL'>,
): PaymentProvider {
  if (config.PAYMENT_PROVIDER === 'offline') return new OfflinePaymentProvider();
  if (!config.STRIPE_SECRET_KEY) throw new Error('PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY');
  return new StripePaymentProvider(
    createStripeClient({ secretKey: config.STRIPE_SECRET_KEY, apiUrl: config.STRIPE_API_URL }),
  );
}
