import { z } from 'zod';
import { QuestionSchema, QuestionsSchema } from '../../domain/surveys/questions';
import { AfterParam, Id, IdParam, limitParam, text } from '../schemas/common';

const Status = z.enum(['draft', 'active', 'archived']);
const Audience = z.enum(['attended', 'no_shows']).meta({
  description: 'Who an ended event sends it to: checked-in attendees (default) or no-shows',
});

export const CreateSurvey = z.strictObject({
  name: text(200),
  event_id: Id.nullable().optional().meta({
    description: 'The event it belongs to; null or absent: every event of the tenant that has no survey of its own',
  }),
  questions: QuestionsSchema,
  status: Status.optional().meta({ description: 'default active' }),
  audience: Audience.optional(),
  auto_send: z.boolean().optional().meta({ description: 'Sent when an event ends (default true)' }),
});

export const UpdateSurvey = z.strictObject({
  name: text(200).optional(),
  event_id: Id.nullable().optional(),
  questions: QuestionsSchema.optional().meta({
    description: 'Changed questions publish a new version; responses keep the version they answered',
  }),
  status: Status.optional(),
  audience: Audience.optional(),
  auto_send: z.boolean().optional(),
});

export const Survey = z
  .object({
    id: z.number().int(),
    event_id: z.number().int().nullable(),
    name: z.string(),
    status: Status,
    version: z.number().int(),
    audience: Audience,
    auto_send: z.boolean(),
    questions: z.array(QuestionSchema),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Survey' });

export const SurveysQuery = z.object({
  limit: limitParam(200, 50),
  after: AfterParam.optional(),
  event_id: IdParam.optional(),
});

export const ResponsesQuery = z.object({
  limit: limitParam(200, 50),
  after: AfterParam.optional(),
  event_id: IdParam.optional(),
});

const AnswerValue = z.union([z.number().int(), z.string().max(4000), z.array(z.string().max(100)).max(30)]);
export const AnswersBody = z
  .record(z.string().max(40), AnswerValue.nullable())
  .refine((a) => Object.keys(a).length <= 50, 'at most 50 answers')
  .meta({
    description:
      'Answers by question id: nps 0–10, rating 1–5, an option id, a list of option ids, or text. Checked against the current version; a bad answer is a 400 `invalid_answers` naming its question',
  });

export const CreateResponse = z.strictObject({
  answers: AnswersBody,
  recipient_id: Id.optional().meta({ description: 'The recipient answering (one response each)' }),
  event_id: Id.optional().meta({ description: 'Without a recipient: the event the response is about' }),
  customer_id: Id.optional().meta({ description: 'Without a recipient: who answered' }),
});

export const UpdateResponse = z.strictObject({
  answers: AnswersBody.optional().meta({ description: 'The new answers; absent: nothing changes' }),
});

export const SurveyResponse = z
  .object({
    id: z.number().int(),
    survey_id: z.number().int(),
    version: z.number().int().meta({ description: 'The survey version these answers answer' }),
    recipient_id: z.number().int().nullable(),
    event_id: z.number().int().nullable(),
    customer_id: z.number().int().nullable(),
    ticket_type_id: z.number().int().nullable(),
    gate: z.string().nullable(),
    answers: z.record(z.string(), z.unknown()),
    nps_score: z.number().int().nullable(),
    complete: z.boolean().meta({ description: 'False while only the one-click score is in' }),
    submitted_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'SurveyResponse' });

export const TokenParams = z.object({ token: z.string().max(512) });
export const ScoreParams = z.object({ token: z.string().max(512), score: z.string().regex(/^(10|[0-9])$/) });
export const PageQuery = z.object({ lang: z.string().max(20).optional() });
export const PublicAnswers = z.object({ answers: AnswersBody });
