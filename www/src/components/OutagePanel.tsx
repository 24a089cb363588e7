import { useState } from 'react';
import { OUTAGES, type Outage } from '../control';
import { actions } from '../state/store';

/** Buttons that make the server misbehave (its /control API), to watch the recovery. */
export function OutagePanel() {
  const [busy, setBusy] = useState<Outage['id'] | null>(null);

  const trigger = async (outage: Outage) => {
    setBusy(outage.id);
    try {
      actions.log({ source: 'control', level: 'action', text: await outage.run() });
    } catch (error) {
      actions.log({ source: 'control', level: 'error', text: `${outage.label} failed: ${String(error)}` });
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="panel outages" aria-label="Simulate an outage">
      <header className="panel__header">
        <h2>Simulate an outage</h2>
      </header>
      <div className="outages__grid">
        {OUTAGES.map((outage) => (
          <button
            key={outage.id}
            type="button"
            className={`outage outage--${outage.id}`}
            data-testid={`outage-${outage.id}`}
            onClick={() => void trigger(outage)}
            disabled={busy !== null}
          >
            <strong>{outage.label}</strong>
            <span>{outage.hint}</span>
          </button>
        ))}
      </div>
    </section>
  );
}
