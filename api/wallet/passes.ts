import type { Tx } from '../../db/connection';
import { loadPassSubject, type WalletPassRow } from '../../db/wallet/passes';
import { applePassDesign, googleEventTicketClass, googleEventTicketObject } from '../../domain/wallet/design';
import { notFound } from '../../lib/errors';
import { renderApplePass } from '../../integrations/wallet/apple-pass';
import { googleSaveUrl } from '../../integrations/wallet/google';
import type { AppleWalletSettings, GoogleWalletSettings } from '../../integrations/wallet/settings';

/** The signed .pkpass of a pass record, as the ticket, event and branding stand now. */
export async function applePassFile(tx: Tx, settings: AppleWalletSettings, pass: WalletPassRow): Promise<Buffer> {
  const subject = await loadPassSubject(tx, pass.ticket_id);
  if (!subject) throw notFound('Ticket');
  const logo = subject.branding.logo_png_base64 ? Buffer.from(subject.branding.logo_png_base64, 'base64') : undefined;
  return renderApplePass(
    settings,
    { serialNumber: pass.serial_number, authToken: pass.auth_token },
    applePassDesign(subject),
    logo,
  );
}

export async function googleSaveLink(
  tx: Tx,
  settings: GoogleWalletSettings,
  pass: WalletPassRow,
): Promise<{ url: string; class_id: string; object_id: string }> {
  const subject = await loadPassSubject(tx, pass.ticket_id);
  if (!subject) throw notFound('Ticket');
  const cls = googleEventTicketClass(settings.issuerId, pass.tenant_id, subject);
  const obj = googleEventTicketObject(settings.issuerId, pass.tenant_id, subject);
  return { url: await googleSaveUrl(settings, cls, obj), class_id: cls.id as string, object_id: obj.id as string };
}

export const PKPASS_TYPE = 'application/vnd.apple.pkpass';

export const pkpassHeaders = (pass: WalletPassRow): Record<string, string> => ({
  'Content-Type': PKPASS_TYPE,
  'Content-Disposition': `attachment; filename="ticket-${pass.ticket_id}.pkpass"`,
  'Last-Modified': pass.last_updated_at.toUTCString(),
});
