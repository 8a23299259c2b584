import { getTicket } from '../../db/tickets/tickets';
import { getPassForTicket } from '../../db/wallet/passes';
import { appleWalletSettings, googleWalletSettings, walletNotConfigured } from '../../integrations/wallet/settings';
import type { RouterDeps } from '../deps';
import { visibleTo } from '../ownership';
import { defineRoute } from '../route';
import { IdParams } from '../schemas/common';
import { applePassFile, googleSaveLink, pkpassHeaders } from './passes';
import { GoogleSaveLink } from './schemas';
import { appleWebServiceRoutes } from './apple-web-service';

/** Ticket holders' passes: the signed .pkpass for Apple Wallet and the save link for Google Wallet. */
export function walletRoutes(deps: RouterDeps): void {
  const tags = ['Wallet'];
  const apple = appleWalletSettings(deps.config);
  const google = googleWalletSettings(deps.config);

  defineRoute(deps, {
    method: 'get',
    path: '/api/wallet/ticket/{id}/apple',
    summary: 'The ticket as a signed Apple Wallet pass (.pkpass)',
    tags,
    access: { scope: 'read', customer: true, module: 'wallet' },
    params: IdParams,
    responses: {
      200: { description: 'The signed pass, application/vnd.apple.pkpass' },
      503: { description: 'Apple Wallet is not configured' },
    },
    handler: async ({ tx, auth, params }) => {
      const ticket = visibleTo(auth, await getTicket(tx, params.id), (t) => t.customer_id, 'Ticket');
      if (!apple) throw walletNotConfigured('Apple Wallet');
      const pass = await getPassForTicket(tx, auth.tenantId, ticket, 'apple');
      return { body: await applePassFile(tx, apple, pass), headers: pkpassHeaders(pass) };
    },
  });

  defineRoute(deps, {
    method: 'get',
    path: '/api/wallet/ticket/{id}/google',
    summary: 'A "Save to Google Wallet" link for the ticket',
    tags,
    access: { scope: 'read', customer: true, module: 'wallet' },
    params: IdParams,
    responses: {
      200: { description: 'The save link (a signed JWT)', schema: GoogleSaveLink },
      503: { description: 'Google Wallet is not configured' },
    },
    handler: async ({ tx, auth, params }) => {
      const ticket = visibleTo(auth, await getTicket(tx, params.id), (t) => t.customer_id, 'Ticket');
      if (!google) throw walletNotConfigured('Google Wallet');
      const pass = await getPassForTicket(tx, auth.tenantId, ticket, 'google');
      return { body: await googleSaveLink(tx, google, pass) };
    },
  });

  appleWebServiceRoutes(deps, apple, google);
}
