import { describe, expect, it } from 'vitest';
import { sourceText } from '../../src/codec/compile.js';
import { DECODER, variantIndex } from '../../src/codec/decoder.js';
import { ENCODE_HELPERS } from '../../src/codec/encode-helpers.js';
import { ENCODER } from '../../src/codec/encoder.js';
import { PARSER } from '../../src/codec/parse.js';
import { PARSE_HELPERS } from '../../src/codec/parse-helpers.js';
import { planOf, reachable } from '../../src/codec/plan.js';

/**
 * What the codec compiles, committed as text (test/codec/generated/), so a
 * change to a generator shows in review as a change to the code it makes.
 * After an intended change: `npx vitest run test/codec/generated-source -u`.
 */
describe('generated source', () => {
  it.each([
    ['decoder', sourceText(DECODER, planOf('WSAQUERYSETW', 'x64'), variantIndex({ annotate: false, lenient: false }))],
    [
      'decoder (lenient, annotate)',
      sourceText(DECODER, planOf('CSADDR_INFO', 'x86'), variantIndex({ annotate: true, lenient: true })),
    ],
    ['encoder', sourceText(ENCODER, planOf('WSAQUERYSETW', 'x64'))],
    ['parser', sourceText(PARSER, planOf('WSAQUERYSETW', 'x64'))],
  ])('%s', async (_kind, text) => {
    const url = /\/\/# sourceURL=rnrkit:\/codec\/(\w+)\/(\w+)\.(x86|x64)\.([\w-]+)\.js\n$/.exec(text);
    expect(url, 'ends with its rnrkit:/codec/… name').not.toBeNull();
    await expect(text).toMatchFileSnapshot(`./generated/${url![1]}.${url![2]}.${url![3]}.${url![4]}.js.snap`);
  });

  it('holds only schema names, its own locals, the helpers it is given and plain JavaScript outside string literals', () => {
    const roots = [planOf('WSAQUERYSETW', 'x64'), planOf('WSAQUERYSETA', 'x86'), planOf('WSASERVICECLASSINFOW', 'x64')];
    const schema = new Set(roots.flatMap((r) => reachable(r).flatMap((p) => [p.name, ...p.fields.map((f) => f.name)])));
    const javascript = new Set(
      (
        'use strict var let const function return try catch finally throw if else for of in new typeof null undefined true false ' +
        'Object keys is Array isArray Number isInteger length push toLowerCase startsWith has e i r l n o p v a c f x P cur st sa known member charset count ' +
        'size write bytes view offset base limits getUint8 getInt8 getUint16 getInt16 getUint32 getInt32 setUint8 setInt8 setUint16 setInt16 setUint32 setInt32 ' +
        'V B O BASE L H KNOWN align key $at $sockaddr'
      ).split(' '),
    );
    const helpers = new Set([
      'addr',
      'p64',
      'w',
      'guid',
      'hex',
      'span',
      'struct',
      'sockaddr',
      'fail',
      'lost',
      'maxSockaddrLength',
      'maxBlobSize',
      'maxCount',
      'maxStringUnits',
      ...Object.keys(ENCODE_HELPERS),
      ...Object.keys(PARSE_HELPERS),
    ]);
    const local = /^(?:[dazw]_|N_|m_|parse\d+$|[xp]\d+$|\$)/;
    for (const root of roots) {
      for (const text of [sourceText(DECODER, root, 3), sourceText(ENCODER, root), sourceText(PARSER, root)]) {
        const code = text.replace(/\/\/# sourceURL=.*$/gm, '').replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
        expect(code).not.toMatch(/[`\\]/);
        const unknown = [...new Set(code.match(/[A-Za-z_$][\w$]*/g))].filter((word) => {
          const name = word.replace(local, '');
          return !(
            javascript.has(word) ||
            helpers.has(word) ||
            schema.has(word) ||
            (local.test(word) && (name === '' || schema.has(name) || schema.has(name.split('_')[0]!)))
          );
        });
        expect(unknown).toEqual([]);
      }
    }
  });
});
