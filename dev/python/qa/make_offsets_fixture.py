"""Write test/fixtures/qa/offsets.json: HF fast-tokenizer ids and offsets (add_special_tokens=False,
return_offsets_mapping=True) for ~100 sentences, with offsets converted from Python code-point indices to
JavaScript UTF-16 indices so that `text.slice(start, end)` works on the TypeScript side.

Run: dev/python/.venv/bin/python dev/python/qa/make_offsets_fixture.py
"""

import json
from pathlib import Path

from transformers import AutoTokenizer

ROOT = Path(__file__).resolve().parents[3]

BASE = [
    "The quick brown fox jumps over the lazy dog.",
    "Super Bowl 50 was an American football game to determine the champion of the NFL for the 2015 season.",
    "Café au lait, naïve résumé, Ångström and façade.",
    "Crème brûlée costs €5.50 (about $6).",
    "ÉCOLE NORMALE SUPÉRIEURE in Paris",
    "Straße, Übermaß, and Ölförderung are German words.",
    "Ελληνικά: Σίσυφος ΟΔΟΣ",
    "Москва — столица России.",
    "北京是中国的首都。",
    "東京タワーは333メートルです。",
    "I love 🍕 and 😀😀!",
    "Family: 👨‍👩‍👧‍👦 ok",
    "Flags 🇫🇷🇩🇪 and ✓ marks",
    "Tabs\tand\nnewlines\r\nmixed   spaces",
    "  leading and trailing spaces  ",
    "Hyphen-ated words, semi;colons: and \"quotes\".",
    "e\u0301 combining acute (decomposed) vs é",
    "Zero\u200bwidth space and soft\u00adhyphen",
    "Non-breaking\u00a0space and ideographic\u3000space",
    "Email: someone@example.com, URL: https://example.org/path?q=1",
    "Numbers: 1,234.56 and 3.14159 and 10^9",
    "Ｆｕｌｌｗｉｄｔｈ ＬＡＴＩＮ letters",
    "ﬁnancial ligature ﬂow",
    "İstanbul and DİYARBAKIR",
    "Supercalifragilisticexpialidocious antidisestablishmentarianism",
    "Mixed 中文 and English 混合 text",
    "한국어 문장입니다.",
    "עברית ועוד",
    "العربية نص",
    "हिन्दी पाठ",
    "Emoji in word: pizza🍕party",
    "Math: ∑ x² ≤ ∞, α+β=γ",
    "Apostrophes: don't, it's, they're, we've, I'm, you'll, he'd",
    "Curly ‘quotes’ and “double quotes” — dashes – too…",
    "Control\u0007char and replacement \ufffd char",
    "ALL CAPS SENTENCE WITH ACRONYMS LIKE NASA AND UNESCO.",
    "a",
    "",
    "   ",
    "[CLS] literal special [SEP] tokens [UNK] in text",
    "<s> roberta specials </s> and <mask> here",
    "Old English: Ðā wæs on burgum Bēowulf Scyldinga",
    "Vietnamese: Tiếng Việt có dấu",
    "Polish: Zażółć gęślą jaźń",
    "Turkish: ığüşöç IĞÜŞÖÇ",
    "Ligatures Æsir and Œuvre",
    "The 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math letters 𝐀𝐁𝐂",
    "CJK ext B: 𠀀𠀁 and 𪚥",
    "long" + "o" * 120 + "ng word",
    "Kelvin sign K and Angstrom sign Å",
]

SQUADISH = [
    "Architecturally, the school has a Catholic character. Atop the Main Building's gold dome is a golden "
    "statue of the Virgin Mary.",
    "The Normans (Norman: Nourmands; French: Normands; Latin: Normanni) were the people who in the 10th and "
    "11th centuries gave their name to Normandy, a region in France.",
    "In 1066, William the Conqueror invaded England; the Battle of Hastings followed on 14 October.",
    "Beyoncé Giselle Knowles-Carter (/biːˈjɒnseɪ/ bee-YON-say) (born September 4, 1981) is an American singer.",
    "Frédéric François Chopin (1 March 1810 – 17 October 1849) was a Polish composer.",
]

SENTENCES = BASE + SQUADISH
# Programmatic variants to reach ~100: case changes and accent/emoji insertions.
for s in BASE[:25]:
    SENTENCES.append(s.upper())
for s in BASE[:20]:
    SENTENCES.append("→ " + s + " 🙂")
assert len(SENTENCES) >= 100, len(SENTENCES)


def utf16_index(text: str) -> list[int]:
    """Code-point index -> UTF-16 index (one entry per code point, plus the end)."""
    out = [0]
    for ch in text:
        out.append(out[-1] + (2 if ord(ch) > 0xFFFF else 1))
    return out


def main() -> None:
    result = {"sentences": SENTENCES, "tokenizers": {}}
    for name in ["bert-tiny", "roberta-tiny"]:
        tok = AutoTokenizer.from_pretrained(str(ROOT / "test/fixtures/hf" / name))
        cases = []
        for text in SENTENCES:
            enc = tok(text, add_special_tokens=False, return_offsets_mapping=True)
            to16 = utf16_index(text)
            cases.append(
                {
                    "ids": enc["input_ids"],
                    "offsets": [[to16[s], to16[e]] for s, e in enc["offset_mapping"]],
                }
            )
        result["tokenizers"][name] = cases
    out = ROOT / "test/fixtures/qa/offsets.json"
    out.write_text(json.dumps(result, ensure_ascii=False) + "\n")
    print(f"wrote {out}: {len(SENTENCES)} sentences")


if __name__ == "__main__":
    main()
