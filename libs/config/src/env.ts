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
    const name = issue.path.join('.') || '(environment)';
    const got = typeof issue.path[0] === 'string' ? present[issue.path[0]] : undefined;
    const shown = got === undefined ? 'is missing' : `got ${JSON.stringify(redact(got))}`;
    return `${name}: ${issue.message} (${shown})`;
  });
  throw new ConfigError(problems);
}

/** Hides the password of a URL, so that a config error never prints a secret. */
export function redact(value: string): string {
  try {
    const url = new URL(value);
    if (!url.password) return value;
    url.password = '***';
    return url.toString();
  } catch {
    return value.length > 64 ? `${value.slice(0, 8)}…` : value;
  }
}

const booleanText = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const REGION_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

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

/** Reusable environment fields; each app composes the ones it reads. */
export const envFields = {
  commaList,
  region: z.string().regex(REGION_NAME, 'must be a region name such as eu-west').default('local'),
  regions: commaList(
    z.string().regex(REGION_NAME, 'each region must be a name such as eu-west'),
  ).default(['local']),
  port: (fallback: number) =>
    z.coerce
      .number({ message: 'must be a port number' })
      .int('must be a whole number')
      .min(0, 'must be between 0 and 65535')
      .max(65535, 'must be between 0 and 65535')
      .default(fallback),
  natsUrl: z
    .string()
    .regex(/^(nats|tls|ws|wss):\/\/.+/, 'must be a nats:// URL, e.g. nats://127.0.0.1:4222')
    .default('nats://127.0.0.1:4222'),
  databaseUrl: z
    .string({ message: 'must be a postgres:// URL' })
    .regex(
      /^postgres(ql)?:\/\/.+/,
      'must be a postgres:// URL, e.g. postgres://user:pass@host:5432/db',
    ),
  clickhouseUrl: z
    .string()
    .regex(/^https?:\/\/.+/, 'must be an http(s):// URL of a ClickHouse server'),
  logLevel: z
    .enum(['error', 'warn', 'info', 'debug', 'verbose'], {
      message: 'must be one of error, warn, info, debug, verbose',
    })
    .default('info'),
  boolean: (fallback: boolean) => booleanText.default(fallback),
  positiveInt: (fallback: number, max = Number.MAX_SAFE_INTEGER) =>
    z.coerce
      .number({ message: 'must be a number' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(max, `must be at most ${max}`)
      .default(fallback),
  secret: z.string().min(32, 'must be at least 32 characters'),
  nodeEnv: z.enum(['development', 'production', 'test']).default('development'),
  dataDir: z.string().default('./.data'),
};
