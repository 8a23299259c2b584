import { PKPass } from 'passkit-generator';
import type { ApplePassDesign } from '../../domain/wallet/design';
import type { AppleWalletSettings } from './settings';

// Apple requires an icon; a 1x1 transparent PNG stands in when the tenant has no logo.
const DEFAULT_ICON = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

export interface ApplePassIdentity {
  serialNumber: string;
  authToken: string;
}

/** Builds and signs the .pkpass (a zip of pass.json, images, manifest.json and a detached PKCS#7 signature). */
export function renderApplePass(
  settings: AppleWalletSettings,
  identity: ApplePassIdentity,
  design: ApplePassDesign,
  logoPng?: Buffer,
): Buffer {
  const icon = logoPng ?? DEFAULT_ICON;
  const pass = new PKPass(
    { 'icon.png': icon, 'icon@2x.png': icon, ...(logoPng ? { 'logo.png': logoPng, 'logo@2x.png': logoPng } : {}) },
    settings.certificates,
    {
      formatVersion: 1,
      passTypeIdentifier: settings.passTypeId,
      teamIdentifier: settings.teamId,
      serialNumber: identity.serialNumber,
      authenticationToken: identity.authToken,
      webServiceURL: settings.webServiceUrl,
      organizationName: design.organizationName,
      description: design.description,
      ...(design.logoText ? { logoText: design.logoText } : {}),
      backgroundColor: design.backgroundColor,
      foregroundColor: design.foregroundColor,
      labelColor: design.labelColor,
      voided: design.voided,
    },
  );
  pass.type = 'eventTicket';
  pass.primaryFields.push(...design.primaryFields);
  pass.secondaryFields.push(...design.secondaryFields);
  pass.auxiliaryFields.push(...design.auxiliaryFields);
  pass.backFields.push(...design.backFields);
  pass.setBarcodes({
    format: 'PKBarcodeFormatQR',
    message: design.barcodeMessage,
    messageEncoding: 'iso-8859-1',
    altText: design.barcodeMessage,
  });
  pass.setRelevantDate(design.relevantDate);
  pass.setExpirationDate(design.expirationDate);
  if (design.location) pass.setLocations(design.location);
  return pass.getAsBuffer();
}
