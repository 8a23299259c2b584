import type { TenantFixture } from '../helpers/fixtures';

/** An upsell product as the API answers it (the fields tests look at). */
export interface ProductBody {
  id: number;
  event_id: number | null;
  type: string;
  name: string;
  price_minor: number;
  inventory: number | null;
  reserved: number;
  sold: number;
  available: number | null;
  display_in: string;
  status: string;
}

/** Creates a product through the API (an EUR add-on of 500 unless told otherwise); throws unless 201. */
export async function createProduct(t: TenantFixture, fields: Record<string, unknown> = {}): Promise<ProductBody> {
  const res = await t.api.post<ProductBody>('/api/upsells/products', {
    type: 'addon',
    name: 'Parking',
    price_minor: 500,
    currency: 'EUR',
    ...fields,
  });
  if (res.status !== 201) throw new Error(`product: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
