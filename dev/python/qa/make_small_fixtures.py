"""Write the hand-written SQuAD v1.1 and HotpotQA distractor fixtures in the official formats
(test/fixtures/qa/squad-small.json, hotpot-small.json). answer_start is computed here (Python code points,
as the official files count) so the hand-written answers cannot drift.

Run: dev/python/.venv/bin/python dev/python/qa/make_small_fixtures.py
"""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def qa(qid, question, context, *answers):
    out = []
    for text in answers:
        start = context.index(text)
        out.append({"text": text, "answer_start": start})
    return {"id": qid, "question": question, "answers": out}


LONG = " ".join(
    f"In year {1900 + i}, the village of Alder{i} built bridge number {i} across the river." for i in range(40)
)
C1 = (
    "Super Bowl 50 was an American football game to determine the champion of the National Football League "
    "(NFL) for the 2015 season. The American Football Conference (AFC) champion Denver Broncos defeated the "
    "National Football Conference (NFC) champion Carolina Panthers 24–10 to earn their third Super Bowl title."
)
C2 = "Beyoncé 🎤 Giselle Knowles-Carter (born September 4, 1981) is an American singer from Houston, Texas."
C3 = "Frédéric Chopin was a Polish composer. 北京 is far from Warsaw, where Chopin was born in 1810."

SQUAD = {
    "version": "1.1",
    "data": [
        {
            "title": "Super_Bowl_50",
            "paragraphs": [
                {
                    "context": C1,
                    "qas": [
                        qa("sb1", "Which NFL team won Super Bowl 50?", C1, "Denver Broncos", "Denver Broncos"),
                        qa("sb2", "What was the final score?", C1, "24–10"),
                        qa("sb3", "  Which season did it determine?", C1, "2015 season", "2015"),
                    ],
                },
                {"context": LONG, "qas": [
                    qa("long1", "Which village built bridge number 3?", LONG, "Alder3"),
                    qa("long2", "When was bridge number 37 built?", LONG, "1937"),
                    qa("long3", "Which village built bridge 20?", LONG, "the village of Alder20"),
                ]},
            ],
        },
        {
            "title": "Beyoncé",
            "paragraphs": [
                {
                    "context": C2,
                    "qas": [
                        qa("b1", "When was Beyoncé born?", C2, "September 4, 1981"),
                        qa("b2", "Where is she from?", C2, "Houston, Texas", "Houston"),
                    ],
                }
            ],
        },
        {
            "title": "Frédéric_Chopin",
            "paragraphs": [
                {
                    "context": C3,
                    "qas": [
                        qa("c1", "What nationality was Chopin?", C3, "Polish"),
                        qa("c2", "Which city is far from Warsaw?", C3, "北京"),
                        qa("c3", "When was Chopin born?", C3, "1810"),
                    ],
                }
            ],
        },
    ],
}


def para(title, *sentences):
    return [title, list(sentences)]


HOTPOT = [
    {
        "_id": "h1",
        "question": "Which magazine was started first, Arthur's Magazine or First for Women?",
        "answer": "Arthur's Magazine",
        "supporting_facts": [["Arthur's Magazine", 0], ["First for Women", 0]],
        "context": [
            para("Radio City (Indian radio station)", "Radio City is India's first private FM radio station.",
                 " It was started on 3 July 2001."),
            para("Arthur's Magazine", "Arthur's Magazine (1844–1846) was an American literary periodical.",
                 " It was published in Philadelphia."),
            para("First for Women", "First for Women is a woman's magazine published by Bauer Media Group.",
                 " The magazine was started in 1989."),
        ],
        "type": "comparison",
        "level": "medium",
    },
    {
        "_id": "h2",
        "question": "Were Scott Derrickson and Ed Wood of the same nationality?",
        "answer": "yes",
        "supporting_facts": [["Scott Derrickson", 0], ["Ed Wood", 0]],
        "context": [
            para("Ed Wood", "Edward Davis Wood Jr. was an American filmmaker."),
            para("Tyler Bates", "Tyler Bates is an American musician."),
            para("Scott Derrickson", "Scott Derrickson is an American director.", " He lives in Los Angeles."),
        ],
        "type": "comparison",
        "level": "hard",
    },
    {
        "_id": "h3",
        "question": "Is Doctor Strange older than Sinister?",
        "answer": "no",
        "supporting_facts": [["Doctor Strange (2016 film)", 0], ["Sinister (film)", 0]],
        "context": [
            para("Sinister (film)", "Sinister is a 2012 horror film."),
            para("Doctor Strange (2016 film)", "Doctor Strange is a 2016 superhero film."),
        ],
        "type": "comparison",
        "level": "easy",
    },
    {
        "_id": "h4",
        "question": "The director of Sinister was born in which city?",
        "answer": "Denver, Colorado",
        "supporting_facts": [["Sinister (film)", 0], ["Scott Derrickson", 1]],
        "context": [
            para("Sinister (film)", "Sinister was directed by Scott Derrickson."),
            para("Deliver Us from Evil", "Deliver Us from Evil was shot in Denver, Colorado too."),
            para("Scott Derrickson", "Scott Derrickson is an American director.",
                 " He was born in Denver, Colorado."),
        ],
        "type": "bridge",
        "level": "hard",
    },
    {
        "_id": "h5",
        "question": "What is the answer that appears nowhere?",
        "answer": "Atlantis",
        "supporting_facts": [["Ed Wood", 0]],
        "context": [para("Ed Wood", "Edward Davis Wood Jr. was an American filmmaker.")],
        "type": "bridge",
        "level": "easy",
    },
]


def main() -> None:
    out = ROOT / "test/fixtures/qa"
    (out / "squad-small.json").write_text(json.dumps(SQUAD, ensure_ascii=False, indent=1) + "\n")
    (out / "hotpot-small.json").write_text(json.dumps(HOTPOT, ensure_ascii=False, indent=1) + "\n")
    print("wrote squad-small.json, hotpot-small.json")


if __name__ == "__main__":
    main()
