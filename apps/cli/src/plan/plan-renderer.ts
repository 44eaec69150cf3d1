import type { Palette } from '../terminal/palette';
import { type ConfigPlan, type FieldChange, hasChanges } from './config-plan';

/**
 * A plan as `terraform plan` shows one: `+ key` to create (green), `~ key` to change (yellow)
 * with a `field: from → to` line per field, `- key` to delete (red), then one summary line.
 */
export function renderPlan(plan: ConfigPlan, palette: Palette): string {
  const lines: string[] = [];
  for (const { key } of plan.create) lines.push(palette.green(`+ ${key}`));
  for (const { key, changes } of plan.update) {
    lines.push(palette.yellow(`~ ${key}`));
    lines.push(...changes.map((change) => `    ${describeChange(change)}`));
  }
  for (const { key } of plan.delete) lines.push(palette.red(`- ${key}`));
  if (lines.length > 0) lines.push('');
  lines.push(summaryOf(plan, palette));
  return lines.join('\n') + '\n';
}

export function summaryOf(plan: ConfigPlan, palette: Palette): string {
  const unchanged = plan.unchanged.length;
  if (!hasChanges(plan))
    return `${palette.bold('No changes.')} ${count(unchanged, 'monitor')} unchanged.`;
  const [created, changed, deleted] = [plan.create, plan.update, plan.delete].map((l) => l.length);
  if (plan.applied)
    return `${palette.bold('Applied:')} ${created} created, ${changed} changed, ${deleted} deleted, ${unchanged} unchanged.`;
  return `${palette.bold('Plan:')} ${created} to create, ${changed} to change, ${deleted} to delete, ${unchanged} unchanged.`;
}

function describeChange({ field, from, to }: FieldChange): string {
  if (from === undefined && to === undefined) return `${field} (changed)`;
  return `${field}: ${show(from)} → ${show(to)}`;
}

/** A value as in the document: strings quoted, lists and objects as compact JSON, none as null. */
function show(value: unknown): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
