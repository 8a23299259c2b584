import fs from 'node:fs';
import path from 'node:path';
import { type BrowserContext } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { recipientLinks } from '../../domain/surveys/links';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { createHarness, type Harness } from '../helpers/harness';
import { holder, QUESTIONS } from './responses-fixtures';

let h: Harness;
let t: TenantFixture;
let browser: BrowserContext;

beforeAll(async () => {
  browser = await launchChromium('survey page');
  h = await createHarness();
  t = await createTenantWithKey(h, 'Survey page');
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await h?.stop();
});

/** A survey with one recipient, as the dispatch records it: the recipient's id and signed token. */
async function recipientOf(questions: unknown[], name: string): Promise<{ id: number; token: string }> {
  const survey = await t.api.post<{ id: number }>('/api/surveys/surveys', { name, questions });
  const f = await createOnSaleEvent(t);
  const p = await holder(h, t, f, 'page');
  const [row] = await h
    .owner('survey_recipients')
    .insert({
      tenant_id: t.tenantId,
      survey_id: survey.body.id,
      event_id: f.eventId,
      customer_id: p.customerId,
      email: p.email,
      sent_at: new Date(),
      closes_at: new Date(Date.now() + 3_600_000),
    })
    .returning('id');
  return {
    id: row.id,
    token: recipientLinks(h.config.TOKEN_SECRET).sign({ tenantId: t.tenantId, recipientId: row.id }),
  };
}

it('renders the signed survey page in Chromium, shows a conditional question for low scores and submits', async () => {
  const { id: recipientId, token } = await recipientOf(QUESTIONS, 'After the show');

  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${h.baseUrl}/s/${token}?lang=de`);
  await page.waitForSelector('fieldset[data-question="nps"]');
  expect(await page.textContent('fieldset[data-question="nps"] legend')).toContain('Wie wahrscheinlich');
  expect(await page.textContent('fieldset[data-question="again"]')).toContain('Ja');
  const improve = page.locator('fieldset[data-question="why-low"]');
  expect(await improve.isHidden()).toBe(true);

  // A required question left out: the page shows the API's error beside it.
  await page.check('fieldset[data-question="nps"] input[value="3"]');
  expect(await improve.isVisible()).toBe(true);
  await page.fill('fieldset[data-question="why-low"] textarea', 'Shorter queues at the bar');
  await page.click('button[type="submit"]');
  await page.waitForFunction(
    () => document.querySelector('fieldset[data-question="sound"] .error')?.textContent !== '',
  );
  // The page speaks the survey's translation's language: its own words too.
  expect(await page.textContent('fieldset[data-question="sound"] .error')).toBe('Bitte beantworten Sie diese Frage');
  expect(await page.textContent('button[type="submit"]')).toBe('Senden');

  await page.check('fieldset[data-question="sound"] input[value="4"]');
  await page.check('fieldset[data-question="liked"] input[value="music"]');
  await page.check('fieldset[data-question="liked"] input[value="venue"]');
  await page.click('button[type="submit"]');
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('Vielen Dank'));
  fs.mkdirSync(path.join(__dirname, '..', '..', '.test-artifacts'), { recursive: true });
  await page.screenshot({
    path: path.join(__dirname, '..', '..', '.test-artifacts', 'survey-page.png'),
    fullPage: true,
  });
  expect(problems).toEqual([]);

  const [response] = await h.owner('survey_responses').where({ recipient_id: recipientId });
  expect(response).toMatchObject({
    nps_score: 3,
    complete: true,
    answers: { nps: 3, 'why-low': 'Shorter queues at the bar', sound: 4, liked: ['music', 'venue'] },
  });

  // Reopened without a language, the page shows the saved answers in English.
  await page.goto(`${h.baseUrl}/s/${token}`);
  await page.waitForSelector('fieldset[data-question="nps"]');
  expect(await page.textContent('button[type="submit"]')).toBe('Send');
  expect(await page.isChecked('fieldset[data-question="sound"] input[value="4"]')).toBe(true);
  expect(await page.inputValue('fieldset[data-question="why-low"] textarea')).toBe('Shorter queues at the bar');
  await page.close();
}, 90_000);

it("speaks the browser's language when the survey is translated to it, else English", async () => {
  const questions = [
    {
      id: 'nps',
      type: 'nps',
      text: 'How likely are you to recommend us?',
      translations: { fr: 'Nous recommanderiez-vous ?', nl: 'Zou u ons aanbevelen?', es: '¿Nos recomendaría?' },
      required: true,
    },
    { id: 'food', type: 'rating', text: 'Rate the food', translations: { fr: 'Notez la cuisine' }, required: true },
  ];
  const { token } = await recipientOf(questions, 'Retour');
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  const open = async (acceptLanguage: string) => {
    await page.setExtraHTTPHeaders({ 'accept-language': acceptLanguage });
    await page.goto(`${h.baseUrl}/s/${token}`);
    await page.waitForSelector('fieldset[data-question="nps"]');
  };
  const chrome = async () => ({
    lang: await page.getAttribute('html', 'lang'),
    button: await page.textContent('button[type="submit"]'),
    question: await page.textContent('fieldset[data-question="nps"] legend'),
  });

  await open('fr-BE,fr;q=0.9,en;q=0.5');
  expect(await chrome()).toEqual({ lang: 'fr', button: 'Envoyer', question: 'Nous recommanderiez-vous ? *' });
  await page.check('fieldset[data-question="nps"] input[value="9"]');
  await page.click('button[type="submit"]');
  await page.waitForFunction(() => document.getElementById('status')?.textContent !== '');
  expect(await page.textContent('fieldset[data-question="food"] .error')).toBe('une réponse est requise');
  expect(await page.textContent('#status')).toBe('Certaines réponses sont à revoir');
  await page.check('fieldset[data-question="food"] input[value="5"]');
  await page.click('button[type="submit"]');
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('Merci'));

  await open('nl-NL');
  expect(await chrome()).toMatchObject({ lang: 'nl', button: 'Versturen', question: 'Zou u ons aanbevelen? *' });
  await open('es');
  expect(await chrome()).toMatchObject({ lang: 'es', button: 'Enviar' });
  // Not translated to German: questions and chrome stay in the survey's own words.
  await open('de-DE');
  expect(await chrome()).toEqual({ lang: 'en', button: 'Send', question: 'How likely are you to recommend us? *' });
  expect(problems).toEqual([]);
  await page.close();
}, 90_000);
