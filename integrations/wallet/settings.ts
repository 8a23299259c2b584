import { readFileSync } from 'node:fs';
import type { Config } from '../../lib/config';
import { AppError } from '../../lib/errors';

/** A PEM setting is either the PEM text itself or the path of a file holding it. */
export function readPem(value: string): string {
  return value.includes('-----BEGIN') ? value.replace(/\\n/g, '\n') : readFileSync(value, 'utf8');
}

export interface AppleWalletSettings {
  passTypeId: string;
  teamId: string;
  certificates: { signerCert: string; signerKey: string; signerKeyPassphrase?: string; wwdr: string };
  webServiceUrl: string;
}

export interface ApnsSettings {
  url: string;
  topic: string;
  keyPem: string;
  keyId: string;
  teamId: string;
  ca?: string;
  concurrency: number;
}

export interface GoogleWalletSettings {
  issuerId: string;
  serviceAccountEmail: string;
  privateKeyPem: string;
  apiUrl: string;
  tokenUrl: string;
}

export const walletNotConfigured = (what: string): AppError =>
  new AppError(503, 'wallet_not_configured', `${what} is not configured on this server`);

/** Apple pass signing settings, or undefined when the server has no pass certificates. */
export function appleWalletSettings(config: Config): AppleWalletSettings | undefined {
  const {
    APPLE_PASS_TYPE_ID: passTypeId,
    APPLE_TEAM_ID: teamId,
    APPLE_SIGNER_CERT: cert,
    APPLE_SIGNER_KEY: key,
    APPLE_WWDR_CERT: wwdr,
  } = config;
  if (!passTypeId || !teamId || !cert || !key || !wwdr) return undefined;
  return {
    passTypeId,
    teamId,
    certificates: {
      signerCert: readPem(cert),
      signerKey: readPem(key),
      signerKeyPassphrase: config.APPLE_SIGNER_KEY_PASSPHRASE,
      wwdr: readPem(wwdr),
    },
    webServiceUrl: `${config.publicApiUrl.replace(/\/$/, '')}/api/wallet/apple`,
  };
}

/** APNs token-auth settings; without them passes are still served, just never pushed. */
export function apnsSettings(config: Config): ApnsSettings | undefined {
  const teamId = config.APNS_TEAM_ID ?? config.APPLE_TEAM_ID;
  if (!config.APNS_KEY || !config.APNS_KEY_ID || !teamId || !config.APPLE_PASS_TYPE_ID) return undefined;
  return {
    url: config.APNS_URL,
    topic: config.APPLE_PASS_TYPE_ID,
    keyPem: readPem(config.APNS_KEY),
    keyId: config.APNS_KEY_ID,
    teamId,
    ca: config.APNS_CA_CERT ? readPem(config.APNS_CA_CERT) : undefined,
    concurrency: config.APNS_CONCURRENCY,
  };
}

export function googleWalletSettings(config: Config): GoogleWalletSettings | undefined {
  const {
    GOOGLE_WALLET_ISSUER_ID: issuerId,
    GOOGLE_WALLET_SERVICE_ACCOUNT_EMAIL: email,
    GOOGLE_WALLET_PRIVATE_KEY: key,
  } = config;
  if (!issuerId || !email || !key) return undefined;
  return {
    issuerId,
    serviceAccountEmail: email,
    privateKeyPem: readPem(key),
    apiUrl: config.GOOGLE_WALLET_API_URL.replace(/\/$/, ''),
    tokenUrl: config.GOOGLE_OAUTH_TOKEN_URL,
  };
}
