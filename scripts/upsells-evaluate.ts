import { createDb, withTenant } from '../db/connection';
import { eventCategories, tenantPurchases } from '../db/upsells/recommendations';
import type { ItemKey } from '../domain/upsells/recommendations';
import { evaluateHoldout, type Purchase } from '../domain/upsells/recommendations-eval';
import { loadConfig } from '../lib/config';

const USAGE = `Offline evaluation of the upsells recommender: hides each customer's latest event purchase,
recommends 5 events from the rest of the tenant's orders and prints JSON with precision@5.

  npx tsx scripts/upsells-evaluate.ts                            (generated purchases, seed 2026)
  npx tsx scripts/upsells-evaluate.ts --customers 5000 --seed 7  (a larger generated history)
  npx tsx scripts/upsells-evaluate.ts --tenant t_demo            (a tenant's orders in DATABASE_URL)
`;

export interface GeneratedHistory {
  purchases: Purchase[];
  categories: Map<ItemKey, string>;
}

/** A small seeded PRNG (mulberry32), so a generated history is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A ticketing history with the structure real ones have: events in categories, some far more popular
 * than others (Zipf), and customers who mostly (75%) return to their favourite category.
 */
export function generatePurchases(opts: { customers?: number; events?: number; seed?: number } = {}): GeneratedHistory {
  const customers = opts.customers ?? 2000;
  const eventCount = opts.events ?? 120;
  const random = prng(opts.seed ?? 2026);
  const CATEGORIES = ['concerts', 'theatre', 'comedy', 'sports', 'festivals', 'jazz'];
  const categories = new Map<ItemKey, string>();
  const byCategory = new Map<string, { item: ItemKey; weight: number }[]>();
  for (let e = 1; e <= eventCount; e++) {
    const category = CATEGORIES[e % CATEGORIES.length];
    const item: ItemKey = `e${e}`;
    categories.set(item, category);
    const list = byCategory.get(category) ?? [];
    list.push({ item, weight: 1 / (list.length + 1) });
    byCategory.set(category, list);
  }
  const pick = (list: { item: ItemKey; weight: number }[]): ItemKey => {
    let r = random() * list.reduce((s, x) => s + x.weight, 0);
    for (const x of list) if ((r -= x.weight) <= 0) return x.item;
    return list[list.length - 1].item;
  };
  const purchases: Purchase[] = [];
  for (let c = 1; c <= customers; c++) {
    const favourite = CATEGORIES[Math.floor(random() * CATEGORIES.length)];
    const n = 2 + Math.floor(random() * 5);
    const bought = new Set<ItemKey>();
    for (let i = 0; i < n * 3 && bought.size < n; i++) {
      const category = random() < 0.75 ? favourite : CATEGORIES[Math.floor(random() * CATEGORIES.length)];
      bought.add(pick(byCategory.get(category) ?? []));
    }
    [...bought].forEach((item, i) =>
      purchases.push({ customerId: c, item, at: i * 1000 + Math.floor(random() * 1000) }),
    );
  }
  return { purchases, categories };
}

function flags(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const m = /^--([\w-]+)$/.exec(args[i]);
    if (!m || args[i + 1] === undefined) throw new Error(`Unexpected argument ${args[i]}\n\n${USAGE}`);
    out[m[1]] = args[++i];
  }
  return out;
}

async function tenantHistory(tenantId: string): Promise<GeneratedHistory> {
  // The application role: row-level security keeps the read to this tenant's orders.
  const db = createDb(loadConfig().appDatabaseUrl, 1);
  try {
    return await withTenant(db, tenantId, async (tx) => {
      const categories = new Map<ItemKey, string>();
      for (const [item, category] of await eventCategories(tx)) if (category) categories.set(item, category);
      return { purchases: await tenantPurchases(tx), categories };
    });
  } finally {
    await db.destroy();
  }
}

async function main(): Promise<void> {
  const f = flags(process.argv.slice(2));
  const history = f.tenant
    ? await tenantHistory(f.tenant)
    : generatePurchases({
        ...(f.customers ? { customers: Number(f.customers) } : {}),
        ...(f.seed ? { seed: Number(f.seed) } : {}),
      });
  const report = evaluateHoldout(history.purchases, (item) => history.categories.get(item));
  process.stdout.write(
    JSON.stringify({ source: f.tenant ? `tenant ${f.tenant}` : 'generated purchases', ...report }, null, 2) + '\n',
  );
}

if (require.main === module)
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
