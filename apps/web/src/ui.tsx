import { type ReactNode, useId } from 'react';
import type { CursorPager } from './hooks';
import type { MonitorStatus } from './types';

const STATUS_LABEL: Record<string, string> = {
  up: 'Up',
  down: 'Down',
  degraded: 'Degraded',
  partial: 'Partial',
  pending: 'Pending',
  paused: 'Paused',
  open: 'Open',
  resolved: 'Resolved',
  sent: 'Sent',
  failed: 'Failed',
};

/** A status as a word and a colour: the word carries it for screen readers and colour-blind eyes. */
export function StatusBadge({ status }: { status: MonitorStatus | string }) {
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      {STATUS_LABEL[status] ?? status}
    </span>
  );
}

interface FieldProps {
  label: string;
  error?: string;
  hint?: string;
  children: (props: {
    id: string;
    'aria-invalid': boolean;
    'aria-describedby'?: string;
  }) => ReactNode;
}

/** A labelled input with its hint and the API's message for it, tied by aria attributes. */
export function Field({ label, error, hint, children }: FieldProps) {
  const id = useId();
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ');
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': Boolean(error), 'aria-describedby': described || undefined })}
      {hint && (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      )}
      {error && (
        <small id={`${id}-error`} className="field-error" role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

/** A grey block the size of what will load, so nothing moves when it arrives. */
export function Skeleton({ width = '100%', height = '1em' }: { width?: string; height?: string }) {
  return <span className="skeleton" style={{ width, height }} aria-hidden="true" />;
}

/** Rows of skeletons for a table body while its first page loads. */
export function SkeletonRows({ rows, columns }: { rows: number; columns: number }) {
  return (
    <>
      {Array.from({ length: rows }, (_, r) => (
        <tr key={r} aria-hidden="true">
          {Array.from({ length: columns }, (_, c) => (
            <td key={c}>
              <Skeleton />
            </td>
          ))}
        </tr>
      ))}
    </>
  );
}

/** A small latency line: drawn as SVG, no chart library needed for a list row. */
export function Sparkline({ values, label }: { values: (number | null)[]; label: string }) {
  const w = 100;
  const h = 24;
  const points = values
    .map((v, i) => [i, v] as const)
    .filter((p): p is readonly [number, number] => p[1] !== null);
  if (points.length < 2) {
    return (
      <svg
        className="sparkline"
        viewBox={`0 0 ${w} ${h}`}
        role="img"
        aria-label={`${label}: no data yet`}
      />
    );
  }
  const max = Math.max(...points.map((p) => p[1])) || 1;
  const step = w / Math.max(values.length - 1, 1);
  const d = points
    .map(
      ([i, v], n) =>
        `${n ? 'L' : 'M'}${(i * step).toFixed(1)},${(h - 2 - (v / max) * (h - 4)).toFixed(1)}`,
    )
    .join(' ');
  return (
    <svg
      className="sparkline"
      viewBox={`0 0 ${w} ${h}`}
      role="img"
      aria-label={label}
      preserveAspectRatio="none"
    >
      <path
        d={d}
        fill="none"
        stroke="currentColor"
        strokeWidth="1.5"
        vectorEffect="non-scaling-stroke"
      />
    </svg>
  );
}

export function ErrorNote({ error }: { error: string | null | undefined }) {
  if (!error) return null;
  return (
    <p className="error-note" role="alert">
      {error}
    </p>
  );
}

export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${value.toFixed(value === 100 ? 0 : 2)} %`;
}

export function ms(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${Math.round(value)} ms`;
}

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}

/** Newer / Older buttons of a keyset list (see useCursorPager). */
export function Pager({
  pager,
  nextCursor,
}: {
  pager: CursorPager;
  nextCursor: string | null | undefined;
}) {
  const older = pager.older(nextCursor);
  return (
    <div className="pager">
      <button type="button" disabled={!pager.newer} onClick={() => pager.newer?.()}>
        Newer
      </button>
      <button type="button" disabled={!older} onClick={() => older?.()}>
        Older
      </button>
    </div>
  );
}

interface CheckboxGroupProps {
  legend: string;
  error?: string;
  options: { value: string; label: string }[];
  selected: string[];
  onToggle: (value: string, on: boolean) => void;
  /** Said when there is nothing to choose from. */
  empty?: ReactNode;
}

/** A checkbox per option, with the field's refusal under them. */
export function CheckboxGroup({
  legend,
  error,
  options,
  selected,
  onToggle,
  empty,
}: CheckboxGroupProps) {
  return (
    <fieldset className="checkbox-group">
      <legend>{legend}</legend>
      {options.length === 0 && empty && <p className="muted">{empty}</p>}
      {options.map((o) => (
        <label key={o.value}>
          <input
            type="checkbox"
            checked={selected.includes(o.value)}
            onChange={(e) => onToggle(o.value, e.target.checked)}
          />{' '}
          {o.label}
        </label>
      ))}
      {error && (
        <small className="field-error" role="alert">
          {error}
        </small>
      )}
    </fieldset>
  );
}

/** A checkbox per monitor, for the forms that name monitors (status pages, maintenance). */
export function MonitorChecklist({
  legend,
  monitors,
  selected,
  onChange,
  error,
}: {
  legend: string;
  monitors: { id: string; name: string }[];
  selected: string[];
  onChange: (ids: string[]) => void;
  error?: string;
}) {
  return (
    <CheckboxGroup
      legend={legend}
      error={error}
      options={monitors.map((m) => ({ value: m.id, label: m.name }))}
      selected={selected}
      onToggle={(id, on) => onChange(on ? [...selected, id] : selected.filter((x) => x !== id))}
    />
  );
}

/**
 * A `datetime-local` value (the browser's wall clock) as the ISO instant the API takes; text the
 * browser could not read is sent as typed, so the API's message names the field.
 */
export function instantOf(local: string): string {
  const ms = new Date(local).getTime();
  return Number.isNaN(ms) ? local : new Date(ms).toISOString();
}

/** An ISO instant as a `datetime-local` value on the browser's wall clock. */
export function localOf(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * A table's box, which scrolls sideways on a phone: focusable and named, so a keyboard can
 * scroll it too (axe's scrollable-region-focusable), even when no row holds a button.
 */
export function TableRegion({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

/**
 * A list as a table in its scrollable region: skeleton rows until the first answer (`rows`
 * undefined), then the rows, or one line saying there are none.
 */
export function DataTable({
  label,
  columns,
  rows,
  loadingRows = 3,
  empty,
  children,
}: {
  label: string;
  columns: readonly string[];
  rows: readonly unknown[] | undefined;
  loadingRows?: number;
  /** What an empty answer reads as; without it an empty table shows just its head. */
  empty?: ReactNode;
  children: ReactNode;
}) {
  return (
    <TableRegion label={label}>
      <table>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows === undefined && <SkeletonRows rows={loadingRows} columns={columns.length} />}
          {children}
          {empty !== undefined && rows?.length === 0 && (
            <tr>
              <td colSpan={columns.length} className="empty">
                {empty}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </TableRegion>
  );
}
