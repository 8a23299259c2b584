import { CheckinSettingsSchema } from '../domain/checkin/settings';
import { defineModule } from './kit';

/** Gates, scanner devices, the scan hot path (realtime/), live counts and capacity alerts. */
export default defineModule({
  name: 'checkin',
  tag: 'Check-in',
  addOn: 'checkin',
  settings: CheckinSettingsSchema,
  emits: ['checkin.alert'],
  api: async () => {
    const [{ checkinRoutes }, { registerRealtimeDocs }] = await Promise.all([
      import('../api/checkin/routes'),
      import('../realtime/openapi'),
    ]);
    return (deps) => {
      checkinRoutes(deps);
      registerRealtimeDocs(deps.registry);
    };
  },
  migrations: {
    '0003_checkin': () => import('../db/migrations/0003_checkin'),
    '0009_checkin_hot_path': () => import('../db/migrations/0009_checkin_hot_path'),
    '0011_scan_batch_guard': () => import('../db/migrations/0011_scan_batch_guard'),
  },
});
