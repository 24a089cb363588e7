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
