/**
 * The value of a Prometheus counter or gauge an app serves at `<baseUrl>/metrics` (0 while it has
 * none), whatever labels the app adds to every series.
 */
export async function scrapeMetric(baseUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${baseUrl.replace('[::1]', '127.0.0.1')}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line ? Number(line.split(' ').pop()) : 0;
}
