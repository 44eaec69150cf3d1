import { useState } from 'react';
import { api } from '../api';
import { usePolling, useRemoval, useSubmission } from '../hooks';
import { type ApiKey, type ApiKeyCreated, TEAM_ROLES, type TeamRole } from '../types';
import { DataTable, ErrorNote, Field, instantOf, when } from '../ui';

/** The team's API keys (admins and owners): list, create (the secret shown once), revoke. */
export function ApiKeys() {
  const keys = usePolling(() => api.get<{ items: ApiKey[] }>('/api-keys'), []);
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);

  const removal = useRemoval(keys.reload);
  const revoke = (k: ApiKey) =>
    removal.remove(
      `Revoke the API key "${k.name}"? Requests made with it are refused at once.`,
      `/api-keys/${k.id}`,
    );

  return (
    <section>
      <h1>API keys</h1>
      <NewApiKey
        onCreated={(k) => {
          setCreated(k);
          keys.reload();
        }}
      />
      {created && <NewKeySecret created={created} onDone={() => setCreated(null)} />}
      <ErrorNote error={removal.error ?? keys.error} />
      <DataTable
        label="API keys"
        columns={['Name', 'Key', 'Role', 'Expires', 'Last used', 'Actions']}
        rows={keys.data?.items}
        loadingRows={2}
        empty="No API keys yet."
      >
        {keys.data?.items.map((k) => (
          <tr key={k.id}>
            <td>{k.name}</td>
            <td>
              <code>{k.prefix}…</code>
            </td>
            <td>{k.role}</td>
            <td>{k.expiresAt ? when(k.expiresAt) : 'Never'}</td>
            <td>{when(k.lastUsedAt)}</td>
            <td className="actions">
              <button
                type="button"
                className="button-danger"
                onClick={() => void revoke(k)}
                aria-label={`Revoke ${k.name}`}
              >
                Revoke
              </button>
            </td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
}

/** The key itself, in the one answer that carries it: gone once dismissed or the page left. */
function NewKeySecret({ created, onDone }: { created: ApiKeyCreated; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div className="card secret" role="status" aria-labelledby="new-key-title">
      <h2 id="new-key-title">Your new key “{created.name}”</h2>
      <p>Copy it now: it is shown this once, and cannot be shown again.</p>
      <p>
        <code data-testid="new-api-key">{created.key}</code>
      </p>
      <div className="actions">
        <button type="button" onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy key'}
        </button>
        <button type="button" onClick={onDone}>
          I have stored it
        </button>
      </div>
    </div>
  );
}

function NewApiKey({ onCreated }: { onCreated: (key: ApiKeyCreated) => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<TeamRole>('editor');
  const [expires, setExpires] = useState('');
  const { errors, error, submit } = useSubmission();

  const send = async () => {
    const expiresAt = expires ? instantOf(expires) : undefined;
    const key = await api.post<ApiKeyCreated>('/api-keys', { name, role, expiresAt });
    setName('');
    setExpires('');
    onCreated(key);
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e, send)} noValidate>
      <h2>New API key</h2>
      <div className="grid">
        <Field label="Key name" error={errors.name}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Role" error={errors.role} hint="At most your own role in the team">
          {(p) => (
            <select {...p} value={role} onChange={(e) => setRole(e.target.value as TeamRole)}>
              {TEAM_ROLES.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Expires" error={errors.expiresAt} hint="Empty: until it is revoked">
          {(p) => (
            <input
              {...p}
              type="datetime-local"
              value={expires}
              onChange={(e) => setExpires(e.target.value)}
            />
          )}
        </Field>
      </div>
      <ErrorNote error={error} />
      <button type="submit" className="button-primary">
        Create API key
      </button>
    </form>
  );
}
