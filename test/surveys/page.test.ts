import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { recipientLinks } from '../../domain/surveys/links';
import { createOnSaleEvent, createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { createHarness, type Harness } from '../helpers/harness';
import { holder, QUESTIONS } from './responses-fixtures';

const CHROMIUM = '/usr/bin/chromium';

let h: Harness;
let t: TenantFixture;
let browser: BrowserContext;
let profile: string;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`Chromium is required for the survey page test and was not found at ${CHROMIUM}`);
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'usher-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-sync',
    ],
  });
  h = await createHarness();
  t = await createTenantWithKey(h, 'Survey page');
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await h?.stop();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
});

it('renders the signed survey page in Chromium, shows a conditional question for low scores and submits', async () => {
  const survey = await t.api.post<{ id: number }>('/api/surveys/surveys', {
    name: 'After the show',
    questions: QUESTIONS,
  });
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
  const token = recipientLinks(h.config.TOKEN_SECRET).sign({ tenantId: t.tenantId, recipientId: row.id });

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
  expect(await page.textContent('fieldset[data-question="sound"] .error')).toBe('an answer is required');

  await page.check('fieldset[data-question="sound"] input[value="4"]');
  await page.check('fieldset[data-question="liked"] input[value="music"]');
  await page.check('fieldset[data-question="liked"] input[value="venue"]');
  await page.click('button[type="submit"]');
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('Thank you'));
  fs.mkdirSync(path.join(__dirname, '..', '..', '.test-artifacts'), { recursive: true });
  await page.screenshot({
    path: path.join(__dirname, '..', '..', '.test-artifacts', 'survey-page.png'),
    fullPage: true,
  });
  expect(problems).toEqual([]);

  const [response] = await h.owner('survey_responses').where({ recipient_id: row.id });
  expect(response).toMatchObject({
    nps_score: 3,
    complete: true,
    answers: { nps: 3, 'why-low': 'Shorter queues at the bar', sound: 4, liked: ['music', 'venue'] },
  });

  // Reopened, the page shows the saved answers.
  await page.goto(`${h.baseUrl}/s/${token}`);
  await page.waitForSelector('fieldset[data-question="nps"]');
  expect(await page.isChecked('fieldset[data-question="sound"] input[value="4"]')).toBe(true);
  expect(await page.inputValue('fieldset[data-question="why-low"] textarea')).toBe('Shorter queues at the bar');
  await page.close();
}, 90_000);
