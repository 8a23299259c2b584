import { WalletSettingsSchema } from '../domain/wallet/design';
import { defineModule } from './kit';

/** Apple and Google Wallet passes, the PassKit web service and pass updates pushed to phones. */
export default defineModule({
  name: 'wallet',
  tag: 'Wallet',
  addOn: 'wallet',
  settings: WalletSettingsSchema,
  emits: [],
  api: async () => (await import('../api/wallet/routes')).walletRoutes,
  worker: async () => {
    const [{ createWalletActivities }, { walletTriggers }] = await Promise.all([
      import('../activities/wallet'),
      import('../activities/wallet/triggers'),
    ]);
    return { activities: createWalletActivities, triggers: walletTriggers };
  },
  workflows: require.resolve('../workflows/wallet'),
  migrations: { '0005_wallet': () => import('../db/migrations/0005_wallet') },
});
