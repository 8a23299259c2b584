import type { RouterDeps } from '../deps';
import { automationRoutes } from './automations';
import { campaignRoutes } from './campaigns';
import { complaintRoutes } from './complaints';
import { customerDataRoutes } from './customer-data';
import { segmentRoutes } from './segments';

/** Every CRM route, under `/api/crm/` (tracking links and unsubscribe pages under `/t/`). */
export function crmRoutes(deps: RouterDeps): void {
  customerDataRoutes(deps);
  segmentRoutes(deps);
  campaignRoutes(deps);
  complaintRoutes(deps);
  automationRoutes(deps);
}
