import { leaderLink } from '../../domain/groups/links';
import type { Config } from '../../lib/config';
import { demoApi } from './api';
import { seedDemoGroups } from './groups';
import { seedDemoStreaming } from './streaming';
import { seedDemoSurveys } from './surveys';
import { seedDemoUpsells } from './upsells';

export interface DemoAddOns {
  /** What a newcomer opens in a browser, absolute; missing when its module's seeding failed. */
  links: { viewer?: string; survey?: string; group?: string };
  /** Modules whose seeding failed (logged); the rest of the demo still starts. */
  failed: string[];
}

/**
 * The newest modules of the demo (upsells, surveys, groups, streaming), seeded through the API once it
 * is ready, as a tenant system would, with the catalogued workflows started by the routes themselves.
 * Each module is seeded on its own: one that fails is logged and named, and the others still show.
 * Running it again adds nothing.
 */
export async function seedDemoAddOns(opts: {
  apiUrl: string;
  apiKey: string;
  tenantId: string;
  eventId: number;
  config: Pick<Config, 'appDatabaseUrl' | 'TOKEN_SECRET'>;
  log?: (message: string) => void;
}): Promise<DemoAddOns> {
  const { apiUrl, eventId } = opts;
  const api = demoApi(apiUrl, opts.apiKey);
  const out: DemoAddOns = { links: {}, failed: [] };
  const step = async (module: string, seed: () => Promise<void>): Promise<void> => {
    try {
      await seed();
    } catch (err) {
      out.failed.push(module);
      opts.log?.(`demo ${module} not seeded: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  await step('upsells', async () => {
    await seedDemoUpsells(api, eventId);
  });
  await step('surveys', async () => {
    const survey = await seedDemoSurveys(api, opts.config, opts.tenantId);
    if (survey) out.links.survey = apiUrl + survey.pagePath;
  });
  await step('groups', async () => {
    const group = await seedDemoGroups(api, eventId);
    // The leader's dashboard, signed as the e-mailed link is: roster, who owes, the deadline.
    if (group) out.links.group = leaderLink(opts.config.TOKEN_SECRET, apiUrl, opts.tenantId, group.groupId).url;
  });
  await step('streaming', async () => {
    const stream = await seedDemoStreaming(api, eventId);
    // The page reads the customer token from the fragment, which never reaches a server log.
    if (stream)
      out.links.viewer = `${apiUrl}/watch/${stream.streamId}#token=${await api.customerToken(stream.viewerId)}`;
  });
  return out;
}
