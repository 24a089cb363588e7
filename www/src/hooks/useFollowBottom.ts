import { useEffect, useRef, type UIEvent } from 'react';

/**
 * A scrolling list that follows new content at its bottom, unless the reader scrolled up (more
 * than `slackPx` from the bottom). Spread `ref` and `onScroll` on the list; `follow()` sticks it
 * to the bottom again (after the reader's own action). `content` is whatever changes when rows
 * are added.
 */
export function useFollowBottom<T extends HTMLElement>(content: readonly unknown[], slackPx: number) {
  const ref = useRef<T>(null);
  const pinned = useRef(true);
  useEffect(() => {
    const element = ref.current;
    if (element && pinned.current) element.scrollTop = element.scrollHeight;
    // The caller's dependency list, passed through: run after each render that added rows.
  }, content);
  const onScroll = (event: UIEvent<T>) => {
    const element = event.currentTarget;
    pinned.current = element.scrollHeight - element.scrollTop - element.clientHeight < slackPx;
  };
  const follow = () => {
    pinned.current = true;
  };
  return { ref, onScroll, follow };
}
