// A small React 19 app rendering the streamed text from a Zustand store, the same for every
// client. React's <Profiler> counts commits (react-dom's profiling build, aliased at bundle time:
// production React does not call onRender).
import { Profiler } from 'react';
import { createRoot } from 'react-dom/client';
import { createStore, useStore } from 'zustand';

export async function mountStoreApp() {
  const store = createStore(() => ({ text: '' }));
  let commits = 0;
  const commitListeners = [];

  function StreamedText() {
    const text = useStore(store, (state) => state.text);
    return <pre id="streamed-text">{text}</pre>;
  }

  function App() {
    return (
      <Profiler
        id="stream"
        onRender={() => {
          commits += 1;
          for (const listener of commitListeners) listener();
        }}
      >
        <StreamedText />
      </Profiler>
    );
  }

  const container = document.createElement('div');
  document.body.append(container);
  createRoot(container).render(<App />);
  // The first commit.
  await new Promise((resolve) => {
    const check = () => (document.getElementById('streamed-text') ? resolve() : setTimeout(check, 5));
    check();
  });
  return {
    store,
    onCommit: (listener) => commitListeners.push(listener),
    commits: () => commits,
    resetCommits: () => {
      commits = 0;
    },
    domText: () => document.getElementById('streamed-text').textContent,
  };
}
