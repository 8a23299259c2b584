/**
 * `send_20k_s` of `npm run bench:surveys`: an event with `SURVEYS_SEND_ATTENDEES` checked-in attendees
 * (default 20,000) and a tenth as many no-shows ends (PATCH status `ended` through the API); timed
 * from that request until the local SMTP receiver has accepted every survey e-mail, through the
 * production path (outbox dispatcher, `event.ended` trigger, dispatch workflow, e-mail outbox, SMTP).
 * A smaller scale is extrapolated linearly to 20,000 and says so. Prints one JSON line.
 */
import { runBench } from './stack';
import { BENCH_QUESTIONS, seedAudience, withSurveysStack } from './surveys-stack';

const ATTENDEES = Number(process.env.SURVEYS_SEND_ATTENDEES ?? 20_000);
const TIMEOUT_MS = Number(process.env.SURVEYS_SEND_TIMEOUT_S ?? 600) * 1000;

async function main(): Promise<void> {
  await withSurveysStack(
    'surveys-send',
    { settings: { dispatch_delay_s: 0, reminder_after_s: null, response_window_s: 86_400 }, clients: 4 },
    async (s) => {
      await seedAudience(s, ATTENDEES + Math.ceil(ATTENDEES / 10), ATTENDEES);
      const survey = await s.call('POST', '/api/surveys/surveys', { name: 'How was it', questions: BENCH_QUESTIONS });
      if (survey.status !== 201) throw new Error(`survey: ${survey.status} ${survey.text}`);
      const started = Date.now();
      const ended = await s.call('PATCH', `/api/events/${s.eventId}`, { status: 'ended' });
      if (ended.status !== 200) throw new Error(`end: ${ended.status} ${ended.text}`);
      while (s.accepted() < ATTENDEES) {
        if (Date.now() - started > TIMEOUT_MS) throw new Error(`only ${s.accepted()} of ${ATTENDEES} e-mails in time`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const elapsedS = (Date.now() - started) / 1000;
      // Settle: a no-show mailed too would show up now.
      await new Promise((r) => setTimeout(r, 1000));
      console.log(
        JSON.stringify({
          send_20k_s: Number(((elapsedS * 20_000) / ATTENDEES).toFixed(2)),
          attendees: ATTENDEES,
          elapsed_s: Number(elapsedS.toFixed(2)),
          emails_accepted: s.accepted(),
          extrapolated: ATTENDEES !== 20_000,
          targets: { send_20k_s: 30 },
        }),
      );
    },
  );
}

runBench(main);
