import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** A login's tokens for one platform URL. */
export interface StoredSession {
  accessToken: string;
  refreshToken: string;
  /** When the access token expires, ISO 8601. */
  expiresAt: string;
}

interface CredentialsFile {
  /** By platform URL, so that one machine can be logged in to several platforms. */
  sessions: Record<string, StoredSession>;
}

/**
 * The tokens of `uptime login`, in `${XDG_CONFIG_HOME:-~/.config}/uptime/credentials.json`,
 * readable by its owner only (they are as good as the password until they expire).
 */
export class CredentialStore {
  constructor(readonly path: string) {}

  static at(env: NodeJS.ProcessEnv): CredentialStore {
    const configHome = env.XDG_CONFIG_HOME || join(homedir(), '.config');
    return new CredentialStore(join(configHome, 'uptime', 'credentials.json'));
  }

  async get(url: string): Promise<StoredSession | undefined> {
    return (await this.read()).sessions[url];
  }

  async put(url: string, session: StoredSession): Promise<void> {
    const file = await this.read();
    file.sessions[url] = session;
    await this.write(file);
  }

  private async read(): Promise<CredentialsFile> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { sessions: {} };
      throw err;
    }
    try {
      const parsed = JSON.parse(text) as Partial<CredentialsFile>;
      return { sessions: parsed.sessions ?? {} };
    } catch {
      throw new Error(`${this.path} is not valid JSON: delete it and run \`uptime login\` again`);
    }
  }

  /** Written whole to a temporary file then renamed: a crash never leaves half a file. */
  private async write(file: CredentialsFile): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
    // The mode of writeFile applies only to a new file, and the umask may have narrowed it.
    await chmod(temporary, 0o600);
    await rename(temporary, this.path);
  }
}
