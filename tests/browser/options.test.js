// Wrong options throw a clear error naming the option; defaults apply to what is left out.
import { describe, expect, it } from 'vitest';
import { useBrowserFixture } from './support/fixture.js';

const f = useBrowserFixture();

async function constructionError(options) {
  return f.page.evaluate((options) => {
    // Functions cannot cross page.evaluate; a marker string stands for one.
    if (options && options.token === '<function>') options.token = () => 'x';
    try {
      new WebSocketTransport(options).free();
      return null;
    } catch (e) {
      return `${e.constructor.name}: ${e.message}`;
    }
  }, options);
}

describe('options', () => {
  it('accepts a bare url and every documented option', async () => {
    expect(await constructionError({ url: 'ws://127.0.0.1:1/x' })).toBeNull();
    expect(await constructionError({
      url: 'wss://example.invalid/ws',
      protocols: ['v1'],
      token: '<function>',
      reconnect: { initialDelayMs: 1000, maxDelayMs: 30000, factor: 2, jitter: 1, maxAttempts: Infinity, minUptimeMs: 5000 },
      heartbeat: { intervalMs: 30000, timeoutMs: 10000, ping: { type: 'ping' }, pongType: 'pong' },
      queue: { maxMessages: 100, maxBytes: 1048576, maxAgeMs: 60000 },
      typeField: 'type',
      connectTimeoutMs: 10000,
      maxMessageBytes: 1048576,
      resume: false,
      ackIdField: 'id',
    })).toBeNull();
    expect(await constructionError({ url: 'ws://h/x', reconnect: false, heartbeat: false, queue: false })).toBeNull();
  });

  const cases = [
    [undefined, /TypeError: .*'url'/],
    [{}, /TypeError: AgentWire: option 'url' is required/],
    [{ url: 42 }, /TypeError: .*option 'url' must be a ws:\/\/ or wss:\/\/ URL, an array of them, or a function returning one \(or a Promise of one\), got number/],
    [{ url: 'http://127.0.0.1/x' }, /TypeError: .*'url' must start with ws:\/\/ or wss:\/\//],
    [{ url: 'ws://h/x', urll: 'typo' }, /TypeError: .*unknown option 'urll'/],
    [{ url: 'ws://h/x', heartbeat: { intervalMS: 5 } }, /TypeError: .*unknown option 'heartbeat.intervalMS'/],
    [{ url: 'ws://h/x', reconnect: { factor: '2' } }, /TypeError: .*'reconnect.factor' must be a number, got string/],
    [{ url: 'ws://h/x', reconnect: 5 }, /TypeError: .*'reconnect' must be an object or false, got number/],
    [{ url: 'ws://h/x', queue: { maxMessages: -1 } }, /RangeError: .*'queue.maxMessages' must be an integer >= 0/],
    [{ url: 'ws://h/x', reconnect: { jitter: 2 } }, /RangeError: .*'reconnect.jitter' must be a number between 0 and 1/],
    [{ url: 'ws://h/x', reconnect: { factor: 0.5 } }, /RangeError: .*'reconnect.factor'/],
    [{ url: 'ws://h/x', reconnect: { maxAttempts: 1.5 } }, /RangeError: .*'reconnect.maxAttempts'/],
    [{ url: 'ws://h/x', heartbeat: { timeoutMs: 0 } }, /RangeError: .*'heartbeat.timeoutMs'/],
    [{ url: 'ws://h/x', connectTimeoutMs: -5 }, /RangeError: .*'connectTimeoutMs'/],
    [{ url: 'ws://h/x', token: 12 }, /TypeError: .*'token' must be a string or a function/],
    [{ url: 'ws://h/x', token: 'has space' }, /RangeError: .*'token'/],
    [{ url: 'ws://h/x', protocols: 'v1,v2' }, /RangeError: .*'protocols'/],
    [{ url: 'ws://h/x', protocols: ['a', 'a'] }, /RangeError: .*lists 'a' twice/],
    [{ url: 'ws://h/x', protocols: [1] }, /TypeError: .*'protocols\[\]' must be a string/],
    [{ url: 'ws://h/x', typeField: '' }, /RangeError: .*'typeField'/],
    [{ url: 'ws://h/x', maxMessageBytes: 'big' }, /TypeError: .*'maxMessageBytes' must be a number/],
    [{ url: 'ws://h/x', resume: 'yes' }, /TypeError: .*'resume' must be a boolean, got string/],
    [{ url: 'ws://h/x', ackIdField: '' }, /RangeError: .*'ackIdField'/],
    [{ url: 'ws://h/x', ackIdField: 3 }, /TypeError: .*'ackIdField' must be a string/],
    // The core module has neither: they are in the full build, and the error says where.
    [{ url: 'ws://h/x', share: true }, /TypeError: .*option 'share' needs the full build: import \{ WebSocketTransport \} from 'agentwire\/full'/],
    [{ url: 'ws://h/x', share: { name: 'chat' } }, /TypeError: .*option 'share' needs the full build/],
    [{ url: 'ws://h/x', queue: { persist: true } }, /TypeError: .*option 'queue.persist' needs the full build/],
    [{ url: 'ws://h/x', share: 'yes' }, /TypeError: .*'share' must be true, false or \{ name: string \}, got string/],
    [{ url: 'ws://h/x', share: { nam: 'x' } }, /TypeError: .*unknown option 'share.nam'/],
    [{ url: 'ws://h/x', share: { name: '' } }, /RangeError: .*'share.name' must be a non-empty string/],
  ];
  for (const [options, expected] of cases) {
    it(`rejects ${JSON.stringify(options)}`, async () => {
      expect(await constructionError(options)).toMatch(expected);
    });
  }

  it('names the option itself when its value has the wrong type, an object or array included', async () => {
    const cases = [
      [{ url: 'ws://h/x', token: { secret: 1 } }, /TypeError: AgentWire: option 'token' must be a string or a function.*, got object$/],
      [{ url: 'ws://h/x', heartbeat: [] }, /TypeError: AgentWire: option 'heartbeat' must be an object or false, got an array$/],
      [{ url: {} }, /TypeError: AgentWire: option 'url' must be a ws:\/\/ or wss:\/\/ URL, an array of them, or a function.*, got object$/],
      [{ url: 'ws://h/x', protocols: [['v1']] }, /TypeError: AgentWire: option 'protocols\[\]' must be a string, got an array$/],
      [{ url: 'ws://h/x', queue: { maxAgeMs: null, maxBytes: '1' } }, /TypeError: AgentWire: option 'queue.maxBytes' must be a number, got string$/],
      [7, /TypeError: AgentWire: option 'options' must be an object, got number$/],
    ];
    for (const [options, expected] of cases) expect(await constructionError(options)).toMatch(expected);
  });

  it('rejects wrong argument types of methods with a TypeError and keeps working', async () => {
    const result = await f.page.evaluate(() => {
      const t = new WebSocketTransport({ url: 'ws://127.0.0.1:1/x' });
      const errors = [];
      for (const call of [() => t.on(5, () => {}), () => t.on('x', 'not a function'), () => t.onStatus(null), () => t.onError({}), () => t.subscribe(1)]) {
        try { call(); errors.push('none'); } catch (e) { errors.push(e.constructor.name); }
      }
      const status = t.status;
      t.free();
      return { errors, status };
    });
    expect(result).toEqual({ errors: ['TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError'], status: 'idle' });
  });

  it('uses a custom typeField for dispatch and for the pong reply', async () => {
    const result = await f.page.evaluate(async (url) => {
      const t = new WebSocketTransport({ url, typeField: 'event' });
      const got = [];
      t.on('hello', (m) => got.push(m));
      await t.connect();
      t.send({ event: 'hello', type: 'ignored' });
      await new Promise((resolve) => t.on('hello', () => setTimeout(resolve, 0)));
      t.free();
      return got;
    }, f.server.ws('/ws/echo'));
    expect(result).toEqual([{ event: 'hello', type: 'ignored' }]);
  });
});
