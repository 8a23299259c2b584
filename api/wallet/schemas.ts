import { z } from 'zod';

export const GoogleSaveLink = z
  .object({
    url: z.string().meta({ description: 'Open to add the ticket to Google Wallet' }),
    class_id: z.string(),
    object_id: z.string(),
  })
  .meta({ id: 'GoogleSaveLink' });

/** Apple's identifiers: printable, bounded; anything else cannot be one of ours. */
const AppleId = z.string().regex(/^[\w.\-:]{1,200}$/);

export const DeviceRegistrationParams = z.object({
  deviceLibraryIdentifier: AppleId,
  passTypeIdentifier: AppleId,
  serialNumber: AppleId,
});
export const DeviceParams = z.object({ deviceLibraryIdentifier: AppleId, passTypeIdentifier: AppleId });
export const PassParams = z.object({ passTypeIdentifier: AppleId, serialNumber: AppleId });
export const SerialParams = z.object({ serialNumber: AppleId });

/** APNs device tokens are hexadecimal; 64 characters today, Apple reserves the right to grow them. */
export const RegisterDevice = z.object({ pushToken: z.string().regex(/^[0-9a-fA-F]{64,200}$/) });
export const UpdatedSince = z.object({
  passesUpdatedSince: z
    .string()
    .regex(/^\d{1,18}$/)
    .optional(),
});
export const SerialNumbers = z.object({ serialNumbers: z.array(z.string()), lastUpdated: z.string() });
export const AppleLog = z.object({ logs: z.array(z.string().max(10_000)).max(100) });
export const DownloadQuery = z.object({ token: z.string().min(16).max(200) });
