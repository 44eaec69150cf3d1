/**
 * The answer of `POST /config/apply`: what applying the document does (or did, when `applied`),
 * monitor by key.
 */
export interface ConfigPlan {
  create: { key: string; monitor?: Record<string, unknown> }[];
  update: { key: string; id: string; changes: FieldChange[] }[];
  delete: { key: string; id: string }[];
  unchanged: string[];
  applied: boolean;
}

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

export function hasChanges(plan: ConfigPlan): boolean {
  return plan.create.length + plan.update.length + plan.delete.length > 0;
}
