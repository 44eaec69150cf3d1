import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time by function and by package/file of a V8 `.cpuprofile`, biggest first. */
export function summariseProfile(path: string, top = 25): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) =>
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
  );
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  const byApp = new Map<string, number>();
  for (const [id, us] of self) {
    const app = appOf(id, byId, parentOf);
    byApp.set(app, (byApp.get(app) ?? 0) + us);
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const file = shorten(url);
    const fn = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    byFile.set(groupOf(url, functionName), (byFile.get(groupOf(url, functionName)) ?? 0) + us);
  }
  const list = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `${((us / total) * 100).toFixed(1).padStart(5)} %  ${k}`)
      .join('\n');
  return `total ${(total / 1e6).toFixed(1)} s sampled\n\nby app (the nearest app or lib frame on the stack):\n${list(byApp)}\n\nby package or area:\n${list(byFile)}\n\nby function (self):\n${list(byFunction)}\n`;
}

/**
 * Whose work a sample is: the innermost frame of an app (`apps/<name>/`), else of a lib; a
 * callback the NATS client or a socket runs has no such frame (its async stack is gone), so it
 * goes by its leaf's package.
 */
function appOf(id: number, byId: Map<number, ProfileNode>, parentOf: Map<number, number>): string {
  let lib: string | undefined;
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
    const url = byId.get(at)!.callFrame.url;
    const app = /\/apps\/([^/]+)\//.exec(url);
    if (app) return `app ${app[1]}`;
    const found = /\/libs\/([^/]+)\//.exec(url);
    if (found && lib === undefined) lib = `lib ${found[1]}`;
  }
  const leaf = byId.get(id)!.callFrame;
  return lib ?? `no app frame: ${groupOf(leaf.url, leaf.functionName)}`;
}

function shorten(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '') || '(native)';
}

function groupOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:'))
    return url.split('/')[0]!.replace(/^node:internal.*/, 'node:internal');
  const dist = url.indexOf('/dist/');
  return dist >= 0
    ? url
        .slice(dist + 1)
        .split('/')
        .slice(0, 4)
        .join('/')
    : url;
}

if (require.main === module) {
  for (const path of process.argv.slice(2)) process.stdout.write(summariseProfile(path));
}
