"""Write test/fixtures/ranking/porter.json: words and their Porter stems from NLTK's
PorterStemmer(mode=MARTIN_EXTENSIONS), the form of Porter's reference implementation that Lucene ports.

Words: the 3,000 most frequent alphabetic words of the bundled SST-2 train split (data/glue/SST-2/train.tsv),
plus the examples of Porter's 1980 paper and words that reach the rarer rules.

Run: /work/main/dev/python/.venv/bin/python dev/python/ranking/make_porter_fixture.py  (needs `pip install nltk`)
"""

import collections
import json
import re
from pathlib import Path

from nltk.stem.porter import PorterStemmer

ROOT = Path(__file__).resolve().parents[3]
OUT = ROOT / "test" / "fixtures" / "ranking" / "porter.json"

EXTRA = """caresses ponies ties caress cats feed agreed disabled matting mating meeting milling messing meetings
plastered bled motoring sing conflated troubled sized hopping tanned falling hissing fizzed failing filing
happy sky relational conditional rational valenci hesitanci digitizer conformabli radicalli differentli vileli
analogousli vietnamization predication operator feudalism decisiveness hopefulness callousness formaliti
sensitiviti sensibiliti triplicate formative formalize electriciti electrical hopeful goodness revival
allowance inference airliner gyroscopic adjustable defensible irritant replacement adjustment dependent
adoption homologou communism activate angulariti homologous effective bowdlerize probate rate cease
controll roll generalizations oscillators logically abilities analogies biology is as at by a yes sses ies
eed ed ing bli ation ational sly spy ying dying lying tying flying crying""".split()


def main():
    counts = collections.Counter()
    with open(ROOT / "data" / "glue" / "SST-2" / "train.tsv", encoding="utf-8") as f:
        next(f)
        for line in f:
            counts.update(w for w in re.findall(r"[a-z]+", line.split("\t")[0].lower()))
    words = [w for w, _ in counts.most_common(3000)]
    words += [w for w in EXTRA if w not in words]
    stemmer = PorterStemmer(mode=PorterStemmer.MARTIN_EXTENSIONS)
    pairs = [[w, stemmer.stem(w, to_lowercase=False)] for w in words]
    OUT.write_text(
        json.dumps({"generator": "dev/python/ranking/make_porter_fixture.py", "stems": pairs}) + "\n"
    )
    print(f"wrote {OUT}: {len(pairs)} words, {sum(a != b for a, b in pairs)} changed by stemming")


if __name__ == "__main__":
    main()
