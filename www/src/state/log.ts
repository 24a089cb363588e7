// The log panel: every event of both streams (token deltas folded into one line per answer),
// status changes, transport errors and the outage buttons' actions.
import type { MessageHandlers } from 'agentwire/zustand';
import type { EventMap, StatusEvent, TransportError } from 'agentwire';
import type { AnyEvent } from '../protocol';
import type { DemoState, LogEntry, LogLevel, LogSource } from './types';

const MAX_ENTRIES = 250;
let nextId = 1;

export interface LogLine {
  source: LogSource;
  level: LogLevel;
  text: string;
  key?: string | null;
}

/** Appends a line; a line with the same key as the last one only bumps its count. */
export function appendLine(log: LogEntry[], line: LogLine, at = Date.now()): LogEntry[] {
  const key = line.key ?? null;
  const last = log[log.length - 1];
  if (key !== null && last && last.key === key) {
    return [...log.slice(0, -1), { ...last, at, text: line.text, repeat: last.repeat + 1 }];
  }
  const entry: LogEntry = { id: nextId++, at, source: line.source, level: line.level, text: line.text, key, repeat: 1 };
  const next = log.length >= MAX_ENTRIES ? log.slice(log.length - MAX_ENTRIES + 1) : log.slice();
  next.push(entry);
  return next;
}

const str = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
const clip = (text: string, max = 90) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** One line per event: its type and what matters in it. */
export function describeEvent(event: AnyEvent): string {
  const e = event as Record<string, unknown>;
  switch (event.type) {
    case 'agent_step':
      return `agent_step ${str(e.agent)} ${str(e.status)}`;
    case 'tool_call':
      return `tool_call ${str(e.agent)} → ${str(e.tool_name)} ${clip(JSON.stringify(e.args ?? {}), 60)}`;
    case 'tool_result':
      return `tool_result ${str(e.tool_name)}: ${clip(str(e.result), 70)}`;
    case 'progress':
      return `progress turn ${str(e.current_turn)}/${str(e.max_turns)}`;
    case 'message_delta':
      return `message_delta ${str(e.message_id)}`;
    case 'chart':
      return `chart ${str(e.symbol)} ${str(e.url)}`;
    case 'result':
      return `result ${str(e.message_id)} (${str(e.content).length} chars)`;
    case 'cancelled':
      return `cancelled ${str(e.session_id ?? '(nothing running)')}${e.reason ? ` (${str(e.reason)})` : ''}`;
    case 'error':
      return `error from server: ${clip(str(e.message))}`;
    case 'active_sessions': {
      const data = e.data as { total_sessions?: number } | undefined;
      return `active_sessions: ${data?.total_sessions ?? 0} running`;
    }
    case 'agent_status':
      return `agent_status ${str(e.session_id)} ${str(e.agent_name)} ${str(e.status)} ${Math.round(Number(e.progress) * 100)}%`;
    case 'agent_collaboration':
      return `agent_collaboration ${str(e.from_agent)} → ${str(e.to_agent)}`;
    case 'session_state':
      return `session_state ${str(e.session_id)}`;
    default:
      return clip(`${event.type} ${JSON.stringify(event)}`);
  }
}

/** For `bindTransport(transport, store, logHandlers('stream'))`: logs every message. */
export function logHandlers<Events extends EventMap>(source: LogSource): MessageHandlers<DemoState, Events> {
  return {
    '*': (state, message) => {
      const event = message as AnyEvent;
      return {
      log: appendLine(state.log, {
        source,
        level: event.type === 'error' ? 'error' : 'event',
        text: describeEvent(event),
        key: event.type === 'message_delta' ? `${source}:delta:${str(event.message_id)}` : null,
      }),
      };
    },
  } as MessageHandlers<DemoState, Events>;
}

export function describeStatus(event: StatusEvent): string {
  // The same status again: another attempt is scheduled or under way.
  const parts: string[] = [event.previous === event.status ? `still ${event.status}` : `${event.previous} → ${event.status}`];
  if (event.code !== null) parts.push(`close ${event.code}${event.reason ? ` "${event.reason}"` : ''}`);
  if (event.attempt > 0) parts.push(`attempt ${event.attempt}`);
  if (event.delayMs !== null) parts.push(`retry in ${Math.round(event.delayMs)} ms`);
  return parts.join(' · ');
}

export function describeError(error: TransportError): string {
  const extra: string[] = [];
  if (error.kind === 'parse' && error.data !== undefined) extra.push(`frame: ${clip(error.data, 60)}`);
  if (error.count !== undefined) extra.push(`${error.count} message${error.count === 1 ? '' : 's'}`);
  return `${error.kind}: ${clip(error.message, 110)}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}
