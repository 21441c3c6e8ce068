"""Hugging Face `tokenizers`' tokenization of Gemma 3's tokenizer.json: the reference that bench/gemma-vocab.ts's GGUF
must reproduce through llama.cpp before the vocab bench publishes Gemma figures (bench/gemma-vocab-check.ts).

Texts: the bench's held-out Persian lines (written by `node dist/bench/vocab.js` into its work folder as
`heldout <set>.json`) and varied English, digits, whitespace runs, emoji, mixed-script and markup lines. Token ids
only, without special tokens (the tokenizer itself is not committed: Gemma's terms).

Usage: python3 bench/reference/gemma_tokenization.py \
         --tokenizer /tmp/gemma-tok/package/models/tokenizer.json \
         --heldout "/tmp/persian-lora-vocab-bench/heldout *.json" --out bench/reference/gemma3-tokenization.json
"""
import argparse
import glob
import hashlib
import json
import os
import re

import tokenizers
from tokenizers import Tokenizer

VARIED = [
    "Hello world", "The quick brown fox jumps over the lazy dog.", " leading space", "trailing space ",
    "double  space", "   three leading", "tabs\tand\t\ttabs", "new\nline", "two\n\nnewlines", "\n\n\n", "    ",
    "a" * 40, "x " * 20, "1234567890", "3.14159 2,718 1e-9 -42", "۱۲۳۴۵۶۷۸۹۰ و ١٢٣", "2026-12-06T15:37:55Z",
    "emoji 😀👍🏽🇮🇷 👨‍👩‍👧", "🤖🤖🤖", "café naïve Ærøskøbing", "Привет, мир", "日本語のテキスト", "한국어 텍스트",
    "سلام دنیا", "می‌خواهم", "Persian and English: کتاب book", "<div>markup</div> <table><tr>", "</s> <bos> <eos>",
    "<start_of_turn>user", "if (x == 1) { return y; }", "ﷺ ﻻ ﺍ", "\u200c\u200d\u200e", "\u0000 control \u0007 bell",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕥𝕖𝕩𝕥", "   ", " ", "",
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--heldout", required=True, help="glob of the bench's 'heldout <set>.json' files")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    tok = Tokenizer.from_file(args.tokenizer)
    with open(args.tokenizer, "rb") as f:
        sha256 = hashlib.sha256(f.read()).hexdigest()
    ids = lambda t: tok.encode(t, add_special_tokens=False).ids
    # held-out lines by set (the bench holds their text), with a digest of the lines so that the bench can tell they match
    heldout = {}
    for path in sorted(glob.glob(args.heldout)):
        with open(path, encoding="utf-8") as f:
            lines = json.load(f)
        name = re.sub(r"^heldout (.*)\.json$", r"\1", os.path.basename(path))
        digest = hashlib.sha256(json.dumps(lines, ensure_ascii=False, separators=(",", ":")).encode("utf-8")).hexdigest()
        heldout[name] = {"linesSha256": digest, "ids": [ids(l) for l in lines]}
    if not heldout:
        raise SystemExit(f"no held-out files match {args.heldout}: run node dist/bench/vocab.js first")
    result = {"tokenizerSha256": sha256, "tokenizers": tokenizers.__version__,
              "varied": [{"text": t, "ids": ids(t)} for t in VARIED], "heldout": heldout}
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    sets = ", ".join(f"{k}: {len(v['ids'])} lines" for k, v in heldout.items())
    print(f"{len(VARIED)} varied texts, held-out sets {sets} -> {args.out}")


if __name__ == "__main__":
    main()
