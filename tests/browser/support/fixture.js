// One server, one browser and one fresh page per test file, torn down afterwards.
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { launchBrowser, openTestPage } from './browser.js';
import { startServer } from './server.js';

/**
 * Registers the hooks and returns an object whose `server`, `browser` and `page` are set once
 * the hooks ran. Each test gets a new page; a page error or console error fails the test.
 */
export function useBrowserFixture({ serverArgs = [] } = {}) {
  const fixture = { server: null, browser: null, page: null };
  beforeAll(async () => {
    fixture.server = await startServer({ args: serverArgs });
    fixture.browser = await launchBrowser();
  });
  beforeEach(async () => {
    await fixture.server.control('reset');
    fixture.page = await openTestPage(fixture.browser, fixture.server);
  });
  afterEach(async () => {
    const problems = fixture.page.problems;
    await fixture.page.close();
    expect(problems, 'no page errors or console errors').toEqual([]);
  });
  afterAll(async () => {
    await fixture.browser?.close();
    await fixture.server?.stop();
  });
  return fixture;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * For tests of several tabs of one browser profile (their pages share Web Locks,
 * BroadcastChannel, localStorage and IndexedDB): one server and one browser per file, and a
 * fresh browser context per test (`fixture.context`), its init script `initScript` if given.
 * Pages the test opens go in `fixture.pages`; a page error or console error in any of them
 * fails the test. `afterEachTest` runs after the context is closed.
 */
export function useContextFixture({ initScript, afterEachTest } = {}) {
  const fixture = { server: null, browser: null, context: null, pages: [] };
  beforeAll(async () => {
    fixture.server = await startServer();
    fixture.browser = await launchBrowser();
  });
  beforeEach(async () => {
    await fixture.server.control('reset');
    fixture.context = await fixture.browser.newContext();
    if (initScript) await fixture.context.addInitScript(initScript);
    fixture.pages = [];
  });
  afterEach(async () => {
    const problems = fixture.pages.flatMap((page) => page.problems);
    await fixture.context.close();
    await afterEachTest?.(fixture);
    expect(problems, 'no page errors or console errors').toEqual([]);
  });
  afterAll(async () => {
    await fixture.browser?.close();
    await fixture.server?.stop();
  });
  return fixture;
}
