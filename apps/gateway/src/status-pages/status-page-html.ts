import type { DailyFigures, PublicStatusPage } from '@uptime/contracts';
import { uptimeOverDays } from './daily-uptime';
import { cspHash } from '../http/csp-hash';

/**
 * The public status page as one HTML document: inline CSS, no script and an empty icon, so it
 * works without JavaScript and loads in one request. Each monitor has a bar per day (90);
 * hovering, focusing (keyboard) or tapping a bar shows its day's figures and incidents in a CSS
 * tooltip. Consecutive days that read alike (no checks, or every check up) are one element
 * drawn as that many bars, which keeps a page of 50 monitors far below 100 KB.
 * Every text from users goes through `escape`.
 */
export function renderStatusPage(page: PublicStatusPage): string {
  const incidentsByDay = dayIncidents(page);
  const days = page.monitors[0]?.days.length ?? 90;
  const rows = page.monitors.map((m) => monitorRow(m, incidentsByDay.get(m.id))).join('');
  const open = page.incidents.filter((i) => i.state === 'open');
  const past = page.incidents.filter((i) => i.state !== 'open');
  const title = escape(page.title);
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1">` +
    // An empty icon: otherwise the browser asks for /favicon.ico, a second request.
    `<title>${title} status</title><link rel="icon" href="data:,"><style>${CSS}</style></head>` +
    `<body><main><h1>${title}</h1>` +
    (page.description ? `<p class="d">${escape(page.description)}</p>` : '') +
    `<p class="s ${page.status}" role="status">${STATUS_TEXT[page.status]}</p>` +
    (open.length
      ? `<section><h2>Ongoing incidents</h2><ul>${open.map(incidentItem).join('')}</ul></section>`
      : '') +
    `<section><h2>Uptime, last ${days} days</h2>` +
    (rows
      ? `<p class="d">Each bar is a day, oldest first. Hover, tap or tab to a bar for its figures.</p>${rows}`
      : '<p>No monitors on this page yet.</p>') +
    `</section><section><h2>Incidents, last ${days} days</h2>` +
    (past.length
      ? `<ul>${past.map(incidentItem).join('')}</ul>`
      : `<p>No incidents in the last ${days} days.</p>`) +
    `</section><footer>Updated ${clock(page.generatedAt)}</footer></main></body></html>`
  );
}

const STATUS_TEXT: Record<PublicStatusPage['status'], string> = {
  operational: 'All systems operational',
  degraded: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
  unknown: 'Status unknown',
};

const MONITOR_STATUS_TEXT: Record<MonitorView['status'], string> = {
  up: 'Up',
  degraded: 'Degraded',
  down: 'Down',
  unknown: 'No data yet',
};

/**
 * A run of N days is one element of class `wN`: its width and the bars drawn in it. Classes,
 * not style attributes, so the page's CSP allows its one stylesheet by hash and nothing else.
 */
const RUN_WIDTHS = Array.from(
  { length: 89 },
  (_, k) => `.w${k + 2}{grid-column:span ${k + 2};--n:${k + 2}}`,
).join('');

/**
 * Text colours reach 4.5:1 against the page in both schemes (axe's colour-contrast rule); the
 * banner's backgrounds reach it against white. A run of N days is one element whose background
 * repeats N bars with the grid's 2 px gap, so it lines up with the single-day bars above it.
 */
const CSS =
  `:root{color-scheme:light dark;--ok:#1a7f37;--minor:#9a6700;--major:#cf222e;--none:#8c959f66;--fg:#1f2328;--bg:#fff;--mut:#59636e;--okt:#1a7f37;--minort:#9a6700;--majort:#cf222e}` +
  `@media(prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--mut:#9198a1;--okt:#3fb950;--minort:#d29922;--majort:#f85149}}` +
  `body{margin:0;font:15px/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg)}main{max-width:860px;margin:0 auto;padding:24px 16px}h1{margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}h3{font-size:15px;margin:0}` +
  `.d,footer,.m small,.ax{color:var(--mut)}.s{padding:12px 16px;border-radius:6px;color:#fff;font-weight:600}.operational{background:var(--ok)}.degraded{background:var(--minor)}.partial_outage,.major_outage{background:var(--major)}.unknown{background:var(--mut)}` +
  `.m{margin:20px 0}.m header{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 12px}.m header b{margin-left:auto}.up{color:var(--okt)}.dg{color:var(--minort)}.dn{color:var(--majort)}.un{color:var(--mut)}` +
  `.b{display:grid;grid-template-columns:repeat(90,1fr);gap:2px;height:32px;margin-top:6px}.b i{--c:var(--none);position:relative;border-radius:2px;background:var(--c)}.b i[class*=w]{background:repeating-linear-gradient(90deg,var(--c) 0 calc((100% + 2px)/var(--n) - 2px),#0000 0 calc((100% + 2px)/var(--n)))}` +
  `.b .u{--c:var(--ok)}.b .n{--c:var(--minor)}.b .x{--c:var(--major)}.b i:focus{outline:2px solid var(--fg);outline-offset:2px}` +
  `.b i:hover::after,.b i:focus::after{content:attr(aria-label);position:absolute;z-index:1;bottom:calc(100% + 8px);left:0;width:max-content;max-width:min(340px,80vw);white-space:pre-line;background:var(--fg);color:var(--bg);padding:6px 10px;border-radius:4px;font:13px/1.4 system-ui,sans-serif}.b i.r::after{left:auto;right:0}` +
  `.ax{display:flex;justify-content:space-between;font-size:12px}ul{padding-left:20px}` +
  RUN_WIDTHS;

/** The page's Content-Security-Policy: its stylesheet, its empty icon, nothing else. */
export const STATUS_PAGE_CSP = {
  defaultSrc: ["'none'"],
  styleSrc: [cspHash(CSS)],
  imgSrc: ['data:'],
  formAction: ["'none'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
};

type MonitorView = PublicStatusPage['monitors'][number];
type IncidentView = PublicStatusPage['incidents'][number];
/** Day (YYYY-MM-DD) → the monitor's incidents that started that day. */
type IncidentsByDay = Map<string, IncidentView[]>;

const STATUS_CLASS: Record<MonitorView['status'], string> = {
  up: 'up',
  degraded: 'dg',
  down: 'dn',
  unknown: 'un',
};

function monitorRow(monitor: MonitorView, incidents: IncidentsByDay | undefined): string {
  const { ratio } = uptimeOverDays(monitor.days);
  const uptime = ratio === null ? 'no checks yet' : `${percent(ratio)} uptime`;
  return (
    `<div class="m"><header><h3>${escape(monitor.name)}</h3><small>${uptime}</small>` +
    `<b class="${STATUS_CLASS[monitor.status]}">${MONITOR_STATUS_TEXT[monitor.status]}</b></header>` +
    `<div class="b">${bars(monitor.days, incidents)}</div>` +
    `<div class="ax" aria-hidden="true"><span>${monitor.days.length} days ago</span><span>Today</span></div></div>`
  );
}

/** A bar per day; runs of days that read alike become one element spanning their columns. */
function bars(days: readonly DailyFigures[], incidents: IncidentsByDay | undefined): string {
  const out: string[] = [];
  for (let i = 0; i < days.length;) {
    const kind = kindOf(days[i], incidents);
    let end = i + 1;
    if (kind === '' || kind === 'u') {
      while (end < days.length && kindOf(days[end], incidents) === kind) end++;
    }
    const run = days.slice(i, end);
    const label = run.length === 1 ? dayLabel(run[0], incidents) : runLabel(run);
    // Tooltips of bars in the right half open leftwards, so they stay on the screen.
    const right = i >= days.length / 2;
    const width = run.length > 1 ? `w${run.length}` : '';
    const classes = [kind, width, right ? 'r' : ''].filter(Boolean).join(' ');
    // Unquoted where HTML allows: 4,500 bars make every byte of a bar count.
    out.push(
      `<i role=img tabindex=0${classes ? ` class="${classes}"` : ''} aria-label="${label}"></i>`,
    );
    i = end;
  }
  return out.join('');
}

/** '' no checks, 'u' every check up, 'n' minor (≥ 99% up, or an incident without failures), 'x'. */
function kindOf(day: DailyFigures, incidents: IncidentsByDay | undefined): string {
  if (incidents?.has(day.date)) return day.down === 0 ? 'n' : shade(day);
  if (day.checks === 0) return '';
  return day.down === 0 ? 'u' : shade(day);
}

function shade(day: DailyFigures): string {
  return (day.checks - day.down) / day.checks >= 0.99 ? 'n' : 'x';
}

function dayLabel(day: DailyFigures, incidents: IncidentsByDay | undefined): string {
  const figures =
    day.checks === 0
      ? 'no checks'
      : `${percent((day.checks - day.down) / day.checks)} up, ${count(day.down)} of ${count(day.checks)} checks failed`;
  const lines = (incidents?.get(day.date) ?? []).map(incidentLine);
  return [`${day.date}: ${figures}`, ...lines].join('\n');
}

/** Days that read alike: every one without checks, or every one with all its checks up. */
function runLabel(run: readonly DailyFigures[]): string {
  const when = `${run[0].date} to ${run[run.length - 1].date}`;
  if (run[0].checks === 0) return `${when}: no checks`;
  const perDay = run.map((d) => d.checks);
  const least = Math.min(...perDay);
  const most = Math.max(...perDay);
  const checks = least === most ? count(least) : `${count(least)} to ${count(most)}`;
  return `${when}: 100% up each day, ${checks} checks a day, none failed`;
}

function incidentLine(incident: IncidentView): string {
  const ended = incident.resolvedAt
    ? `resolved after ${duration(incident.startedAt, incident.resolvedAt)}`
    : 'ongoing';
  return `Incident (${incident.kind}) from ${incident.startedAt.slice(11, 16)} UTC, ${ended}`;
}

function dayIncidents(page: PublicStatusPage): Map<string, IncidentsByDay> {
  const byMonitor = new Map<string, IncidentsByDay>();
  for (const incident of page.incidents) {
    const days = byMonitor.get(incident.monitorId) ?? new Map<string, IncidentView[]>();
    const day = incident.startedAt.slice(0, 10);
    days.set(day, [...(days.get(day) ?? []), incident]);
    byMonitor.set(incident.monitorId, days);
  }
  return byMonitor;
}

function incidentItem(incident: IncidentView): string {
  const ended = incident.resolvedAt
    ? `resolved after ${duration(incident.startedAt, incident.resolvedAt)}`
    : 'ongoing';
  return `<li><strong>${escape(incident.monitorName)}</strong>: ${incident.kind} from <time datetime="${incident.startedAt}">${clock(incident.startedAt)}</time>, ${ended}</li>`;
}

function clock(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

function duration(from: string, to: string): string {
  const minutes = Math.max(1, Math.round((Date.parse(to) - Date.parse(from)) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** Cut, not rounded, to 2 decimals: 99.999% must not read as 100.00%. */
function percent(ratio: number): string {
  return `${(Math.floor(ratio * 10_000) / 100).toFixed(2)}%`;
}

export function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
