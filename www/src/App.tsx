import { AgentsPanel } from './components/AgentsPanel';
import { AguiPanel } from './components/AguiPanel';
import { ChatPanel } from './components/ChatPanel';
import { ConnectionBadge } from './components/ConnectionBadge';
import { ConnectionPanel } from './components/ConnectionPanel';
import { LogPanel } from './components/LogPanel';
import { OutagePanel } from './components/OutagePanel';
import { ToolTimeline } from './components/ToolTimeline';
import { TrackingPanel } from './components/TrackingPanel';
import { useDemoTransports } from './hooks/useDemoTransports';

export function App() {
  const { stream, tracking, session } = useDemoTransports();
  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <span className="brand__mark" aria-hidden="true">
            ⌁
          </span>
          <h1>AgentWire</h1>
          <span className="brand__tag">live demo</span>
        </div>
        <div className="topbar__badges">
          <ConnectionBadge name="Chat" transport={stream} testId="badge-stream" />
          <ConnectionBadge name="Tracking" transport={tracking} testId="badge-tracking" />
        </div>
      </header>
      <main className="layout">
        <ChatPanel stream={stream} session={session} />
        <div className="column">
          <AgentsPanel />
          <ToolTimeline />
          <TrackingPanel />
        </div>
        <div className="column">
          <ConnectionPanel transport={stream} />
          <OutagePanel />
          <AguiPanel />
          <LogPanel />
        </div>
      </main>
    </div>
  );
}
