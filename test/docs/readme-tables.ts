/**
 * The README's route and configuration tables, generated from their one source: the gateway's
 * OpenAPI document (built from the controllers) and each app's environment schema. `npm run docs`
 * writes them into README.md; readme-tables.spec.ts fails when README.md and they differ.
 */
import { NestFactory } from '@nestjs/core';
import { DEFAULT_TEXT } from '@uptime/config';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { z } from 'zod';
import { API_PREFIX, openApiDocument, setApiPrefix } from '../../apps/gateway/src/bootstrap';
import { GatewayEnvSchema, loadGatewayConfig } from '../../apps/gateway/src/config';
import { GatewayModule } from '../../apps/gateway/src/gateway.module';
import { MetricsEnvSchema } from '../../apps/metrics/src/config';
import { RegistryEnvSchema } from '../../apps/monitor-registry/src/config';
import { NotifierEnvSchema } from '../../apps/notifier/src/config';
import { PlatformEnvSchema } from '../../apps/platform/src/config';
import { ProberEnvSchema } from '../../apps/prober/src/config';
import { SchedulerEnvSchema } from '../../apps/scheduler/src/config';

/** Compiled to dist/test/docs: the repository root is three folders up. */
export const README_PATH = join(__dirname, '..', '..', '..', 'README.md');

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

type AppSchemas = ReadonlyArray<readonly [app: string, schema: z.ZodObject]>;

/** Each app's schema, in the order the table lists them; platform is `npm start`. */
const ENV_SCHEMAS: AppSchemas = [
  ['gateway', GatewayEnvSchema],
  ['monitor-registry', RegistryEnvSchema],
  ['scheduler', SchedulerEnvSchema],
  ['prober', ProberEnvSchema],
  ['metrics', MetricsEnvSchema],
  ['notifier', NotifierEnvSchema],
  ['platform', PlatformEnvSchema],
];
const SERVICES = ENV_SCHEMAS.map(([app]) => app).filter((app) => app !== 'platform');

/**
 * `| route | what it does |`, one row per operation of the OpenAPI document. The gateway's
 * module is built in preview mode: its controllers are scanned, nothing connects or listens.
 */
export async function routeTable(): Promise<string> {
  const config = loadGatewayConfig({ JWT_SECRET: 'x'.repeat(32) });
  const app = await NestFactory.create(GatewayModule.forRoot(config), {
    preview: true,
    logger: false,
  });
  setApiPrefix(app);
  const document = openApiDocument(app);
  await app.close();
  const rows = Object.entries(document.paths).flatMap(([path, item]) =>
    HTTP_METHODS.flatMap((method) => {
      const operation = item[method];
      if (!operation) return [];
      if (!operation.summary) throw new Error(`${method} ${path} has no @ApiOperation summary`);
      const route = `${method.toUpperCase()} ${path.replace(`/${API_PREFIX}`, '')}`;
      return [[code(route), operation.summary]];
    }),
  );
  return markdownTable(['route', 'what it does'], rows);
}

interface EnvRow {
  apps: string[];
  description?: string;
  defaultText?: string;
}

/** `| variable | apps | default | what it does |`, one row per variable any app reads. */
export function envTable(schemas: AppSchemas = ENV_SCHEMAS): string {
  const byName = new Map<string, EnvRow>();
  for (const [app, schema] of schemas) {
    for (const [name, field] of Object.entries(schema.shape)) {
      const row = byName.get(name) ?? { apps: [] };
      row.apps.push(app);
      byName.set(name, mergeDoc(name, row, field as z.ZodType));
    }
  }
  const rows = [...byName].map(([name, row]) => {
    if (!row.description) {
      throw new Error(`${name} has no description: document it in its schema (describe())`);
    }
    return [code(name), appsOf(row.apps), row.defaultText ?? '—', row.description];
  });
  return markdownTable(['variable', 'apps', 'default', 'what it does'], rows);
}

/** One description per variable: two apps that describe it differently are an error. */
function mergeDoc(name: string, row: EnvRow, field: z.ZodType): EnvRow {
  const doc = docOf(field);
  if (!doc) return row;
  const defaultText = doc.defaultText ?? defaultOf(field);
  const differs =
    row.description !== undefined &&
    (row.description !== doc.description || row.defaultText !== defaultText);
  if (differs) throw new Error(`${name} is described differently in ${row.apps.join(' and ')}`);
  return { ...row, description: doc.description, defaultText };
}

/** The field's description, also through an `.optional()` added by the app that reads it. */
function docOf(field: z.ZodType): { description: string; defaultText?: string } | undefined {
  const meta = z.globalRegistry.get(field);
  if (meta?.description) {
    const defaultText = meta[DEFAULT_TEXT];
    return {
      description: meta.description,
      defaultText: typeof defaultText === 'string' ? defaultText : undefined,
    };
  }
  return field instanceof z.ZodOptional ? docOf(field.unwrap() as z.ZodType) : undefined;
}

function defaultOf(field: z.ZodType): string | undefined {
  if (!(field instanceof z.ZodDefault)) return undefined;
  const value: unknown = field.def.defaultValue;
  if (Array.isArray(value) && value.length === 0) return undefined;
  return code(Array.isArray(value) ? value.join(',') : String(value));
}

function appsOf(apps: readonly string[]): string {
  if (SERVICES.every((app) => apps.includes(app))) return 'every app';
  return apps.join(', ');
}

function code(text: string): string {
  return `\`${text}\``;
}

function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** README.md with both tables replaced between their markers, formatted as prettier would. */
export async function renderReadme(readme: string): Promise<string> {
  const withRoutes = between(readme, 'routes', await routeTable());
  const withEnv = between(withRoutes, 'env', envTable());
  const options = await prettier.resolveConfig(README_PATH);
  return prettier.format(withEnv, { ...options, filepath: README_PATH });
}

function between(text: string, marker: string, table: string): string {
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md lacks the ${start} … ${end} markers`);
  return `${text.slice(0, from + start.length)}\n\n${table}\n\n${text.slice(to)}`;
}

async function writeReadme(): Promise<void> {
  const readme = await readFile(README_PATH, 'utf8');
  await writeFile(README_PATH, await renderReadme(readme));
}

if (require.main === module) {
  writeReadme().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
