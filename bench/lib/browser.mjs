// Headless Chromium (Debian's), launched by playwright-core with the flags of
// tests/browser/support/browser.js plus what the measurements need.
//
// The measurement pages are NOT Playwright pages. Playwright enables the CDP Network domain on
// every page it manages, and Chromium then reports every WebSocket frame to the driver
// (Network.webSocketFrameReceived): on this 2-core machine that cost the browser process ~60% of a
// core and halved the measured throughput for every client. So each page is a target in a browser
// context created over a browser-level CDP session (playwright-core's newBrowserCDPSession);
// Playwright does not attach to contexts it did not create, and we enable only Runtime (for page
// errors) plus what a measurement asks for (Performance, HeapProfiler, Profiler).
import { chromium } from 'playwright-core';

import { CHROMIUM_ARGS as TEST_CHROMIUM_ARGS } from '../../tests/browser/support/browser.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  ...TEST_CHROMIUM_ARGS,
  // For the benchmark: pages opened side by side (dead-connection detection) must not be
  // throttled as occluded, and performance.memory must not be bucketed.
  '--disable-backgrounding-occluded-windows',
  '--disable-features=IntensiveWakeUpThrottling',
  '--enable-precise-memory-info',
];

/** The browser plus the browser-level CDP session pages are made with. */
export async function launchBrowser() {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  const root = await browser.newBrowserCDPSession();
  const sessions = new Map();
  root.on('Target.receivedMessageFromTarget', ({ sessionId, message }) => sessions.get(sessionId)?.(JSON.parse(message)));
  return {
    root,
    sessions,
    close: () => browser.close(),
  };
}

/** A CDP session on one target, over the browser session (Target.sendMessageToTarget). */
function targetSession(browser, sessionId) {
  let lastId = 0;
  const pending = new Map();
  const listeners = new Map();
  browser.sessions.set(sessionId, (message) => {
    if (message.id !== undefined) {
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (!waiter) return;
      if (message.error) waiter.reject(new Error(`${waiter.method}: ${message.error.message}`));
      else waiter.resolve(message.result);
      return;
    }
    for (const listener of listeners.get(message.method) ?? []) listener(message.params);
  });
  return {
    send(method, params = {}) {
      const id = ++lastId;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject, method });
        browser.root.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch((error) => {
          pending.delete(id);
          reject(error);
        });
      });
    },
    on(method, listener) {
      if (!listeners.has(method)) listeners.set(method, []);
      listeners.get(method).push(listener);
    },
    close() {
      browser.sessions.delete(sessionId);
      for (const waiter of pending.values()) waiter.reject(new Error(`${waiter.method}: page closed`));
      pending.clear();
    },
  };
}

/**
 * A fresh page (its own browser context, so its own renderer and V8 heap) with the client's
 * benchmark page loaded and ready: { evaluate(fn, arg), cdp: { send, on }, problems, dispose() }.
 */
export async function openBenchPage(browser, origin, clientName) {
  const { browserContextId } = await browser.root.send('Target.createBrowserContext', { disposeOnDetach: true });
  const { targetId } = await browser.root.send('Target.createTarget', { url: 'about:blank', browserContextId });
  const { sessionId } = await browser.root.send('Target.attachToTarget', { targetId, flatten: false });
  const cdp = targetSession(browser, sessionId);
  const problems = [];
  const dispose = async () => {
    cdp.close();
    await browser.root.send('Target.disposeBrowserContext', { browserContextId }).catch(() => {});
  };
  try {
    cdp.on('Runtime.exceptionThrown', ({ exceptionDetails }) => problems.push(`pageerror: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`));
    cdp.on('Runtime.consoleAPICalled', ({ type, args }) => {
      const text = args.map((a) => a.value ?? a.description ?? '').join(' ');
      if (process.env.BENCH_PAGE_LOG) console.log(`[page ${clientName}]`, text);
      if (type === 'error') problems.push(`console.error: ${text}`);
    });
    await cdp.send('Runtime.enable');
    await cdp.send('Page.navigate', { url: `${origin}/${clientName}.html` });
    const evaluate = async (fn, arg) => {
      const { result, exceptionDetails } = await cdp.send('Runtime.evaluate', {
        expression: `(${fn.toString()})(${JSON.stringify(arg ?? null)})`,
        awaitPromise: true,
        returnByValue: true,
      });
      if (exceptionDetails) throw new Error(exceptionDetails.exception?.description ?? exceptionDetails.text);
      return result.value;
    };
    const deadline = Date.now() + 20_000;
    for (;;) {
      const state = await evaluate(() => (window.benchReady === true ? 'ready' : window.benchError ?? null)).catch(() => null);
      if (state === 'ready') break;
      if (state) throw new Error(`${clientName} page failed to load: ${state}`);
      if (Date.now() > deadline) throw new Error(`${clientName} page not ready within 20 s`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return { evaluate, cdp, problems, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** Main-thread time and script time of the page's renderer so far (CDP Performance metrics), s. */
export async function threadTimes(page) {
  const { metrics } = await page.cdp.send('Performance.getMetrics');
  const get = (name) => metrics.find((m) => m.name === name)?.value ?? 0;
  return { task: get('TaskDuration'), script: get('ScriptDuration'), timestamp: get('Timestamp') };
}
