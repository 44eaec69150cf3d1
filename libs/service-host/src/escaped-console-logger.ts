import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { inspect } from 'node:util';

/**
 * C0 controls (tab aside), DEL, C1 controls, the Unicode line separators and the bidi overrides:
 * each can end a log line early, forge a new one, drive the operator's terminal, or make a line
 * read differently from what it holds.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r' };

/** Writes every control character as a visible escape (`\n`, `\x1b`, `\u202e`). */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return NAMED[c] ?? (code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`);
  });
}

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

/**
 * Nest's console logger, except that nothing a client or a database wrote can break out of its
 * line: a monitor named `x\r\n[Nest] 1 - forged` prints as one line with `\r\n` in it. Used by
 * every app (see `startService`), so it covers every message, context and stack trace.
 */
export class EscapedConsoleLogger extends ConsoleLogger {
  /** An error logged by itself (Nest's exception handlers do so) prints as a line and its stack. */
  override error(message: unknown, ...rest: unknown[]): void {
    if (message instanceof Error && rest.length <= 1)
      return super.error(`${message.name}: ${message.message}`, message.stack, ...rest);
    super.error(message, ...rest);
  }

  protected override stringifyMessage(message: unknown, logLevel: LogLevel): string {
    if (typeof message === 'function') return super.stringifyMessage(message, logLevel);
    const text =
      typeof message === 'string'
        ? message
        : inspect(message, { depth: 5, colors: false, breakLength: Infinity, compact: true });
    return this.colorize(escapeControlCharacters(text), logLevel);
  }

  /**
   * With `json: true` the line is one JSON object, which JSON already keeps on one line; a string
   * message is escaped as in text all the same, so the Unicode separators and bidi overrides
   * JSON leaves raw cannot mislead whoever reads the log in a terminal.
   */
  protected override getJsonLogObject(
    message: unknown,
    options: {
      context: string;
      logLevel: LogLevel;
      writeStreamType?: 'stdout' | 'stderr';
      errorStack?: unknown;
    },
  ): ReturnType<ConsoleLogger['getJsonLogObject']> {
    return super.getJsonLogObject(
      typeof message === 'string' ? escapeControlCharacters(message) : message,
      { ...options, context: escapeControlCharacters(options.context) },
    );
  }

  protected override formatContext(context: string): string {
    return super.formatContext(escapeControlCharacters(context));
  }

  /** A stack keeps one frame per line; whatever else it holds (the message) stays on its line. */
  protected override printStackTrace(stack: string): void {
    if (!stack) return;
    super.printStackTrace(escapeControlCharacters(stack).replace(/\\n(?=\s+at )/g, '\n'));
  }
}
