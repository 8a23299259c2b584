import { seedTickets } from '../helpers/checkin';
import { decode } from '../helpers/crm';
import { createOnSaleEvent, type EventFixture, type TenantFixture } from '../helpers/fixtures';
import type { Harness } from '../helpers/harness';
import type { ReceivedMail } from '../helpers/smtp';

/** A post-event survey using every question type, a condition and a translation. */
export const QUESTIONS = [
  {
    id: 'nps',
    type: 'nps',
    text: 'How likely are you to recommend us to a friend?',
    translations: { de: 'Wie wahrscheinlich ist es, dass Sie uns weiterempfehlen?' },
    required: true,
  },
  {
    id: 'why-low',
    type: 'text',
    text: 'What should we improve?',
    show_if: { question: 'nps', answers: [0, 1, 2, 3, 4, 5, 6] },
  },
  { id: 'sound', type: 'rating', text: 'Rate the sound', required: true },
  {
    id: 'again',
    type: 'single_choice',
    text: 'Would you come again?',
    options: [
      { id: 'yes', text: 'Yes', translations: { de: 'Ja' } },
      { id: 'no', text: 'No', translations: { de: 'Nein' } },
    ],
  },
  {
    id: 'liked',
    type: 'multiple_choice',
    text: 'What did you like?',
    options: [
      { id: 'music', text: 'Music' },
      { id: 'food', text: 'Food' },
      { id: 'venue', text: 'Venue' },
    ],
  },
];

let seq = 0;
const unique = (): string =>
  `${Date.now().toString(36)}${(seq++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export interface Person {
  customerId: number;
  email: string;
  code: string;
}

/** A ticket holder of the event (one ticket, written straight to the database). */
export async function holder(h: Harness, t: TenantFixture, f: EventFixture, name: string): Promise<Person> {
  const email = `${name}-${unique()}@example.com`;
  const customer = await t.api.post<{ id: number }>('/api/customers', { email, name });
  if (customer.status !== 201) throw new Error(`customer: ${customer.status}`);
  const [ticket] = await seedTickets(h.owner, t.tenantId, { ...f, customerId: customer.body.id }, 1, {
    prefix: `S${unique()}X`,
  });
  return { customerId: customer.body.id, email, code: ticket.code };
}

/** Admits a ticket through the real check-in API. */
export async function checkIn(t: TenantFixture, gateId: number, p: Person): Promise<void> {
  const scan = await t.api.post<{ verdict: string }>('/api/checkin/scan', {
    scan_id: `survey-${unique()}`,
    code: p.code,
    gate_id: gateId,
  });
  if (scan.body.verdict !== 'success') throw new Error(`scan: ${JSON.stringify(scan.body)}`);
}

export interface EventWithAudience {
  f: EventFixture;
  attendees: Person[];
  noShows: Person[];
}

/** An event with `attended` people checked in at gate "North" and `missed` who never came. */
export async function eventWithAudience(
  h: Harness,
  t: TenantFixture,
  attended: number,
  missed: number,
): Promise<EventWithAudience> {
  const f = await createOnSaleEvent(t);
  const gate = await t.api.post<{ id: number }>('/api/checkin/gates', { event_id: f.eventId, name: 'North' });
  const attendees: Person[] = [];
  for (let i = 0; i < attended; i++) {
    const p = await holder(h, t, f, `came${i}`);
    await checkIn(t, gate.body.id, p);
    attendees.push(p);
  }
  const noShows: Person[] = [];
  for (let i = 0; i < missed; i++) noShows.push(await holder(h, t, f, `missed${i}`));
  return { f, attendees, noShows };
}

export const mailTo = (h: Harness, email: string): ReceivedMail[] => h.mail.filter((m) => m.to.includes(email));

/** The survey paths in an e-mail (the host is the configured public URL; tests call their own API). */
export function surveyLinks(mail: ReceivedMail): { page: string; scores: string[] } {
  const body = decode(mail.raw);
  const scores = [
    ...new Set([...body.matchAll(/https?:\/\/[^/"\s]+(\/s\/[A-Za-z0-9_.-]+\/score\/\d+)/g)].map((m) => m[1])),
  ];
  const page = /https?:\/\/[^/"\s]+(\/s\/[A-Za-z0-9_.-]+)(?=["\s])/.exec(body)?.[1] ?? '';
  return { page, scores };
}

export async function setSurveySettings(t: TenantFixture, settings: Record<string, unknown>): Promise<void> {
  const res = await t.api.put('/api/modules/surveys', { settings });
  if (res.status !== 200) throw new Error(`settings: ${res.status} ${JSON.stringify(res.body)}`);
}
