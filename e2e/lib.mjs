// Shared helpers for the browser tests: the server under test, Debian's
// Chromium driven by playwright-core, screenshots and axe-core.
//
// scripts/e2e starts peel on the bundled sample and sets PEEL_E2E_BASE_URL;
// run that script rather than `node --test` on its own.

import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export const BASE_URL = (() => {
  const url = process.env.PEEL_E2E_BASE_URL;
  if (!url) {
    throw new Error('PEEL_E2E_BASE_URL is not set: run scripts/e2e, which starts peel on the bundled sample');
  }
  return url.replace(/\/$/, '');
})();

export const ARTIFACTS = join(here, 'artifacts');

export const VIEWPORTS = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1280, height: 800 },
};

// Debian's Chromium, never a browser build downloaded by Playwright. Playwright
// gives each launch a fresh, temporary user-data dir and removes it on close.
export function launch() {
  return chromium.launch({
    executablePath: process.env.PEEL_E2E_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

// A context whose pages resolve relative addresses against the server under test.
export function newContext(browser, options = {}) {
  return browser.newContext({ baseURL: BASE_URL, viewport: VIEWPORTS.desktop, ...options });
}

// Collects what goes wrong on a page: console errors (a Content-Security-Policy
// violation shows here), uncaught exceptions, failed requests, and any
// sub-resource answered with an error status. The page's own status is the
// test's to check, and browsers ask for /favicon.ico, which peel does not have.
export function watchProblems(page) {
  const problems = [];
  page.on('console', (msg) => {
    // A resource's error status is reported below, with its address.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
      problems.push(`console: ${msg.text()}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  page.on('response', (res) => {
    const req = res.request();
    const favicon = new URL(res.url()).pathname === '/favicon.ico';
    if (res.status() >= 400 && !req.isNavigationRequest() && !favicon) {
      problems.push(`${res.status()} for ${res.url()}`);
    }
  });
  return problems;
}

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// axe-core has tags for WCAG 2.0 and 2.1 A and AA, and for 2.2 AA (the
// success criteria new at level A in 2.2 have no automated rule).
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

// Runs axe-core on the page as it stands and returns its results.
//
// The page must come from a context opened with `bypassCSP: true`: peel's
// pages send `script-src 'self'`, which would block the inline script tag
// that carries axe. Only the accessibility runs bypass the policy; every
// other test sees the policy as a visitor's browser does.
export async function runAxe(page) {
  await page.addScriptTag({ content: AXE_SOURCE });
  return page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    WCAG_TAGS,
  );
}

// One line per failing node, for an assertion message a person can act on.
export function describeViolations(violations) {
  return violations
    .flatMap((v) =>
      v.nodes.map(
        (n) => `  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n    at ${n.target.join(' ')}\n    ${n.failureSummary?.replace(/\n/g, '\n    ')}`,
      ),
    )
    .join('\n');
}

// What has focus, described for assertions.
export function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    return {
      tag: el?.tagName.toLowerCase(),
      id: el?.id || null,
      text: (el?.innerText || el?.value || '').trim().replace(/\s+/g, ' '),
      href: el?.getAttribute('href'),
      type: el?.getAttribute('type'),
    };
  });
}

// Focuses, in turn, every element in the tab order and reports any that shows
// no change of style when focused (WCAG 2.4.7 focus visible) or whose text
// is then below 4.5:1 contrast against its background (WCAG 1.4.3). axe-core
// checks a page only as it stands, with nothing focused.
export function auditFocusStyles(page) {
  return page.evaluate(() => {
    const rgba = (css) => {
      const m = css.match(/rgba?\(([^)]+)\)/);
      if (!m) return null;
      const [r, g, b, a = 1] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
      return { r, g, b, a };
    };
    const luminance = ({ r, g, b }) => {
      const [R, G, B] = [r, g, b].map((v) => {
        const c = v / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * R + 0.7152 * G + 0.0722 * B;
    };
    const background = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = rgba(getComputedStyle(e).backgroundColor);
        if (c && c.a > 0) return c;
      }
      return { r: 255, g: 255, b: 255, a: 1 };
    };
    const look = (el) => {
      const s = getComputedStyle(el);
      return [s.color, s.backgroundColor, s.boxShadow, s.outlineStyle, s.outlineColor, s.outlineWidth, s.textDecorationLine, s.borderColor].join('|');
    };
    const describe = (el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${(el.innerText || el.value || '').trim().slice(0, 40)}"`;
    const problems = [];
    const focusables = [...document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')].filter(
      (el) => el.tabIndex >= 0 && !el.disabled,
    );
    for (const el of focusables) {
      document.activeElement?.blur();
      const before = look(el);
      el.focus();
      if (document.activeElement !== el) continue; // not focusable as the page stands, e.g. inside closed details
      if (look(el) === before) problems.push(`${describe(el)} looks the same when focused`);
      const text = (el.innerText || el.value || '').trim();
      if (text) {
        const fg = rgba(getComputedStyle(el).color);
        const [hi, lo] = [luminance(fg), luminance(background(el))].sort((a, b) => b - a);
        const ratio = (hi + 0.05) / (lo + 0.05);
        if (ratio < 4.5) problems.push(`${describe(el)} has text contrast ${ratio.toFixed(2)}:1 when focused`);
      }
    }
    document.activeElement?.blur();
    return problems;
  });
}

// Opens every <details> so that audits see what they hide.
export function openAllDetails(page) {
  return page.evaluate(() => {
    for (const d of document.querySelectorAll('details')) d.open = true;
  });
}
