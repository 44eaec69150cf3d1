import { rpcProblem } from '@uptime/bus';
import {
  type ConfigChange,
  type FieldError,
  type KeyedSpec,
  type MonitorSpec,
  monitorTarget,
  monitorTargetWords,
  Problems,
  specChanges,
  typeChangeErrors,
} from '@uptime/contracts';

/** A monitor of the owner as the plan sees it. */
export interface OwnedMonitor {
  readonly id: string;
  readonly spec: MonitorSpec;
}

/**
 * What applying a document's monitors to the owner's takes, before anything is written. A
 * document monitor is matched by key; one whose key matches nothing but whose target (method and
 * URL, and a dns monitor's record type, `monitorTarget`) is that of a monitor without a key adopts it (its update sets the key): how monitors created
 * before keys, or exported with a derived key, come under the document.
 */
export interface ConfigPlanDraft<M extends OwnedMonitor> {
  readonly create: { key: string; spec: KeyedSpec }[];
  readonly update: { monitor: M; spec: KeyedSpec; changes: ConfigChange[] }[];
  readonly delete: M[];
  readonly unchanged: string[];
}

/**
 * Plans `wanted` (in document order) against `existing`. With `prune`, keyed monitors the document
 * does not list are deleted; monitors without a key never are. Refuses with a 409 naming the
 * document monitor when the result would hold two monitors with one target.
 */
export function planConfig<M extends OwnedMonitor>(
  existing: readonly M[],
  wanted: readonly KeyedSpec[],
  prune: boolean,
): ConfigPlanDraft<M> {
  const byKey = new Map(existing.filter((m) => m.spec.key !== null).map((m) => [m.spec.key, m]));
  const unkeyedByTarget = new Map(
    existing.filter((m) => m.spec.key === null).map((m) => [monitorTarget(m.spec), m]),
  );
  const plan: ConfigPlanDraft<M> = { create: [], update: [], delete: [], unchanged: [] };
  const matched = new Set<string>();
  for (const spec of wanted) {
    const monitor = byKey.get(spec.key) ?? unkeyedByTarget.get(monitorTarget(spec));
    if (!monitor) {
      plan.create.push({ key: spec.key, spec });
      continue;
    }
    matched.add(monitor.id);
    const typeErrors = typeChangeErrors(monitor.spec, spec);
    if (typeErrors.length) {
      const field = `monitors[${wanted.indexOf(spec)}].type`;
      throw rpcProblem(Problems.validation(typeErrors.map((e) => ({ ...e, field }))));
    }
    // A heartbeat monitor's URL is its id, which a document never states.
    const next = spec.type === 'heartbeat' ? { ...spec, url: monitor.spec.url } : spec;
    const changes = specChanges(monitor.spec, next);
    if (changes.length) plan.update.push({ monitor, spec: next, changes });
    else plan.unchanged.push(spec.key);
  }
  const unlisted = existing.filter((m) => !matched.has(m.id));
  plan.delete.push(...(prune ? unlisted.filter((m) => m.spec.key !== null) : []));
  const kept = unlisted.filter((m) => !plan.delete.includes(m));
  assertNoTargetClash(kept, wanted);
  return plan;
}

/**
 * The document's monitors are distinct among themselves (validated); what remains is a monitor
 * the document leaves alone that has the target one of them wants.
 */
function assertNoTargetClash(kept: readonly OwnedMonitor[], wanted: readonly KeyedSpec[]): void {
  const keptByTarget = new Map(kept.map((m) => [monitorTarget(m.spec), m]));
  const errors: FieldError[] = wanted.flatMap((spec, i) => {
    const other = keptByTarget.get(monitorTarget(spec));
    if (!other) return [];
    const which = other.spec.key !== null ? `key "${other.spec.key}"` : 'no key';
    return [
      {
        field: `monitors[${i}].url`,
        message: `has the ${monitorTargetWords(spec)} of your monitor "${other.spec.name}" (${which}, id ${other.id}), which the document does not list`,
      },
    ];
  });
  if (errors.length) {
    throw rpcProblem({
      ...Problems.conflict(
        'The document would give two monitors the same target (method and URL, and a dns monitor its record type); nothing was changed.',
      ),
      errors,
    });
  }
}
