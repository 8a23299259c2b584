import analytics from './analytics';
import checkin from './checkin';
import crm from './crm';
import customers from './customers';
import events from './events';
import groups from './groups';
import insights from './insights';
import orders from './orders';
import platform from './platform';
import pricing from './pricing';
import refunds from './refunds';
import resale from './resale';
import season from './season';
import streaming from './streaming';
import surveys from './surveys';
import system from './system';
import tenants from './tenants';
import tickets from './tickets';
import upsells from './upsells';
import waitlist from './waitlist';
import wallet from './wallet';
import webhooks from './webhooks';
import type { ModuleManifest } from './kit';

/**
 * The one list of modules: the API, the worker and the migration runner each take their part from
 * here. Routes are registered in this order.
 */
export const modules: readonly ModuleManifest[] = [
  system,
  tenants,
  platform,
  events,
  customers,
  orders,
  tickets,
  waitlist,
  resale,
  wallet,
  refunds,
  webhooks,
  checkin,
  insights,
  crm,
  analytics,
  pricing,
  season,
  upsells,
  surveys,
  groups,
  streaming,
];
