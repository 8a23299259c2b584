/**
 * `responses_per_s` of `npm run bench:surveys`: `SURVEYS_RESPONSE_CLIENTS` clients (default 32) submit
 * responses through the public signed-link endpoint (`POST /s/<token>`), each recipient once:
 * `SURVEYS_RESPONSES` of them (default 5,000). Each submit checks the answers, locks the recipient,
 * writes the response and its `survey.response_submitted` event in one transaction. Prints one JSON line.
 */
import { recipientLinks } from '../domain/surveys/links';
import { runBench } from './stack';
import { BENCH_QUESTIONS, seedAudience, withSurveysStack } from './surveys-stack';

const RESPONSES = Number(process.env.SURVEYS_RESPONSES ?? 5_000);
const CLIENTS = Number(process.env.SURVEYS_RESPONSE_CLIENTS ?? 32);

async function main(): Promise<void> {
  await withSurveysStack('surveys-responses', { settings: {}, clients: CLIENTS }, async (s) => {
    await seedAudience(s, RESPONSES, RESPONSES);
    const survey = await s.call('POST', '/api/surveys/surveys', { name: 'How was it', questions: BENCH_QUESTIONS });
    const surveyId = (JSON.parse(survey.text) as { id: number }).id;
    // The recipients as the dispatch records them, without sending 5,000 e-mails first.
    const rows: { id: number }[] = (
      await s.owner.raw(
        `insert into survey_recipients (tenant_id, survey_id, event_id, customer_id, email, sent_at, closes_at)
         select tenant_id, ?, ?, id, email, now(), now() + interval '1 day' from customers where tenant_id = ? returning id`,
        [surveyId, s.eventId, s.tenantId],
      )
    ).rows;
    const links = recipientLinks(s.config.TOKEN_SECRET);
    const tokens = rows.map((r) => links.sign({ tenantId: s.tenantId, recipientId: r.id }));
    let next = 0;
    let failed = 0;
    const latencies: number[] = [];
    const started = Date.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (let i = next++; i < tokens.length; i = next++) {
          const t0 = performance.now();
          const res = await s.call(
            'POST',
            `/s/${tokens[i]}`,
            { answers: { nps: i % 11, sound: 1 + (i % 5), why: i % 3 ? 'Great night' : '' } },
            false,
          );
          latencies.push(performance.now() - t0);
          if (res.status !== 200) failed++;
        }
      }),
    );
    const elapsedS = (Date.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const [{ count }] = await s.owner('survey_responses').where({ survey_id: surveyId }).count({ count: '*' });
    console.log(
      JSON.stringify({
        responses_per_s: Number((RESPONSES / elapsedS).toFixed(1)),
        responses: RESPONSES,
        recorded: Number(count),
        failed,
        clients: CLIENTS,
        p50_ms: Number(latencies[Math.floor(latencies.length * 0.5)].toFixed(1)),
        p99_ms: Number(latencies[Math.floor(latencies.length * 0.99)].toFixed(1)),
        elapsed_s: Number(elapsedS.toFixed(2)),
      }),
    );
  });
}

runBench(main);
