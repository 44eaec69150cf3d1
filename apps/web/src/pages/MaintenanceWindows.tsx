import { useState } from 'react';
import { api } from '../api';
import { usePolling, useRemoval, useSubmission } from '../hooks';
import type { DashboardEntry, MaintenanceWindow } from '../types';
import { DataTable, ErrorNote, Field, instantOf, localOf, MonitorChecklist, when } from '../ui';

interface Draft {
  name: string;
  monitorIds: string[];
  /** `datetime-local` values, on the browser's wall clock. */
  startsAt: string;
  endsAt: string;
  recurrence: string;
  timeZone: string;
}

const BROWSER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
/** The zones the browser knows, offered as suggestions; the API checks the name. */
const ZONES: string[] =
  (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];

function emptyDraft(): Draft {
  const start = new Date(Date.now() + 3_600_000);
  start.setMinutes(0, 0, 0);
  return {
    name: '',
    monitorIds: [],
    startsAt: localOf(start.toISOString()),
    endsAt: localOf(new Date(start.getTime() + 3_600_000).toISOString()),
    recurrence: '',
    timeZone: BROWSER_ZONE,
  };
}

function draftOf(w: MaintenanceWindow): Draft {
  return {
    name: w.name,
    monitorIds: w.monitorIds,
    startsAt: localOf(w.startsAt),
    endsAt: localOf(w.endsAt),
    recurrence: w.recurrence ?? '',
    timeZone: w.timeZone,
  };
}

/** Maintenance windows: while one is open, its monitors' checks open no incident, send no alert. */
export function MaintenanceWindows() {
  const windows = usePolling(
    () => api.get<{ items: MaintenanceWindow[] }>('/maintenance-windows'),
    [],
  );
  const monitors = usePolling(() => api.get<{ items: DashboardEntry[] }>('/dashboard'), [], 30_000);
  const [editing, setEditing] = useState<MaintenanceWindow | 'new' | null>(null);
  const nameOf = new Map((monitors.data?.items ?? []).map((m) => [m.id, m.name]));

  const removal = useRemoval(windows.reload);
  const remove = (w: MaintenanceWindow) =>
    removal.remove(`Delete the maintenance window "${w.name}"?`, `/maintenance-windows/${w.id}`);

  return (
    <section>
      <div className="page-head">
        <h1>Maintenance windows</h1>
        <button type="button" className="button-primary" onClick={() => setEditing('new')}>
          New maintenance window
        </button>
      </div>
      {editing && (
        <MaintenanceForm
          key={editing === 'new' ? 'new' : editing.id}
          existing={editing === 'new' ? null : editing}
          monitors={monitors.data?.items ?? []}
          onDone={() => {
            setEditing(null);
            windows.reload();
          }}
        />
      )}
      <ErrorNote error={removal.error ?? windows.error} />
      <DataTable
        label="Maintenance windows"
        columns={['Name', 'Monitors', 'Starts', 'Ends', 'Repeats', 'Actions']}
        rows={windows.data?.items}
        loadingRows={2}
        empty="No maintenance windows yet."
      >
        {windows.data?.items.map((w) => (
          <tr key={w.id}>
            <td>{w.name}</td>
            <td>{w.monitorIds.map((id) => nameOf.get(id) ?? id).join(', ')}</td>
            <td>{when(w.startsAt)}</td>
            <td>{when(w.endsAt)}</td>
            <td>
              {w.recurrence ? (
                <>
                  <code>{w.recurrence}</code> ({w.timeZone})
                </>
              ) : (
                'Once'
              )}
            </td>
            <td className="actions">
              <button type="button" onClick={() => setEditing(w)} aria-label={`Edit ${w.name}`}>
                Edit
              </button>
              <button
                type="button"
                className="button-danger"
                onClick={() => void remove(w)}
                aria-label={`Delete ${w.name}`}
              >
                Delete
              </button>
            </td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
}

function MaintenanceForm({
  existing,
  monitors,
  onDone,
}: {
  existing: MaintenanceWindow | null;
  monitors: DashboardEntry[];
  onDone: () => void;
}) {
  const [draft, setDraft] = useState<Draft>(existing ? draftOf(existing) : emptyDraft);
  const { errors, error, submit } = useSubmission();
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setDraft((d) => ({ ...d, [k]: v }));

  const send = async () => {
    const body = {
      ...draft,
      startsAt: instantOf(draft.startsAt),
      endsAt: instantOf(draft.endsAt),
      recurrence: draft.recurrence.trim() || null,
      timeZone: draft.timeZone.trim(),
    };
    if (existing) await api.patch(`/maintenance-windows/${existing.id}`, body);
    else await api.post('/maintenance-windows', body);
    onDone();
  };
  // `monitorIds[2]` (no monitor of the team) is shown at the checklist too.
  const monitorError =
    errors.monitorIds ??
    Object.entries(errors).find(([field]) => field.startsWith('monitorIds['))?.[1];
  return (
    <form className="card" onSubmit={(e) => void submit(e, send)} noValidate>
      <h2>{existing ? `Edit ${existing.name}` : 'New maintenance window'}</h2>
      <div className="grid">
        <Field label="Window name" error={errors.name}>
          {(p) => <input {...p} value={draft.name} onChange={(e) => set('name', e.target.value)} />}
        </Field>
        <Field label="Starts" error={errors.startsAt} hint="Your browser's local time">
          {(p) => (
            <input
              {...p}
              type="datetime-local"
              value={draft.startsAt}
              onChange={(e) => set('startsAt', e.target.value)}
            />
          )}
        </Field>
        <Field
          label="Ends"
          error={errors.endsAt}
          hint="Every occurrence lasts as long; at most 31 days"
        >
          {(p) => (
            <input
              {...p}
              type="datetime-local"
              value={draft.endsAt}
              onChange={(e) => set('endsAt', e.target.value)}
            />
          )}
        </Field>
        <Field
          label="Repeats (RRULE)"
          error={errors.recurrence}
          hint="Empty: once. E.g. FREQ=WEEKLY;BYDAY=SU"
        >
          {(p) => (
            <input
              {...p}
              value={draft.recurrence}
              spellCheck={false}
              onChange={(e) => set('recurrence', e.target.value)}
            />
          )}
        </Field>
        <Field
          label="Time zone"
          error={errors.timeZone}
          hint="Repeats keep their wall-clock time here"
        >
          {(p) => (
            <input
              {...p}
              list="maintenance-zones"
              value={draft.timeZone}
              onChange={(e) => set('timeZone', e.target.value)}
            />
          )}
        </Field>
        <datalist id="maintenance-zones">
          {ZONES.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
      </div>
      <MonitorChecklist
        legend="Monitors in maintenance"
        monitors={monitors}
        selected={draft.monitorIds}
        onChange={(ids) => set('monitorIds', ids)}
        error={monitorError}
      />
      <ErrorNote error={error} />
      <div className="actions">
        <button type="submit" className="button-primary">
          {existing ? 'Save maintenance window' : 'Create maintenance window'}
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
