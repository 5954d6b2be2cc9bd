// A person's journeys through the portal in a real browser: search by
// postcode, by keyboard alone, and with JavaScript turned off.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { focused, launch, newContext, screenshot, watchProblems } from './lib.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

// Types a postcode into the start page's search form and submits it with a click.
async function searchFor(page, query) {
  await page.goto('/');
  await page.getByLabel('Postcode, street or place').fill(query);
  await Promise.all([page.waitForURL((url) => url.pathname !== '/'), page.getByRole('button', { name: 'Search' }).click()]);
}

async function assertOnBarbican(page) {
  assert.equal(new URL(page.url()).pathname, '/neighbourhoods/city-of-london/bar');
  assert.equal(await page.locator('h1').innerText(), 'Barbican');
  for (const heading of ['Your neighbourhood policing team', 'Priorities: you said, we did', 'Meetings and events', 'What happened next', 'How it compares']) {
    assert.ok(await page.getByRole('heading', { name: heading, level: 2 }).isVisible(), `heading ${heading}`);
  }
  assert.match(await page.locator('#crime').innerText(), /^Crime in \w+ \d{4}$/);
  assert.ok(await page.locator('svg.chart').isVisible(), 'the 12-month trend chart');
  assert.ok(await page.locator('svg.map').isVisible(), 'the map');
  const crumbs = await page.getByRole('navigation', { name: 'Breadcrumb' }).innerText();
  assert.match(crumbs, /City of London Police/);
}

async function assertBedfordshireArea(page) {
  assert.equal(await page.locator('h1').innerText(), 'LU1 1AA: Bedfordshire Police');
  const note = await page.getByRole('note').first().innerText();
  assert.match(note, /Neighbourhood boundaries for Bedfordshire Police are not loaded/);
  assert.ok(await page.getByRole('link', { name: /^Bedfordshire Police – crime figures/ }).isVisible(), 'force link');
  const csp = page.locator('main a[href^="/forces/bedfordshire/csps/"]');
  assert.equal(await csp.count(), 1, 'one community safety partnership link');
  await Promise.all([page.waitForURL(/\/forces\/bedfordshire\/csps\//), csp.click()]);
  assert.match(await page.locator('h1').innerText(), /Community Safety/);
  assert.ok(await page.locator('svg.chart').isVisible(), 'the CSP trend chart');
}

describe('searching by postcode', () => {
  let context;
  before(async () => {
    context = await newContext(browser);
  });
  after(async () => {
    await context?.close();
  });

  test('a City of London postcode lands on its neighbourhood page', async () => {
    const page = await context.newPage();
    const problems = watchProblems(page);
    await searchFor(page, 'EC2V 7HH');
    await assertOnBarbican(page);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a Bedfordshire postcode gets its force and CSP, with a note that boundaries are not loaded', async () => {
    const page = await context.newPage();
    const problems = watchProblems(page);
    await searchFor(page, 'lu11aa');
    await assertBedfordshireArea(page);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a postcode peel cannot place gets an error summary linked to the field', async () => {
    const page = await context.newPage();
    await searchFor(page, 'EC2V 7');
    // The title says so first, for screen reader users as the page loads.
    assert.match(await page.title(), /^Error: Find crime/);
    const summary = page.getByRole('alert');
    assert.match(await summary.innerText(), /There is a problem\s+Enter a real postcode, like EC2V 7HH/);
    await summary.getByRole('link').click();
    assert.equal((await focused(page)).id, 'q', 'the error links to the field');
    assert.equal(await page.locator('#q').inputValue(), 'EC2V 7');
    assert.match(await page.locator('#q').getAttribute('aria-describedby'), /q-error/);
    await page.close();
  });
});

describe('keyboard only', () => {
  let context;
  before(async () => {
    context = await newContext(browser);
  });
  after(async () => {
    await context?.close();
  });

  test('skip link first, focus to main, through the search form, submit with Enter', async () => {
    const page = await context.newPage();
    await page.goto('/');

    await page.keyboard.press('Tab');
    let f = await focused(page);
    assert.deepEqual([f.tag, f.text, f.href], ['a', 'Skip to main content', '#main-content'], 'skip link is first');
    const box = await page.locator('.skip-link').boundingBox();
    assert.ok(box && box.x >= 0 && box.y >= 0 && box.width > 0, 'the focused skip link is on screen');
    await screenshot(page, 'keyboard-skip-link-desktop');

    await page.keyboard.press('Enter');
    f = await focused(page);
    assert.deepEqual([f.tag, f.id], ['main', 'main-content'], 'the skip link moves focus to main');

    await page.keyboard.press('Tab');
    f = await focused(page);
    assert.deepEqual([f.tag, f.id], ['input', 'q'], 'the search field is next');
    await page.keyboard.type('EC2V 7HH');

    await page.keyboard.press('Tab');
    f = await focused(page);
    assert.deepEqual([f.tag, f.text], ['button', 'Search'], 'then the Search button');
    // The focus style is visible: the GOV.UK-style yellow.
    const bg = await page.evaluate(() => getComputedStyle(document.activeElement).backgroundColor);
    assert.equal(bg, 'rgb(255, 221, 0)', 'the focused button is highlighted');

    await page.keyboard.press('Shift+Tab');
    assert.equal((await focused(page)).id, 'q', 'Shift+Tab goes back to the field');
    await Promise.all([page.waitForURL(/\/neighbourhoods\//), page.keyboard.press('Enter')]);
    await assertOnBarbican(page);

    // On the neighbourhood page the skip link is again first, and the
    // contents links move focus down the page.
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).text, 'Skip to main content');
    await page.keyboard.press('Enter');
    assert.equal((await focused(page)).id, 'main-content');
    const names = [];
    for (let i = 0; i < 40 && !names.includes('What happened next'); i++) {
      await page.keyboard.press('Tab');
      names.push((await focused(page)).text);
    }
    assert.ok(names.includes('What happened next'), `Tab reaches the contents links: ${names.join(' | ')}`);
    await page.keyboard.press('Enter');
    assert.equal(new URL(page.url()).hash, '#outcomes');
    await page.close();
  });

  test('a comparison table too wide for a phone scrolls from the keyboard', async () => {
    const page = await context.newPage();
    await page.setViewportSize({ width: 320, height: 640 });
    await page.goto('/compare');
    const region = page.getByRole('region', { name: /^Compare police forces/ });
    await region.focus();
    assert.equal((await focused(page)).tag, 'div', 'the table region takes focus');
    assert.ok(await region.evaluate((el) => el.scrollWidth > el.clientWidth), 'the table is wider than the screen');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.querySelector('.table-scroll').scrollLeft > 0);
    await page.close();
  });

  test('the figures table behind "Show the figures as a table" opens from the keyboard', async () => {
    const page = await context.newPage();
    await page.goto('/forces/city-of-london');
    const summary = page.getByText('Show the figures as a table');
    await summary.focus();
    const table = page.getByRole('table', { name: 'Crimes recorded each month' });
    assert.equal(await table.isVisible(), false);
    await page.keyboard.press('Enter');
    assert.equal(await table.isVisible(), true);
    await page.close();
  });
});

describe('with JavaScript turned off', () => {
  let context;
  before(async () => {
    context = await newContext(browser, { javaScriptEnabled: false });
  });
  after(async () => {
    await context?.close();
  });

  test('the postcode journey works', async () => {
    const page = await context.newPage();
    const problems = watchProblems(page);
    await searchFor(page, 'EC2V 7HH');
    await assertOnBarbican(page);
    await screenshot(page, 'no-javascript-neighbourhood-desktop');
    // Each of the month's crimes opens on its own page.
    await page.getByText('Show each crime and its outcome').click();
    const crime = page.locator('main a[href^="/crimes/"]').first();
    await Promise.all([page.waitForURL(/\/crimes\//), crime.click()]);
    assert.match(await page.locator('h1').innerText(), / in \w+ \d{4}$/);
    assert.ok(await page.getByRole('heading', { name: 'What happened next' }).isVisible());
    assert.match(await page.getByRole('navigation', { name: 'Breadcrumb' }).innerText(), /Barbican/);
    await searchFor(page, 'LU1 1AA');
    await assertBedfordshireArea(page);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('tables sort and open, and the keyboard journey works', async () => {
    const page = await context.newPage();
    await page.goto('/compare');
    const sorted = page.locator('th[aria-sort]');
    assert.deepEqual([await sorted.innerText(), await sorted.getAttribute('aria-sort')], ['Per km²', 'descending']);
    await Promise.all([page.waitForURL(/sort=name/), page.getByRole('link', { name: 'Area', exact: true }).click()]);
    // aria-sort tells a screen reader the order the rows are really in.
    assert.deepEqual([await sorted.innerText(), await sorted.getAttribute('aria-sort')], ['Area', 'ascending']);
    const names = await page.locator('tbody th').allInnerTexts();
    assert.deepEqual(names, [...names].sort(), 'rows A to Z');

    await page.goto('/');
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).text, 'Skip to main content');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).id, 'q');
    await page.keyboard.type('EC2V 7HH');
    await Promise.all([page.waitForURL(/\/neighbourhoods\//), page.keyboard.press('Enter')]);
    await assertOnBarbican(page);

    const table = page.getByRole('table', { name: 'Crimes recorded each month' });
    assert.equal(await table.isVisible(), false);
    await page.getByText('Show the figures as a table').click();
    assert.equal(await table.isVisible(), true);
    await page.close();
  });
});

describe('printing a page', () => {
  let context;
  before(async () => {
    context = await newContext(browser);
  });
  after(async () => {
    await context?.close();
  });

  test('a printed page keeps the content and its tables, not the navigation, forms or download links', async () => {
    const page = await context.newPage();
    await page.goto('/forces/city-of-london/bcus/city/quarterly');
    await page.emulateMedia({ media: 'print' });
    const shown = async (selector) =>
      page.locator(selector).first().evaluate((el) => getComputedStyle(el).display !== 'none');
    for (const hidden of ['header.header', 'nav.breadcrumbs', 'form.month-picker', '.footer-links', 'p.download']) {
      assert.equal(await shown(hidden), false, `${hidden} is not printed`);
    }
    for (const kept of ['main h1', 'main table', 'main svg.chart']) {
      assert.equal(await shown(kept), true, `${kept} is printed`);
    }
    // Black on white.
    const colours = await page.locator('body').evaluate((el) => {
      const s = getComputedStyle(el);
      return [s.color, s.backgroundColor];
    });
    assert.deepEqual(colours, ['rgb(0, 0, 0)', 'rgb(255, 255, 255)']);
    const pdf = await page.pdf({ format: 'A4' });
    assert.ok(pdf.length > 10_000, 'a PDF with content');
    await page.close();
  });
});
