import { createHash } from 'node:crypto';
import { zipSync, type Zippable } from 'fflate';
import type { ApplePassDesign } from '../../domain/wallet/design';
import { passImages } from './pass-images';
import { passSigner } from './pass-signature';
import type { AppleWalletSettings } from './settings';

export interface ApplePassIdentity {
  serialNumber: string;
  authToken: string;
}

/**
 * Builds and signs the .pkpass: a zip of pass.json, the images, manifest.json (the SHA-1 of each file)
 * and signature, a detached CMS signature of the manifest. The images and their hashes are made once per
 * branding and the certificates parsed once, so a pass costs about one RSA signature.
 */
export function renderApplePass(
  settings: AppleWalletSettings,
  identity: ApplePassIdentity,
  design: ApplePassDesign,
  logoPng?: Buffer,
): Buffer {
  const images = passImages(design.artwork, logoPng);
  const passJson = Buffer.from(JSON.stringify(applePassJson(settings, identity, design)));
  const manifest = Buffer.from(
    JSON.stringify({ ...images.hashes, 'pass.json': createHash('sha1').update(passJson).digest('hex') }),
  );
  const files: Zippable = Object.fromEntries(images.files);
  files['pass.json'] = passJson;
  files['manifest.json'] = manifest;
  files.signature = passSigner(settings.certificates).sign(manifest);
  // Stored, not deflated: the PNGs are compressed already and the rest is a few kilobytes.
  return Buffer.from(zipSync(files, { level: 0 }));
}

/** pass.json, as Apple's PassKit Package Format Reference describes an event ticket. */
function applePassJson(
  settings: AppleWalletSettings,
  identity: ApplePassIdentity,
  design: ApplePassDesign,
): Record<string, unknown> {
  return {
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
    barcodes: [
      {
        format: 'PKBarcodeFormatQR',
        message: design.barcodeMessage,
        messageEncoding: 'iso-8859-1',
        altText: design.barcodeMessage,
      },
    ],
    relevantDate: design.relevantDate.toISOString(),
    relevantDates: design.relevantDates.map((d) => ({
      startDate: d.startDate.toISOString(),
      endDate: d.endDate.toISOString(),
    })),
    expirationDate: design.expirationDate.toISOString(),
    ...(design.location ? { locations: [design.location] } : {}),
    semantics: design.semantics,
    eventTicket: {
      primaryFields: design.primaryFields,
      secondaryFields: design.secondaryFields,
      auxiliaryFields: design.auxiliaryFields,
      backFields: design.backFields,
    },
  };
}
