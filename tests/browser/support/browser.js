// Headless Chromium (Debian's) driven by playwright-core, with a page that has loaded the wasm.
import { chromium } from 'playwright-core';

/** The flags every headless run here uses (the benchmark adds its own to these). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // Background tabs must not throttle the timers these tests measure.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
];

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

/**
 * Opens the test page served by `server` and waits for the wasm to load. Page errors and
 * console errors are collected in `page.problems` so tests can assert there were none.
 * `browser` may also be a browser context (`browser.newContext()`): its pages are tabs of one
 * profile, sharing locks, BroadcastChannel and IndexedDB. `build: 'full'` loads agentwire/full.
 */
export async function openTestPage(browser, server, { build } = {}) {
  const page = await browser.newPage();
  page.problems = [];
  page.on('pageerror', (error) => page.problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (process.env.AGENTWIRE_PAGE_LOG) console.log('[page]', message.text());
    // Chromium itself logs every failed WebSocket handshake; page code cannot prevent that, and
    // the tests that stop or refuse the server cause them on purpose (and assert the outcome).
    if (message.type() === 'error' && !/^WebSocket connection to '.*' failed/.test(message.text())) {
      page.problems.push(`console.error: ${message.text()}`);
    }
  });
  await page.goto(`${server.origin}/index.html${build ? `?build=${build}` : ''}`);
  await page.waitForFunction(() => window.agentwireReady === true, null, { timeout: 10_000 });
  return page;
}

/** Waits until `predicate` (run in the page) is truthy; fails with `what` after `timeout` ms. */
export async function waitInPage(page, predicate, arg, { timeout = 10_000, what = 'condition' } = {}) {
  try {
    await page.waitForFunction(predicate, arg, { timeout, polling: 20 });
  } catch (error) {
    throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
  }
}
