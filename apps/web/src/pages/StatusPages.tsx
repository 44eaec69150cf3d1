import { useState } from 'react';
import { api } from '../api';
import { usePolling, useRemoval, useSubmission } from '../hooks';
import type { DashboardEntry, StatusPage } from '../types';
import { ErrorNote, Field, MonitorChecklist, Skeleton } from '../ui';

interface Draft {
  slug: string;
  title: string;
  description: string;
  monitorIds: string[];
  public: boolean;
}

const EMPTY: Draft = { slug: '', title: '', description: '', monitorIds: [], public: true };

export function StatusPages() {
  const pages = usePolling(() => api.get<{ items: StatusPage[] }>('/status-pages'), []);
  const monitors = usePolling(() => api.get<{ items: DashboardEntry[] }>('/dashboard'), [], 30_000);
  const [editing, setEditing] = useState<StatusPage | 'new' | null>(null);

  const removal = useRemoval(pages.reload);
  const remove = (p: StatusPage) =>
    removal.remove(`Delete the status page "${p.title}"?`, `/status-pages/${p.id}`);

  return (
    <section>
      <div className="page-head">
        <h1>Status pages</h1>
        <button type="button" className="button-primary" onClick={() => setEditing('new')}>
          New status page
        </button>
      </div>
      {editing && (
        <StatusPageForm
          page={editing === 'new' ? null : editing}
          monitors={monitors.data?.items ?? []}
          onDone={() => {
            setEditing(null);
            pages.reload();
          }}
        />
      )}
      <ErrorNote error={removal.error ?? pages.error} />
      {!pages.data && <Skeleton height="4em" />}
      <ul className="cards">
        {pages.data?.items.map((p) => (
          <li key={p.id} className="card">
            <h2>{p.title}</h2>
            <p className="muted">
              {p.public ? 'Public' : 'Private'} · {p.monitorIds.length} monitors
            </p>
            {p.description && <p>{p.description}</p>}
            <div className="actions">
              <a href={`/status/${p.slug}`} target="_blank" rel="noopener">
                Open /status/{p.slug}
              </a>
              <button type="button" onClick={() => setEditing(p)} aria-label={`Edit ${p.title}`}>
                Edit
              </button>
              <button
                type="button"
                className="button-danger"
                onClick={() => void remove(p)}
                aria-label={`Delete ${p.title}`}
              >
                Delete
              </button>
            </div>
          </li>
        ))}
        {pages.data?.items.length === 0 && <li className="empty">No status pages yet.</li>}
      </ul>
    </section>
  );
}

function StatusPageForm({
  page,
  monitors,
  onDone,
}: {
  page: StatusPage | null;
  monitors: DashboardEntry[];
  onDone: () => void;
}) {
  const [draft, setDraft] = useState<Draft>(
    page ? { ...page, description: page.description ?? '' } : EMPTY,
  );
  const { errors, error, submit } = useSubmission();
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setDraft((d) => ({ ...d, [k]: v }));

  const send = async () => {
    const body = { ...draft, description: draft.description.trim() || null };
    if (page) await api.patch(`/status-pages/${page.id}`, body);
    else await api.post('/status-pages', body);
    onDone();
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e, send)} noValidate>
      <h2>{page ? `Edit ${page.title}` : 'New status page'}</h2>
      <div className="grid">
        <Field label="Title" error={errors.title}>
          {(p) => (
            <input {...p} value={draft.title} onChange={(e) => set('title', e.target.value)} />
          )}
        </Field>
        <Field label="Slug" error={errors.slug} hint="The page answers at /status/{slug}">
          {(p) => <input {...p} value={draft.slug} onChange={(e) => set('slug', e.target.value)} />}
        </Field>
      </div>
      <Field label="Description" error={errors.description}>
        {(p) => (
          <textarea
            {...p}
            rows={2}
            value={draft.description}
            onChange={(e) => set('description', e.target.value)}
          />
        )}
      </Field>
      <div className="field field-check">
        <label>
          <input
            type="checkbox"
            checked={draft.public}
            onChange={(e) => set('public', e.target.checked)}
          />{' '}
          Public
        </label>
      </div>
      <MonitorChecklist
        legend="Monitors shown"
        monitors={monitors}
        selected={draft.monitorIds}
        onChange={(ids) => set('monitorIds', ids)}
        error={errors.monitorIds}
      />
      <ErrorNote error={error} />
      <div className="actions">
        <button type="submit" className="button-primary">
          {page ? 'Save status page' : 'Create status page'}
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
