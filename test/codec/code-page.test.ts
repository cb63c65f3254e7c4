import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ansiToText, textToAnsi } from '../../src/codec/index.js';
import { InvalidDataError, UsageError } from '../../src/errors.js';

const hasIconv = (() => {
  try {
    execFileSync('iconv', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const allBytes = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));

describe('ANSI code pages', () => {
  // glibc's iconv is the independent table. (Node 20's TextDecoder is not:
  // without full ICU it decodes 'windows-1252' as ISO-8859-1.)
  it.skipIf(!hasIconv)('windows-1252 decodes as iconv does, for every byte iconv defines', () => {
    const undefinedBytes = [0x81, 0x8d, 0x8f, 0x90, 0x9d];
    const defined = Uint8Array.from({ length: 256 }, (_, i) => i).filter((b) => !undefinedBytes.includes(b));
    const utf16 = execFileSync('iconv', ['-f', 'CP1252', '-t', 'UTF-16LE'], { input: defined });
    const reference = String.fromCharCode(
      ...Array.from({ length: utf16.length / 2 }, (_, i) => utf16.readUInt16LE(i * 2)),
    );
    expect(ansiToText(String.fromCharCode(...defined))).toBe(reference);
    for (const b of undefinedBytes) {
      expect(() =>
        execFileSync('iconv', ['-f', 'CP1252', '-t', 'UTF-16LE'], {
          input: Uint8Array.of(b),
          stdio: ['pipe', 'pipe', 'ignore'],
        }),
      ).toThrow();
      // rnrkit's documented choice for them: the C1 control of the same value, as MultiByteToWideChar does.
      expect(ansiToText(String.fromCharCode(b))).toBe(String.fromCharCode(b));
    }
    expect(ansiToText('\u0080\u0099')).toBe('€™');
  });

  it('textToAnsi inverts it for every byte, and refuses what the page cannot hold', () => {
    expect(textToAnsi(ansiToText(allBytes))).toBe(allBytes);
    expect(textToAnsi('café €5')).toBe('caf\u00e9 \u00805');
    expect(() => textToAnsi('\u4e2d')).toThrow(InvalidDataError);
    expect(() => textToAnsi('\u4e2d')).toThrow(/char 0 \(U\+4E2D\) has no byte in windows-1252/);
  });

  it('iso-8859-1 is the identity; other pages only decode, and only if the host knows them', () => {
    expect(ansiToText(allBytes, 'latin1')).toBe(allBytes);
    expect(textToAnsi(allBytes, 'ISO-8859-1')).toBe(allBytes);
    expect(() => textToAnsi('x', 'shift_jis')).toThrow(UsageError);
    expect(() => ansiToText('x', 'no-such-page')).toThrow(UsageError);
    expect(() => ansiToText('\u0100')).toThrow(/is not a byte/);
  });
});
