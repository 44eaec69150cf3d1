import { readFile } from 'node:fs/promises';
import { ApiError } from '../api/api-error';
import { Failure } from '../failure';
import { hasChanges, type ConfigPlan } from '../plan/config-plan';
import { renderPlan } from '../plan/plan-renderer';
import { readAll } from '../terminal/prompt';
import { type CommandContext, flag, stringOption } from './command';

/**
 * `uptime apply -f uptime.yaml [--dry-run] [--prune]`: sends the document and shows the plan
 * the platform answers. A dry run with changes exits 2, so that CI can tell "in sync" (0) from
 * "would change" (2) and from an error (1).
 */
export async function apply({ api, io, invocation }: CommandContext): Promise<number> {
  const file = stringOption(invocation, 'file');
  if (!file) throw new Failure('apply needs the document: -f <path> (or -f - for stdin)');
  const dryRun = flag(invocation, 'dry-run');
  const prune = flag(invocation, 'prune');
  const text = await documentText(file, io.stdin);
  const contentType = /\.json$/i.test(file) ? 'application/json' : 'application/yaml';
  let plan: ConfigPlan;
  try {
    plan = await api.post<ConfigPlan>(`/config/apply?dryRun=${dryRun}&prune=${prune}`, {
      text,
      contentType,
    });
  } catch (err) {
    throw err instanceof ApiError ? err.about(file === '-' ? '<stdin>' : file) : err;
  }
  io.stdout.write(renderPlan(plan, io.palette));
  return dryRun && hasChanges(plan) ? 2 : 0;
}

async function documentText(file: string, stdin: NodeJS.ReadableStream): Promise<string> {
  if (file === '-') return readAll(stdin);
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new Failure(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
}
