import { createHash, createPrivateKey, sign, X509Certificate } from 'node:crypto';
import {
  IssuerAndSerialNumber,
  id_contentType,
  id_data,
  id_messageDigest,
  id_signedData,
  id_signingTime,
} from '@peculiar/asn1-cms';
import { AsnConvert, AsnObjectIdentifierConverter } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate } from '@peculiar/asn1-x509';
import type { AppleWalletSettings } from './settings';

const ID_SHA256 = '2.16.840.1.101.3.4.2.1';
const ID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1';

export interface PassSigner {
  /** The detached CMS SignedData (DER) over a pass's manifest.json, as Wallet checks it. */
  sign(manifest: Buffer): Buffer;
}

const signers = new WeakMap<AppleWalletSettings['certificates'], PassSigner>();

/**
 * The signer for a set of pass certificates, prepared once: parsing the PEMs and decrypting the key
 * cost more than a signature. The RSA signature is OpenSSL's, through node:crypto.
 */
export function passSigner(certificates: AppleWalletSettings['certificates']): PassSigner {
  let signer = signers.get(certificates);
  if (!signer) {
    signer = createPassSigner(certificates);
    signers.set(certificates, signer);
  }
  return signer;
}

function createPassSigner(certificates: AppleWalletSettings['certificates']): PassSigner {
  const key = createPrivateKey({ key: certificates.signerKey, passphrase: certificates.signerKeyPassphrase });
  // Pass Type ID certificates are RSA; node:crypto signs RSA keys RSASSA-PKCS1-v1_5, what CMS rsaEncryption means.
  if (key.asymmetricKeyType !== 'rsa') throw new Error('APPLE_SIGNER_KEY must be an RSA key');
  const signerCert = new X509Certificate(certificates.signerCert);
  if (!signerCert.checkPrivateKey(key)) throw new Error('APPLE_SIGNER_KEY is not the key of APPLE_SIGNER_CERT');
  const { tbsCertificate } = AsnConvert.parse(signerCert.raw, Certificate);

  // All but the signing time, the digest and the signature is the same for every pass, so it is encoded
  // once and each signature is put together from these pieces: encoding the SignedData through the ASN.1
  // schema for each pass (the two certificates above all) cost many times the RSA signature.
  const der = (value: unknown) => Buffer.from(AsnConvert.serialize(value));
  const oid = (id: string) => Buffer.from(AsnObjectIdentifierConverter.toASN(id).toBER(false));
  const version1 = tlv(0x02, Buffer.from([1]));
  const sha256 = der(new AlgorithmIdentifier({ algorithm: ID_SHA256, parameters: null }));
  const rsaEncryption = der(new AlgorithmIdentifier({ algorithm: ID_RSA_ENCRYPTION, parameters: null }));
  const sid = der(
    new IssuerAndSerialNumber({ issuer: tbsCertificate.issuer, serialNumber: tbsCertificate.serialNumber }),
  );
  const contentTypeAttr = tlv(0x30, oid(id_contentType), tlv(0x31, oid(id_data)));
  const messageDigestType = oid(id_messageDigest);
  const signingTimeType = oid(id_signingTime);
  const signedDataHead = Buffer.concat([
    version1,
    tlv(0x31, sha256),
    // encapContentInfo without content: the signature is detached, manifest.json lies beside it.
    tlv(0x30, oid(id_data)),
    // certificates [0] IMPLICIT: the WWDR intermediate and the signer, so Wallet can build the chain.
    tlv(0xa0, new X509Certificate(certificates.wwdr).raw, signerCert.raw),
  ]);
  const contentType = oid(id_signedData);

  return {
    sign(manifest) {
      const attrs = [
        contentTypeAttr,
        tlv(0x30, signingTimeType, tlv(0x31, derTime(new Date()))),
        tlv(0x30, messageDigestType, tlv(0x31, tlv(0x04, createHash('sha256').update(manifest).digest()))),
      ];
      // DER orders a SET OF by its members' encodings, and verifiers re-encode the set to check the signature.
      attrs.sort(Buffer.compare);
      const signerInfo = tlv(
        0x30,
        version1,
        sid,
        sha256,
        // signedAttrs [0] IMPLICIT: what was signed is the same members under the SET tag.
        tlv(0xa0, ...attrs),
        rsaEncryption,
        tlv(0x04, sign('sha256', tlv(0x31, ...attrs), key)),
      );
      const signedData = tlv(0x30, signedDataHead, tlv(0x31, signerInfo));
      return tlv(0x30, contentType, tlv(0xa0, signedData));
    },
  };
}

/** RFC 5652 signing time: UTCTime through 2049, GeneralizedTime after, to the second. */
function derTime(at: Date): Buffer {
  const iso = at.toISOString(); // 2026-12-02T02:40:56.123Z
  const digits = iso.slice(0, 19).replace(/\D/g, '') + 'Z';
  const year = at.getUTCFullYear();
  return year >= 1950 && year < 2050
    ? tlv(0x17, Buffer.from(digits.slice(2), 'latin1'))
    : tlv(0x18, Buffer.from(digits, 'latin1'));
}

/** One DER tag-length-value. */
function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = content.length === 1 ? content[0] : Buffer.concat(content);
  const n = body.length;
  const length =
    n < 0x80
      ? [n]
      : n < 0x100
        ? [0x81, n]
        : n < 0x10000
          ? [0x82, n >> 8, n & 0xff]
          : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...length]), body]);
}
