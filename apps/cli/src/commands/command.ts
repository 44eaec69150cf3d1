import type { UptimeApi } from '../api/uptime-api';
import type { Invocation } from '../args/command-line';
import type { Io } from '../terminal/io';

/** What a command runs with. */
export interface CommandContext {
  readonly api: UptimeApi;
  readonly io: Io;
  readonly invocation: Invocation;
}

/** A command; it answers its exit code (0 done, 1 failed, 2 a dry run with changes). */
export type Command = (context: CommandContext) => Promise<number>;

export function stringOption(invocation: Invocation, name: string): string | undefined {
  const value = invocation.options[name];
  return typeof value === 'string' ? value : undefined;
}

export function flag(invocation: Invocation, name: string): boolean {
  return invocation.options[name] === true;
}
