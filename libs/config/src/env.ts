import { isValid, isValidCIDR } from 'ipaddr.js';
import { z } from 'zod';

/** Raised when the environment cannot be turned into a valid configuration. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

/**
 * Parses the environment once, at boot, into a typed object. Every problem is reported at
 * once, named by its variable, so that one failed start tells the operator everything.
 */
export function parseEnv<T extends z.ZodType>(schema: T, env: Env): z.output<T> {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = typeof issue.path[0] === 'string' ? issue.path[0] : undefined;
    const name = issue.path.join('.') || '(environment)';
    const got = variable === undefined ? undefined : present[variable];
    return `${name}: ${issue.message} (${shownValue(variable, got)})`;
  });
  throw new ConfigError(problems);
}

/** Variables whose value is a credential whatever it looks like. */
const SECRET_NAME = /SECRET|PASSWORD|PASSWD|CREDENTIAL|(^|_)KEY$|(^|_)TOKEN$/i;

/**
 * What a config error may say about a value: a secret's never (not even a wrong one, which is
 * often the right one pasted into the wrong place), a URL's only once its credentials are hidden,
 * and an unreadable URL's not at all.
 */
function shownValue(variable: string | undefined, got: string | undefined): string {
  if (got === undefined) return 'is missing';
  if (variable && SECRET_NAME.test(variable)) return 'value hidden';
  if (/:\/\//.test(got) || (variable && /_URLS?$/.test(variable))) {
    const hidden = redactUrl(got);
    return hidden === undefined ? 'value hidden' : `got ${JSON.stringify(hidden)}`;
  }
  return `got ${JSON.stringify(got.length > 64 ? `${got.slice(0, 8)}…` : got)}`;
}

/**
 * Hides the credentials of a URL (the password, a user name that stands alone as a token as in
 * `nats://token@host`, and query values), so that a config error or a log never prints a secret.
 * A value that is not a URL is shortened.
 */
export function redact(value: string): string {
  return redactUrl(value) ?? (value.length > 64 ? `${value.slice(0, 8)}…` : value);
}

function redactUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.password) url.password = '***';
  else if (url.username) url.username = '***';
  for (const key of [...url.searchParams.keys()]) url.searchParams.set(key, '***');
  return url.toString();
}

const booleanText = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const portNumber = z.coerce
  .number({ message: 'must be a port number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal', 'none']);

const REGION_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * What the README's configuration table says of a variable (the table is generated from the
 * schemas): what it does, and the default when the schema's own cannot say it (a default that
 * depends on how the app is started).
 */
export interface EnvDoc {
  description: string;
  default?: string;
}

/** The metadata key of an {@link EnvDoc} default, beside zod's own `description`. */
export const DEFAULT_TEXT = 'defaultText';

export function documented<T extends z.ZodType>(schema: T, doc: EnvDoc): T {
  return schema.meta({ description: doc.description, [DEFAULT_TEXT]: doc.default });
}

/** `a, b,c` → ['a', 'b', 'c'], each checked by `item`. */
function commaList<T extends z.ZodType<unknown, string>>(item: T) {
  return z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item).min(1, 'must name at least one'));
}

const regionList = commaList(
  z.string().regex(REGION_NAME, 'each region must be a name such as eu-west'),
);

/** `REGIONS` is one setting for every app, so it is described once. */
const REGIONS_DOC: EnvDoc = {
  description:
    "the platform's regions, one setting for every app: the scheduler publishes jobs for them, the gateway accepts them in monitors (a monitor naming none gets those with live probers, all of them when none is live), a prober refuses to start for a `REGION` outside them",
  default:
    '`local`; a prober alone: unset, `REGION` not checked; `npm start`: `PROBE_REGIONS`, else `local`',
};

/** Reusable environment fields; each app composes the ones it reads. */
export const envFields = {
  commaList,
  region: z.string().regex(REGION_NAME, 'must be a region name such as eu-west').default('local'),
  regions: documented(regionList.default(['local']), REGIONS_DOC),
  /** The same setting for an app that only checks against it when it is set (the prober). */
  regionsWhenSet: documented(regionList.optional(), REGIONS_DOC),
  port: (fallback: number) =>
    documented(portNumber.default(fallback), {
      description: 'HTTP port (API on the gateway, health on every app)',
    }),
  /** Where the HTTP server listens: `npm start` keeps the API on this machine unless told otherwise. */
  host: (fallback: string) =>
    documented(z.string().default(fallback), {
      description:
        'address the gateway listens on. Anything but loopback exposes the API (and registration) to other machines; with `npm start` it also turns private probe targets off unless `PROBE_ALLOW_PRIVATE` is set, and says so at start',
      default: '`127.0.0.1` with `npm start`; `0.0.0.0` alone',
    }),
  optionalPort: portNumber.optional(),
  /**
   * Whose `X-Forwarded-For` to believe, as Express's `trust proxy` reads it: addresses, CIDR
   * ranges, or the names loopback, linklocal, uniquelocal; `none` trusts no proxy.
   */
  trustedProxies: documented(
    commaList(
      z
        .string()
        .refine(
          (v) => PROXY_NAMES.has(v) || isValid(v) || isValidCIDR(v),
          'each must be an address, a CIDR range, loopback, linklocal, uniquelocal or none',
        ),
    )
      .transform((list) => list.filter((v) => v !== 'none'))
      .default(['loopback']),
    {
      description:
        'whose `X-Forwarded-For` names the client: addresses, CIDRs, `loopback`, `uniquelocal`…, `none`',
    },
  ),
  natsUrl: documented(
    z
      .string()
      .regex(/^(nats|tls|ws|wss):\/\/.+/, 'must be a nats:// URL, e.g. nats://127.0.0.1:4222')
      .default('nats://127.0.0.1:4222'),
    {
      description:
        'NATS with JetStream; `npm start` starts `nats-server` from the PATH if nothing answers on a loopback URL',
    },
  ),
  databaseUrl: documented(
    z
      .string({ message: 'must be a postgres:// URL' })
      .regex(
        /^postgres(ql)?:\/\/.+/,
        'must be a postgres:// URL, e.g. postgres://user:pass@host:5432/db',
      ),
    {
      description: '`postgres://user:pass@host:5432/db`',
      default: 'embedded PostgreSQL under `DATA_DIR` with `npm start`; required alone',
    },
  ),
  /** Where users open the platform; links in emails point here. Each app supplies its default. */
  publicUrl: documented(
    z
      .url({
        protocol: /^https?$/,
        message:
          'must be the http(s) URL users open the platform at, e.g. https://uptime.example.com',
      })
      .transform((url) => url.replace(/\/+$/, ''))
      .optional(),
    {
      description:
        'the http(s) URL users open the platform at: invitation and alert links point here; `npm start` gives the gateway and the notifier the same one',
      default:
        '`http://localhost:<PORT of the gateway>` (the notifier alone: `http://localhost:3000`)',
    },
  ),
  clickhouseUrl: documented(
    z.string().regex(/^https?:\/\/.+/, 'must be an http(s):// URL of a ClickHouse server'),
    {
      description: '`http://user:pass@host:8123/db`',
      default: 'embedded chDB under `DATA_DIR/clickhouse`',
    },
  ),
  logLevel: documented(
    z
      .enum(['error', 'warn', 'info', 'debug', 'verbose'], {
        message: 'must be one of error, warn, info, debug, verbose',
      })
      .default('info'),
    { description: '`error`, `warn`, `info`, `debug`, `verbose`' },
  ),
  logFormat: documented(
    z.enum(['text', 'json'], { message: 'must be text or json' }).default('text'),
    {
      description:
        '`text` (lines for a terminal) or `json` (one JSON object per line on stdout, for a log shipper)',
    },
  ),
  /** OpenTelemetry's own variable: traces go there over OTLP/HTTP (JSON) when it is set. */
  otlpEndpoint: documented(
    z
      .url({ protocol: /^https?$/, message: 'must be the http(s) URL of an OTLP/HTTP receiver' })
      .optional(),
    {
      description:
        'OpenTelemetry traces over OTLP/HTTP (JSON) to this collector, e.g. `http://otel-collector:4318` (spans go to `/v1/traces`); unset: no tracing, no cost',
      default: '— (off)',
    },
  ),
  boolean: (fallback: boolean) => booleanText.default(fallback),
  positiveInt: (fallback: number, max = Number.MAX_SAFE_INTEGER) =>
    z.coerce
      .number({ message: 'must be a number' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(max, `must be at most ${max}`)
      .default(fallback),
  secret: z.string().min(32, 'must be at least 32 characters'),
  nodeEnv: documented(z.enum(['development', 'production', 'test']).default('development'), {
    description: '`production` refuses to generate a JWT secret',
  }),
  dataDir: documented(z.string().default('./.data'), {
    description:
      'where the embedded defaults keep their data, owner-only (0700 folders, 0600 files); one platform at a time. As root, PostgreSQL runs as the `postgres` user with its cluster in `/var/lib/uptime-platform/clusters/<id>` (the id is kept in `DATA_DIR/postgres-cluster-id`)',
  }),
};

/** Where an app serves `/metrics` when the operator keeps it off the public port. */
export interface MetricsEndpoint {
  port: number;
  host: string;
}

/** METRICS_PORT and METRICS_HOST, read alike by every app that listens. */
export const metricsEnvFields = {
  METRICS_PORT: documented(envFields.optionalPort, {
    description: 'serve `/metrics` on this port only; the public port then answers 404 for it',
    default: '— (`/metrics` on `PORT`)',
  }),
  METRICS_HOST: documented(z.string().min(1).optional(), {
    description: 'address the metrics port binds',
    default: '`HOST` on the gateway, else `0.0.0.0`',
  }),
};

/** The metrics endpoint, when METRICS_PORT is set; it binds METRICS_HOST, else the app's own host. */
export function metricsEndpointOf(
  e: { METRICS_PORT?: number; METRICS_HOST?: string },
  appHost = '0.0.0.0',
): MetricsEndpoint | undefined {
  if (e.METRICS_PORT === undefined) return undefined;
  return { port: e.METRICS_PORT, host: e.METRICS_HOST ?? appHost };
}
