import { writeFile } from 'node:fs/promises';
import { print } from '../terminal/io';
import { type CommandContext, stringOption } from './command';

/** `uptime export [-o file]`: every monitor as the YAML document that `apply` takes. */
export async function exportMonitors({ api, io, invocation }: CommandContext): Promise<number> {
  const yaml = await api.text('/config/export', 'text/yaml, application/yaml;q=0.9');
  const output = stringOption(invocation, 'output');
  if (!output) {
    io.stdout.write(yaml);
    return 0;
  }
  await writeFile(output, yaml);
  print(io.stderr, `Exported to ${output}.`);
  return 0;
}
