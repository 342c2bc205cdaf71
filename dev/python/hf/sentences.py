"""Texts for test/fixtures/hf/tokenization.json: hand-written edge cases plus every 4th SST-2 dev sentence (up to 300 texts in all).

Invisible characters are written as escapes so this file stays readable.
"""

from __future__ import annotations

import pathlib

_DEV = pathlib.Path(__file__).resolve().parents[3] / "data" / "glue" / "SST-2" / "dev.tsv"

EDGE_CASES = [
    # empty and whitespace only
    "",
    " ",
    "   ",
    "\t",
    "\n",
    "\r\n",
    " \t \n ",
    "\u00a0",
    "\u3000",
    "\u200b",
    # whitespace oddities around words
    "  leading spaces",
    "trailing spaces   ",
    "multiple    inner     spaces",
    "tab\tseparated\twords",
    "line one\nline two\r\nline three",
    "no\u00a0break\u00a0space",
    "ideographic\u3000space",
    "zero\u200bwidth\u200bspace",
    "soft\u00adhyphen",
    "em\u2003space and thin\u2009space",
    "control\x07bell and \x1bescape",
    "null\x00byte",
    "replacement \ufffd char",
    "bom\ufeffinside",
    # case
    "Hello World",
    "HELLO WORLD",
    "hElLo WoRlD",
    "The Quick Brown Fox Jumps Over The Lazy Dog.",
    "iPhone, eBay, McDonald's and O'Neill",
    "CamelCaseIdentifierName and snake_case_name",
    # accents and combining marks
    "café",
    "cafe\u0301",
    "naïve résumé",
    "Zoë Saldaña in Ångström units",
    "ÉCOLE ÉLÉMENTAIRE",
    "l'été à Paris",
    "crème brûlée façade",
    "Straße und Fußgänger",
    "Dvořák, Łódź, Øresund, Þingvellir",
    "ﬁne ﬂower ligatures",
    "ＦＵＬＬＷＩＤＴＨ ｌｅｔｔｅｒｓ １２３",
    "e\u0300\u0301\u0302 stacked marks",
    # other scripts
    "中文分词测试",
    "我喜欢这部电影。",
    "日本語のテキストです",
    "カタカナ ひらがな 漢字",
    "한국어 문장입니다",
    "Ελληνικά γράμματα",
    "Русский текст, ЗАГЛАВНЫЕ буквы",
    "עברית מימין לשמאל",
    "العربية من اليمين",
    "हिन्दी पाठ",
    "ภาษาไทย",
    "mixed English 和中文 together",
    "Tokyo東京Osaka大阪",
    # emoji
    "😀",
    "I love this movie 😍😍😍",
    "thumbs 👍🏽 up",
    "family 👨\u200d👩\u200d👧\u200d👦 emoji",
    "flags 🇫🇷🇯🇵",
    "heart ❤️ variant",
    "🎬🍿 movie night",
    "math 𝔸𝕓𝕔 letters",
    # URLs, emails, code
    "https://www.example.com/path?query=1&x=y#frag",
    "visit http://example.org or www.test.co.uk now",
    "email me at first.last+tag@example.com",
    "@user #hashtag $TICKER",
    "C:\\Users\\name\\file.txt",
    "<b>bold</b> &amp; <i>italic</i>",
    "def f(x): return x**2 + 1",
    "a_b-c.d/e\\f|g",
    "{\"json\": [1, 2, 3]}",
    # punctuation runs
    "Wow!!!",
    "What?!?!",
    "Wait...",
    "Hmm……",
    "----",
    "((nested (parens)))",
    "\"quoted\" and 'single' and “curly” ‘quotes’",
    "em—dash and en–dash",
    "don't won't can't y'all",
    "it's 5 o'clock",
    "¿Qué? ¡Sí!",
    "« guillemets »",
    "***stars*** ~~strike~~ __under__",
    # numbers
    "3.14159",
    "1,000,000 dollars",
    "$19.99 or €20 or £15 or ¥2000",
    "1st 2nd 3rd 4th",
    "2024-01-15T10:30:00Z",
    "+1 (555) 123-4567",
    "50% off, 3/4 cup, 1e-5",
    "007 and 0.001 and -42",
    "½ ¼ ² ³ Ⅻ",
    # long words (BERT's WordPiece gives up past 100 characters per word)
    "supercalifragilisticexpialidocious",
    "pneumonoultramicroscopicsilicovolcanoconiosis",
    "antidisestablishmentarianism",
    "a" * 100,
    "b" * 101,
    "xy" * 60,
    "word " * 20,
    # special-token strings inside text
    "[CLS] [SEP] [MASK] [PAD] [UNK]",
    "[mask] lowercase specials",
    "the [MASK] is hidden",
    "<s> </s> <pad> <unk> <mask>",
    "the <mask> is hidden",
    "the<mask>is glued",
    # film review style, mixed
    "A GREAT movie. 10/10 would watch again!",
    "It's not bad, it's just... not good.",
    "The director's cut (2003) runs 3h 21m.",
    "Rated PG-13 for sci-fi violence.",
    "Star Wars: Episode IV – A New Hope",
]

PAIR_EDGE_CASES = [
    ("", ""),
    ("", "only the second text"),
    ("only the first text", ""),
    ("short", "short"),
    ("a", "b"),
    ("Is it good?", "Yes."),
    ("Héllo wörld", "naïve café"),
    ("中文分词测试", "日本語のテキストです"),
    ("I love this 😍", "me too 👍🏽"),
    ("https://example.com/a/b/c", "email first.last@example.com"),
    ("[MASK] token", "the <mask> token"),
    ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen", "x"),
    ("x", "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen"),
    ("one two three four five six seven eight nine ten eleven twelve",
     "thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty twenty-one"),
    ("supercalifragilisticexpialidocious", "pneumonoultramicroscopicsilicovolcanoconiosis"),
    ("a" * 100, "b" * 101),
    ("What?!?! Wait... Hmm……", "((nested (parens)))"),
    ("multiple    inner     spaces", "tab\tseparated\twords"),
    ("The Quick Brown Fox", "THE LAZY DOG"),
    ("3.14159 and 1,000,000", "$19.99 or €20"),
]


def _dev_sentences() -> list[str]:
    lines = _DEV.read_text(encoding="utf-8").split("\n")[1:]
    return [line.split("\t")[0].strip() for line in lines if line]


_dev = _dev_sentences()
_sampled = _dev[::4][: 300 - len(EDGE_CASES)]

SENTENCES: list[str] = EDGE_CASES + _sampled
# 20 hand-written pairs plus 30 made of consecutive sampled dev sentences (long enough to force truncation).
PAIRS: list[list[str]] = [list(p) for p in PAIR_EDGE_CASES] + [
    [_sampled[2 * i], _sampled[2 * i + 1]] for i in range(30)
]
