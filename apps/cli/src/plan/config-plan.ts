/**
 * The answer of `POST /config/apply`: what applying the document does (or did, when `applied`),
 * monitor by key.
 */
export interface ConfigPlan {
  /** `id` once applied; `monitor` if the platform shows what it creates. */
  create: { key: string; id?: string; monitor?: Record<string, unknown> }[];
  update: { key: string; id: string; changes: FieldChange[] }[];
  delete: { key: string; id: string }[];
  unchanged: string[];
  applied: boolean;
}

/** In a plan too large for one message the platform names the fields only, without values. */
export interface FieldChange {
  field: string;
  from?: unknown;
  to?: unknown;
}

export function hasChanges(plan: ConfigPlan): boolean {
  return plan.create.length + plan.update.length + plan.delete.length > 0;
}
