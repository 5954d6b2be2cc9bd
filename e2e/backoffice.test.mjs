// The back office in a browser: people sign in through the form, and every
// page they work on (ASB reports and cases, case reviews, the Pledge
// standards, administration) loads under its own Content-Security-Policy with
// no problems, does not scroll sideways on a phone, and axe-core finds no
// WCAG A or AA violation on it, with every <details> open.
//
// scripts/e2e adds the accounts (PEEL_E2E_PASSWORD) and an officer's API
// token (PEEL_E2E_TOKEN), used here only to set up a report and a case.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  BASE_URL,
  VIEWPORTS,
  describeViolations,
  launch,
  newContext,
  openAllDetails,
  runAxe,
  screenshot,
  watchProblems,
} from './lib.mjs';

const PASSWORD = process.env.PEEL_E2E_PASSWORD;
const TOKEN = process.env.PEEL_E2E_TOKEN;

async function api(method, path, body) {
  const res = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  const json = await res.json();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

// Signs in through the form, as a person would: type, then press Enter.
async function signIn(context, role) {
  const page = await context.newPage();
  await page.goto('/login');
  await page.getByLabel('Email address').fill(`${role}@e2e.peel.test`);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('Password').press('Enter');
  await page.waitForURL('**/backoffice');
  await page.close();
}

// One page, checked as the public pages are.
async function check(visitor, auditor, path, name, width) {
  const page = await visitor.newPage();
  const problems = watchProblems(page);
  const res = await page.goto(path);
  assert.equal(res.status(), 200, `${path} status`);
  assert.ok((await page.locator('h1').innerText()).trim().length > 0, `${path} has a heading`);
  await screenshot(page, `backoffice-${name}-${width}`);
  assert.deepEqual(problems, [], `${path} reported problems`);
  await openAllDetails(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${path} scrolls sideways by ${overflow}px`);
  await page.close();

  const audited = await auditor.newPage();
  await audited.goto(path);
  await openAllDetails(audited);
  const results = await runAxe(audited);
  await audited.close();
  assert.equal(results.violations.length, 0, `axe-core on ${path}:\n${describeViolations(results.violations)}`);
}

let browser;
let report;
let kase;
before(async () => {
  assert.ok(PASSWORD && TOKEN, 'run scripts/e2e, which adds the accounts');
  browser = await launch();
  ({ report } = await api('POST', '/api/v1/asb/reports', {
    channel: 'phone',
    category: 'personal',
    occurred_at: '2024-06-01T21:30',
    location: '1 Example Street, London',
    description: 'Shouting and banging on the door late at night',
    reporter: { name: 'Pat Example', phone: '020 7946 0000' },
    victims: [{ name: 'Pat Example', address: '1 Example Street, London' }],
  }));
  ({ case_id: kase } = await api('POST', '/api/v1/asb/cases', { title: 'Example Street noise', report_ids: [report.id] }));
});
after(async () => {
  await browser?.close();
});

const WORK = [
  {
    role: 'officer',
    pages: () => [
      ['home', '/backoffice'],
      ['new-report', '/asb/reports/new'],
      ['reports', '/asb/reports'],
      ['report', `/asb/reports/${report.id}`],
      ['risk', `/asb/reports/${report.id}/risk`],
      ['cases', '/asb/cases'],
      ['case', `/asb/cases/${kase}`],
      ['due', '/asb/due'],
      ['password', '/account/password'],
    ],
  },
  { role: 'supervisor', pages: () => [['reviews-due', '/asb/reviews']] },
  {
    role: 'asb-coordinator',
    pages: () => [
      ['case-reviews', '/asb/case-reviews'],
      ['new-case-review', '/asb/case-reviews/new'],
    ],
  },
  {
    role: 'administrator',
    pages: () => [
      ['users', '/admin/users'],
      ['pledge-standards', '/admin/pledge-standards?force=city-of-london&neighbourhood=bar'],
      ['inspection-grades', '/admin/inspection-grades'],
    ],
  },
  {
    role: 'installation-administrator',
    pages: () => [
      ['organisations', '/admin/organisations'],
      ['organisation', '/admin/organisations/1'],
      ['installation-users', '/admin/users'],
      ['rules', '/asb/rules'],
    ],
  },
];

for (const [width, viewport] of Object.entries(VIEWPORTS)) {
  describe(`back office at ${width} width`, () => {
    for (const { role, pages } of WORK) {
      test(`${role}'s pages`, async () => {
        const visitor = await newContext(browser, { viewport });
        const auditor = await newContext(browser, { viewport, bypassCSP: true });
        try {
          await signIn(visitor, role);
          await signIn(auditor, role);
          for (const [name, path] of pages()) {
            await check(visitor, auditor, path, name, width);
          }
        } finally {
          await visitor.close();
          await auditor.close();
        }
      });
    }
  });
}

describe('recording a report from the keyboard', () => {
  test('Enter in a field saves the report (not "Add another victim")', async () => {
    const context = await newContext(browser);
    try {
      await signIn(context, 'officer');
      const page = await context.newPage();
      await page.goto('/asb/reports/new');
      await page.locator('#channel').selectOption('phone');
      await page.locator('#category').selectOption('nuisance');
      await page.locator('#occurred_at').fill('2024-06-02T22:15');
      await page.locator('#location').fill('Outside 2 Example Street, London');
      await page.locator('#description').fill('Music played loudly after midnight');
      await page.locator('#reporter_name').fill('Sam Example');
      await page.locator('#reporter_is_victim').check();
      await page.locator('#location').press('Enter');
      await page.waitForURL(/\/asb\/reports\/\d+\/risk$/);
      assert.match(await page.locator('h1').innerText(), /risk/i);
    } finally {
      await context.close();
    }
  });
});

describe('setting a stricter Pledge standard from the keyboard', () => {
  test('an administrator saves one, a looser one is explained, and the saved one is withdrawn', async () => {
    const context = await newContext(browser);
    try {
      await signIn(context, 'administrator');
      const page = await context.newPage();
      await page.goto('/admin/pledge-standards?force=city-of-london');
      await page.getByLabel('Commitment').selectOption('999-answer');
      await page.getByLabel('Version (e.g. kent-2025-04)').fill('city-2024');
      await page.getByLabel('What the public is promised, in plain English').fill('999 calls answered in 12 seconds.');
      await page.getByLabel('Time limit', { exact: true }).fill('12');
      await page.getByLabel('Time limit in').selectOption('seconds');
      await page.getByRole('button', { name: 'Save the standard' }).press('Enter');
      await page.waitForLoadState();
      const summary = page.getByRole('alert');
      assert.match(await summary.innerText(), /stricter/, 'a looser standard is explained');
      await page.getByLabel('Time limit', { exact: true }).fill('8');
      await page.getByRole('button', { name: 'Save the standard' }).press('Enter');
      await page.waitForURL(/saved=/);
      assert.match(await page.getByRole('status').innerText(), /999-answer is now within 8 seconds \(city-2024\)/);
      // …and withdraws it again: the national standard applies once more.
      // With a local standard in force, each page shows a Withdraw button (or
      // the force's link): checked like every other back-office page.
      const auditor = await newContext(browser, { bypassCSP: true });
      try {
        await signIn(auditor, 'administrator');
        for (const [width, viewport] of Object.entries(VIEWPORTS)) {
          const visitor = await newContext(browser, { viewport });
          try {
            await signIn(visitor, 'administrator');
            await check(visitor, auditor, '/admin/pledge-standards?force=city-of-london', 'pledge-withdraw', width);
            const hood = '/admin/pledge-standards?force=city-of-london&neighbourhood=bar';
            await check(visitor, auditor, hood, 'pledge-force-own', width);
          } finally {
            await visitor.close();
          }
        }
      } finally {
        await auditor.close();
      }
      const withdraw = 'Withdraw the local 999-answer standard (city-2024) for City of London Police';
      await page.getByRole('button', { name: withdraw }).press('Enter');
      await page.waitForURL(/withdrawn=/);
      const confirmed = await page.getByRole('status').innerText();
      assert.match(confirmed, /Withdrawn: .*999-answer there is now within 10 seconds \(national-2008\)/);
    } finally {
      await context.close();
    }
  });
});
