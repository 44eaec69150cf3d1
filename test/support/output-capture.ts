/**
 * Everything the process writes to stdout and stderr while started, Nest's logs of every app in
 * the process included; still written through, so the test runner's output is untouched.
 */
export class OutputCapture {
  text = '';
  private readonly restore: (() => void)[] = [];

  start(): void {
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream);
      stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
        this.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        return write(chunk, ...rest);
      }) as typeof stream.write;
      this.restore.push(() => (stream.write = write));
    }
  }

  stop(): void {
    for (const undo of this.restore.splice(0)) undo();
  }
}
