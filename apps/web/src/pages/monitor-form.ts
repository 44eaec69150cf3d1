import {
  type AlertPolicy,
  type JsonPathAssertion,
  type Monitor,
  type MonitorSpec,
  type MonitorType,
} from '../types';

/**
 * The monitor form's state: what the inputs hold, as text, so that a value the API refuses
 * ("abc" for a number) reaches it and comes back as a message at its field.
 */
export interface MonitorForm {
  name: string;
  key: string;
  type: MonitorType;
  url: string;
  method: string;
  headers: string;
  body: string;
  intervalSeconds: string;
  timeoutMs: string;
  expectedStatus: string;
  followRedirects: boolean;
  maxLatencyMs: string;
  keywordValue: string;
  keywordMode: 'present' | 'absent';
  assertions: { path: string; operator: JsonPathAssertion['operator']; value: string }[];
  dnsRecordType: string;
  dnsResolver: string;
  dnsExpected: string;
  allowInvalidCertificate: boolean;
  heartbeatPeriodSeconds: string;
  heartbeatGraceSeconds: string;
  failuresToOpen: string;
  windowSize: string;
  successesToResolve: string;
  alertOnDegraded: boolean;
  renotifyMinutes: string;
  certificateExpiryDays: string;
  regionQuorum: string;
  alertOnPartial: boolean;
  escalation: { afterMinutes: string; channelIds: string[] }[];
  channelIds: string[];
  regions: string[];
  paused: boolean;
}

export const EMPTY_FORM: MonitorForm = {
  name: '',
  key: '',
  type: 'http',
  url: '',
  method: 'GET',
  headers: '',
  body: '',
  intervalSeconds: '60',
  timeoutMs: '',
  expectedStatus: '200-299',
  followRedirects: true,
  maxLatencyMs: '',
  keywordValue: '',
  keywordMode: 'present',
  assertions: [],
  dnsRecordType: 'A',
  dnsResolver: '',
  dnsExpected: '',
  allowInvalidCertificate: false,
  heartbeatPeriodSeconds: '300',
  heartbeatGraceSeconds: '60',
  failuresToOpen: '1',
  windowSize: '1',
  successesToResolve: '1',
  alertOnDegraded: false,
  renotifyMinutes: '',
  certificateExpiryDays: '14',
  regionQuorum: '',
  alertOnPartial: false,
  escalation: [],
  channelIds: [],
  regions: [],
  paused: false,
};

const text = (n: number | null | undefined) => (n === null || n === undefined ? '' : String(n));

export function formOf(m: Monitor): MonitorForm {
  return {
    name: m.name,
    key: m.key ?? '',
    type: m.type,
    url: m.type === 'heartbeat' ? '' : m.url,
    method: m.method,
    headers: Object.entries(m.headers)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n'),
    body: m.body ?? '',
    intervalSeconds: text(m.intervalSeconds),
    timeoutMs: text(m.timeoutMs),
    expectedStatus: m.expectedStatus.join(', '),
    followRedirects: m.followRedirects,
    maxLatencyMs: text(m.maxLatencyMs),
    keywordValue: m.keyword?.value ?? '',
    keywordMode: m.keyword?.mode ?? 'present',
    assertions: m.assertions.map((a) => ({
      path: a.path,
      operator: a.operator,
      value: a.value === undefined ? '' : JSON.stringify(a.value),
    })),
    dnsRecordType: m.dns?.recordType ?? 'A',
    dnsResolver: m.dns?.resolver ?? '',
    dnsExpected: (m.dns?.expected ?? []).join('\n'),
    allowInvalidCertificate: m.tls?.allowInvalidCertificate ?? false,
    heartbeatPeriodSeconds: text(m.heartbeat?.periodSeconds ?? 300),
    heartbeatGraceSeconds: text(m.heartbeat?.graceSeconds ?? 60),
    failuresToOpen: text(m.alertPolicy.failuresToOpen),
    windowSize: text(m.alertPolicy.windowSize),
    successesToResolve: text(m.alertPolicy.successesToResolve),
    alertOnDegraded: m.alertPolicy.alertOnDegraded,
    renotifyMinutes: text(m.alertPolicy.renotifyMinutes),
    certificateExpiryDays: text(m.alertPolicy.certificateExpiryDays),
    regionQuorum: text(m.alertPolicy.regionQuorum),
    alertOnPartial: m.alertPolicy.alertOnPartial,
    escalation: m.alertPolicy.escalation.map((s) => ({
      afterMinutes: String(s.afterMinutes),
      channelIds: s.channelIds,
    })),
    channelIds: m.channelIds,
    regions: m.regions,
    paused: m.paused,
  };
}

/** A number as typed; text that is not one goes as is, so the API names the field. */
function num(value: string): number | string | undefined {
  const v = value.trim();
  if (v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : v;
}

/** A nullable number: an empty input means "none". */
function numOrNull(value: string): number | string | null {
  return num(value) ?? null;
}

/** `true`, `12`, `"ok"` or `null` as JSON; anything else is a string. */
function assertionValue(value: string): JsonPathAssertion['value'] {
  if (value.trim() === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed === null || ['string', 'number', 'boolean'].includes(typeof parsed)) {
      return parsed as JsonPathAssertion['value'];
    }
  } catch {
    // Not JSON: the text itself.
  }
  return value;
}

function lines(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

function headersOf(value: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of value.split('\n')) {
    if (!line.trim()) continue;
    const colon = line.indexOf(':');
    const name = (colon < 0 ? line : line.slice(0, colon)).trim();
    headers[name] = colon < 0 ? '' : line.slice(colon + 1).trim();
  }
  return headers;
}

type Body = Partial<Record<keyof MonitorSpec, unknown>> & {
  alertPolicy: Partial<Record<keyof AlertPolicy, unknown>>;
};

/**
 * The request body: the fields this monitor's type uses (the API refuses another type's), with
 * unset optional numbers left out so the server's defaults apply.
 */
export function bodyOf(f: MonitorForm): Body {
  const body: Body = {
    name: f.name,
    key: f.key.trim() || null,
    type: f.type,
    channelIds: f.channelIds,
    paused: f.paused,
    alertPolicy: {
      failuresToOpen: num(f.failuresToOpen),
      windowSize: num(f.windowSize),
      successesToResolve: num(f.successesToResolve),
      alertOnDegraded: f.alertOnDegraded,
      renotifyMinutes: numOrNull(f.renotifyMinutes),
      certificateExpiryDays: num(f.certificateExpiryDays),
      regionQuorum: numOrNull(f.regionQuorum),
      alertOnPartial: f.alertOnPartial,
      escalation: f.escalation.map((s) => ({
        afterMinutes: num(s.afterMinutes),
        channelIds: s.channelIds,
      })),
    },
  };
  if (f.type === 'heartbeat') {
    body.heartbeat = {
      periodSeconds: num(f.heartbeatPeriodSeconds),
      graceSeconds: num(f.heartbeatGraceSeconds),
    };
    return body;
  }
  body.url = f.url;
  body.intervalSeconds = num(f.intervalSeconds);
  body.timeoutMs = num(f.timeoutMs);
  body.maxLatencyMs = numOrNull(f.maxLatencyMs);
  body.regions = f.regions;
  if (f.type === 'http') {
    body.method = f.method;
    body.headers = headersOf(f.headers);
    body.body = f.body === '' ? null : f.body;
    body.expectedStatus = lines(f.expectedStatus);
    body.followRedirects = f.followRedirects;
    body.keyword = f.keywordValue ? { value: f.keywordValue, mode: f.keywordMode } : null;
    body.assertions = f.assertions.map((a) => ({
      type: 'jsonPath',
      path: a.path,
      operator: a.operator,
      ...(assertionValue(a.value) !== undefined && { value: assertionValue(a.value) }),
    }));
  }
  if (f.type === 'dns') {
    body.dns = {
      recordType: f.dnsRecordType,
      resolver: f.dnsResolver.trim() || null,
      expected: lines(f.dnsExpected),
    };
  }
  if (f.type === 'tcp')
    body.tls = f.url.startsWith('tls://')
      ? { allowInvalidCertificate: f.allowInvalidCertificate }
      : null;
  return body;
}
