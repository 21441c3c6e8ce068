# Golden fixtures per architecture from transformers + PEFT, for test/native/train/arch-peft-golden.test.ts.
#
# Usage (from the repository root, after `npx tsc -p tsconfig.json`, with the addon built):
#   PYTHONPATH=third_party/llama.cpp/gguf-py python3 test/reference/train/make_arch_fixtures.py [llama qwen2 qwen3 qwen3-k256]
# Needs: torch, transformers, peft, tokenizers, safetensors, numpy, gguf-py. Writes test/fixtures/arch-golden/<fixture>/.
#
# For each architecture a tiny RANDOM Hugging Face model is built with transformers' own class from a config (seeded):
#   llama  LlamaForCausalLM in the Llama 3.2 shape: Llama 3 RoPE scaling (rope_type llama3, which the converter bakes
#          into rope_freqs.weight), tied output, grouped-query attention;
#   qwen2  Qwen2ForCausalLM: biases on q, k and v; tied output;
#   qwen3  Qwen3ForCausalLM: RMS norms on q and k heads, head size 32 at width 64; tied output;
#   qwen3-k256  the same at width 256, so that Q4_K_M has K-quant tensors (committed as F16: see FIXTURES).
# Its weights are redrawn (norm weights around 1, biases non-zero: transformers initialises them to 1 and 0, which
# would hide them), it is saved with a small byte-level BPE tokenizer trained here (tokenizers), and converted to an
# F32 GGUF by the vendored convert_hf_to_gguf.py (imported as a module: see convert()). The project's quantizer
# (test/reference/train/arch_fixture_node.mjs) makes Q8_0 and Q4_K_M files of it; each base's weights are read back
# with gguf-py (dequantized, llama's q/k rows un-permuted) into the transformers model, so every reference below is
# transformers on exactly the weights the trainer holds, in float64, with ggml's Q8_0 rounding of the inputs of
# quantized products modelled (see round_inputs).
#   golden.json  (a) loss, LoRA gradients and their norm on a fixed packed batch (PEFT LoraConfig r 4, alpha 8, the
#                seven projections, no dropout, A and B from the seeded LCG of test/native/train/helpers.ts, B non-zero),
#                per base; (b) the logits of transformers + PEFT (PeftModel.from_pretrained) with the adapter in peft/,
#                per base; the sha256 of each quantized file, so the test knows its quantizer made the same weights.
#   model.gguf   the converted base, F32 (F16 for qwen3-k256; the test quantizes it again).
#   adapter.gguf the trainer's export after 4 AdamW steps on the batch; peft/ its `persian-lora export --format peft`.
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

from make_peft_fixture import seeded_array  # the LCG of test/native/train/helpers.ts

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
LLAMA_CPP = os.path.join(ROOT, 'third_party', 'llama.cpp')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'arch-golden')
NODE = os.path.join(HERE, 'arch_fixture_node.mjs')

SHAPE = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
             max_position_embeddings=256, rms_norm_eps=1e-5, tie_word_embeddings=True, attn_implementation='eager')
QWEN_ROPE = {'rope_type': 'default', 'rope_theta': 1000000.0}
# fixture folder -> architecture, transformers classes, config, seed, type of the committed GGUF
FIXTURES = {
    'llama': dict(arch='llama', classes=('LlamaConfig', 'LlamaForCausalLM'), seed=1, stored='f32', config=dict(SHAPE, rope_parameters={
        'rope_type': 'llama3', 'rope_theta': 500000.0, 'factor': 8.0, 'low_freq_factor': 1.0, 'high_freq_factor': 4.0,
        'original_max_position_embeddings': 64})),  # a short original context, so most of the 8 frequencies are scaled
    'qwen2': dict(arch='qwen2', classes=('Qwen2Config', 'Qwen2ForCausalLM'), seed=2, stored='f32', config=dict(SHAPE, rope_parameters=QWEN_ROPE)),
    'qwen3': dict(arch='qwen3', classes=('Qwen3Config', 'Qwen3ForCausalLM'), seed=3, stored='f32', config=dict(SHAPE, head_dim=32, rope_parameters=QWEN_ROPE)),
    # K-quants need rows of 256: width 256 with 2 heads of 32 (q, k, v, gate, up and the tied head in Q4_K / Q6_K under
    # Q4_K_M; o and down, 64 wide, fall back to Q5_0 / Q8_0), one layer, weights F16-exact and committed as F16 (half
    # the bytes; the test makes the F32 base from it with the project's quantizer, exactly)
    'qwen3-k256': dict(arch='qwen3', classes=('Qwen3Config', 'Qwen3ForCausalLM'), seed=4, stored='f16', config=dict(
        SHAPE, hidden_size=256, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=1,
        head_dim=32, rope_parameters=QWEN_ROPE)),
}
QUANTS = ['f32', 'q8_0', 'q4_k_m']
VOCAB = 384
SPECIAL = ['<|begin_of_text|>', '<|endoftext|>']  # the second is Qwen2Tokenizer's own (transformers picks that class for qwen2/qwen3)
RANK, ALPHA = 4, 8
SCALE_A, SCALE_B = 0.125, 0.1  # as make_peft_fixture.py
T, B = 12, 2
PROJ = {'attn_q': 'self_attn.q_proj', 'attn_k': 'self_attn.k_proj', 'attn_v': 'self_attn.v_proj', 'attn_output': 'self_attn.o_proj',
        'ffn_gate': 'mlp.gate_proj', 'ffn_up': 'mlp.up_proj', 'ffn_down': 'mlp.down_proj'}
LOGIT_TEXT = 'The exported adapter must give the same logits. سلام دنیا'


def batch():
    """Two sequences of T tokens, the second packing two documents; four targets masked."""
    tokens = np.array([len(SPECIAL) + (i * 97) % (VOCAB - len(SPECIAL)) for i in range(B * T)], dtype=np.int64)
    weights = np.ones(B * T, dtype=np.float64)
    for i in (3, 4, 15, 20):
        weights[i] = 0.0
    doc_starts = np.zeros(B * T, dtype=np.int64)
    doc_starts[T + 7] = 1
    return tokens, weights, doc_starts


def b64(a):
    return base64.b64encode(np.ascontiguousarray(np.asarray(a, dtype='<f4')).tobytes()).decode('ascii')


def node(*args):
    subprocess.run(['node', NODE, *args], check=True, cwd=ROOT)


def make_tokenizer():
    """A byte-level BPE (GPT-2 pre-tokenizer, all 256 bytes, VOCAB pieces) trained on the demo's Persian and English text."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast
    demo = os.path.join(ROOT, 'lib', 'pipeline', 'demo')
    lines = []
    for name in ('fa-train.txt', 'en-heldout.txt'):
        with open(os.path.join(demo, name), encoding='utf-8') as f:
            lines += [line for line in f.read().splitlines() if line.strip()]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(lines, trainers.BpeTrainer(vocab_size=VOCAB, special_tokens=SPECIAL, show_progress=False,
                                                       initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    assert tok.get_vocab_size() == VOCAB, tok.get_vocab_size()
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=SPECIAL[0], eos_token=SPECIAL[1])


def make_hf_model(spec):
    import transformers
    config_name, model_name = spec['classes']
    config = getattr(transformers, config_name)(vocab_size=VOCAB, bos_token_id=0, eos_token_id=1, **spec['config'])
    torch.manual_seed(spec['seed'])
    model = getattr(transformers, model_name)(config).float().eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith('norm.weight'):
                p.copy_(1 + 0.2 * torch.randn_like(p))
            elif name.endswith('.bias'):
                p.copy_(0.1 * torch.randn_like(p))
            else:
                p.copy_(0.1 * torch.randn_like(p))
            if spec['stored'] == 'f16':
                p.copy_(p.half().float())
    return model


def convert(hf_dir, out, outtype):
    """convert_hf_to_gguf.py --outtype f32 (or f16), as a module: its BPE pre-tokenizer check knows only published tokenizers (by
    the hash of a test string's ids), so for this tiny one the check alone is replaced by the name of the pre-tokenizer
    it was built with: GPT-2's regex (tokenizers' ByteLevel), llama.cpp's `gpt-2`."""
    sys.path.insert(0, LLAMA_CPP)
    import convert_hf_to_gguf
    from conversion.base import TextModel
    TextModel.get_vocab_base_pre = lambda self, tokenizer: 'gpt-2'
    argv = sys.argv
    sys.argv = ['convert_hf_to_gguf.py', hf_dir, '--outfile', out, '--outtype', outtype]
    try:
        convert_hf_to_gguf.main()
    finally:
        sys.argv = argv


def permute(w, n_head):
    """convert_hf_to_gguf.py's LlamaModel.permute (HF rows -> llama.cpp's rotary order) over the rows of w."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def unpermute(w, n_head):
    return w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def rope_heads(arch, config, part):
    """Heads whose rows llama's converter permutes for q or k, or None (qwen2/qwen3 keep HF's order)."""
    if arch != 'llama' or part not in ('attn_q', 'attn_k'):
        return None
    return config.num_attention_heads if part == 'attn_q' else config.num_key_value_heads


def hf_name(gguf_name):
    """HF parameter name of a GGUF tensor name (the three architectures name them alike), or None (rope_freqs)."""
    top = {'token_embd.weight': 'model.embed_tokens.weight', 'output_norm.weight': 'model.norm.weight', 'output.weight': 'lm_head.weight'}
    if gguf_name in top:
        return top[gguf_name]
    if gguf_name == 'rope_freqs.weight':
        return None
    _, i, part, kind = gguf_name.split('.')
    layer = {'attn_norm': 'input_layernorm', 'ffn_norm': 'post_attention_layernorm', 'attn_q_norm': 'self_attn.q_norm',
             'attn_k_norm': 'self_attn.k_norm', **PROJ}[part]
    return f'model.layers.{i}.{layer}.{kind}'


# ggml's CPU product of a quantized weight first quantizes its F32 input to the weight type's vec_dot_type, in the
# trainer and in llama.cpp alike: Q8_0 before Q8_0 / Q5_0 / Q4_0 weights (quantize_row_q8_0: blocks of 32, d = amax / 127
# kept as F16, values round(x · 127 / amax) half to even), Q8_K before the K-quants (quantize_row_q8_K_ref: blocks of
# 256, iscale = -127 / (the value of largest magnitude, the first one), values nearest_int(iscale · x) half to even,
# d = 1 / iscale in F32). The product of the dequantized weight with the dequantized input is then what ggml sums.
# The reference does the same in the forward of those products, straight through in the backward (the trainer's input
# gradient is an F32 product with the dequantized weight); the LoRA branch reads the unrounded input, as in both.
# Q8_1 (before Q4_1 / Q5_1) is not modelled: refused.
def q8_0_input(x):
    xf = x.float().reshape(*x.shape[:-1], -1, 32)
    amax = xf.abs().amax(-1, keepdim=True)
    q = torch.round(xf * torch.where(amax > 0, 127.0 / amax, torch.zeros_like(amax)))
    return (q.double() * (amax / 127.0).half().double()).reshape(x.shape)


def q8_k_input(x):
    xf = x.float().reshape(*x.shape[:-1], -1, 256)
    peak = torch.gather(xf, -1, xf.abs().argmax(-1, keepdim=True))  # argmax: the first of equal magnitudes
    iscale = torch.where(peak != 0, -127.0 / peak, torch.zeros_like(peak))
    q = torch.clamp(torch.round(iscale * xf), max=127)
    d = torch.where(peak != 0, 1.0 / iscale, torch.zeros_like(peak))
    return (q.double() * d.double()).reshape(x.shape)


INPUT_ROUNDING = {'Q8_0': q8_0_input, 'Q5_0': q8_0_input, 'Q4_0': q8_0_input,
                  'Q4_K': q8_k_input, 'Q5_K': q8_k_input, 'Q6_K': q8_k_input, 'Q3_K': q8_k_input, 'Q2_K': q8_k_input}


def round_inputs(model, types):
    """ggml's input rounding on every projection (and the tied head) whose weight is stored quantized."""
    for name, module in model.named_modules():
        if not isinstance(module, torch.nn.Linear):
            continue
        t = types['model.embed_tokens.weight' if name == 'lm_head' else f'{name}.weight']
        if t in INPUT_ROUNDING:
            fn = INPUT_ROUNDING[t]
            module.register_forward_pre_hook(lambda m, args, fn=fn: (args[0] + (fn(args[0]) - args[0]).detach(),))
        elif t != 'F32':
            raise NotImplementedError(f'{name}: the input rounding of a {t} weight is not modelled')


def read_weights(path, arch, config):
    """The base's tensors as the trainer holds them (dequantized), under HF names and in HF row order, float64; the
    stored type of each; rope_freqs.weight."""
    from gguf import GGUFReader
    from gguf.quants import dequantize
    weights, types, rope_freqs = {}, {}, None
    for t in GGUFReader(path).tensors:
        data = dequantize(t.data, t.tensor_type).astype(np.float64).reshape([int(n) for n in reversed(t.shape)])
        if t.name == 'rope_freqs.weight':
            rope_freqs = data
            continue
        n = rope_heads(arch, config, t.name.split('.')[2] if t.name.startswith('blk.') else '')
        weights[hf_name(t.name)] = torch.from_numpy(unpermute(data, n) if n else data)
        types[hf_name(t.name)] = t.tensor_type.name
    return weights, types, rope_freqs


def check_rope_freqs(model, rope_freqs):
    """rope_freqs.weight divides RoPE's default frequencies (llama.cpp): it must turn them into transformers' llama3 ones."""
    rot = model.model.rotary_emb
    dim = rot.inv_freq.shape[0] * 2
    base = model.config.rope_parameters['rope_theta']
    default = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim))
    ours = default / torch.from_numpy(rope_freqs)
    assert torch.allclose(ours, rot.inv_freq.double(), rtol=1e-6), (ours, rot.inv_freq)
    assert (rope_freqs != 1).sum() >= dim // 4, f'rope factors {rope_freqs}: too few scaled to matter'


def model_on(spec, weights, types):
    """A float64 transformers model holding `weights` (the tied head is the embedding), rounding inputs as ggml does."""
    model = make_hf_model(spec).double()
    missing, unexpected = model.load_state_dict(weights, strict=False)
    assert not unexpected and set(missing) <= {'lm_head.weight'}, (missing, unexpected)
    assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr(), 'tied output'
    round_inputs(model, types)
    return model


def documents(tokens, weights, doc_starts):
    """(token ids, target weights) of each packed document: positions restart, the first token is no target."""
    for s in range(B):
        starts = [s * T] + [s * T + k for k in range(1, T) if doc_starts[s * T + k]] + [(s + 1) * T]
        for a, b in zip(starts, starts[1:]):
            yield tokens[a:b], weights[a + 1:b]


def lora_entries(arch, config):
    """The trainer's LoRA parameter names in a fixed order with seeds; B of llama q/k in llama.cpp's row order."""
    entries = []
    for i in range(config.num_hidden_layers):
        for part, module in PROJ.items():
            for half, scale in (('lora_a', SCALE_A), ('lora_b', SCALE_B)):
                entries.append({'name': f'blk.{i}.{part}.weight.{half}', 'module': f'model.layers.{i}.{module}', 'part': part,
                                'half': half, 'seed': 1000 + len(entries), 'scale': scale})
    return entries


def reference_gradients(spec, config, weights, types, batch_):
    arch = spec['arch']
    from peft import LoraConfig, get_peft_model
    model = get_peft_model(model_on(spec, weights, types), LoraConfig(
        r=RANK, lora_alpha=ALPHA, lora_dropout=0.0, bias='none',
        target_modules=['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']))
    entries, params = lora_entries(arch, config), []
    for e in entries:
        mod = model.base_model.model.get_submodule(e['module'])
        lin = (mod.lora_A if e['half'] == 'lora_a' else mod.lora_B)['default']
        values = seeded_array(lin.weight.numel(), e['seed'], e['scale']).astype(np.float64).reshape(lin.weight.shape)
        n = rope_heads(arch, config, e['part']) if e['half'] == 'lora_b' else None
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(unpermute(values, n) if n else values))
        e['shape'] = list(lin.weight.shape[::-1])  # ggml order: A [in, r], B [r, out]
        params.append((e, lin.weight, n))
    assert len([p for p in model.parameters() if p.requires_grad]) == len(params), 'only the LoRA pairs are trainable'
    tokens, w, starts = batch_
    total, wsum = 0, 0.0
    for ids, tw in documents(tokens, w, starts):
        logits = model(input_ids=torch.from_numpy(ids)[None]).logits[0, :-1]
        ce = torch.nn.functional.cross_entropy(logits, torch.from_numpy(ids[1:]), reduction='none')
        total = total + (ce * torch.from_numpy(tw)).sum()
        wsum += float(tw.sum())
    loss = total / wsum
    loss.backward()
    grads = {}
    for e, p, n in params:
        g = p.grad.numpy()
        grads[e['name']] = b64(permute(g, n) if n else g)
    norm = float(torch.sqrt(sum((p.grad ** 2).sum() for _, p, _ in params)))
    return float(loss.detach()), norm, grads, [{k: e[k] for k in ('name', 'seed', 'scale', 'shape')} for e in entries]


def reference_logits(spec, weights, types, peft_dir, ids):
    from peft import PeftModel
    base = model_on(spec, weights, types)
    with torch.no_grad():
        plain = base(input_ids=torch.tensor([ids])).logits[0].numpy().copy()
        model = PeftModel.from_pretrained(base, peft_dir).double().eval()
        adapted = model(input_ids=torch.tensor([ids])).logits[0].numpy()
    effect = float(np.abs(adapted - plain).max())
    assert effect > 1e-3, f'the adapter moves the logits by only {effect}'
    return adapted, effect


def sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def make(name, tokenizer):
    import peft
    import transformers
    spec = FIXTURES[name]
    arch = spec['arch']
    out = os.path.join(OUT, name)
    os.makedirs(out, exist_ok=True)
    hf_model = make_hf_model(spec)
    config = hf_model.config
    work = tempfile.mkdtemp(prefix=f'arch-golden-{name}-')
    hf_dir = os.path.join(work, 'hf')
    hf_model.save_pretrained(hf_dir)
    tokenizer.save_pretrained(hf_dir)
    model_gguf = os.path.join(out, 'model.gguf')
    convert(hf_dir, model_gguf, spec['stored'])
    tokens, weights, doc_starts = batch()
    batch_file = os.path.join(work, 'batch.json')
    with open(batch_file, 'w') as f:
        json.dump({'sequences': B, 'tokens': tokens.tolist(), 'weights': weights.tolist(), 'docStarts': doc_starts.tolist()}, f)
    node('train-export', model_gguf, out, batch_file)
    ids = tokenizer(LOGIT_TEXT, add_special_tokens=False)['input_ids']

    bases = {}
    for quant in QUANTS:
        path = model_gguf if quant == spec['stored'] else os.path.join(work, f'model-{quant}.gguf')
        if path != model_gguf:
            node('quantize', model_gguf, path, quant)
        held, types, rope_freqs = read_weights(path, arch, config)
        if quant == 'f32':  # the conversion (F16-exact weights when stored as F16) and the read-back are exact
            for key, p in hf_model.state_dict().items():
                if key != 'lm_head.weight':
                    assert torch.equal(held[key], p.double()), f'{key} differs after conversion'
        if arch == 'llama':
            assert rope_freqs is not None, 'the converter wrote no rope_freqs.weight'
            check_rope_freqs(hf_model, rope_freqs)
        loss, norm, grads, entries = reference_gradients(spec, config, held, types, (tokens, weights, doc_starts))
        logits, effect = reference_logits(spec, held, types, os.path.join(out, 'peft'), ids)
        counts = {t: list(types.values()).count(t) for t in sorted(set(types.values()))}
        bases[quant] = {'sha256': sha256(path) if path != model_gguf else None, 'tensorTypes': counts, 'loss': loss, 'gradNorm': norm,
                        'gradients': grads, 'logits': b64(logits), 'adapterEffect': effect}
        print(f'{name} {quant}: {counts}, loss {loss:.6f}, grad norm {norm:.6f}, adapter moves logits by up to {effect:.4f}', file=sys.stderr)
    fixture = {
        'about': 'transformers + PEFT reference (float64) for test/native/train/arch-peft-golden.test.ts; written by '
                 'test/reference/train/make_arch_fixtures.py. Arrays are base64 little-endian float32 in ggml memory order '
                 '(gradients of B for llama q/k in llama.cpp\'s row order); logits row-major [token][vocabulary].',
        'torch': torch.__version__, 'transformers': transformers.__version__, 'peft': peft.__version__,
        'architecture': arch, 'hfClass': spec['classes'][1], 'storedType': spec['stored'], 'config': json.loads(config.to_json_string()),
        'lora': {'rank': RANK, 'alpha': ALPHA, 'dropout': 0},
        'batch': {'sequences': B, 'tokens': tokens.tolist(), 'weights': weights.tolist(), 'docStarts': doc_starts.tolist()},
        'parameters': entries, 'logitTokens': ids, 'logitText': LOGIT_TEXT, 'bases': bases,
    }
    with open(os.path.join(out, 'golden.json'), 'w') as f:
        json.dump(fixture, f, indent=1)
        f.write('\n')


def main():
    names = sys.argv[1:] or list(FIXTURES)
    torch.set_num_threads(2)
    tokenizer = make_tokenizer()
    for name in names:
        make(name, tokenizer)


if __name__ == '__main__':
    main()
