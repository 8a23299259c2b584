import { timingSafeEqual } from 'node:crypto';
import type Koa from 'koa';
import type { z } from 'zod';
import { withTenant, type Tx } from '../../db/connection';
import { deviceUpdates, registerDevice, unregisterDevice } from '../../db/wallet/push';
import { findPassBySerial, getPass, type WalletPassRow, type WalletPlatform } from '../../db/wallet/passes';
import { AppError } from '../../lib/errors';
import {
  walletNotConfigured,
  type AppleWalletSettings,
  type GoogleWalletSettings,
} from '../../integrations/wallet/settings';
import type { RouterDeps } from '../deps';
import { definePublicRoute } from '../route';
import { applePassFile, googleSaveLink, pkpassHeaders, PKPASS_TYPE } from './passes';
import {
  AppleLog,
  DeviceParams,
  DeviceRegistrationParams,
  DownloadQuery,
  PassParams,
  RegisterDevice,
  SerialNumbers,
  SerialParams,
  UpdatedSince,
} from './schemas';

const unknownPass = (): AppError => new AppError(404, 'not_found', 'No such pass');
const unauthorised = (): AppError =>
  new AppError(401, 'invalid_credentials', 'The pass authentication token does not match');

function parse<S extends z.ZodType>(schema: S, value: unknown, onError: () => AppError): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw onError();
  return r.data;
}

const sameSecret = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Apple's PassKit web service (the pass's webServiceURL is `<PUBLIC_API_URL>/api/wallet/apple`), answered with
 * Apple's status codes, plus the credential-free links the confirmation e-mail carries. A pass's serial finds
 * its tenant; its per-pass token (`Authorization: ApplePass <token>`, or `?token=` in a link) proves the caller holds it.
 */
export function appleWebServiceRoutes(
  deps: RouterDeps,
  apple: AppleWalletSettings | undefined,
  google: GoogleWalletSettings | undefined,
): void {
  const tags = ['Wallet'];

  /** Runs `fn` on the pass in its tenant's scope once the token matches. */
  async function withPass<T>(
    platform: WalletPlatform,
    serial: string,
    token: string | undefined,
    fn: (tx: Tx, pass: WalletPassRow) => Promise<T>,
  ): Promise<T> {
    const found = await findPassBySerial(deps.db, platform, serial);
    if (!found) throw unknownPass();
    return withTenant(deps.db, found.tenantId, async (tx) => {
      const pass = await getPass(tx, found.passId);
      if (!pass) throw unknownPass();
      if (!token || !sameSecret(token, pass.auth_token)) throw unauthorised();
      return fn(tx, pass);
    });
  }

  const applePassToken = (ctx: Koa.Context): string | undefined =>
    /^ApplePass\s+(\S{1,200})$/.exec(ctx.get('authorization'))?.[1];

  function appleSettings(passTypeIdentifier: string): AppleWalletSettings {
    if (!apple) throw walletNotConfigured('Apple Wallet');
    if (passTypeIdentifier !== apple.passTypeId) throw unknownPass();
    return apple;
  }

  const base = '/api/wallet/apple/v1';
  const appleResponses = {
    401: { description: 'Wrong or missing ApplePass token' },
    404: { description: 'Unknown pass type or serial' },
  };

  definePublicRoute(deps, {
    method: 'post',
    path: `${base}/devices/{deviceLibraryIdentifier}/registrations/{passTypeIdentifier}/{serialNumber}`,
    tags,
    summary: 'PassKit: register a device for push updates of a pass',
    params: DeviceRegistrationParams,
    body: RegisterDevice,
    responses: {
      200: { description: 'Already registered' },
      201: { description: 'Registered' },
      400: { description: 'Malformed push token' },
      ...appleResponses,
    },
    handler: async (ctx) => {
      const params = parse(DeviceRegistrationParams, ctx.params, unknownPass);
      const body = parse(
        RegisterDevice,
        (ctx.request as { body?: unknown }).body,
        () => new AppError(400, 'invalid_push_token', 'Send {"pushToken": "<hex APNs token>"}'),
      );
      appleSettings(params.passTypeIdentifier);
      const created = await withPass('apple', params.serialNumber, applePassToken(ctx), (tx, pass) =>
        registerDevice(tx, pass.tenant_id, pass.id, params.deviceLibraryIdentifier, body.pushToken.toLowerCase()),
      );
      ctx.status = created ? 201 : 200;
      ctx.body = {};
    },
  });

  definePublicRoute(deps, {
    method: 'delete',
    path: `${base}/devices/{deviceLibraryIdentifier}/registrations/{passTypeIdentifier}/{serialNumber}`,
    tags,
    summary: 'PassKit: unregister a device from a pass',
    params: DeviceRegistrationParams,
    responses: { 200: { description: 'Unregistered' }, ...appleResponses },
    handler: async (ctx) => {
      const params = parse(DeviceRegistrationParams, ctx.params, unknownPass);
      appleSettings(params.passTypeIdentifier);
      await withPass('apple', params.serialNumber, applePassToken(ctx), (tx, pass) =>
        unregisterDevice(tx, pass.id, params.deviceLibraryIdentifier),
      );
      ctx.status = 200;
      ctx.body = {};
    },
  });

  definePublicRoute(deps, {
    method: 'get',
    path: `${base}/devices/{deviceLibraryIdentifier}/registrations/{passTypeIdentifier}`,
    tags,
    summary: "PassKit: serial numbers of a device's passes changed since a tag",
    description: 'Apple sends no token here; `passesUpdatedSince` is the `lastUpdated` tag of the previous answer.',
    params: DeviceParams,
    query: UpdatedSince,
    responses: {
      200: { description: 'Changed passes', schema: SerialNumbers },
      204: { description: 'Nothing changed' },
      400: { description: '`passesUpdatedSince` is not a tag of an earlier answer' },
      404: appleResponses[404],
    },
    handler: async (ctx) => {
      const params = parse(DeviceParams, ctx.params, unknownPass);
      const query = parse(
        UpdatedSince,
        ctx.query,
        () => new AppError(400, 'validation_failed', 'passesUpdatedSince must be a tag from an earlier answer'),
      );
      appleSettings(params.passTypeIdentifier);
      const rows = await deviceUpdates(deps.db, params.deviceLibraryIdentifier, Number(query.passesUpdatedSince ?? 0));
      if (!rows.length) {
        ctx.status = 204;
        return;
      }
      ctx.body = {
        serialNumbers: rows.map((r) => r.serial_number),
        lastUpdated: String(Math.max(...rows.map((r) => r.update_seq))),
      };
    },
  });

  definePublicRoute(deps, {
    method: 'get',
    path: `${base}/passes/{passTypeIdentifier}/{serialNumber}`,
    tags,
    summary: 'PassKit: the latest version of a pass',
    params: PassParams,
    responses: {
      200: { description: 'The signed pass', contentType: PKPASS_TYPE },
      304: { description: 'Not modified since If-Modified-Since' },
      ...appleResponses,
    },
    handler: async (ctx) => {
      const params = parse(PassParams, ctx.params, unknownPass);
      const settings = appleSettings(params.passTypeIdentifier);
      const since = Date.parse(ctx.get('if-modified-since'));
      const file = await withPass('apple', params.serialNumber, applePassToken(ctx), async (tx, pass) =>
        !Number.isNaN(since) && pass.last_updated_at.getTime() <= since
          ? null
          : { pass, body: await applePassFile(tx, settings, pass) },
      );
      if (!file) {
        ctx.status = 304;
        return;
      }
      ctx.set(pkpassHeaders(file.pass));
      ctx.body = file.body;
    },
  });

  definePublicRoute(deps, {
    method: 'post',
    path: `${base}/log`,
    tags,
    summary: 'PassKit: error messages from devices',
    body: AppleLog,
    responses: { 200: { description: 'Logged' }, 400: { description: 'Not a log message list' } },
    handler: async (ctx) => {
      const body = parse(
        AppleLog,
        (ctx.request as { body?: unknown }).body,
        () => new AppError(400, 'validation_failed', 'Send {"logs": ["..."]}'),
      );
      for (const message of body.logs) deps.logger.warn({ source: 'passkit' }, message);
      ctx.status = 200;
      ctx.body = {};
    },
  });

  definePublicRoute(deps, {
    method: 'get',
    path: '/api/wallet/apple/download/{serialNumber}',
    tags,
    summary: 'The "Add to Apple Wallet" link of the confirmation e-mail: the pass, for its token',
    params: SerialParams,
    query: DownloadQuery,
    responses: { 200: { description: 'The signed pass', contentType: PKPASS_TYPE }, ...appleResponses },
    handler: async (ctx) => {
      const { serialNumber } = parse(SerialParams, ctx.params, unknownPass);
      const { token } = parse(DownloadQuery, ctx.query, unauthorised);
      if (!apple) throw walletNotConfigured('Apple Wallet');
      const file = await withPass('apple', serialNumber, token, async (tx, pass) => ({
        pass,
        body: await applePassFile(tx, apple, pass),
      }));
      ctx.set(pkpassHeaders(file.pass));
      ctx.body = file.body;
    },
  });

  definePublicRoute(deps, {
    method: 'get',
    path: '/api/wallet/google/save/{serialNumber}',
    tags,
    summary: 'The "Add to Google Wallet" link of the confirmation e-mail: redirects to a fresh save link',
    params: SerialParams,
    query: DownloadQuery,
    responses: { 302: { description: 'To Google Wallet' }, ...appleResponses },
    handler: async (ctx) => {
      const { serialNumber } = parse(SerialParams, ctx.params, unknownPass);
      const { token } = parse(DownloadQuery, ctx.query, unauthorised);
      if (!google) throw walletNotConfigured('Google Wallet');
      const link = await withPass('google', serialNumber, token, (tx, pass) => googleSaveLink(tx, google, pass));
      ctx.redirect(link.url);
    },
  });
}
