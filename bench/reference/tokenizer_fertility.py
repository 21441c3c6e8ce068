"""Persian fertility of a Hugging Face tokenizer (tokenizer.json) on the held-out sets the vocab bench measured.

For vocabularies llama.cpp's models/ does not carry as a GGUF (Gemma 3's: the bench now also counts it through
llama.cpp, on the GGUF bench/gemma-vocab.ts converts, and this count is the independent cross-check of that): the same
held-out lines (written by `node dist/bench/vocab.js` into its work folder as `heldout <set>.json`), the same
counts (words = whitespace-separated, characters = code points, tokens without special tokens).

Usage: python3 bench/reference/tokenizer_fertility.py --tokenizer tokenizer.json --name "Gemma 3" \
         --heldout "/tmp/persian-lora-vocab-bench/heldout *.json" --out bench/results/fertility-gemma3.json
"""
import argparse
import glob
import json
import os
import re

from tokenizers import Tokenizer

# JavaScript's \s (the bench splits words on /\s+/u): Python's str.split() differs (U+001C-U+001F, U+0085, no U+FEFF)
JS_WHITESPACE = re.compile("[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--heldout", required=True, help="glob of the bench's 'heldout <set>.json' files")
    ap.add_argument("--source", default="", help="where the tokenizer.json came from (recorded in the result)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    tok = Tokenizer.from_file(args.tokenizer)
    sets = {}
    for path in sorted(glob.glob(args.heldout)):
        name = re.sub(r"^heldout (.*)\.json$", r"\1", os.path.basename(path))
        with open(path, encoding="utf-8") as f:
            lines = json.load(f)
        words = sum(len([w for w in JS_WHITESPACE.split(l) if w]) for l in lines)
        chars = sum(len(l) for l in lines)
        tokens = sum(len(tok.encode(l, add_special_tokens=False).ids) for l in lines)
        sets[name] = {"lines": len(lines), "words": words, "characters": chars, "tokens": tokens,
                      "tokensPerWord": tokens / words, "charactersPerToken": chars / tokens}
    if not sets:
        raise SystemExit(f"no held-out files match {args.heldout}: run node dist/bench/vocab.js first")
    result = {"tokenizer": args.name, "source": args.source, "vocabularySize": tok.get_vocab_size(), "sets": sets}
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
