import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { api, ApiError } from '../api';
import { messageOf, usePolling } from '../hooks';
import { Link, navigate } from '../router';
import {
  ASSERTION_OPERATORS,
  type Channel,
  DNS_RECORD_TYPES,
  HTTP_METHODS,
  type Monitor,
  MONITOR_TYPES,
} from '../types';
import { CheckboxGroup, ErrorNote, Field } from '../ui';
import { bodyOf, EMPTY_FORM, formOf, type MonitorForm } from './monitor-form';

interface Region {
  name: string;
  state: string;
}

/** Create a monitor (no id) or edit one: every field the API takes, its errors at each field. */
export function MonitorEditor({ id }: { id?: string }) {
  const [form, setForm] = useState<MonitorForm>(EMPTY_FORM);
  const [loaded, setLoaded] = useState(!id);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const channels = usePolling(() => api.get<{ items: Channel[] }>('/channels'), [], null);
  const regions = usePolling(() => api.get<{ items: Region[] }>('/regions'), [], null);
  const channelList = channels.data?.items ?? [];

  // Once a refusal's fields are drawn marked, the first gets focus: a keyboard user lands where
  // the fix is. An effect runs after that render; a frame callback would wait for a visible tab.
  useEffect(() => {
    if (Object.keys(errors).length === 0) return;
    document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);

  useEffect(() => {
    if (!id) return;
    api
      .get<Monitor>(`/monitors/${id}`)
      .then((m) => {
        setForm(formOf(m));
        setLoaded(true);
      })
      .catch((err: unknown) => setError(messageOf(err)));
  }, [id]);

  const set = <K extends keyof MonitorForm>(key: K, value: MonitorForm[K]) =>
    setForm((f) => ({ ...f, [key]: value }));
  const text = (key: keyof MonitorForm) => ({
    value: String(form[key]),
    onChange: (e: { target: { value: string } }) => set(key, e.target.value as never),
  });
  const check = (key: keyof MonitorForm) => ({
    checked: Boolean(form[key]),
    onChange: (e: { target: { checked: boolean } }) => set(key, e.target.checked as never),
  });
  /**
   * A number as text: what the API refuses ("abc") comes back as a message at the field. Called
   * as a function, not rendered as a component of its own: one made in here would be a new
   * component each render, and React would replace the input (and its focus) on each keystroke.
   */
  const numberInput = ({
    label,
    field,
    error,
    hint,
  }: {
    label: string;
    field: keyof MonitorForm;
    error?: string;
    hint?: string;
  }) => (
    <Field label={label} error={error} hint={hint}>
      {(p) => <input {...p} name={field} inputMode="numeric" {...text(field)} />}
    </Field>
  );
  const toggle = (key: 'channelIds' | 'regions', value: string, on: boolean) =>
    set(key, on ? [...form[key], value] : form[key].filter((v) => v !== value));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setError(null);
    try {
      const body = bodyOf(form);
      const saved = id
        ? await api.patch<Monitor>(`/monitors/${id}`, body)
        : await api.post<Monitor>('/monitors', body);
      navigate(`/monitors/${saved.id}`);
    } catch (err) {
      if (err instanceof ApiError && err.errors.length) {
        setErrors(err.fieldErrors);
        setError(`${err.message} See the fields marked below.`);
      } else setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  const shown = new Set(
    Object.keys(errors).filter(
      (k) => FIELD_KEYS.has(k) || /^(assertions|alertPolicy\.escalation)\[/.test(k),
    ),
  );
  const others = Object.entries(errors).filter(([k]) => !shown.has(k));
  const isHttp = form.type === 'http';
  const isHeartbeat = form.type === 'heartbeat';

  if (!loaded)
    return (
      <section>
        <h1>Edit monitor</h1>
        <ErrorNote error={error} />
        <p className="loading">Loading…</p>
      </section>
    );
  return (
    <section>
      <div className="page-head">
        <h1>{id ? `Edit ${form.name}` : 'New monitor'}</h1>
        <Link href={id ? `/monitors/${id}` : '/'}>Cancel</Link>
      </div>
      <form className="card monitor-form" onSubmit={(e) => void submit(e)} noValidate>
        <ErrorNote error={error} />
        {others.length > 0 && (
          <ul className="error-list">
            {others.map(([k, m]) => (
              <li key={k}>
                <code>{k}</code> {m}
              </li>
            ))}
          </ul>
        )}
        <fieldset>
          <legend>What to check</legend>
          <div className="grid">
            <Field label="Name" error={errors.name}>
              {(p) => <input {...p} name="name" {...text('name')} />}
            </Field>
            <Field
              label="Key (optional)"
              error={errors.key}
              hint="Lower case, unique: e.g. checkout-api"
            >
              {(p) => <input {...p} name="key" {...text('key')} />}
            </Field>
            <Field
              label="Type"
              error={errors.type}
              hint={id ? 'A heartbeat monitor keeps its type.' : undefined}
            >
              {(p) => (
                <select
                  {...p}
                  name="type"
                  value={form.type}
                  onChange={(e) => set('type', e.target.value as MonitorForm['type'])}
                >
                  {MONITOR_TYPES.map((t) => (
                    <option key={t} value={t}>
                      {t}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            {!isHeartbeat && (
              <Field label="URL" error={errors.url} hint={URL_HINT[form.type]}>
                {(p) => <input {...p} name="url" inputMode="url" {...text('url')} />}
              </Field>
            )}
          </div>
          {!isHeartbeat && (
            <div className="grid">
              {numberInput({
                label: 'Interval (seconds)',
                field: 'intervalSeconds',
                error: errors.intervalSeconds,
              })}
              {numberInput({
                label: 'Timeout (ms)',
                field: 'timeoutMs',
                error: errors.timeoutMs,
                hint: 'Empty: 10 s or 80 % of the interval',
              })}
              {numberInput({
                label: 'Degraded above (ms)',
                field: 'maxLatencyMs',
                error: errors.maxLatencyMs,
                hint: 'Empty: no latency bound',
              })}
            </div>
          )}
        </fieldset>

        {isHttp && (
          <fieldset>
            <legend>HTTP request and checks</legend>
            <div className="grid">
              <Field label="Method" error={errors.method}>
                {(p) => (
                  <select {...p} name="method" {...text('method')}>
                    {HTTP_METHODS.map((m) => (
                      <option key={m}>{m}</option>
                    ))}
                  </select>
                )}
              </Field>
              <Field
                label="Expected status"
                error={errors.expectedStatus ?? errors['expectedStatus[0]']}
                hint="Comma separated: 200, 2xx, 200-299"
              >
                {(p) => <input {...p} name="expectedStatus" {...text('expectedStatus')} />}
              </Field>
              <Checkbox label="Follow redirects" {...check('followRedirects')} />
            </div>
            <Field label="Headers" error={errors.headers} hint="One per line: Name: value">
              {(p) => <textarea {...p} name="headers" rows={3} {...text('headers')} />}
            </Field>
            <Field label="Body" error={errors.body} hint="Not with GET or HEAD">
              {(p) => <textarea {...p} name="body" rows={3} {...text('body')} />}
            </Field>
            <div className="grid">
              <Field
                label="Keyword"
                error={errors.keyword ?? errors['keyword.value']}
                hint="Text the response must (or must not) contain"
              >
                {(p) => <input {...p} name="keyword" {...text('keywordValue')} />}
              </Field>
              <Field label="Keyword must be" error={errors['keyword.mode']}>
                {(p) => (
                  <select {...p} name="keywordMode" {...text('keywordMode')}>
                    <option value="present">present</option>
                    <option value="absent">absent</option>
                  </select>
                )}
              </Field>
            </div>
            <Repeated
              legend="JSON assertions"
              items={form.assertions}
              add={() =>
                set('assertions', [
                  ...form.assertions,
                  { path: '$.', operator: 'equals', value: '' },
                ])
              }
              remove={(i) =>
                set(
                  'assertions',
                  form.assertions.filter((_, j) => j !== i),
                )
              }
              render={(a, i) => {
                const put = (patch: Partial<typeof a>) =>
                  set(
                    'assertions',
                    form.assertions.map((x, j) => (j === i ? { ...x, ...patch } : x)),
                  );
                return (
                  <div className="grid">
                    <Field
                      label={`Assertion ${i + 1} path`}
                      error={errors[`assertions[${i}].path`] ?? errors[`assertions[${i}]`]}
                    >
                      {(p) => (
                        <input
                          {...p}
                          value={a.path}
                          onChange={(e) => put({ path: e.target.value })}
                        />
                      )}
                    </Field>
                    <Field
                      label={`Assertion ${i + 1} operator`}
                      error={errors[`assertions[${i}].operator`]}
                    >
                      {(p) => (
                        <select
                          {...p}
                          value={a.operator}
                          onChange={(e) => put({ operator: e.target.value as typeof a.operator })}
                        >
                          {ASSERTION_OPERATORS.map((o) => (
                            <option key={o}>{o}</option>
                          ))}
                        </select>
                      )}
                    </Field>
                    <Field
                      label={`Assertion ${i + 1} value`}
                      error={errors[`assertions[${i}].value`]}
                      hint='JSON: 200, true, "ok"'
                    >
                      {(p) => (
                        <input
                          {...p}
                          value={a.value}
                          onChange={(e) => put({ value: e.target.value })}
                        />
                      )}
                    </Field>
                  </div>
                );
              }}
            />
          </fieldset>
        )}

        {form.type === 'dns' && (
          <fieldset>
            <legend>DNS query</legend>
            <div className="grid">
              <Field label="Record type" error={errors['dns.recordType'] ?? errors.dns}>
                {(p) => (
                  <select {...p} name="dnsRecordType" {...text('dnsRecordType')}>
                    {DNS_RECORD_TYPES.map((t) => (
                      <option key={t}>{t}</option>
                    ))}
                  </select>
                )}
              </Field>
              <Field
                label="Resolver"
                error={errors['dns.resolver']}
                hint="Empty: the prober's own; e.g. 1.1.1.1 or 127.0.0.1:5353"
              >
                {(p) => <input {...p} name="dnsResolver" {...text('dnsResolver')} />}
              </Field>
            </div>
            <Field
              label="Expected answers"
              error={errors['dns.expected'] ?? errors['dns.expected[0]']}
              hint="One per line; empty: any answer"
            >
              {(p) => <textarea {...p} name="dnsExpected" rows={2} {...text('dnsExpected')} />}
            </Field>
          </fieldset>
        )}

        {form.type === 'tcp' && (
          <fieldset>
            <legend>TLS</legend>
            <Checkbox
              label="Accept an invalid certificate (tls:// only)"
              error={errors.tls ?? errors['tls.allowInvalidCertificate']}
              {...check('allowInvalidCertificate')}
            />
          </fieldset>
        )}

        {isHeartbeat && (
          <fieldset>
            <legend>Heartbeat</legend>
            <div className="grid">
              {numberInput({
                label: 'Period (seconds)',
                field: 'heartbeatPeriodSeconds',
                error: errors['heartbeat.periodSeconds'] ?? errors.heartbeat,
                hint: 'How often your job pings',
              })}
              {numberInput({
                label: 'Grace (seconds)',
                field: 'heartbeatGraceSeconds',
                error: errors['heartbeat.graceSeconds'],
                hint: 'How late a ping may be',
              })}
            </div>
          </fieldset>
        )}

        <fieldset>
          <legend>Alerts</legend>
          <div className="grid">
            {numberInput({
              label: 'Failures to open an incident',
              field: 'failuresToOpen',
              error: errors['alertPolicy.failuresToOpen'],
            })}
            {numberInput({
              label: 'Out of the last checks',
              field: 'windowSize',
              error: errors['alertPolicy.windowSize'],
            })}
            {numberInput({
              label: 'Successes to resolve',
              field: 'successesToResolve',
              error: errors['alertPolicy.successesToResolve'],
            })}
            {numberInput({
              label: 'Remind every (minutes)',
              field: 'renotifyMinutes',
              error: errors['alertPolicy.renotifyMinutes'],
              hint: 'Empty: no reminders',
            })}
            {numberInput({
              label: 'Certificate warning (days)',
              field: 'certificateExpiryDays',
              error: errors['alertPolicy.certificateExpiryDays'],
            })}
            {!isHeartbeat &&
              numberInput({
                label: 'Region quorum',
                field: 'regionQuorum',
                error: errors['alertPolicy.regionQuorum'],
                hint: 'Empty: half the regions',
              })}
          </div>
          <div className="grid">
            <Checkbox label="Alert when degraded" {...check('alertOnDegraded')} />
            <Checkbox label="Alert on a partial outage" {...check('alertOnPartial')} />
            <Checkbox label="Paused" {...check('paused')} />
          </div>
          <CheckboxGroup
            legend="Channels to alert"
            error={errors.channelIds}
            options={channelList.map((c) => ({ value: c.id, label: `${c.name} (${c.type})` }))}
            selected={form.channelIds}
            onToggle={(v, on) => toggle('channelIds', v, on)}
            empty={
              <>
                No channels yet: <Link href="/channels">create one</Link>.
              </>
            }
          />
          <Repeated
            legend="Escalation steps"
            items={form.escalation}
            add={() =>
              set('escalation', [...form.escalation, { afterMinutes: '30', channelIds: [] }])
            }
            remove={(i) =>
              set(
                'escalation',
                form.escalation.filter((_, j) => j !== i),
              )
            }
            render={(s, i) => {
              const put = (patch: Partial<typeof s>) =>
                set(
                  'escalation',
                  form.escalation.map((x, j) => (j === i ? { ...x, ...patch } : x)),
                );
              return (
                <>
                  <Field
                    label={`Step ${i + 1}: after (minutes)`}
                    error={errors[`alertPolicy.escalation[${i}].afterMinutes`]}
                  >
                    {(p) => (
                      <input
                        {...p}
                        inputMode="numeric"
                        value={s.afterMinutes}
                        onChange={(e) => put({ afterMinutes: e.target.value })}
                      />
                    )}
                  </Field>
                  <CheckboxGroup
                    legend={`Step ${i + 1}: channels`}
                    error={errors[`alertPolicy.escalation[${i}].channelIds`]}
                    options={channelList.map((c) => ({ value: c.id, label: c.name }))}
                    selected={s.channelIds}
                    onToggle={(v, on) =>
                      put({
                        channelIds: on ? [...s.channelIds, v] : s.channelIds.filter((x) => x !== v),
                      })
                    }
                    empty="No channels yet."
                  />
                </>
              );
            }}
          />
          {!isHeartbeat && (
            <CheckboxGroup
              legend="Regions"
              error={errors.regions}
              options={(regions.data?.items ?? []).map((r) => ({
                value: r.name,
                label: `${r.name} (${r.state})`,
              }))}
              selected={form.regions}
              onToggle={(v, on) => toggle('regions', v, on)}
              empty="No regions announced; checks run in the default region."
            />
          )}
        </fieldset>
        <div className="actions">
          <button type="submit" className="button-primary" disabled={busy}>
            {busy ? 'Saving…' : id ? 'Save changes' : 'Create monitor'}
          </button>
        </div>
      </form>
    </section>
  );
}

const URL_HINT: Record<string, string> = {
  http: 'http:// or https://',
  tcp: 'tcp://host:port or tls://host:port',
  dns: 'dns://name',
};

/** Error keys shown at a field of the form; any other is listed at the top. */
const FIELD_KEYS = new Set([
  'name',
  'key',
  'type',
  'url',
  'intervalSeconds',
  'timeoutMs',
  'maxLatencyMs',
  'method',
  'expectedStatus',
  'expectedStatus[0]',
  'headers',
  'body',
  'keyword',
  'keyword.value',
  'keyword.mode',
  'dns',
  'dns.recordType',
  'dns.resolver',
  'dns.expected',
  'dns.expected[0]',
  'tls',
  'tls.allowInvalidCertificate',
  'heartbeat',
  'heartbeat.periodSeconds',
  'heartbeat.graceSeconds',
  'alertPolicy.failuresToOpen',
  'alertPolicy.windowSize',
  'alertPolicy.successesToResolve',
  'alertPolicy.renotifyMinutes',
  'alertPolicy.certificateExpiryDays',
  'alertPolicy.regionQuorum',
  'channelIds',
  'regions',
]);

function Checkbox({
  label,
  error,
  checked,
  onChange,
}: {
  label: string;
  error?: string;
  checked: boolean;
  onChange: (e: { target: { checked: boolean } }) => void;
}) {
  return (
    <div className="field field-check">
      <label>
        <input
          type="checkbox"
          checked={checked}
          onChange={onChange}
          aria-invalid={Boolean(error)}
        />{' '}
        {label}
      </label>
      {error && (
        <small className="field-error" role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

interface RepeatedProps<T> {
  legend: string;
  items: T[];
  add: () => void;
  remove: (i: number) => void;
  render: (item: T, i: number) => ReactNode;
}

function Repeated<T>({ legend, items, add, remove, render }: RepeatedProps<T>) {
  return (
    <fieldset className="repeated">
      <legend>{legend}</legend>
      {items.map((item, i) => (
        <div key={i} className="repeated-item">
          {render(item, i)}
          <button type="button" className="button-quiet" onClick={() => remove(i)}>
            Remove {legend.toLowerCase().replace(/s$/, '')} {i + 1}
          </button>
        </div>
      ))}
      <button type="button" onClick={add}>
        Add {legend.toLowerCase().replace(/s$/, '')}
      </button>
    </fieldset>
  );
}
