import { writeFileSync } from 'node:fs';

/**
 * A V8 CPU profile of another node process over a window, through its inspector (started with
 * `--inspect=127.0.0.1:<port>`): `--cpu-prof` covers the whole run, start-up and the creation of
 * the monitors included, this only the measured window. Run with `--experimental-websocket`
 * (Node 20 has no WebSocket client otherwise): `node --experimental-websocket
 * window-profile-process.js <inspector port> <seconds> <out.cpuprofile>`.
 */
interface Reply {
  id?: number;
  result?: { profile?: unknown };
  error?: { message: string };
}

/** The part of the WHATWG WebSocket used here (Node 20's is behind a flag, its types absent). */
interface MiniSocket {
  addEventListener(type: 'open' | 'error', listener: (event: unknown) => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  send(data: string): void;
  close(): void;
}

async function main(): Promise<void> {
  const WebSocket = (globalThis as unknown as { WebSocket?: new (url: string) => MiniSocket })
    .WebSocket;
  if (!WebSocket) throw new Error('no WebSocket: run with --experimental-websocket');
  const [port, seconds, out] = process.argv.slice(2);
  const targets = (await fetch(`http://127.0.0.1:${port}/json/list`).then((r) => r.json())) as {
    webSocketDebuggerUrl: string;
  }[];
  const socket = new WebSocket(targets[0]!.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve);
    socket.addEventListener('error', reject);
  });
  let next = 1;
  const waiting = new Map<number, (reply: Reply) => void>();
  socket.addEventListener('message', (event) => {
    const reply = JSON.parse(String(event.data)) as Reply;
    if (reply.id !== undefined) waiting.get(reply.id)?.(reply);
  });
  const send = (method: string, params: object = {}) =>
    new Promise<Reply>((resolve) => {
      const id = next++;
      waiting.set(id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
  await send('Profiler.enable');
  // The default 1 ms interval; finer costs the profiled process more.
  await send('Profiler.setSamplingInterval', { interval: 1000 });
  await send('Profiler.start');
  await new Promise((resolve) => setTimeout(resolve, Number(seconds) * 1000));
  const stopped = await send('Profiler.stop');
  if (stopped.error) throw new Error(stopped.error.message);
  writeFileSync(out!, JSON.stringify(stopped.result!.profile));
  socket.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`window profile failed: ${String(err)}\n`);
  process.exit(1);
});
