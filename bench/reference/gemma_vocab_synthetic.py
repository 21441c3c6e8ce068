"""A small synthetic tokenizer.json in Gemma 3's form and Hugging Face `tokenizers`' tokenization of varied texts with
it: the fixture of test/native/vocab/gemma-vocab.test.ts, which checks bench/gemma-vocab.ts's conversion without
Gemma's own tokenizer (not committed: Gemma's terms).

Gemma's form, as transformers' converter writes it from a SentencePiece BPE model: normalizer " " -> "▁", no space
prefix, byte fallback with <0x00>..<0xFF>, and merges listing every split of each piece into two pieces, ranked by
piece. The pieces come from a BPE trainer on a few Persian and English lines; their ids are shuffled against their
merge ranks so that the conversion has to take scores from the ranks, not from the ids.

Usage: python3 bench/reference/gemma_vocab_synthetic.py --out bench/reference/gemma-vocab-synthetic.json
"""
import argparse
import json
import random

from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

CORPUS = [
    "امروز هوا آفتابی است و ما به پارک رفتیم", "کتاب‌های تازه را در کتابخانه دانشگاه گذاشتند",
    "دانشجویان در کلاس درباره زبان فارسی صحبت کردند", "همه مردم حق دارند آزادانه زندگی کنند",
    "the quick brown fox jumps over the lazy dog", "tokenizers merge the most frequent pairs first",
    "numbers 1234 and 5678", "    indented code line", "a table <table> here",
] * 3
TEXTS = [
    "امروز هوا آفتابی است", "کتابخانه‌های دانشگاه", "زبان فارسی و زبان‌ها", "the lazy fox", "merge pairs first",
    " leading", "two  spaces", "tab\there", "new\nline", "\n\n", "1234 5678 90", "emoji 😀", "ژ چ گ", "<table>x</table>",
    "a<bos>b", "unknown ✓ character", "", " ",
]
SPECIAL = ["<pad>", "<eos>", "<bos>", "<unk>"]
USER_DEFINED = ["<table>", "\n", "\n\n", "▁▁", "▁▁▁"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    # pieces: a BPE trainer's, on the text as Gemma's normalizer leaves it
    trainer_tok = Tokenizer(models.BPE())
    trainer_tok.pre_tokenizer = pre_tokenizers.Split("▁", "merged_with_next")
    trainer_tok.train_from_iterator([t.replace(" ", "▁") for t in CORPUS],
                                    trainers.BpeTrainer(vocab_size=400, show_progress=False))
    trained = trainer_tok.get_vocab()
    chars = sorted({p for p in trained if len(p) == 1})
    merged = sorted((p for p in trained if len(p) > 1), key=lambda p: trained[p])  # merge order
    # Gemma's merges: every split of a piece into two pieces, ranked by the piece (SentencePiece score order)
    vocab_set = set(chars) | set(merged)
    # whitespace runs first, as in Gemma (there they are user-defined tokens too)
    merged = ["▁▁", "▁▁▁", "\n\n"] + [p for p in merged if p not in USER_DEFINED]
    vocab_set = set(chars) | set(merged) | {"\n"}
    merges = [(p[:k], p[k:]) for p in merged for k in range(1, len(p)) if p[:k] in vocab_set and p[k:] in vocab_set]
    # ids: specials, user-defined, bytes, then pieces and characters in a shuffled order
    rng = random.Random(7)
    body = merged + chars
    rng.shuffle(body)
    pieces = SPECIAL + USER_DEFINED + [f"<0x{b:02X}>" for b in range(256)] + [p for p in body if p not in USER_DEFINED]
    vocab = {p: i for i, p in enumerate(pieces)}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token="<unk>", fuse_unk=True, byte_fallback=True))
    tok.normalizer = normalizers.Replace(" ", "▁")
    tok.pre_tokenizer = pre_tokenizers.Split(" ", "merged_with_previous")
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()])
    tok.add_special_tokens(SPECIAL)
    tok.add_tokens([AddedToken(t, normalized=False, special=False) for t in USER_DEFINED])
    tokenizer_json = json.loads(tok.to_str())
    config = {"add_bos_token": True, "add_eos_token": False, "bos_token": "<bos>", "eos_token": "<eos>",
              "unk_token": "<unk>", "pad_token": "<pad>"}
    cases = [{"text": t, "ids": tok.encode(t, add_special_tokens=False).ids} for t in TEXTS]
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"tokenizer": tokenizer_json, "tokenizerConfig": config, "cases": cases}, f, ensure_ascii=False)
        f.write("\n")
    print(f"{len(pieces)} pieces, {len(merges)} merges, {len(cases)} texts -> {args.out}")


if __name__ == "__main__":
    main()
