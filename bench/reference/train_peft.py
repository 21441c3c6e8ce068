# PyTorch + PEFT side of bench/train.ts and bench/train-arch.ts: LoRA training tokens/s and peak RSS on the CPU, float32,
# same shapes. Usage: python3 bench/reference/train_peft.py --layers 8 --dim 768 --heads 12 --ffn 2048 --vocab 32000
#        --seq 512 --threads 2 --steps 3 --rank 8 [--arch llama|qwen2|qwen3] [--kv-heads 4] [--tied] [--llama3-rope]
#        [--rope-theta 10000]; prints one JSON line. Random weights (timing does not depend on the values).
import argparse
import json
import resource
import time

import torch
from peft import LoraConfig, get_peft_model
from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM, Qwen3Config, Qwen3ForCausalLM

p = argparse.ArgumentParser()
for name, default in (('layers', 8), ('dim', 768), ('heads', 12), ('kv-heads', 0), ('ffn', 2048), ('vocab', 32000), ('seq', 512),
                      ('threads', 2), ('steps', 3), ('rank', 8)):
    p.add_argument(f'--{name}', type=int, default=default)
p.add_argument('--arch', choices=['llama', 'qwen2', 'qwen3'], default='llama')
p.add_argument('--rope-theta', type=float, default=10000.0)
p.add_argument('--tied', action='store_true', help='output head tied to the token embedding (Llama 3.2 1B/3B)')
p.add_argument('--llama3-rope', action='store_true', help="Llama 3.1's RoPE frequency scaling (llama.cpp: rope_freqs.weight)")
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

rope = {'rope_type': 'default', 'rope_theta': a.rope_theta}
if a.llama3_rope:
    rope = {'rope_type': 'llama3', 'rope_theta': a.rope_theta, 'factor': 8.0, 'low_freq_factor': 1.0, 'high_freq_factor': 4.0,
            'original_max_position_embeddings': max(512, a.seq)}
Config, Model = {'llama': (LlamaConfig, LlamaForCausalLM), 'qwen2': (Qwen2Config, Qwen2ForCausalLM), 'qwen3': (Qwen3Config, Qwen3ForCausalLM)}[a.arch]
extra = {'head_dim': a.dim // a.heads} if a.arch == 'qwen3' else {}  # Qwen3Config's default head_dim is 128
cfg = Config(vocab_size=a.vocab, hidden_size=a.dim, intermediate_size=a.ffn, num_hidden_layers=a.layers, num_attention_heads=a.heads,
             num_key_value_heads=a.kv_heads or a.heads, max_position_embeddings=max(512, a.seq), rms_norm_eps=1e-5,
             tie_word_embeddings=a.tied, rope_parameters=rope, **extra)
model = Model(cfg).float()
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
