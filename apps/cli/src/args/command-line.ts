import { parseArgs } from 'node:util';
import {
  COMMANDS,
  type CommandSpec,
  GLOBAL_OPTION_HELP,
  GLOBAL_OPTIONS,
  nameOf,
  type OptionSpecs,
} from './commands';

/** A command line that names a command, with its options and positional arguments. */
export interface Invocation {
  readonly command: string;
  readonly options: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;
  readonly args: Readonly<Record<string, string>>;
  readonly team?: string;
}

export type CommandLine =
  { kind: 'run'; invocation: Invocation } | { kind: 'help'; text: string } | { kind: 'version' };

/** A command line that cannot be run; its message says why and the help says how. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly help: string,
  ) {
    super(message);
  }
}

export function parseCommandLine(argv: readonly string[]): CommandLine {
  const spec = commandOf(argv);
  const options: OptionSpecs = { ...GLOBAL_OPTIONS, ...spec?.options };
  let parsed: ReturnType<typeof parseArgs<{ options: OptionSpecs; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(messageOf(err), spec ? commandHelp(spec) : mainHelp());
  }
  const { values, positionals } = parsed;
  if (values.version === true) return { kind: 'version' };
  if (values.help === true) return { kind: 'help', text: spec ? commandHelp(spec) : mainHelp() };
  if (!spec) {
    if (positionals.length === 0) return { kind: 'help', text: mainHelp() };
    const group = COMMANDS.filter((c) => c.path.length > 1 && c.path[0] === positionals[0]);
    if (group.length > 0) {
      const subcommands = group.map((c) => c.path.slice(1).join(' ')).join(', ');
      throw new UsageError(`${positionals[0]} takes a subcommand: ${subcommands}`, mainHelp());
    }
    throw new UsageError(`unknown command "${positionals.join(' ')}"`, mainHelp());
  }
  const given = positionals.slice(spec.path.length);
  if (given.length !== spec.positionals.length) {
    const wanted = spec.positionals.map((p) => `<${p}>`).join(' ') || 'no arguments';
    throw new UsageError(`${nameOf(spec)} takes ${wanted}`, commandHelp(spec));
  }
  const team = typeof values.team === 'string' ? values.team : undefined;
  return {
    kind: 'run',
    invocation: {
      command: nameOf(spec),
      options: values,
      args: Object.fromEntries(spec.positionals.map((name, i) => [name, given[i]!])),
      ...(team !== undefined && { team }),
    },
  };
}

/**
 * The command the words name, found before the strict parse so that its options are known
 * to it. Only the global options are known here: a value of --team is not taken for a word.
 */
function commandOf(argv: readonly string[]): CommandSpec | undefined {
  const { positionals } = parseArgs({
    args: [...argv],
    options: GLOBAL_OPTIONS,
    allowPositionals: true,
    strict: false,
  });
  return COMMANDS.find((c) => c.path.every((word, i) => positionals[i] === word));
}

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => usageOf(c).length));
  return [
    'Usage: uptime <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${usageOf(c).padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    ...GLOBAL_OPTION_HELP.map((line) => `  ${line}`),
    '',
    'Environment:',
    '  UPTIME_URL          the platform (default http://localhost:3000)',
    '  UPTIME_API_KEY      an API key (upk_...), used instead of the tokens of `uptime login`',
    '',
    'Run `uptime <command> --help` for the options of a command.',
    '',
  ].join('\n');
}

export function commandHelp(spec: CommandSpec): string {
  return [
    `Usage: uptime ${usageOf(spec)} [options]`,
    '',
    spec.summary + '.',
    '',
    'Options:',
    ...[...spec.optionHelp, ...GLOBAL_OPTION_HELP].map((line) => `  ${line}`),
    '',
  ].join('\n');
}

function usageOf(spec: CommandSpec): string {
  return [...spec.path, ...spec.positionals.map((p) => `<${p}>`)].join(' ');
}

function messageOf(err: unknown): string {
  // parseArgs's messages end with a hint about `--` that does not apply to these commands.
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\. To specify a positional argument.*$/s, '');
}
