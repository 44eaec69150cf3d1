import { createServer, type Server } from 'node:http';

/**
 * A bench target process: answers `200 {"status":"ok"}` on every address it is given, so no
 * single listen socket limits the load. Argv: port, then addresses. Speaks to its parent over IPC:
 * `ready` once listening; answers `{ hits }` to `count`.
 */
const [portArg, ...addresses] = process.argv.slice(2);
const port = Number(portArg);
const body = Buffer.from('{"status":"ok"}');
let hits = 0;

const servers: Server[] = addresses.map(() =>
  createServer((req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  }),
);

async function main(): Promise<void> {
  await Promise.all(
    servers.map(
      (server, i) =>
        new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ port, host: addresses[i], backlog: 4096 }, resolve);
        }),
    ),
  );
  process.send?.('ready');
}

process.on('message', (message) => {
  if (message === 'count') process.send?.({ hits });
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));

main().catch((err: unknown) => {
  process.stderr.write(`target fleet failed: ${String(err)}\n`);
  process.exit(1);
});
