import type { ParseArgsConfig } from 'node:util';

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** What each command is called, takes and says in its help. */
export interface CommandSpec {
  /** Words that name it: `['monitors', 'list']`. */
  readonly path: readonly string[];
  readonly summary: string;
  /** Named positional arguments, all required, in order. */
  readonly positionals: readonly string[];
  readonly options: OptionSpecs;
  /** One line per option: `-f, --file <path>  what it is`. */
  readonly optionHelp: readonly string[];
}

export const GLOBAL_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
  'no-color': { type: 'boolean' },
  team: { type: 'string' },
} as const satisfies OptionSpecs;

export const GLOBAL_OPTION_HELP = [
  '--team <id>         act in this team (X-Team-Id; default UPTIME_TEAM, else your personal team)',
  '--no-color          plain output (also NO_COLOR=1; FORCE_COLOR=1 colours a pipe)',
  '-h, --help          this help',
  '-V, --version       the version',
];

export const COMMANDS = [
  {
    path: ['login'],
    summary: 'Log in with email and password and keep the tokens for UPTIME_URL',
    positionals: [],
    options: { email: { type: 'string' } },
    optionHelp: [
      '--email <email>     the account (asked when not given)',
      '                    password: asked on a terminal, else UPTIME_PASSWORD or the first line of stdin',
    ],
  },
  {
    path: ['apply'],
    summary: 'Make the monitors match a YAML or JSON document, by key',
    positionals: [],
    options: {
      file: { type: 'string', short: 'f' },
      'dry-run': { type: 'boolean' },
      prune: { type: 'boolean' },
    },
    optionHelp: [
      '-f, --file <path>   the document (.yaml, .yml or .json; - reads YAML from stdin)',
      '--dry-run           show the plan only; exit code 2 when it has changes',
      '--prune             also delete keyed monitors the document does not list',
    ],
  },
  {
    path: ['export'],
    summary: 'Print every monitor as a YAML document that apply accepts',
    positionals: [],
    options: { output: { type: 'string', short: 'o' } },
    optionHelp: ['-o, --output <path>  write to this file instead of stdout'],
  },
  {
    path: ['monitors', 'list'],
    summary: 'List the monitors',
    positionals: [],
    options: { json: { type: 'boolean' } },
    optionHelp: ['--json              the monitors as JSON'],
  },
  {
    path: ['check'],
    summary: 'Check the monitor with this key now; exit code 1 when it is down',
    positionals: ['key'],
    options: { json: { type: 'boolean' } },
    optionHelp: ['--json              the check result as JSON'],
  },
] as const satisfies readonly CommandSpec[];

export function nameOf(spec: CommandSpec): string {
  return spec.path.join(' ');
}
