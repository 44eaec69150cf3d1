import type { Palette } from './palette';

/** Where a command reads and writes: the process's streams, each with its colours. */
export interface Io {
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** Colours for stdout, and for stderr: each stream decides for itself (one may be a pipe). */
  readonly palette: Palette;
  readonly errorPalette: Palette;
  readonly env: NodeJS.ProcessEnv;
}

export function print(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}
