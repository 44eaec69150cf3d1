import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Palette } from './palette';

describe('Palette.for', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };

  it('should colour a terminal and not a pipe', () => {
    assert.equal(Palette.for(tty, {}, false).enabled, true);
    assert.equal(Palette.for(pipe, {}, false).enabled, false);
  });

  it('should not colour with --no-color or a non-empty NO_COLOR', () => {
    assert.equal(Palette.for(tty, {}, true).enabled, false);
    assert.equal(Palette.for(tty, { NO_COLOR: '1' }, false).enabled, false);
    assert.equal(Palette.for(tty, { NO_COLOR: '' }, false).enabled, true);
  });

  it('should colour a pipe with FORCE_COLOR, unless colours are turned off', () => {
    assert.equal(Palette.for(pipe, { FORCE_COLOR: '1' }, false).enabled, true);
    assert.equal(Palette.for(pipe, { FORCE_COLOR: '0' }, false).enabled, false);
    assert.equal(Palette.for(pipe, { FORCE_COLOR: '1', NO_COLOR: '1' }, false).enabled, false);
    assert.equal(Palette.for(pipe, { FORCE_COLOR: '1' }, true).enabled, false);
  });

  it('should leave text as is when off', () => {
    assert.equal(new Palette(false).red('x'), 'x');
    assert.equal(new Palette(true).red('x'), '\u001b[31mx\u001b[0m');
  });
});
