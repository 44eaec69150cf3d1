import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ApiError, ConnectionError, describeProblem, NotLoggedInError } from './api/api-error';
import { UptimeApi } from './api/uptime-api';
import { parseCommandLine, UsageError, type Invocation } from './args/command-line';
import { apply } from './commands/apply';
import { check } from './commands/check';
import type { Command } from './commands/command';
import { exportMonitors } from './commands/export';
import { login } from './commands/login';
import { listMonitors } from './commands/monitors';
import { CredentialStore } from './credentials/credential-store';
import { Failure } from './failure';
import { type Io, print } from './terminal/io';

export const DEFAULT_URL = 'http://localhost:3000';

const COMMANDS: Record<string, Command> = {
  login,
  apply,
  export: exportMonitors,
  'monitors list': listMonitors,
  check,
};

/** Runs one command line; answers the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  try {
    const commandLine = parseCommandLine(argv);
    if (commandLine.kind === 'help') return done(io.stdout, commandLine.text);
    if (commandLine.kind === 'version') return done(io.stdout, versionOf());
    const { invocation } = commandLine;
    const command = COMMANDS[invocation.command]!;
    return await command({ api: apiFor(invocation, io.env), io, invocation });
  } catch (err) {
    report(err, io);
    return 1;
  }
}

function apiFor(invocation: Invocation, env: NodeJS.ProcessEnv): UptimeApi {
  const url = (env.UPTIME_URL || DEFAULT_URL).replace(/\/+$/, '');
  const team = invocation.team ?? (env.UPTIME_TEAM || undefined);
  // login makes tokens of its own: a key in the environment is for the other commands.
  const apiKey = invocation.command === 'login' ? undefined : env.UPTIME_API_KEY || undefined;
  return new UptimeApi(url, {
    store: CredentialStore.at(env),
    ...(apiKey && { apiKey }),
    ...(team && { team }),
  });
}

function report(err: unknown, io: Io): void {
  const error = io.errorPalette.red('Error:');
  if (err instanceof UsageError) return print(io.stderr, `${error} ${err.message}\n\n${err.help}`);
  if (err instanceof ApiError) {
    const [head, ...fields] = describeProblem(err);
    print(io.stderr, [`${error} ${head}`, ...fields, ...hintFor(err, io.env)].join('\n'));
    return;
  }
  if (err instanceof Failure || err instanceof ConnectionError || err instanceof NotLoggedInError)
    return print(io.stderr, `${error} ${err.message}`);
  print(io.stderr, `${error} ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
}

function hintFor(err: ApiError, env: NodeJS.ProcessEnv): string[] {
  if (err.status !== 401) return [];
  return env.UPTIME_API_KEY
    ? ['The API key in UPTIME_API_KEY was refused: check it, or unset it to use `uptime login`.']
    : ['Run `uptime login` again.'];
}

function done(stream: NodeJS.WritableStream, text: string): number {
  print(stream, text);
  return 0;
}

/** The package's version, from the package.json above this file (in the sources or in dist/). */
function versionOf(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest))
      return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}
