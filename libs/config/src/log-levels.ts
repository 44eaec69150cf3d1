import type { LogLevel } from '@nestjs/common';

const ORDER: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Maps the operator's LOG_LEVEL onto the set of Nest levels that are printed. */
export function nestLogLevels(level: 'error' | 'warn' | 'info' | 'debug' | 'verbose'): LogLevel[] {
  const nestLevel: LogLevel = level === 'info' ? 'log' : level;
  return ORDER.slice(0, ORDER.indexOf(nestLevel) + 1);
}
