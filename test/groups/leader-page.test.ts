import fs from 'node:fs';
import path from 'node:path';
import { type BrowserContext } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { createHarness, eventually, type Harness } from '../helpers/harness';
import { createTenantWithKey, type TenantFixture } from '../helpers/fixtures';
import { groupEvent, type GroupEvent } from './fixtures';
import { invitationToken, mailsTo, orderedGroup, payShare } from './roster-fixtures';

let h: Harness;
let t: TenantFixture;
let e: GroupEvent;
let browser: BrowserContext;

beforeAll(async () => {
  browser = await launchChromium('leader page');
  h = await createHarness({ worker: true });
  t = await createTenantWithKey(h, 'Leader page');
  e = await groupEvent(h, t, 20);
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await h?.stop();
});

it('shows the roster, who owes and the deadline in Chromium, resends an invitation and messages the group', async () => {
  const g = await orderedGroup(e, 'lp', 3);
  expect((await e.leader.post(`/api/groups/groups/${g.id}/invitations`, {})).status).toBe(200);
  const token = await invitationToken(h, 'lp0@example.com');
  await h.owner('group_members').where({ id: g.members[0].id }).update({ name: 'Ada <b>Lovelace</b>' });
  expect((await e.leader.post(`/api/groups/invitations/${token}/accept`)).status).toBe(200);
  await payShare(e, g.id, g.members[0].id);

  const link = await e.leader.post<{ url: string; token: string }>(`/api/groups/groups/${g.id}/leader-link`);
  expect(link.status).toBe(200);
  expect((await t.api.get(`/g/leader/${link.body.token.slice(0, -2)}xx`)).status).toBe(404);

  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  expect(link.body.url).toMatch(/\/g\/leader\/[\w-]+\.[\w-]+$/);
  await page.goto(h.baseUrl + new URL(link.body.url).pathname);
  await page.waitForSelector('#roster tbody tr');
  const row = (id: number) => page.locator(`tr[data-member="${id}"]`);
  expect(await row(g.members[0].id).locator('td').first().textContent()).toBe('Ada <b>Lovelace</b>');
  expect(await row(g.members[0].id).locator('.payment').textContent()).toBe('Paid');
  expect(await row(g.members[0].id).locator('.details').textContent()).toBe('Accepted, details missing');
  expect(await row(g.members[1].id).locator('.payment').textContent()).toBe('Owes');
  expect(await row(g.members[1].id).locator('.details').textContent()).toBe('Invited');
  const owing = (await page.textContent('#owing')) ?? '';
  expect(owing).toContain('by 2 seat(s): Member lp1, Member lp2');
  expect(owing).toContain('€80.00');
  expect(await page.textContent('#deadline')).toMatch(/Payment deadline: \d{1,2} \w+ 20\d\d at \d\d:\d\d UTC/);

  const invitations = () => mailsTo(h, 'lp2@example.com', /invites you/).length;
  const before = invitations();
  await row(g.members[2].id).locator('button[data-resend]').click();
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('Invitation sent'));
  await eventually(async () => invitations() === before + 1, { what: 'the resent invitation' });

  await page.fill('#message input[name="subject"]', 'Meeting point');
  await page.fill('#message textarea[name="body"]', 'We meet at the north gate at 18:30.');
  await page.click('#message button[type="submit"]');
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'Message sent to 3 members');
  for (const email of ['lp0@example.com', 'lp1@example.com', 'lp2@example.com'])
    await eventually(async () => mailsTo(h, email, /^Group lp: Meeting point$/).length === 1, {
      what: `the message to ${email}`,
    });
  fs.mkdirSync(path.join(__dirname, '..', '..', '.test-artifacts'), { recursive: true });
  await page.screenshot({
    path: path.join(__dirname, '..', '..', '.test-artifacts', 'group-leader-page.png'),
    fullPage: true,
  });
  expect(problems).toEqual([]);
  await page.close();
}, 120_000);
