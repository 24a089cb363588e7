// What the chat panels show, derived from the AgentSession snapshot and the page's own state.
// Pure functions of their inputs, memoised by the components on the snapshot's parts (which
// keep their identity while unchanged).
import type { AgentState, ChatMessage, SessionSnapshot, ToolCall } from 'agentwire/session';
import type { ChatUiState } from './types';

export type AnswerStatus = 'streaming' | 'done' | 'cancelled' | 'interrupted';

export function answerStatus(message: ChatMessage, interrupted: readonly string[]): AnswerStatus {
  if (message.status === 'complete') return 'done';
  if (message.status === 'cancelled') return 'cancelled';
  return message.sessionId !== null && interrupted.includes(message.sessionId) ? 'interrupted' : 'streaming';
}

/** The current chat is still being answered (and its connection did not drop meanwhile). */
export function isRunning(chat: SessionSnapshot | null, ui: ChatUiState): boolean {
  return !!chat?.running && !(ui.currentSession !== null && ui.interrupted.includes(ui.currentSession));
}

export type ChatPhase = 'idle' | 'awaiting' | 'running' | 'answered' | 'cancelled' | 'interrupted';

/** Where the current chat stands, for the panel's header and the placeholder bubble. */
export function chatPhase(chat: SessionSnapshot | null, ui: ChatUiState): ChatPhase {
  if (ui.awaiting) return 'awaiting';
  if (!chat || ui.currentSession === null) return 'idle';
  if (isRunning(chat, ui)) return 'running';
  if (ui.interrupted.includes(ui.currentSession)) return 'interrupted';
  if (chat.cancelled) return 'cancelled';
  return chat.result?.sessionId === ui.currentSession ? 'answered' : 'idle';
}

/** Whether the answer to the current session has started streaming text. */
export function hasAnswer(messages: readonly ChatMessage[], sessionId: string | null): boolean {
  return sessionId !== null && messages.some((m) => m.role === 'assistant' && m.sessionId === sessionId);
}

export function sessionTools(tools: readonly ToolCall[], sessionId: string | null): ToolCall[] {
  return sessionId === null ? [] : tools.filter((tool) => tool.sessionId === sessionId);
}

export type AgentActivity = 'working' | 'tool' | 'idle' | 'done' | 'cancelled';

export interface AgentCard {
  name: string;
  emoji: string | null;
  /** The agent that answers (the one `agent_step` names); the others run tools for it. */
  lead: boolean;
  activity: AgentActivity;
  /** What it is doing, in words. */
  detail: string;
  toolsStarted: number;
  toolsDone: number;
  /** 0..1: the session's turns for the lead, its own tool calls for a helper. */
  progress: number;
}

/**
 * One card per agent of the current session: the lead from `agents` (agent_step), helpers
 * from the tool calls they made.
 */
export function agentCards(
  chat: Pick<SessionSnapshot, 'agents' | 'tools' | 'progress' | 'messages'>,
  sessionId: string | null,
  interrupted: boolean,
): AgentCard[] {
  if (sessionId === null) return [];
  const tools = sessionTools(chat.tools, sessionId);
  const leadState: AgentState | undefined = chat.agents.find((agent) => agent.sessionId === sessionId);
  const names: string[] = leadState ? [leadState.name] : [];
  for (const tool of tools) if (tool.agent !== null && !names.includes(tool.agent)) names.push(tool.agent);
  const writing = hasAnswer(chat.messages, sessionId);

  return names.map((name) => {
    const lead = name === leadState?.name;
    const own = tools.filter((tool) => tool.agent === name);
    const done = own.filter((tool) => tool.status === 'done').length;
    const running = own.find((tool) => tool.status === 'running');
    const failed = own.some((tool) => tool.status === 'failed');
    const last = own[own.length - 1];
    const sessionStatus = leadState?.status;
    const finished = sessionStatus === 'completed' && !running;
    const stopped = sessionStatus === 'cancelled' || failed || (interrupted && !finished);

    let activity: AgentActivity;
    let detail: string;
    if (finished && !stopped) {
      activity = 'done';
      detail = lead ? 'Answer ready' : `${done} tool call${done === 1 ? '' : 's'} done`;
    } else if (stopped) {
      activity = 'cancelled';
      detail = interrupted ? 'Connection lost' : 'Cancelled';
    } else if (running) {
      activity = 'tool';
      detail = `Calling ${running.name}`;
    } else if (lead) {
      activity = 'working';
      detail = writing ? 'Writing the answer' : last ? `${last.name} returned` : 'Planning the answer';
    } else {
      activity = 'idle';
      detail = last ? `${last.name} returned` : 'Waiting';
    }

    const turns = chat.progress && chat.progress.max > 0 ? chat.progress.current / chat.progress.max : 0;
    const progress = activity === 'done' ? 1 : lead ? turns : own.length ? done / own.length : 0;
    return {
      name,
      emoji: lead ? (leadState?.emoji ?? null) : null,
      lead,
      activity,
      detail,
      toolsStarted: own.length,
      toolsDone: done,
      progress,
    };
  });
}
