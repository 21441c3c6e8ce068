// The validation layer's table of ggml type sizes (lib/gguf/ggml-types.ts, read without the addon) is ggml's own.
import test from 'ava';
import { GGML_TYPE_COUNT, ggmlTypeSize } from '../../../lib/gguf/ggml-types.js';
import { native } from '../../../lib/native/addon.js';

test('every ggml type: the same name, block size and bytes as ggml; removed types unknown to both', (t) => {
  for (let type = 0; type < GGML_TYPE_COUNT + 2; type++) {
    let traits: { name: string; blockSize: number; typeSize: number } | undefined;
    try {
      traits = native().ggmlTypeInfo(type);
    } catch {
      traits = undefined;
    }
    const ours = ggmlTypeSize(type);
    t.deepEqual(ours && { ...ours }, traits && { name: traits.name, blockSize: traits.blockSize, typeSize: traits.typeSize }, `type ${type}`);
  }
});
