import type { ConfigPlan } from '@uptime/contracts';

export type { ConfigPlan };
/** One changed field; in a plan too large for one message the platform names the field only. */
export type FieldChange = ConfigPlan['update'][number]['changes'][number];

export function hasChanges(plan: ConfigPlan): boolean {
  return plan.create.length + plan.update.length + plan.delete.length > 0;
}
