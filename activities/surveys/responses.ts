import { withTenant } from '../../db/connection';
import { getEvent } from '../../db/events/events';
import { queueEmails } from '../../db/platform/mail';
import { isModuleEnabled } from '../../db/platform/modules';
import { claimForMail, snapshotRecipients } from '../../db/surveys/recipients';
import { autoSendCandidates, getSurvey, sendTimings } from '../../db/surveys/surveys';
import { surveysToSend, type Audience, type MailKind } from '../../domain/surveys/dispatch';
import { recipientLinks, surveyPagePath, surveyScorePath } from '../../domain/surveys/links';
import { personalised, surveyMail } from '../../domain/surveys/mail';
import { npsQuestion } from '../../domain/surveys/questions';
import { startIdempotent } from '../../lib/temporal';
import {
  surveyDispatchStartOptions,
  surveyDispatchWorkflowType,
} from '../../workflows/surveys/responses-dispatch-contract';
import type { WorkerDeps } from '../deps';
import { defineTrigger, type Trigger } from '../platform/triggers';

/** Recipients e-mailed per transaction: a 20,000-person event is ten short transactions, not one long one. */
const MAIL_CHUNK = 2000;
/** E-mails per outbox event: the mail trigger sends them several at a time over pooled connections. */
const EMAILS_PER_EVENT = 100;
/** Stands for the recipient's token in the e-mail rendered once per chunk; never part of a real token. */
const TOKEN_SLOT = '{{token}}';

interface DispatchRef {
  tenantId: string;
  surveyId: number;
  eventId: number;
}

export function createResponsesActivities({ db, config }: WorkerDeps) {
  const links = recipientLinks(config.TOKEN_SECRET);
  return {
    /**
     * Records the survey's audience (or the one a manual send chose) for the event once; a survey
     * archived or turned off meanwhile sends nothing.
     */
    async surveysSnapshotRecipients(
      input: DispatchRef & { windowMs: number; audience?: Audience },
    ): Promise<{ active: boolean; recipients: number }> {
      return withTenant(db, input.tenantId, async (tx) => {
        const survey = await getSurvey(tx, input.surveyId);
        if (!survey || survey.status !== 'active' || !(await isModuleEnabled(tx, 'surveys')))
          return { active: false, recipients: 0 };
        const recipients = await snapshotRecipients(
          tx,
          input.tenantId,
          survey.id,
          input.eventId,
          input.audience ?? survey.audience,
          input.windowMs,
        );
        return { active: true, recipients };
      });
    },

    /**
     * Queues the invitation (to every recipient) or the reminder (to those without a response) through
     * the e-mail outbox, a chunk per transaction: one statement claims and marks the chunk, the e-mail
     * is rendered once and personalised per recipient, one statement queues them all. The dedupe key
     * is per recipient and kind, so a retry never mails anyone twice.
     */
    async surveysMailRecipients(input: DispatchRef & { kind: MailKind }): Promise<{ mailed: number }> {
      let mailed = 0;
      for (;;) {
        const n = await withTenant(db, input.tenantId, async (tx) => {
          const survey = await getSurvey(tx, input.surveyId);
          if (!survey) return 0;
          const batch = await claimForMail(tx, input.surveyId, input.eventId, input.kind, MAIL_CHUNK);
          if (!batch.length) return 0;
          const event = await getEvent(tx, input.eventId);
          const mailFor = personalised(
            surveyMail({
              kind: input.kind,
              surveyName: survey.name,
              eventName: event?.name ?? null,
              npsText: npsQuestion(survey.questions)?.text ?? null,
              pageUrl: config.publicApiUrl + surveyPagePath(TOKEN_SLOT),
              scoreUrl: (s) => config.publicApiUrl + surveyScorePath(TOKEN_SLOT, s),
            }),
            TOKEN_SLOT,
          );
          await queueEmails(
            tx,
            input.tenantId,
            batch.map((r) => ({
              idempotencyKey: `survey-${input.kind}-${r.id}`,
              to: r.email,
              ...mailFor(links.sign({ tenantId: input.tenantId, recipientId: r.id })),
            })),
            { perEvent: EMAILS_PER_EVENT },
          );
          return batch.length;
        });
        mailed += n;
        if (n < MAIL_CHUNK) return { mailed };
      }
    },
  };
}

/**
 * The proposal's `event.ended → send survey`: one dispatch workflow per survey the event sends (its
 * own or the tenant-wide one, per audience), started once the event's end has committed.
 */
export function responsesTriggers(_deps: WorkerDeps): Trigger[] {
  return [
    defineTrigger({
      name: 'surveys.dispatch-on-event-ended',
      on: ['event.ended'],
      async run() {
        // Nothing to write: the workflows read the committed check-ins when their delay is over.
      },
      async afterCommit(event, { db, temporal, config }) {
        const eventId = event.payload.event_id;
        const plan = await withTenant(db, event.tenantId, async (tx) => {
          if (!(await isModuleEnabled(tx, 'surveys', eventId))) return undefined;
          return {
            timings: await sendTimings(tx),
            surveys: surveysToSend(await autoSendCandidates(tx, eventId), eventId),
          };
        });
        if (!plan) return;
        for (const survey of plan.surveys)
          await startIdempotent(temporal, surveyDispatchWorkflowType, {
            taskQueue: config.TEMPORAL_TASK_QUEUE,
            ...surveyDispatchStartOptions({ tenantId: event.tenantId, surveyId: survey.id, eventId, ...plan.timings }),
          });
      },
    }),
  ];
}
