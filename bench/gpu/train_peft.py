# PyTorch + PEFT side of the GPU check (bench/gpu/run.sh): LoRA training tokens/s and peak memory of transformers'
# LlamaForCausalLM in bf16 with random weights, the shape of the trainer's model (bench/gpu/models.ts), LoRA on q, k, v,
# o, gate, up, down, one sequence of --seq tokens per step, AdamW, gradient clipping 1 (as bench/gpu/train-worker.ts).
# Memory: torch.cuda.max_memory_allocated (tensors) and the GPU's memory in use at the end minus before the run, from
# nvidia-smi (the trainer's measure, bench/gpu/device-memory.ts). --device cpu runs the same on the CPU (a tiny shape,
# to test the script without a GPU; peak RSS instead). Prints one JSON line.
import argparse
import json
import resource
import subprocess
import time

import torch
from peft import LoraConfig, get_peft_model
from transformers import LlamaConfig, LlamaForCausalLM

p = argparse.ArgumentParser()
for name, default in (('layers', 32), ('dim', 4096), ('heads', 32), ('ffn', 11008), ('vocab', 32000), ('seq', 512), ('steps', 5),
                      ('rank', 16)):
    p.add_argument(f'--{name}', type=int, default=default)
p.add_argument('--device', default='cuda')
a = p.parse_args()


def gpu_used_mib():
    try:
        out = subprocess.run(['nvidia-smi', '--query-gpu=memory.used', '--format=csv,noheader,nounits', '-i', '0'],
                             capture_output=True, text=True, check=True).stdout
        return float(out.strip().splitlines()[0])
    except (OSError, subprocess.CalledProcessError, ValueError, IndexError):
        return None


used_before = gpu_used_mib() if a.device == 'cuda' else None
if a.device == 'cuda' and not torch.cuda.is_available():
    raise SystemExit('train_peft.py: --device cuda but torch.cuda.is_available() is False (a CPU-only PyTorch, or no GPU)')
torch.manual_seed(0)
device = torch.device(a.device)
cfg = LlamaConfig(vocab_size=a.vocab, hidden_size=a.dim, intermediate_size=a.ffn, num_hidden_layers=a.layers, num_attention_heads=a.heads,
                  num_key_value_heads=a.heads, max_position_embeddings=max(4096, a.seq), rms_norm_eps=1e-5, tie_word_embeddings=False)
torch.set_default_dtype(torch.bfloat16)
with device:  # weights initialised in bf16 where they live: a 7B model's random init on the CPU alone takes minutes
    model = LlamaForCausalLM(cfg)
params = sum(t.numel() for t in model.parameters())
model = get_peft_model(model, LoraConfig(r=a.rank, lora_alpha=2 * a.rank, lora_dropout=0.0, bias='none',
                                         target_modules=['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']))
model.train()
trainable = [t for t in model.parameters() if t.requires_grad]
opt = torch.optim.AdamW(trainable, lr=1e-4, weight_decay=0.01)
tokens = torch.tensor([[100 + (i * 7919) % 20000 for i in range(a.seq)]], device=device)


def sync():
    if a.device == 'cuda':
        torch.cuda.synchronize()


def step():
    opt.zero_grad()
    loss = model(input_ids=tokens, labels=tokens).loss
    loss.backward()
    torch.nn.utils.clip_grad_norm_(trainable, 1.0)
    opt.step()
    return float(loss.detach())  # waits for the step


t0 = time.perf_counter()
step()  # warm-up
warmup_ms = (time.perf_counter() - t0) * 1000
times = []
for _ in range(a.steps):
    sync()
    t = time.perf_counter()
    loss = step()
    times.append((time.perf_counter() - t) * 1000)
mean_ms = sum(times) / len(times)
used_after = gpu_used_mib() if a.device == 'cuda' else None
cuda = a.device == 'cuda'
print(json.dumps({
    'tokensPerSecond': a.seq / (mean_ms / 1000), 'meanStepMs': mean_ms, 'minStepMs': min(times), 'warmupMs': warmup_ms, 'loss': loss,
    'parameters': params, 'loraParameters': sum(t.numel() for t in trainable), 'torch': torch.__version__,
    'attention': model.config._attn_implementation, 'device': torch.cuda.get_device_name(0) if cuda else 'cpu', 'dtype': 'bf16',
    'maxAllocatedMiB': torch.cuda.max_memory_allocated() / 2**20 if cuda else None,
    'maxReservedMiB': torch.cuda.max_memory_reserved() / 2**20 if cuda else None,
    'deviceMiB': used_after - used_before if used_before is not None and used_after is not None else None,
    'peakRssMiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
