# Reference LSH band/row choices from datasketch (MinHashLSH's _optimal_param with equal weights) for test/fixtures/data/minhash-bands.json.
# Run: pip install datasketch scipy && python3 test/reference/data/minhash_bands.py
import json
import pathlib

import datasketch
from datasketch.lsh import _optimal_param

OUT = pathlib.Path(__file__).resolve().parents[2] / 'fixtures' / 'data' / 'minhash-bands.json'
cases = []
for num_perm in (32, 64, 128, 256):
    for threshold in (0.5, 0.7, 0.8, 0.9):
        b, r = _optimal_param(threshold, num_perm, 0.5, 0.5)
        cases.append({'threshold': threshold, 'numPerm': num_perm, 'bands': b, 'rows': r})
OUT.write_text(json.dumps({'datasketch': datasketch.__version__, 'cases': cases}, indent=1) + '\n')
print(OUT, len(cases))
