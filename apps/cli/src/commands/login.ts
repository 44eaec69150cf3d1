import { Failure } from '../failure';
import { print } from '../terminal/io';
import { ask, askHidden, readAll } from '../terminal/prompt';
import { type CommandContext, stringOption } from './command';

/**
 * `uptime login`: email and password for an access and a refresh token, kept per UPTIME_URL.
 * On a terminal both are asked (the password unechoed); in a script the email comes from
 * --email and the password from UPTIME_PASSWORD or the first line of stdin.
 */
export async function login({ api, io, invocation }: CommandContext): Promise<number> {
  const email = stringOption(invocation, 'email') ?? (await askEmail(io));
  const password = await passwordFrom(io);
  if (!password) throw new Failure('no password given');
  await api.keep(await api.login(email, password));
  print(io.stdout, `Logged in to ${api.url} as ${email}.`);
  return 0;
}

async function askEmail(io: CommandContext['io']): Promise<string> {
  if (!io.stdin.isTTY) throw new Failure('give --email when stdin is not a terminal');
  return ask(io.stdin, io.stderr, 'Email: ');
}

async function passwordFrom(io: CommandContext['io']): Promise<string> {
  if (io.env.UPTIME_PASSWORD) return io.env.UPTIME_PASSWORD;
  if (io.stdin.isTTY) return askHidden(io.stdin as NodeJS.ReadStream, io.stderr, 'Password: ');
  return (await readAll(io.stdin)).split(/\r?\n/)[0] ?? '';
}
