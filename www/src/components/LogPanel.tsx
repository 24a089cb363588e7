import { memo, useState } from 'react';
import { useFollowBottom } from '../hooks/useFollowBottom';
import { useDemo } from '../state/store';
import type { LogEntry } from '../state/types';
import { clockTime } from './format';

type Filter = 'all' | 'errors';

const SOURCE_LABELS: Record<LogEntry['source'], string> = { stream: 'chat', tracking: 'tracking', control: 'control', app: 'app' };

/** Events of both streams, status changes, transport errors and outage actions. */
export function LogPanel() {
  const log = useDemo((state) => state.log);
  const [filter, setFilter] = useState<Filter>('all');
  const errors = log.filter((entry) => entry.level === 'error').length;
  const shown = filter === 'errors' ? log.filter((entry) => entry.level === 'error') : log;

  const list = useFollowBottom<HTMLOListElement>([shown], 24);

  return (
    <section className="panel log" aria-label="Log">
      <header className="panel__header">
        <h2>Log</h2>
        <div className="segmented" role="group" aria-label="Filter">
          <button type="button" aria-pressed={filter === 'all'} onClick={() => setFilter('all')}>
            All
          </button>
          <button type="button" aria-pressed={filter === 'errors'} onClick={() => setFilter('errors')} data-testid="log-errors-filter">
            Errors{errors > 0 ? ` (${errors})` : ''}
          </button>
        </div>
      </header>
      <ol
        className="log__list"
        ref={list.ref}
        data-testid="log"
        onScroll={list.onScroll}
      >
        {shown.map((entry) => (
          <LogLine key={entry.id} entry={entry} />
        ))}
      </ol>
    </section>
  );
}

const LogLine = memo(function LogLine({ entry }: { entry: LogEntry }) {
  return (
    <li className={`log__line log__line--${entry.level}`} data-testid="log-line" data-level={entry.level} data-source={entry.source}>
      <time className="log__time" title={clockTime(entry.at)}>
        {clockTime(entry.at).slice(0, 8)}
      </time>
      <span className={`log__source log__source--${entry.source}`}>{SOURCE_LABELS[entry.source]}</span>
      <span className="log__text" title={entry.text} data-testid="log-text">
        {entry.text}
      </span>
      {entry.repeat > 1 && <span className="log__repeat">×{entry.repeat}</span>}
    </li>
  );
});
