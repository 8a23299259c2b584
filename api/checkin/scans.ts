import type { z } from 'zod';
import { meterExtraDevice, recordDeviceSync } from '../../db/checkin/devices';
import type { ScanInput } from '../../db/checkin/scan-plan';
import { applyScans } from '../../db/checkin/scans';
import { unprocessable } from '../../lib/errors';
import { ScanVerdict, toVerdictMessage } from '../../realtime/protocol';
import type { RouterDeps } from '../deps';
import { defineRoute } from '../route';
import { checkin, loadDevice, loadGate } from './load';
import { HttpScan, SyncResult, SyncScans } from './schemas';

/** Scanning over HTTP: one scan, or a device's offline scans synced later. */
export function scanRoutes(deps: RouterDeps): void {
  const { tags, module } = checkin;

  defineRoute(deps, {
    method: 'post',
    path: '/api/checkin/scan',
    summary: 'Scan a ticket over HTTP (same verdicts as the scanner socket)',
    tags,
    access: { scope: 'scanner', module },
    body: HttpScan,
    responses: { 200: { description: 'The verdict, durable when returned', schema: ScanVerdict } },
    handler: async ({ tx, auth, body }) => {
      const gate = await loadGate(tx, body.gate_id);
      if (body.device_id) await loadDevice(tx, body.device_id);
      const scan: ScanInput = {
        scanId: body.scan_id,
        code: body.code,
        gateId: gate.id,
        deviceId: body.device_id ?? null,
        eventId: gate.event_id,
        direction: body.direction,
        scannedAt: body.scanned_at ? new Date(body.scanned_at) : new Date(),
        source: 'http',
      };
      const { outcomes } = await applyScans(tx, auth.tenantId, [scan]);
      return { body: toVerdictMessage(outcomes[0]) };
    },
  });

  defineRoute(deps, {
    method: 'post',
    path: '/api/checkin/sync',
    summary: "Upload a device's offline scans; each is recorded with its own scan time, once per scan id",
    tags,
    access: { scope: 'scanner', module },
    body: SyncScans,
    responses: { 200: { description: "The server's verdict per scan", schema: SyncResult } },
    handler: async ({ tx, auth, body }) => {
      const device = await loadDevice(tx, body.device_id);
      const missingGate = body.scans.find((s) => !s.gate_id && !device.gate_id);
      if (missingGate)
        throw unprocessable('no_gate', `Scan ${missingGate.scan_id} names no gate and the device has none`);
      // Offline scans are applied in the order they happened, so the earliest admission wins.
      const scans = [...body.scans].sort((a, b) => Date.parse(a.scanned_at) - Date.parse(b.scanned_at));
      const { outcomes } = await applyScans(
        tx,
        auth.tenantId,
        scans.map((s) => ({
          scanId: s.scan_id,
          code: s.code,
          gateId: s.gate_id ?? (device.gate_id as number),
          deviceId: device.id,
          eventId: device.event_id,
          direction: s.direction,
          scannedAt: new Date(s.scanned_at),
          source: 'offline' as const,
        })),
      );
      const syncedAt = await recordDeviceSync(tx, device.id);
      await meterExtraDevice(tx, auth.tenantId, device);
      const byId = new Map(outcomes.map((o) => [o.scanId, toVerdictMessage(o)]));
      return {
        body: {
          device_id: device.id,
          synced_at: syncedAt.toISOString(),
          results: body.scans.map((s) => byId.get(s.scan_id) as z.infer<typeof ScanVerdict>),
        },
      };
    },
  });
}
