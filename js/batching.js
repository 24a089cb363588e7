// Collects messages and hands them over at most once per animation frame, in arrival order.

/**
 * The default scheduler: the next animation frame, or 100 ms later if no frame comes (hidden
 * tabs run no frames, and buffered events must still be applied). Outside a browser: 16 ms.
 */
export function nextFrame(callback) {
  if (typeof requestAnimationFrame !== 'function') {
    const timer = setTimeout(callback, 16);
    return () => clearTimeout(timer);
  }
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    cancelAnimationFrame(frame);
    clearTimeout(fallback);
    callback();
  };
  const frame = requestAnimationFrame(run);
  const fallback = setTimeout(run, 100);
  return () => {
    done = true;
    cancelAnimationFrame(frame);
    clearTimeout(fallback);
  };
}

/** `push` buffers; `onFlush(batch)` receives everything buffered, once per scheduled turn. */
export function createBatcher(onFlush, schedule = nextFrame) {
  let buffer = [];
  let cancel = null;
  const flush = () => {
    cancel?.();
    cancel = null;
    if (buffer.length === 0) return;
    const batch = buffer;
    buffer = [];
    onFlush(batch);
  };
  return {
    push(item) {
      buffer.push(item);
      cancel ??= schedule(flush);
    },
    flush,
    get pending() {
      return buffer.length;
    },
  };
}
