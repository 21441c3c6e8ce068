# Writes the small Parquet fixtures under test/fixtures/data/ (and the rows they hold as JSON) with pyarrow.
# Run: python3 test/reference/data/make_parquet_fixture.py   (needs `pip install pyarrow`)
import json
import pathlib

import pyarrow as pa
import pyarrow.parquet as pq

OUT = pathlib.Path(__file__).resolve().parents[2] / 'fixtures' / 'data'
PERSIAN = ['زبان فارسی زیباست', 'کتاب‌ها روی میز هستند', 'او هر روز به مدرسه می‌رود', 'هوا امروز آفتابی است']
ENGLISH = ['The weather is sunny today', 'Books are on the table', 'She goes to school every day', 'Persian is beautiful']


def rows():
    out = []
    for i in range(60):
        out.append({
            'id': i,
            'text': None if i == 37 else f'{PERSIAN[i % 4]} ({i})',
            'translation': ENGLISH[(i + 3) % 4],
            'meta': {'source': 'fixture', 'split': 'train' if i % 5 else 'test'},
        })
    return out


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    data = rows()
    schema = pa.schema([
        ('id', pa.int32()),
        ('text', pa.string()),
        ('translation', pa.string()),
        ('meta', pa.struct([('source', pa.string()), ('split', pa.string())])),
    ])
    table = pa.Table.from_pylist(data, schema=schema)
    for codec in ['none', 'snappy', 'zstd']:
        path = OUT / f'rows-{codec}.parquet'
        pq.write_table(table, path, compression=codec, row_group_size=25)
        meta = pq.ParquetFile(path).metadata
        print(path.name, path.stat().st_size, 'bytes', meta.num_row_groups, 'row groups',
              meta.row_group(0).column(1).compression)
    (OUT / 'rows.json').write_text(json.dumps(data, ensure_ascii=False, indent=0) + '\n', encoding='utf-8')


if __name__ == '__main__':
    main()
