import { useState } from 'react';
import { api } from '../api';
import { messageOf, usePolling, useRemoval, useSubmission } from '../hooks';
import { type Alert, type Channel, CHANNEL_TYPES, type ChannelType } from '../types';
import { DataTable, ErrorNote, Field, StatusBadge, when } from '../ui';

interface ConfigField {
  name: string;
  label: string;
  hint?: string;
  secret?: boolean;
  /** Sent as a list (comma separated) or a number rather than text. */
  as?: 'list' | 'number';
}

/** Each channel type's config fields, as the API documents them (README, channel types). */
const CONFIG_FIELDS: Record<ChannelType, ConfigField[]> = {
  email: [{ name: 'to', label: 'Recipients', hint: 'Comma separated email addresses', as: 'list' }],
  webhook: [
    { name: 'url', label: 'URL' },
    { name: 'secret', label: 'Signing secret', hint: '16 to 256 characters', secret: true },
  ],
  slack: [{ name: 'webhookUrl', label: 'Incoming webhook URL', secret: true }],
  pagerduty: [
    {
      name: 'routingKey',
      label: 'Routing key',
      hint: 'Events API v2 integration key',
      secret: true,
    },
    { name: 'severity', label: 'Severity', hint: 'critical (default), error, warning or info' },
  ],
  opsgenie: [
    { name: 'apiKey', label: 'API key', secret: true },
    { name: 'region', label: 'Region', hint: 'us (default) or eu' },
    { name: 'priority', label: 'Priority', hint: 'P1 (default) to P5' },
  ],
  msteams: [{ name: 'webhookUrl', label: 'Workflow URL', secret: true }],
  discord: [{ name: 'webhookUrl', label: 'Webhook URL', secret: true }],
  telegram: [
    { name: 'botToken', label: 'Bot token', secret: true },
    { name: 'chatId', label: 'Chat id', hint: 'A numeric id or @channelusername' },
  ],
  ntfy: [
    { name: 'serverUrl', label: 'Server URL', hint: 'Empty: https://ntfy.sh' },
    { name: 'topic', label: 'Topic' },
    { name: 'accessToken', label: 'Access token', secret: true },
    { name: 'priority', label: 'Priority', hint: '1 to 5 (default 4)', as: 'number' },
  ],
};

function configOf(type: ChannelType, values: Record<string, string>): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const f of CONFIG_FIELDS[type]) {
    const v = (values[f.name] ?? '').trim();
    if (v === '') continue;
    config[f.name] =
      f.as === 'list'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : f.as === 'number' && Number.isFinite(Number(v))
          ? Number(v)
          : v;
  }
  return config;
}

export function Channels() {
  const channels = usePolling(() => api.get<{ items: Channel[] }>('/channels'), []);
  const [tested, setTested] = useState<Record<string, Alert | string>>({});

  const test = async (c: Channel) => {
    try {
      const alert = await api.post<Alert>(`/channels/${c.id}/test`);
      setTested((t) => ({ ...t, [c.id]: alert }));
    } catch (err) {
      setTested((t) => ({ ...t, [c.id]: messageOf(err) }));
    }
  };
  const removal = useRemoval(channels.reload);
  const remove = (c: Channel) =>
    removal.remove(
      `Delete the channel "${c.name}"? Monitors that alert it stop doing so.`,
      `/channels/${c.id}`,
    );

  return (
    <section>
      <h1>Alert channels</h1>
      <NewChannel onCreated={channels.reload} />
      <ErrorNote error={removal.error ?? channels.error} />
      <DataTable
        label="Alert channels"
        columns={['Name', 'Type', 'Created', 'Actions', 'Last test']}
        rows={channels.data?.items}
        empty="No channels yet."
      >
        {channels.data?.items.map((c) => {
          const t = tested[c.id];
          return (
            <tr key={c.id}>
              <td>{c.name}</td>
              <td>{c.type}</td>
              <td>{when(c.createdAt)}</td>
              <td className="actions">
                <button
                  type="button"
                  onClick={() => void test(c)}
                  aria-label={`Send a test message to ${c.name}`}
                >
                  Test
                </button>
                <button
                  type="button"
                  className="button-danger"
                  onClick={() => void remove(c)}
                  aria-label={`Delete ${c.name}`}
                >
                  Delete
                </button>
              </td>
              <td aria-live="polite">
                {typeof t === 'string' ? (
                  t
                ) : t ? (
                  <>
                    <StatusBadge status={t.status} /> {t.lastError ?? ''}
                  </>
                ) : (
                  ''
                )}
              </td>
            </tr>
          );
        })}
      </DataTable>
    </section>
  );
}

function NewChannel({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [type, setType] = useState<ChannelType>('webhook');
  const [values, setValues] = useState<Record<string, string>>({});
  const { errors, error, submit } = useSubmission();

  const send = async () => {
    await api.post('/channels', { name, type, config: configOf(type, values) });
    setName('');
    setValues({});
    onCreated();
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e, send)} noValidate>
      <h2>New channel</h2>
      <div className="grid">
        <Field label="Channel name" error={errors.name}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Channel type" error={errors.type}>
          {(p) => (
            <select {...p} value={type} onChange={(e) => setType(e.target.value as ChannelType)}>
              {CHANNEL_TYPES.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          )}
        </Field>
        {CONFIG_FIELDS[type].map((f) => (
          <Field
            key={`${type}.${f.name}`}
            label={f.label}
            hint={f.hint}
            error={errors[`config.${f.name}`] ?? errors[`config.${f.name}[0]`]}
          >
            {(p) => (
              <input
                {...p}
                type={f.secret ? 'password' : 'text'}
                autoComplete="off"
                value={values[f.name] ?? ''}
                onChange={(e) => setValues((v) => ({ ...v, [f.name]: e.target.value }))}
              />
            )}
          </Field>
        ))}
      </div>
      <ErrorNote error={error} />
      <button type="submit" className="button-primary">
        Create channel
      </button>
    </form>
  );
}
