// A model GGUF about to have its weights loaded (inference, training, merging): on top of what every read checks
// (lib/gguf/validate.ts), every block is there and, for the llama-layout architectures, every tensor a block needs,
// in the shape the hyper-parameters give. llama.cpp would refuse most of these itself; our own readers and the
// training graph would not.
import { PersianLoraError } from '../errors.js';
import { readGgufMetadata, type GgufMetadata } from '../vocab/gguf-read.js';
import { hyperParameters, LLAMA_LAYOUT, type HyperParameters } from './hparams.js';

function bad(meta: GgufMetadata, what: string): PersianLoraError {
  return new PersianLoraError('ERR_BAD_FORMAT', `${meta.file}: ${what}`);
}

function required<T>(meta: GgufMetadata, value: T | undefined, key: string): T {
  if (value === undefined) throw bad(meta, `${key} is missing`);
  return value;
}

/** The llama-layout tensors of every block, each in the shape the hyper-parameters give. */
function checkLlamaLayout(meta: GgufMetadata, hp: HyperParameters, blocks: number): void {
  const k = (name: string) => `${hp.architecture}.${name}`;
  const tensors = new Map(meta.tensors.map((t) => [t.name, t.ne]));
  const nEmbd = required(meta, hp.embeddingLength, k('embedding_length'));
  const heads = required(meta, hp.heads, k('attention.head_count'));
  const expect = (name: string, ne: number[] | undefined, from: string) => {
    const got = tensors.get(name);
    if (!got) throw bad(meta, `tensor ${name} is missing (every ${hp.architecture} model has it)`);
    if (ne && (got.length !== ne.length || got.some((d, i) => d !== ne[i]))) {
      throw bad(meta, `tensor ${name} has ne [${got.join(', ')}] but the hyper-parameters (${from}) give [${ne.join(', ')}]`);
    }
  };
  expect('token_embd.weight', undefined, '');
  expect('output_norm.weight', [nEmbd], k('embedding_length'));
  for (let i = 0; i < blocks; i++) {
    const b = `blk.${i}.`;
    const h = heads[i]!, kv = hp.kvHeads![i]!, dk = hp.headSizeK!, dv = hp.headSizeV!;
    const attn = `${k('embedding_length')} ${nEmbd}, ${k('attention.head_count')} ${h}, head_count_kv ${kv}, head size ${dk}`;
    expect(`${b}attn_norm.weight`, [nEmbd], k('embedding_length'));
    expect(`${b}attn_q.weight`, [nEmbd, h * dk], attn);
    expect(`${b}attn_k.weight`, [nEmbd, kv * dk], attn);
    expect(`${b}attn_v.weight`, [nEmbd, kv * dv], attn);
    expect(`${b}attn_output.weight`, [h * dv, nEmbd], attn);
    if (tensors.has(`${b}ffn_gate_inp.weight`)) continue; // mixture of experts: llama.cpp checks the expert tensors
    const ff = hp.feedForward?.[i];
    const mlp = `${k('embedding_length')} ${nEmbd} and ${k('feed_forward_length')} ${ff}`;
    expect(`${b}ffn_norm.weight`, [nEmbd], k('embedding_length'));
    expect(`${b}ffn_gate.weight`, ff === undefined ? undefined : [nEmbd, ff], mlp);
    expect(`${b}ffn_up.weight`, ff === undefined ? undefined : [nEmbd, ff], mlp);
    expect(`${b}ffn_down.weight`, ff === undefined ? undefined : [ff, nEmbd], mlp);
  }
  const output = tensors.get('output.weight');
  const embd = tensors.get('token_embd.weight')!;
  if (output && (output[0] !== nEmbd || output[1] !== embd[1])) {
    throw bad(meta, `tensor output.weight has ne [${output.join(', ')}] but ${k('embedding_length')} and the vocabulary give [${nEmbd}, ${embd[1]}]`);
  }
}

/** Checks that a parsed model GGUF holds the weights its hyper-parameters describe. */
export function checkModelWeights(meta: GgufMetadata): HyperParameters {
  if (meta.kv.get('general.type')?.value === 'adapter') {
    throw new PersianLoraError('ERR_MODEL_LOAD', `${meta.file} is a LoRA adapter, not a model: load a base model and apply it with loadAdapter()`);
  }
  const hp = hyperParameters(meta);
  if (!hp) throw bad(meta, 'general.architecture is missing');
  if (meta.tensors.length === 0) throw bad(meta, 'holds no tensors (a vocabulary-only GGUF): it can only be loaded with vocabOnly');
  const blocks = required(meta, hp.blockCount, `${hp.architecture}.block_count`);
  const seen = new Set<number>();
  for (const t of meta.tensors) {
    const m = /^blk\.(\d+)\./.exec(t.name);
    if (m) seen.add(Number(m[1]));
  }
  for (let i = 0; i < blocks; i++) {
    if (!seen.has(i)) throw bad(meta, `block ${i} has no tensors but ${hp.architecture}.block_count is ${blocks}`);
  }
  if (LLAMA_LAYOUT.has(hp.architecture)) checkLlamaLayout(meta, hp, blocks);
  return hp;
}

/** Reads a model GGUF's metadata for loading its weights: every check of readGgufMetadata, then checkModelWeights. */
export function readModelGguf(file: string): { meta: GgufMetadata; hyperParameters: HyperParameters } {
  const meta = readGgufMetadata(file);
  return { meta, hyperParameters: checkModelWeights(meta) };
}
