import { createHarness, client, type Harness } from '../helpers/harness';

/** The endpoint lists of the design proposal, exactly as it writes them (Apple's under their v1/ prefix). */
const PROPOSAL_ENDPOINTS = `
POST   /api/checkin/scan
GET    /api/checkin/events/{id}/status
GET    /api/checkin/events/{id}/gates
POST   /api/checkin/gates
GET    /api/checkin/events/{id}/live
GET    /api/checkin/events/{id}/stats
POST   /api/checkin/devices/register
POST   /api/checkin/sync
GET    /api/checkin/ticket/{code}/lookup
GET    /api/wallet/ticket/{id}/apple
GET    /api/wallet/ticket/{id}/google
POST   /api/wallet/apple/v1/devices/{deviceLibraryId}/registrations/{passTypeId}/{serialNumber}
DELETE /api/wallet/apple/v1/devices/{deviceLibraryId}/registrations/{passTypeId}/{serialNumber}
GET    /api/wallet/apple/v1/devices/{deviceLibraryId}/registrations/{passTypeId}
GET    /api/wallet/apple/v1/passes/{passTypeId}/{serialNumber}
POST   /api/wallet/apple/v1/log
POST   /api/waitlist/join
GET    /api/waitlist/position/{id}
DELETE /api/waitlist/{id}
GET    /api/waitlist/events/{id}/entries
POST   /api/waitlist/notify-next
POST   /api/resale/list
GET    /api/resale/listings
GET    /api/resale/listings/{id}
PUT    /api/resale/listings/{id}/price
DELETE /api/resale/listings/{id}
POST   /api/resale/listings/{id}/purchase
GET    /api/resale/my-listings
GET    /api/resale/my-purchases
`
  .trim()
  .split('\n')
  .map((line) => line.trim().split(/\s+/) as [string, string]);

// Path parameter names may differ from the proposal's; the shape must not.
const shape = (path: string): string => path.replace(/\{\w+\}/g, '{}');

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.stop());

describe("the proposal's endpoints", () => {
  it('are all served and documented at the paths the proposal gives', async () => {
    const doc = (await client(h.baseUrl).get<{ paths: Record<string, Record<string, unknown>> }>('/openapi.json')).body;
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${shape(path)}`),
      ),
    );
    const missing = PROPOSAL_ENDPOINTS.filter(([method, path]) => !documented.has(`${method} ${shape(path)}`)).map(
      (e) => e.join(' '),
    );
    expect(missing).toEqual([]);
  });
});
