// Every type of page, at phone and desktop widths: it loads with the expected
// status and heading, breaks none of its own Content-Security-Policy, is kept
// as a screenshot, shows focus on every control with readable text (with every
// <details> open), does not scroll sideways, and axe-core finds no WCAG
// 2.0/2.1/2.2 A or AA violation, on what <details> hide as well.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  VIEWPORTS,
  auditFocusStyles,
  describeViolations,
  launch,
  newContext,
  openAllDetails,
  runAxe,
  screenshot,
  watchProblems,
} from './lib.mjs';
import { PAGES } from './pages.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

for (const [width, viewport] of Object.entries(VIEWPORTS)) {
  describe(`${width} (${viewport.width}×${viewport.height})`, () => {
    let visitor;
    let auditor;
    before(async () => {
      // What a visitor's browser sees: the page's own policy enforced.
      visitor = await newContext(browser, { viewport });
      // For axe only: peel's `script-src 'self'` would block the inline
      // script that page.addScriptTag injects, so this context bypasses CSP.
      auditor = await newContext(browser, { viewport, bypassCSP: true });
    });
    after(async () => {
      await visitor?.close();
      await auditor?.close();
    });

    for (const p of PAGES) {
      test(`${p.name}: ${p.path}`, async () => {
        const page = await visitor.newPage();
        const problems = watchProblems(page);
        const res = await page.goto(p.path);
        assert.equal(res.status(), p.status, `${p.path} status`);
        assert.equal((await page.locator('h1').innerText()).trim(), p.h1);
        await screenshot(page, `${p.name}-${width}`);
        assert.deepEqual(problems, [], `${p.path} reported problems`);
        await openAllDetails(page);
        assert.deepEqual(await auditFocusStyles(page), [], `${p.path}: focus styles`);
        // Nothing is wider than the screen: no sideways scrolling (WCAG 1.4.10 reflow).
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `${p.path} scrolls sideways by ${overflow}px at ${viewport.width}px wide`);
        await page.close();

        const audited = await auditor.newPage();
        await audited.goto(p.path);
        // Audit what the page's <details> hide as well as what it shows.
        await openAllDetails(audited);
        const results = await runAxe(audited);
        await audited.close();
        assert.ok(results.passes.length > 10, `axe-core ran its rules on ${p.path}`);
        assert.equal(
          results.violations.length,
          0,
          `axe-core found violations on ${p.path} at ${width} width:\n${describeViolations(results.violations)}`,
        );
      });
    }
  });
}

// WCAG 1.4.10: content reflows at 320 CSS pixels wide (1280 pixels at 400%
// zoom) without the page scrolling sideways; a wide table scrolls on its own.
describe('reflow at 320 CSS pixels wide', () => {
  let context;
  before(async () => {
    context = await newContext(browser, { viewport: { width: 320, height: 640 } });
  });
  after(async () => {
    await context?.close();
  });

  test('no page scrolls sideways', async () => {
    const page = await context.newPage();
    const wide = [];
    for (const p of PAGES) {
      await page.goto(p.path);
      await openAllDetails(page);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (overflow > 0) wide.push(`${p.path} by ${overflow}px`);
    }
    await page.close();
    assert.deepEqual(wide, [], 'pages that scroll sideways at 320px');
  });
});
