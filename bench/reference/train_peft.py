# PyTorch + PEFT side of bench/train.ts: LoRA training tokens/s and peak RSS on the CPU, float32, same shapes.
# Usage: python3 bench/reference/train_peft.py --layers 8 --dim 768 --heads 12 --ffn 2048 --vocab 32000 --seq 512
#        --threads 2 --steps 3 --rank 8; prints one JSON line. Random weights (timing does not depend on the values).
import argparse
import json
import resource
import time

import torch
from peft import LoraConfig, get_peft_model
from transformers import LlamaConfig, LlamaForCausalLM

p = argparse.ArgumentParser()
for name, default in (('layers', 8), ('dim', 768), ('heads', 12), ('kv-heads', 0), ('ffn', 2048), ('vocab', 32000), ('seq', 512),
                      ('threads', 2), ('steps', 3), ('rank', 8)):
    p.add_argument(f'--{name}', type=int, default=default)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)

# Peak F32 matrix-multiply rate of this CPU with these threads (the best of a few 1024³ products).
x = torch.randn(1024, 1024)
best = float('inf')
for _ in range(5):
    t = time.perf_counter()
    torch.mm(x, x)
    best = min(best, time.perf_counter() - t)
matmul_gflops = 2 * 1024 ** 3 / best / 1e9
del x

cfg = LlamaConfig(vocab_size=a.vocab, hidden_size=a.dim, intermediate_size=a.ffn, num_hidden_layers=a.layers, num_attention_heads=a.heads,
                  num_key_value_heads=a.kv_heads or a.heads, max_position_embeddings=max(512, a.seq), rms_norm_eps=1e-5, tie_word_embeddings=False)
model = LlamaForCausalLM(cfg).float()
params = sum(t.numel() for t in model.parameters())
model = get_peft_model(model, LoraConfig(r=a.rank, lora_alpha=2 * a.rank, lora_dropout=0.0, bias='none',
                                         target_modules=['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']))
model.train()
opt = torch.optim.AdamW([t for t in model.parameters() if t.requires_grad], lr=1e-4, weight_decay=0.01)
tokens = torch.tensor([[100 + (i * 7919) % 20000 for i in range(a.seq)]])


def step():
    opt.zero_grad()
    loss = model(input_ids=tokens, labels=tokens).loss
    loss.backward()
    torch.nn.utils.clip_grad_norm_([t for t in model.parameters() if t.requires_grad], 1.0)
    opt.step()
    return float(loss.detach())


t0 = time.perf_counter()
step()  # warm-up
warmup_ms = (time.perf_counter() - t0) * 1000
times = []
for _ in range(a.steps):
    t = time.perf_counter()
    loss = step()
    times.append((time.perf_counter() - t) * 1000)
mean_ms = sum(times) / len(times)
print(json.dumps({'tokensPerSecond': a.seq / (mean_ms / 1000), 'meanStepMs': mean_ms, 'minStepMs': min(times), 'warmupMs': warmup_ms,
                  'peakRssMiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'loss': loss, 'parameters': params,
                  'matmulGflops': matmul_gflops, 'torch': torch.__version__, 'attention': model.config._attn_implementation}))
