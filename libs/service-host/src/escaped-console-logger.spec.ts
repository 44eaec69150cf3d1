import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EscapedConsoleLogger, escapeControlCharacters } from './escaped-console-logger';

const FORGED = '[Nest] 1 - forged';

/** Everything the logger writes to stdout and stderr while `act` runs, split into lines. */
function printedLines(act: () => void): string[] {
  const written: string[] = [];
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const capture = (chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  try {
    act();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  return written
    .join('')
    .split(/\r\n|\r|\n/)
    .filter(Boolean);
}

describe(EscapedConsoleLogger.name, () => {
  const logger = new EscapedConsoleLogger('Test', { colors: false });

  it('should keep a message with CR LF on its own line', () => {
    const lines = printedLines(() => logger.warn(`monitor x\r\n${FORGED} reached`));
    assert.equal(lines.length, 1);
    assert.ok(lines[0]!.endsWith(`monitor x\\r\\n${FORGED} reached`), lines[0]);
  });

  it('should escape terminal escapes, other controls and bidi overrides', () => {
    const [line] = printedLines(() => logger.log('a\u001b[2Jb\u0000c\u0085d\u202ee\u2028f'));
    assert.ok(line!.endsWith('a\\x1b[2Jb\\x00c\\x85d\\u202ee\\u2028f'), line);
  });

  it('should escape the context too', () => {
    const [line] = printedLines(() => logger.warn('hello', `ctx\n${FORGED}`));
    assert.match(line!, /\[ctx\\n\[Nest\] 1 - forged\] hello$/);
  });

  it('should keep one frame per line of a stack but its message on one line', () => {
    const error = new Error(`bad name x\r\n${FORGED}`);
    const lines = printedLines(() => logger.error(error, 'Handler'));
    assert.equal(
      lines.filter((l) => l.startsWith(FORGED)).length,
      0,
      `a forged line was printed:\n${lines.join('\n')}`,
    );
    assert.match(lines[0]!, /\[Handler\] Error: bad name x\\r\\n\[Nest\] 1 - forged$/);
    assert.ok(
      lines.slice(2).every((l) => /^\s+at /.test(l)),
      lines.join('\n'),
    );
  });

  it('should escape an object message as one line', () => {
    const lines = printedLines(() => logger.log({ name: `x\n${FORGED}` }));
    assert.equal(lines.length, 1);
  });

  it('should escape under colours as well, leaving only its own colour codes', () => {
    const coloured = new EscapedConsoleLogger('Test', { colors: true });
    const lines = printedLines(() => coloured.warn(`x\u001b]0;title\u0007\r\n${FORGED}`));
    assert.equal(lines.length, 1);
    assert.ok(lines[0]!.includes('x\\x1b]0;title\\x07\\r\\n'), lines[0]);
  });
});

describe(`${EscapedConsoleLogger.name} with json: true (LOG_FORMAT=json)`, () => {
  const logger = new EscapedConsoleLogger('Test', { json: true });
  const parsed = (act: () => void) =>
    printedLines(act).map((l) => JSON.parse(l) as Record<string, unknown>);

  it('should write one JSON object per message, a forged line and bidi overrides escaped', () => {
    const lines = parsed(() => logger.warn(`monitor x\r\n${FORGED}\u2028\u202e`));
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.level, 'warn');
    assert.equal(lines[0]!.context, 'Test');
    assert.equal(lines[0]!.message, `monitor x\\r\\n${FORGED}\\u2028\\u202e`);
    assert.equal(typeof lines[0]!.timestamp, 'number');
  });

  it('should keep an object message as an object (a request log line)', () => {
    const [line] = parsed(() => logger.log({ method: 'GET', route: '/ping/:token', status: 200 }));
    assert.deepEqual(line!.message, { method: 'GET', route: '/ping/:token', status: 200 });
  });

  it('should put an error and its stack in the one object', () => {
    const lines = parsed(() => logger.error(new Error(`boom ${FORGED}`)));
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.message, `Error: boom ${FORGED}`);
    assert.match(String(lines[0]!.stack), /at /);
  });
});

describe('escapeControlCharacters', () => {
  it('should leave ordinary text, tabs and non-Latin letters alone', () => {
    assert.equal(escapeControlCharacters('Größe\tÜberwachung – 監視'), 'Größe\tÜberwachung – 監視');
  });
});
