#!/usr/bin/env python3
"""Reference numbers for lib/eval/metrics: sacreBLEU (BLEU, chrF, 13a tokens), rouge-score (ROUGE-1/2/L), the
official SQuAD v1.1 normalisation (exact match, token F1) and numpy's percentile, on fixed English and Persian
hypothesis/reference sets. Writes metrics-fixture.json next to this script.

    pip install sacrebleu==2.6.0 rouge-score==0.1.2 numpy
    python3 test/reference/eval/make_metric_fixture.py
"""
import collections
import json
import os
import re
import string
import unicodedata

import numpy
import sacrebleu
import rouge_score
from rouge_score import rouge_scorer, tokenizers

HERE = os.path.dirname(os.path.abspath(__file__))

SETS = {
    "en": {
        "hyps": [
            "The cat sat on the mat.",
            "It's easy enough for a neuroscientist to put an inmate in an MRI scanner.",
            "he crashed, the doctor thinks it was a pulmonary embolism",
            "Prices rose 3.5% in 2023 - the highest rate since 1,990 units were sold.",
            "We develop a framework for which reasoning tasks a network learns well.",
            "And Moses washed Aaron and his sons with water.",
            "Tom & Jerry said \"hello\" <to> the state-of-the-art model...",
            "",
            "completely unrelated words here",
            "A quick brown fox",
        ],
        "refs": [
            "The cat is sitting on the mat.",
            "It's easy enough for a neuroscientist to place a high-security inmate in an MRI scanner.",
            "he crashed. the attending thinks it was a pulmonary embolism.",
            "Prices rose by 3.5% in 2023, the highest rate since 1990.",
            "We develop a theoretical framework to characterize which reasoning tasks a neural network can learn well.",
            "And Moses brought Aaron and his sons, and washed them with water.",
            "Tom &amp; Jerry said &quot;hello&quot; to the state-of-the-art model.",
            "An empty hypothesis still has a reference.",
            "The meeting was postponed until next week.",
            "The quick brown fox jumps over the lazy dog",
        ],
    },
    "fa": {
        "hyps": [
            "شاخص بورس تهران امروز با صعود ۱۲۹۵ واحدی آغاز شد.",
            "مراکز غیرمجاز تخلیه پسماند در فردیس تعطیل می‌شود.",
            "و موسی روغن مسح را گرفت و مسکن را مسح کرد.",
            "كيفيت غذا خيلي بد بود",
            "این یک جمله کاملاً متفاوت است؟",
            "سلام، حال شما چطور است؟",
            "قیمت دلار به 42 هزار تومان رسید",
            "کتاب‌ها روی میز هستند",
        ],
        "refs": [
            "شاخص بورس تهران امروز صبح با صعود هزار و ۲۹۵ واحدی معاملات خود را آغاز کرد.",
            "سرپرست معاونت خدمات شهری گفت: مراکز غیرمجاز پسماند تعطیل می‌شود.",
            "و موسی روغن مسح را گرفته، مسکن وآنچه را که در آن بود مسح کرده، آنها را تقدیس نمود.",
            "کیفیت غذا افتضاح بود.",
            "هوا امروز آفتابی و گرم است.",
            "سلام، حال شما چطوره؟",
            "قیمت دلار به ۴۲ هزار تومان رسید.",
            "کتاب ها روی میز هستند.",
        ],
    },
    "mixed": {
        "hyps": ["The model said: «سلام دنیا» and stopped.", "یک two سه", "ـــ emoji 😀 test"],
        "refs": ["The model said «سلام دنیا» then stopped.", "one دو three", "emoji 😀 test!"],
    },
}

SQUAD = {
    "hyps": ["The Eiffel Tower", "an apple a day", "Paris, France.", "1990", "", "Denver Broncos", "the"],
    "refs": ["Eiffel tower", "apple a day!", "Paris", "in 1990", "", "Broncos of Denver", "a"],
}

TOKENIZE_13A = [
    "Hello, world! It's 3.14 - not 3,000.",
    "state-of-the-art (2020-2021) models: 99.9%",
    "A&amp;B &lt;tag&gt; &quot;q&quot; <skipped> end-\nline",
    "tab\there   and\u00a0nbsp\u3000wide",
    "کتاب‌ها، روی میز هستند.",
]

BOOTSTRAP_VALUES = [0.3, 0.1, 0.9, 0.5, 0.7, 0.2, 0.8, 0.4, 0.6, 1.0, 0.05]


class UnicodeWordTokenizer(tokenizers.Tokenizer):
    """The project's ROUGE tokenizer, written independently: lowercase, then split on every character whose Unicode
    general category is not a letter (L*), mark (M*) or number (N*)."""

    def tokenize(self, text):
        out, cur = [], []
        for ch in text.lower():
            if unicodedata.category(ch)[0] in "LMN":
                cur.append(ch)
            elif cur:
                out.append("".join(cur))
                cur = []
        if cur:
            out.append("".join(cur))
        return out


# Official SQuAD v1.1 evaluation functions.
def normalize_answer(s):
    def remove_articles(text):
        return re.sub(r"\b(a|an|the)\b", " ", text)

    def white_space_fix(text):
        return " ".join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return "".join(ch for ch in text if ch not in exclude)

    return white_space_fix(remove_articles(remove_punc(s.lower())))


def f1_score(prediction, ground_truth):
    p = normalize_answer(prediction).split()
    g = normalize_answer(ground_truth).split()
    if len(p) == 0 or len(g) == 0:  # SQuAD v2 convention for empty answers
        return float(p == g)
    common = collections.Counter(p) & collections.Counter(g)
    num_same = sum(common.values())
    if num_same == 0:
        return 0.0
    precision = num_same / len(p)
    recall = num_same / len(g)
    return (2 * precision * recall) / (precision + recall)


def rouge_rows(scorer, hyps, refs):
    rows = []
    for h, r in zip(hyps, refs):
        s = scorer.score(r, h)
        rows.append({k: {"precision": v.precision, "recall": v.recall, "fmeasure": v.fmeasure} for k, v in s.items()})
    return rows


def main():
    bleu = sacrebleu.metrics.BLEU()
    chrf = sacrebleu.metrics.CHRF()
    unicode_scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], tokenizer=UnicodeWordTokenizer())
    default_scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=False)
    out = {
        "generator": "test/reference/eval/make_metric_fixture.py",
        "versions": {"sacrebleu": sacrebleu.__version__, "rouge_score": "0.1.2", "numpy": numpy.__version__},
        "sets": {},
    }
    for name, s in SETS.items():
        hyps, refs = s["hyps"], s["refs"]
        b = bleu.corpus_score(hyps, [refs])
        entry = {
            "hyps": hyps,
            "refs": refs,
            "bleu": b.score,
            "bleu_stats": {"sys_len": b.sys_len, "ref_len": b.ref_len, "counts": b.counts, "totals": b.totals},
            "chrf": chrf.corpus_score(hyps, [refs]).score,
            "sentence_chrf": [chrf.sentence_score(h, [r]).score for h, r in zip(hyps, refs)],
            "rouge_unicode": rouge_rows(unicode_scorer, hyps, refs),
            "rouge_default": rouge_rows(default_scorer, hyps, refs),
        }
        out["sets"][name] = entry
    out["squad"] = {
        "hyps": SQUAD["hyps"],
        "refs": SQUAD["refs"],
        "exact_match": [float(normalize_answer(h) == normalize_answer(r)) for h, r in zip(SQUAD["hyps"], SQUAD["refs"])],
        "f1": [f1_score(h, r) for h, r in zip(SQUAD["hyps"], SQUAD["refs"])],
    }
    out["signatures"] = {"bleu": str(bleu.get_signature()), "chrf": str(chrf.get_signature())}
    tok = sacrebleu.tokenizers.tokenizer_13a.Tokenizer13a()
    out["tokenize_13a"] = [{"text": t, "tokens": tok(t.rstrip()).split()} for t in TOKENIZE_13A]
    out["percentile"] = {
        "values": BOOTSTRAP_VALUES,
        "q": [2.5, 50, 97.5],
        "result": [float(numpy.percentile(BOOTSTRAP_VALUES, q)) for q in (2.5, 50, 97.5)],
    }
    with open(os.path.join(HERE, "metrics-fixture.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
