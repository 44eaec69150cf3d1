/** ANSI colours for one output stream, or none: the same calls either way. */
export class Palette {
  constructor(readonly enabled: boolean) {}

  /**
   * Colours when the stream is a terminal, unless `--no-color` or NO_COLOR (any non-empty value,
   * no-color.org) says otherwise; FORCE_COLOR turns them on for a pipe, e.g. a CI log.
   */
  static for(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, noColorFlag: boolean): Palette {
    if (noColorFlag || env.NO_COLOR) return new Palette(false);
    if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return new Palette(true);
    return new Palette(stream.isTTY === true);
  }

  green = (text: string) => this.paint(32, text);
  yellow = (text: string) => this.paint(33, text);
  red = (text: string) => this.paint(31, text);
  bold = (text: string) => this.paint(1, text);
  dim = (text: string) => this.paint(2, text);

  private paint(code: number, text: string): string {
    return this.enabled ? `\u001b[${code}m${text}\u001b[0m` : text;
  }
}
