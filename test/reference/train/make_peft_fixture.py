# Golden reference of the LoRA trainer from PyTorch + PEFT: loss, LoRA gradients and parameters after 3 AdamW steps.
#
# Usage (from the repository root, after `npx tsc -p tsconfig.json`, with PERSIAN_LORA_ADDON / LLAMA_CPP_DIR set as
# for the tests):  PYTHONPATH=third_party/llama.cpp/gguf-py python3 test/reference/train/make_peft_fixture.py [f32|f16]
# Needs: torch, peft, numpy, gguf-py. Writes test/reference/train/peft-fixture-<quant>.json.
#
# The tiny F32 llama is written by the project's own createTinyModel (a node one-liner, same options as the ava test
# uses) and rebuilt here in PyTorch from the GGUF tensors, independently of ggml: RMS norm, RoPE in ggml's "normal"
# mode (rotation of adjacent pairs (2i, 2i+1) of each head, which is what llama.cpp applies to the stored q/k layout),
# grouped-query attention (query head h reads kv head h // (H / Hkv)), SwiGLU, separate output head; packed documents
# restart their positions and attend only inside themselves, and a document's first token is no target. With the F16
# base the stored F16 values are used exactly (float64 holds them). The LoRA pairs
# come from PEFT (LoraConfig r=4, lora_alpha=8, all seven projections, no dropout); their starting values are a
# 32-bit LCG that the ava test reproduces (test/native/train/helpers.ts seededArray), B non-zero. The whole reference
# runs in float64, so the fixture carries no float32 rounding of its own.
import base64
import json
import os
import subprocess
import sys

import numpy as np
import torch
from gguf import GGUFReader
from peft import LoraConfig, get_peft_model

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..'))

MODEL = {'vocab': 'llama-spm', 'layers': 2, 'dim': 64, 'heads': 4, 'kvHeads': 2, 'ffn': 128, 'initStd': 0.1, 'seed': 42, 'quant': 'f32'}
RANK, ALPHA = 4, 8
T, B = 12, 2
OPT = {'lr': 1e-2, 'betas': [0.9, 0.999], 'eps': 1e-8, 'weightDecay': 0.01}
STEPS = 3
SCALE_A, SCALE_B = 0.125, 0.1  # A ~ U(-1/sqrt(64), 1/sqrt(64)) like PEFT's Kaiming init; B non-zero
# ggml projection name -> PEFT module name and parent
PROJ = {'attn_q': 'self_attn.q_proj', 'attn_k': 'self_attn.k_proj', 'attn_v': 'self_attn.v_proj', 'attn_output': 'self_attn.o_proj',
        'ffn_gate': 'mlp.gate_proj', 'ffn_up': 'mlp.up_proj', 'ffn_down': 'mlp.down_proj'}


def seeded_array(n, seed, scale):
    """Same numbers as helpers.ts seededArray: LCG (1664525, 1013904223) mod 2^32, mapped to [-scale, scale]."""
    out = np.empty(n, dtype=np.float32)
    s = seed & 0xFFFFFFFF
    for i in range(n):
        s = (s * 1664525 + 1013904223) & 0xFFFFFFFF
        out[i] = ((s / 2 ** 32) * 2 - 1) * scale
    return out


def batch():
    tokens = np.array([100 + (i * 7919) % 5000 for i in range(B * T)], dtype=np.int64)
    weights = np.ones(B * T, dtype=np.float64)
    for i in (3, 4, 15, 20):
        weights[i] = 0.0
    doc_starts = np.zeros(B * T, dtype=np.int64)
    doc_starts[T + 7] = 1  # the second sequence packs two documents
    return tokens, weights, doc_starts


def write_model(path, model):
    script = ("import {createTinyModel} from %s; await createTinyModel(%s);"
              % (json.dumps(os.path.join(ROOT, 'dist', 'lib', 'tiny-model.js')), json.dumps({**model, 'out': path})))
    subprocess.run(['node', '--input-type=module', '-e', script], check=True, cwd=ROOT)


class Attention(torch.nn.Module):
    def __init__(self, d, h, hkv):
        super().__init__()
        self.h, self.hkv, self.hd = h, hkv, d // h
        self.q_proj = torch.nn.Linear(d, d, bias=False)
        self.k_proj = torch.nn.Linear(d, hkv * self.hd, bias=False)
        self.v_proj = torch.nn.Linear(d, hkv * self.hd, bias=False)
        self.o_proj = torch.nn.Linear(d, d, bias=False)


class Mlp(torch.nn.Module):
    def __init__(self, d, f):
        super().__init__()
        self.gate_proj = torch.nn.Linear(d, f, bias=False)
        self.up_proj = torch.nn.Linear(d, f, bias=False)
        self.down_proj = torch.nn.Linear(f, d, bias=False)


class Layer(torch.nn.Module):
    def __init__(self, d, h, hkv, f):
        super().__init__()
        self.attn_norm = torch.nn.Parameter(torch.ones(d))
        self.ffn_norm = torch.nn.Parameter(torch.ones(d))
        self.self_attn = Attention(d, h, hkv)
        self.mlp = Mlp(d, f)


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rope_normal(x, pos, base, n_rot):
    """ggml_rope mode 0 on [B, T, H, D] at positions pos [B, T]: rotate pairs (2i, 2i+1) by pos * base^(-2i / n_rot)."""
    i = torch.arange(0, n_rot, 2, dtype=torch.float64)
    theta = pos.to(torch.float64)[..., None] * base ** (-i / n_rot)  # [B, T, n_rot/2]
    cos, sin = torch.cos(theta)[:, :, None, :].to(x.dtype), torch.sin(theta)[:, :, None, :].to(x.dtype)
    x0, x1 = x[..., 0:n_rot:2], x[..., 1:n_rot:2]
    rot = torch.stack((x0 * cos - x1 * sin, x0 * sin + x1 * cos), dim=-1).flatten(-2)
    return torch.cat((rot, x[..., n_rot:]), dim=-1)


class Llama(torch.nn.Module):
    def __init__(self, hp):
        super().__init__()
        self.hp = hp
        d, f = hp['dim'], hp['ffn']
        self.embed = torch.nn.Embedding(hp['vocab'], d)
        self.layers = torch.nn.ModuleList([Layer(d, hp['heads'], hp['kvHeads'], f) for _ in range(hp['layers'])])
        self.norm = torch.nn.Parameter(torch.ones(d))
        self.lm_head = torch.nn.Linear(d, hp['vocab'], bias=False)

    def forward(self, tokens, doc):  # tokens, document index [B, T] -> logits [B, T, V]
        hp = self.hp
        x = self.embed(tokens)
        bsz, t, _ = x.shape
        idx = torch.arange(t)
        first = torch.stack([torch.searchsorted(d.contiguous(), d, right=False) for d in doc])  # index of each document's first token
        pos = idx[None, :] - first
        allowed = (doc[:, :, None] == doc[:, None, :]) & (idx[None, None, :] <= idx[None, :, None])  # [B, Tq, Tk]
        causal = torch.zeros(allowed.shape, dtype=x.dtype).masked_fill(~allowed, float('-inf'))[:, None]
        for layer in self.layers:
            a = layer.self_attn
            h = rms_norm(x, layer.attn_norm, hp['eps'])
            q = rope_normal(a.q_proj(h).view(bsz, t, a.h, a.hd), pos, hp['rope_base'], hp['n_rot'])
            k = rope_normal(a.k_proj(h).view(bsz, t, a.hkv, a.hd), pos, hp['rope_base'], hp['n_rot'])
            v = a.v_proj(h).view(bsz, t, a.hkv, a.hd)
            group = a.h // a.hkv
            k = k.repeat_interleave(group, dim=2)  # query head j reads kv head j // group
            v = v.repeat_interleave(group, dim=2)
            s = torch.einsum('bqhd,bkhd->bhqk', q, k) / (a.hd ** 0.5) + causal
            o = torch.einsum('bhqk,bkhd->bqhd', torch.softmax(s, dim=-1), v).reshape(bsz, t, -1)
            x = x + a.o_proj(o)
            h = rms_norm(x, layer.ffn_norm, hp['eps'])
            m = layer.mlp
            x = x + m.down_proj(torch.nn.functional.silu(m.gate_proj(h)) * m.up_proj(h))
        return self.lm_head(rms_norm(x, self.norm, hp['eps']))


def load(path):
    r = GGUFReader(path)
    field = lambda k: r.fields[k].parts[r.fields[k].data[0]][0]
    hp = {'vocab': int(field('llama.vocab_size')), 'dim': int(field('llama.embedding_length')), 'layers': int(field('llama.block_count')),
          'heads': int(field('llama.attention.head_count')), 'kvHeads': int(field('llama.attention.head_count_kv')),
          'ffn': int(field('llama.feed_forward_length')), 'eps': float(field('llama.attention.layer_norm_rms_epsilon')),
          'rope_base': float(field('llama.rope.freq_base')), 'n_rot': int(field('llama.rope.dimension_count'))}
    assert all(t.tensor_type.name in ('F32', 'F16') for t in r.tensors), 'F32 / F16 tensors only'
    tensors = {t.name: torch.from_numpy(np.array(t.data, dtype=np.float64)) for t in r.tensors}  # numpy shape [out, in]
    model = Llama(hp).double()
    with torch.no_grad():
        model.embed.weight.copy_(tensors['token_embd.weight'])
        model.norm.copy_(tensors['output_norm.weight'])
        model.lm_head.weight.copy_(tensors['output.weight'])
        for i, layer in enumerate(model.layers):
            layer.attn_norm.copy_(tensors[f'blk.{i}.attn_norm.weight'])
            layer.ffn_norm.copy_(tensors[f'blk.{i}.ffn_norm.weight'])
            for g, name in PROJ.items():
                layer.get_submodule(name).weight.copy_(tensors[f'blk.{i}.{g}.weight'])
    return model, hp


def b64(t):
    return base64.b64encode(np.ascontiguousarray(t.detach().numpy().astype('<f4')).tobytes()).decode('ascii')


def main():
    quant = sys.argv[1] if len(sys.argv) > 1 else 'f32'
    assert quant in ('f32', 'f16'), 'quant: f32 or f16 (exactly representable in float64)'
    model_options = {**MODEL, 'quant': quant}
    out = os.path.join(HERE, f'peft-fixture-{quant}.json')
    torch.manual_seed(0)
    gguf = os.path.join(os.environ.get('TMPDIR', '/tmp'), f'peft-fixture-tiny-{quant}.gguf')
    write_model(gguf, model_options)
    model, hp = load(gguf)
    cfg = LoraConfig(r=RANK, lora_alpha=ALPHA, lora_dropout=0.0, bias='none',
                     target_modules=['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'])
    peft_model = get_peft_model(model, cfg)
    # ggml names in a fixed order; A (ggml [in, r]) has PyTorch's lora_A [r, in] memory layout, B ([r, out]) lora_B's [out, r]
    params, entries = [], []
    for i in range(hp['layers']):
        for g, name in PROJ.items():
            mod = peft_model.base_model.model.layers[i].get_submodule(name)
            for part, lin, scale in (('lora_a', mod.lora_A['default'], SCALE_A), ('lora_b', mod.lora_B['default'], SCALE_B)):
                seed = 1000 + len(entries)
                with torch.no_grad():
                    lin.weight.copy_(torch.from_numpy(seeded_array(lin.weight.numel(), seed, scale).astype(np.float64)).view_as(lin.weight))
                entries.append({'name': f'blk.{i}.{g}.weight.{part}', 'seed': seed, 'scale': scale, 'shape': list(lin.weight.shape[::-1])})
                params.append(lin.weight)
    trainable = [p for p in peft_model.parameters() if p.requires_grad]
    assert len(trainable) == len(params), 'only the LoRA pairs are trainable'

    tokens, weights, doc_starts = batch()
    tok = torch.from_numpy(tokens).view(B, T)
    starts = torch.from_numpy(doc_starts).view(B, T)
    doc = torch.cumsum(starts, dim=1)
    # weight of token i as a target (predicted from position i-1); a document's first token is no target
    w = (torch.from_numpy(weights).view(B, T) * (1 - starts))[:, 1:]

    def loss_fn():
        logits = peft_model(tok, doc)[:, :-1, :]
        ce = torch.nn.functional.cross_entropy(logits.reshape(-1, hp['vocab']), tok[:, 1:].reshape(-1), reduction='none')
        return (ce * w.reshape(-1)).sum() / w.sum()

    opt = torch.optim.AdamW(params, lr=OPT['lr'], betas=tuple(OPT['betas']), eps=OPT['eps'], weight_decay=OPT['weightDecay'])
    losses = []
    for step in range(STEPS):
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        if step == 0:
            for e, p in zip(entries, params):
                e['gradient'] = b64(p.grad)
            grad_norm = float(torch.sqrt(sum((p.grad ** 2).sum() for p in params)))
        losses.append(float(loss.detach()))
        opt.step()
    for e, p in zip(entries, params):
        e['after'] = b64(p)
    fixture = {
        'about': 'PyTorch + PEFT reference (float64) for test/native/train/peft-golden.test.ts; written by make_peft_fixture.py. '
                 'Arrays are base64 little-endian float32 in ggml memory order.',
        'torch': torch.__version__, 'peft': __import__('peft').__version__,
        'model': model_options, 'lora': {'rank': RANK, 'alpha': ALPHA, 'dropout': 0},
        'batch': {'sequences': B, 'tokens': tokens.tolist(), 'weights': weights.tolist(), 'docStarts': doc_starts.tolist()},
        'optimizer': {**OPT, 'clip': 0, 'steps': STEPS},
        'losses': losses, 'gradNorm': grad_norm, 'parameters': entries,
    }
    with open(out, 'w') as f:
        json.dump(fixture, f, indent=1)
        f.write('\n')
    print(f'losses {losses}, grad norm {grad_norm:.6g}, {len(entries)} parameters -> {out} ({os.path.getsize(out)} bytes)', file=sys.stderr)


if __name__ == '__main__':
    main()
