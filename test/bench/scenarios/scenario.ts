import type { ScenarioReport } from '../harness/report';

/** `--name=value` options of one bench invocation, read with defaults. */
export class BenchOptions {
  constructor(private readonly values: Map<string, string>) {}

  static parse(args: string[]): { scenarios: string[]; options: BenchOptions } {
    const scenarios: string[] = [];
    const values = new Map<string, string>();
    for (const arg of args) {
      const option = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
      if (option) values.set(option[1]!, option[2] ?? 'true');
      else scenarios.push(arg);
    }
    return { scenarios, options: new BenchOptions(values) };
  }

  int(name: string, fallback: number): number {
    const raw = this.values.get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0)
      throw new Error(`--${name} must be a whole number, got ${raw}`);
    return value;
  }

  ints(name: string, fallback: number[]): number[] {
    const raw = this.values.get(name);
    if (raw === undefined) return fallback;
    const list = raw.split(',').map(Number);
    if (list.some((v) => !Number.isInteger(v) || v <= 0))
      throw new Error(`--${name} must be a comma-separated list of whole numbers, got ${raw}`);
    return list;
  }

  string(name: string, fallback: string): string {
    return this.values.get(name) ?? fallback;
  }

  flag(name: string): boolean {
    return this.values.get(name) === 'true';
  }
}

export interface Scenario {
  name: string;
  description: string;
  run(options: BenchOptions): Promise<ScenarioReport>;
}
