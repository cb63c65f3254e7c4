/**
 * Reading what gcc -S writes: "#PROBE name value" lines left by inline asm,
 * and the bytes of data labels (.long/.word/.byte/.ascii …), enough to read
 * back constants and initialised GUIDs without running anything.
 */

export function probeLines(asm: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of asm.matchAll(/^#PROBE (\S+) (-?\d+)$/gm)) out.set(m[1]!, Number(m[2]));
  return out;
}

const WIDTH: Record<string, number> = { '.byte': 1, '.word': 2, '.short': 2, '.value': 2, '.long': 4, '.quad': 8 };

/** The little-endian bytes emitted after `label:` until the next label or section. */
export function labelBytes(asm: string, label: string): Uint8Array {
  const lines = asm.split('\n');
  const start = lines.findIndex((l) => l === `${label}:` || l === `_${label}:`);
  if (start < 0) throw new Error(`label ${label} not found in the assembly`);
  const bytes: number[] = [];
  for (const raw of lines.slice(start + 1)) {
    const line = raw.trim();
    if (/^[\w.$]+:$/.test(line) || line.startsWith('.section') || line === '.text' || line.startsWith('.globl')) break;
    const m = /^(\.\w+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const [, directive, arg] = m as unknown as [string, string, string];
    if (directive === '.ascii' || directive === '.asciz' || directive === '.string') {
      bytes.push(...gasString(arg));
      if (directive !== '.ascii') bytes.push(0);
    } else if (directive === '.zero' || directive === '.space') {
      for (let i = 0; i < Number(arg); i++) bytes.push(0);
    } else if (WIDTH[directive] !== undefined) {
      for (const item of arg.split(',')) {
        let v = BigInt.asUintN(WIDTH[directive]! * 8, BigInt(item.trim()));
        for (let i = 0; i < WIDTH[directive]!; i++, v >>= 8n) bytes.push(Number(v & 0xffn));
      }
    }
  }
  return Uint8Array.from(bytes);
}

function gasString(arg: string): number[] {
  const s = /^"(.*)"$/.exec(arg.trim());
  if (!s) throw new Error(`not a string: ${arg}`);
  const body = s[1]!;
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out.push(c.charCodeAt(0));
      continue;
    }
    const n = body[++i]!;
    const octal = /^[0-7]{1,3}/.exec(body.slice(i));
    if (octal) {
      out.push(parseInt(octal[0], 8) & 0xff);
      i += octal[0].length - 1;
      continue;
    }
    if (n === 'x') {
      const hex = /^[0-9a-fA-F]+/.exec(body.slice(i + 1))![0];
      out.push(parseInt(hex, 16) & 0xff);
      i += hex.length;
      continue;
    }
    out.push({ n: 10, t: 9, b: 8, f: 12, r: 13 }[n] ?? n.charCodeAt(0));
  }
  return out;
}
