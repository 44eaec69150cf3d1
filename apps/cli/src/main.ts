import { run } from './cli';
import { Palette } from './terminal/palette';

// The `uptime` command (bin/uptime.js runs this file): the process's streams and environment.
const argv = process.argv.slice(2);
const noColor = argv.includes('--no-color');
void run(argv, {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  palette: Palette.for(process.stdout, process.env, noColor),
  errorPalette: Palette.for(process.stderr, process.env, noColor),
  env: process.env,
}).then((code) => {
  // exitCode, not exit(): what is still buffered for a pipe gets written.
  process.exitCode = code;
});
