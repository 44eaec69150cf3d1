import type { Env } from '@uptime/config';

/** Variables whose whole value is a secret. */
const SECRET_NAME = /SECRET|PASSWORD|TOKEN|_KEY$/;

/**
 * A message fit to print: no secret value of the environment, and no password of any URL in
 * it. A start error can quote a value it was given (a driver's message, a config problem).
 */
export function withoutSecrets(message: string, env: Env): string {
  let text = message.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s@/]+@/gi, '$1***@');
  for (const [name, value] of Object.entries(env)) {
    if (!value || value.length < 4) continue;
    if (SECRET_NAME.test(name)) text = text.split(value).join('***');
    const password = urlPassword(value);
    if (!password) continue;
    for (const form of new Set([password, decoded(password)])) text = text.split(form).join('***');
  }
  return text;
}

function urlPassword(value: string): string | undefined {
  try {
    const password = new URL(value).password;
    return password.length >= 4 ? password : undefined;
  } catch {
    return undefined;
  }
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
