import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CommandLine, parseCommandLine, UsageError } from './command-line';

function invocationOf(argv: string[]) {
  const line: CommandLine = parseCommandLine(argv);
  assert.equal(line.kind, 'run');
  return line.invocation;
}

function usageErrorOf(argv: string[]): UsageError {
  try {
    parseCommandLine(argv);
  } catch (err) {
    assert.ok(err instanceof UsageError);
    return err;
  }
  assert.fail(`${argv.join(' ')} was accepted`);
}

describe('parseCommandLine', () => {
  it('should take apply with its file, dry run and prune in any order', () => {
    const inv = invocationOf(['apply', '--dry-run', '-f', 'uptime.yaml', '--prune']);
    assert.equal(inv.command, 'apply');
    assert.equal(inv.options.file, 'uptime.yaml');
    assert.equal(inv.options['dry-run'], true);
    assert.equal(inv.options.prune, true);
    assert.equal(invocationOf(['apply', '--file=x.json']).options.file, 'x.json');
  });

  it('should name a two-word command and take its options', () => {
    const inv = invocationOf(['monitors', 'list', '--json']);
    assert.equal(inv.command, 'monitors list');
    assert.equal(inv.options.json, true);
  });

  it('should take the key of check as its argument', () => {
    assert.deepEqual(invocationOf(['check', 'shop-api']).args, { key: 'shop-api' });
  });

  it('should take the global options before or after the command', () => {
    assert.equal(invocationOf(['--team', 'export', 'export']).team, 'export');
    assert.equal(invocationOf(['export', '--team=t1', '-o', 'out.yaml']).team, 't1');
    assert.equal(invocationOf(['--no-color', 'monitors', 'list']).options['no-color'], true);
    assert.equal(invocationOf(['export']).team, undefined);
  });

  it('should answer the main help with no command or --help, and a command’s help after it', () => {
    for (const argv of [[], ['--help'], ['-h']]) {
      const line = parseCommandLine(argv);
      assert.equal(line.kind, 'help');
      assert.match(line.kind === 'help' ? line.text : '', /^Usage: uptime <command>/);
    }
    const line = parseCommandLine(['apply', '--help']);
    assert.ok(line.kind === 'help');
    assert.match(line.text, /^Usage: uptime apply \[options\]/);
    assert.match(line.text, /--dry-run/);
  });

  it('should answer the version for --version or -V', () => {
    assert.deepEqual(parseCommandLine(['--version']), { kind: 'version' });
    assert.deepEqual(parseCommandLine(['-V']), { kind: 'version' });
  });

  it('should refuse an unknown command with the main help', () => {
    const err = usageErrorOf(['deploy']);
    assert.equal(err.message, 'unknown command "deploy"');
    assert.match(err.help, /^Usage: uptime <command>/);
    assert.equal(usageErrorOf(['monitors']).message, 'monitors takes a subcommand: list');
    assert.equal(usageErrorOf(['monitors', 'show']).message, 'monitors takes a subcommand: list');
  });

  it('should refuse an option the command does not take, with the command’s help', () => {
    const err = usageErrorOf(['export', '--dry-run']);
    assert.match(err.message, /Unknown option '--dry-run'/);
    assert.match(err.help, /^Usage: uptime export/);
  });

  it('should refuse an option without its value', () => {
    assert.match(usageErrorOf(['apply', '-f']).message, /argument missing/);
  });

  it('should refuse a missing or extra argument', () => {
    assert.equal(usageErrorOf(['check']).message, 'check takes <key>');
    assert.equal(usageErrorOf(['check', 'a', 'b']).message, 'check takes <key>');
    assert.equal(usageErrorOf(['export', 'now']).message, 'export takes no arguments');
  });
});
