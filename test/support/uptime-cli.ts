import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** bin/uptime.js of the package, as `npx uptime` runs it (the compiled client in dist/). */
const BIN = join(__dirname, '..', '..', '..', 'bin', 'uptime.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The `uptime` command as a user runs it: its own process, against one platform, with a config
 * home of its own (where `uptime login` keeps its tokens) and no environment of the test's
 * beyond PATH, so that NO_COLOR or a stray UPTIME_API_KEY cannot change what it does.
 */
export class UptimeCli {
  private constructor(
    readonly url: string,
    readonly configHome: string,
  ) {}

  static async for(url: string): Promise<UptimeCli> {
    return new UptimeCli(url, await mkdtemp(join(tmpdir(), 'uptime-cli-')));
  }

  get credentialsPath(): string {
    return join(this.configHome, 'uptime', 'credentials.json');
  }

  /** Runs `uptime ...args`; `input` is written to its stdin (then closed), `env` added. */
  run(
    args: string[],
    options: { input?: string; env?: Record<string, string>; cwd?: string } = {},
  ): Promise<CliResult> {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? this.configHome,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: this.configHome,
        XDG_CONFIG_HOME: this.configHome,
        UPTIME_URL: this.url,
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(options.input ?? '');
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  async remove(): Promise<void> {
    await rm(this.configHome, { recursive: true, force: true });
  }
}
