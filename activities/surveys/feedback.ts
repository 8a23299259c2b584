import { checkedInTicketOf } from '../../db/checkin/lookup';
import type { Tx } from '../../db/connection';
import { tagCustomer } from '../../db/crm/customer-tags';
import { getCustomer } from '../../db/customers/customers';
import { getEvent } from '../../db/events/events';
import { queueEmail } from '../../db/platform/mail';
import { getModule, isModuleEnabled } from '../../db/platform/modules';
import { emit } from '../../db/platform/outbox';
import { claimRuleRun, enabledRulesFor, type RuleRow } from '../../db/surveys/feedback-rules';
import { getResponse, type ResponseRow } from '../../db/surveys/responses';
import { getSurvey, type SurveyWithQuestions } from '../../db/surveys/surveys';
import { alertMail, reviewRequestMail } from '../../domain/surveys/feedback-mail';
import {
  DEFAULT_REVIEW_LINK_TTL_DAYS,
  reviewLink,
  ruleMatches,
  type RuleAction,
} from '../../domain/surveys/feedback-rules';
import type { SurveysSettings } from '../../domain/surveys/settings';
import { npsCategory } from '../../domain/surveys/nps';
import { signCustomerToken } from '../../lib/credentials';
import type { WorkerDeps } from '../deps';
import { defineTrigger, type OutboxEvent, type Trigger } from '../platform/triggers';

export function createFeedbackActivities(_deps: WorkerDeps) {
  return {};
}

interface RuleRun {
  tx: Tx;
  tenantId: string;
  tokenSecret: string;
  rule: RuleRow;
  response: ResponseRow & { nps_score: number };
  survey: SurveyWithQuestions;
}

/** One action of a matching rule, in the response event's transaction (e-mails and events go out after commit). */
async function runAction(run: RuleRun, action: RuleAction, index: number): Promise<void> {
  const { tx, tenantId, rule, response, survey } = run;
  const key = `survey-rule-${rule.id}-${response.id}-${index}`;
  const customer = response.customer_id === null ? undefined : await getCustomer(tx, response.customer_id);
  const event = response.event_id === null ? undefined : await getEvent(tx, response.event_id);
  switch (action.type) {
    case 'email_alert': {
      const mail = alertMail({
        ruleName: rule.name,
        surveyName: survey.name,
        eventName: event?.name ?? null,
        score: response.nps_score,
        customer: customer ? { name: customer.name, email: customer.email } : null,
        questions: survey.questions,
        answers: response.answers,
      });
      for (const [i, to] of action.to.entries())
        await queueEmail(tx, tenantId, { idempotencyKey: `${key}-${i}`, to, ...mail });
      return;
    }
    case 'webhook_alert':
      await emit(tx, tenantId, {
        type: 'survey.response_alert',
        aggregateType: 'survey_response',
        aggregateId: response.id,
        payload: {
          rule_id: rule.id,
          survey_id: response.survey_id,
          response_id: response.id,
          event_id: response.event_id,
          customer_id: response.customer_id,
          nps_score: response.nps_score,
          category: npsCategory(response.nps_score),
        },
      });
      return;
    case 'crm_tag':
      if (customer && (await isModuleEnabled(tx, 'crm')))
        await tagCustomer(tx, tenantId, customer.id, action.tag, null);
      return;
    case 'request_review': {
      // Only a checked-in attendee can review: asking anyone else would lead to a refusal.
      if (!customer || !event || !(await checkedInTicketOf(tx, event.id, customer.id))) return;
      const settings = ((await getModule(tx, 'surveys'))?.settings ?? {}) as SurveysSettings;
      const days = settings.review_link_ttl_days ?? DEFAULT_REVIEW_LINK_TTL_DAYS;
      const { token } = await signCustomerToken(run.tokenSecret, { tenantId, customerId: customer.id }, days * 86_400);
      const mail = reviewRequestMail({
        customerName: customer.name,
        eventName: event.name,
        link: reviewLink(action.review_url, token, event.id),
      });
      await queueEmail(tx, tenantId, { idempotencyKey: key, to: customer.email, ...mail });
      return;
    }
  }
}

/**
 * Response automation: every enabled rule whose score range holds the response's NPS score runs its
 * actions once per response (an edited response that still matches does not alert again).
 */
async function applyRules(event: OutboxEvent<'survey.response_submitted'>, tx: Tx, tokenSecret: string): Promise<void> {
  const { payload } = event;
  if (payload.nps_score === null) return;
  const rules = (await enabledRulesFor(tx, payload.survey_id)).filter((r) => ruleMatches(r, payload));
  if (!rules.length) return;
  const response = await getResponse(tx, payload.response_id);
  const survey = await getSurvey(tx, payload.survey_id);
  // The response as stored decides: an edit may have changed the score since this event.
  if (!response || !survey || response.nps_score === null) return;
  const scored = { ...response, nps_score: response.nps_score };
  for (const rule of rules.filter((r) => ruleMatches(r, scored))) {
    if (
      !(await claimRuleRun(
        tx,
        event.tenantId,
        rule.id,
        response.id,
        rule.actions.map((a) => a.type),
      ))
    )
      continue;
    const run: RuleRun = { tx, tenantId: event.tenantId, tokenSecret, rule, response: scored, survey };
    for (const [i, action] of rule.actions.entries()) await runAction(run, action, i);
  }
}

export function feedbackTriggers(deps: WorkerDeps): Trigger[] {
  return [
    defineTrigger({
      name: 'surveys.feedback.response-rules',
      on: ['survey.response_submitted'],
      run: (event, ctx) => applyRules(event, ctx.tx, deps.config.TOKEN_SECRET),
    }),
  ];
}
