/**
 * Run by test/codec/closures.test.ts under `node
 * --disallow-code-generation-from-strings`, where `new Function` throws an
 * EvalError as it does on a page whose CSP forbids 'unsafe-eval'. Decodes,
 * encodes and parses every committed fixture and prints what it saw as JSON.
 */

import { codeGeneration, decodeQuerySet, encodeQuerySet, parseQuerySetJson } from '../../../src/codec/index.js';
import { RnrError } from '../../../src/errors.js';
import { parseAddress } from '../../../src/memory/address-space.js';
import { RegionList } from '../../../src/memory/region-list.js';
import { corruptSets, goodSets, loadImages } from '../../helpers/codec-fixtures.js';

const images = loadImages();
let decoded = 0;
let errors = 0;
for (const { image, set, expected } of goodSets(images)) {
  const { arch } = image.manifest;
  const options = { arch, charset: set.charset };
  const got = decodeQuerySet(image.space, parseAddress(set.at), options);
  if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error(`${image.id} ${set.name}: decoded differently`);
  const base = arch === 'x64' ? 0x7ff6_a000_0000 : 0x1000_0000;
  const again = decodeQuerySet(
    RegionList.flat(encodeQuerySet(parseQuerySetJson(expected), { ...options, base }), base),
    base,
    { ...options, lenient: true, annotate: true },
  );
  if (again.lpszComment !== expected.lpszComment) throw new Error(`${image.id} ${set.name}: encode → decode differs`);
  decoded++;
}
for (const { image, set } of corruptSets(images)) {
  try {
    decodeQuerySet(image.space, parseAddress(set.at), { arch: image.manifest.arch, charset: set.charset });
  } catch (e) {
    if (e instanceof RnrError && e.path.startsWith(set.error.field)) errors++;
  }
}
process.stdout.write(JSON.stringify({ way: codeGeneration(), decoded, errors }));
