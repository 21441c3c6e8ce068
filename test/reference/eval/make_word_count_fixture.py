#!/usr/bin/env python3
"""Reference word counts for imported lm-evaluation-harness loglikelihood_rolling tasks: lm-evaluation-harness counts
the words of a document as `len(re.split(r"\\s+", doc))` (lm_eval/api/task.py, count_words; wikitext's
process_results likewise), that is with Python's Unicode whitespace and an empty piece at either end counted.
Writes word-count-fixture.json next to this script (no package needed).

    python3 test/reference/eval/make_word_count_fixture.py
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

TEXTS = [
    "The first page.",
    " = Valkyria Chronicles III = \n Senjō no Valkyria 3 is a tactical role @-@ playing video game .\n",
    "",
    "\n\n",
    "word",
    "  two   words  ",
    "تمام افراد بشر آزاد به دنیا می‌آیند و از لحاظ حیثیت و حقوق با هم برابرند.",
    "a\x1cb\x1dc\x1ed\x1fe",
    "a\x85b\xa0c\u1680d\u2000e\u200af\u2028g\u2029h\u202fi\u205fj\u3000k",
    "zero\u200bwidth\u200cnon\u200djoiner\ufeffbom",
    "tab\tnewline\nvertical\x0bfeed\x0creturn\rend",
]

cases = [{"text": t, "words": len(re.split(r"\s+", t)), "bytes": len(t.encode("utf-8"))} for t in TEXTS]
with open(os.path.join(HERE, "word-count-fixture.json"), "w", encoding="utf-8") as f:
    json.dump({"python": sys.version.split()[0], "cases": cases}, f, ensure_ascii=False, indent=1)
    f.write("\n")
