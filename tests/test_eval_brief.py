"""The brief benchmark's scorer (bench/eval_brief.py) on a tiny hand-made run with a known
answer, and the fact-file checker on the committed development set."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import eval_brief as eb  # noqa: E402
from bench.data import check_brief_facts  # noqa: E402

TRANSCRIPT = """Welcome to the Tiny Show, I am your host.
Our guest says the factory in Ningbo makes 40,000 bicycles a year.
She thinks subsidies from the city council keep prices low.
Her rival, Olga Berg, sells cargo bikes in Oslo.
Exports to Norway doubled after the tariff cut.
"""

FACTS = [
    {"id": "f001", "source_id": "900", "keywords": ["Ningbo", "40,000"], "split": "tune"},
    {"id": "f002", "source_id": "900", "keywords": ["subsid*", "city council"], "split": "check"},
    {"id": "f003", "source_id": "900", "keywords": ["Olga Berg", "cargo bike*"], "split": "tune"},
]
for _fact in FACTS:
    _fact["fact"] = f"The fact {_fact['id']}."
THEMES = [
    {"id": "t01", "keywords": ["cargo bike*", "Oslo|Norway"], "split": "tune"},
    {"id": "t02", "keywords": ["tariff*", "export*"], "split": "check", "theme": "Tariffs."},
]


def passage(text: str, sentence: str) -> dict[str, Any]:
    start = text.index(sentence)
    line = text[:start].count("\n") + 1
    return {
        "source_id": "900",
        "char_start": start,
        "char_end": start + len(sentence),
        "line_start": line,
        "line_end": line,
        "column": 1,
        "timestamp": None,
        "text": sentence,
    }


@pytest.fixture
def run(tmp_path: Path) -> tuple[Path, Path]:
    """A run folder (manifest, one source brief, a cross-source brief) and a data folder."""
    source = tmp_path / "seeds" / "900_tiny.txt"
    source.parent.mkdir()
    source.write_text(TRANSCRIPT, encoding="utf-8")
    out = tmp_path / "out"
    (out / "sources").mkdir(parents=True)
    manifest = {"sources": [{"source_id": "900", "path": str(source)}]}
    (out / "manifest.json").write_text(json.dumps(manifest))
    brief = {
        "source_id": "900",
        "title": "900_tiny.txt",  # the file name: not model prose
        "metadata": {"description": "Olga Berg sells cargo bikes"},  # copied: not prose
        "overview": "A Ningbo plant builds 40000 bicycles each year.",
        "themes": [
            {
                "id": "900/t1",
                "title": "Prices",
                "summary": "City council subsidies keep bicycle prices low.",
                "point_ids": ["900:0000/p1"],
                "citations": [passage(TRANSCRIPT, TRANSCRIPT.splitlines()[2])],
            },
            {
                "id": "900/t2",
                "title": "Exports",
                "summary": "Exports to Norway doubled.",
                "point_ids": [],
                "citations": [passage(TRANSCRIPT, TRANSCRIPT.splitlines()[0])],
            },
        ],
        # a quote holds f003's key words: quotes are the source's words, not the model's
        "quotes": [{"passage": passage(TRANSCRIPT, TRANSCRIPT.splitlines()[3]), "speaker": None}],
        "people": ["Olga Berg", "Like", "China", "TCM is"],
        "organisations": ["Ningbo Bicycle Works"],
    }
    (out / "sources" / "900.json").write_text(json.dumps(brief))
    cross = {
        "overview": "Olga Berg sells cargo bikes in Oslo.",
        "themes": [
            {
                "title": "Trade",
                "summary": {
                    "text": "Trade grew.",
                    "theme_ids": [],
                    "source_ids": ["900"],
                    "citations": [],
                },
            }
        ],
        "quotes": [],
        "source_ids": ["900"],
    }
    (out / "brief.json").write_text(json.dumps(cross))
    data = tmp_path / "data"
    data.mkdir()
    for name, rows in (("brief_facts.jsonl", FACTS), ("brief_themes.jsonl", THEMES)):
        (data / name).write_text("".join(json.dumps(r) + "\n" for r in rows))
    return out, data


def test_scorer_on_a_tiny_run_with_a_known_answer(run: tuple[Path, Path]) -> None:
    result = eb.score_run(*run[:1], split="all", data=run[1])
    [source] = result["sources"]
    # overview + 2 titles + 2 summaries; the file-name title and the metadata are not prose
    assert source["words"] == 8 + 1 + 7 + 1 + 4
    assert source["covered"]["brief"] == ["f001", "f002"]  # f003 is only in a quote
    assert source["covered"]["+cross"] == ["f001", "f002", "f003"]
    # the first 21 words of the transcript: the intro and the Ningbo sentence
    assert source["covered"]["lead"] == ["f001"]
    assert set(source["covered"]["textrank"]) <= {"f001", "f002", "f003"}
    assert (source["statements"], source["supported"]) == (2, 1)
    assert source["unshown"] == 1  # "Exports to Norway doubled." cites the welcome
    assert source["names"] == 5
    assert [name for _, name, _ in source["bad_names"]] == ["Like", "China", "TCM is"]
    cross = result["cross"]
    assert cross["covered"]["brief"] == ["t01"]
    assert (cross["statements"], cross["supported"]) == (1, 0)  # cites nothing
    table = eb.table(result)
    assert (
        "| 900 | 21 | 2 | 1/2 (50%) | 1/2 (50%) | 3/5 (60%) | 2/3 (67%) | 2/3 (67%) | 3/3 (100%) "
        "| 1/3 (33%) |"
    ) in table


def test_the_summaries_column_leaves_out_what_a_brief_lists() -> None:
    """Key facts and a theme's points are listed (under the 1.5B's policy, the
    transcript's own sentences): the summaries column scores the rest."""
    brief = {
        "overview": "A Ningbo plant builds bicycles.",
        "themes": [
            {
                "title": "Prices",
                "summary": "Subsidies keep prices low.",
                "points": [{"text": "Olga Berg sells cargo bikes.", "citations": []}],
            }
        ],
        "key_facts": [{"text": "It makes 40,000 bicycles a year.", "citations": []}],
    }
    said = eb.summaries(brief)
    assert "Ningbo" in said and "Subsidies" in said and "Prices" in said
    assert "Olga" not in said and "40,000" not in said
    assert "Olga" in eb.prose(brief) and "40,000" in eb.prose(brief)


def test_a_name_a_statements_passages_do_not_hold_is_unshown() -> None:
    """ "Xinjiang is now the startup hub in Hongzhou." cited on the line before Hongzhou's."""
    cited = [passage(TRANSCRIPT, TRANSCRIPT.splitlines()[3])]  # Olga Berg ... Oslo
    shown = "Her rival sells bikes in Oslo."
    assert eb.names_shown(eb.Statement(shown, cited, shown))
    said = "Cargo bikes sell in Oslo, says Olga Berg of Bergen."
    assert not eb.names_shown(eb.Statement(said, cited, said))
    assert eb.said_names(said) - eb.content_stems("Olga Berg Oslo") == {"bergen"}
    # a sentence's first word, the parts of a hyphenated word written in lower case, and
    # the cross-source brief's source labels are not names
    assert eb.said_names("Exports rose. Source 003 and Sources 001 and 004: AI-powered bikes.") == {
        "ai"
    }
    # a statement's title is not counted: titles are written in title case
    theme = {"title": "Bikes Of Bergen", "summary": "Her rival sells bikes.", "citations": cited}
    [statement] = eb.statements(theme)
    assert statement.untitled == "Her rival sells bikes." and eb.names_shown(statement)


def test_a_source_cited_for_a_claim_its_passages_do_not_hold_is_counted() -> None:
    """A cross-source sentence cited on two sources, one of which says it."""
    says = dict(passage(TRANSCRIPT, TRANSCRIPT.splitlines()[3]), source_id="901")  # Olga
    other = passage(TRANSCRIPT, TRANSCRIPT.splitlines()[4])  # exports to Norway
    brief = {
        "overview": "Olga Berg sells cargo bikes in Oslo. Exports to Norway doubled.",
        "overview_citations": [[says, other], [other]],
        "themes": [
            {
                "summary": {"text": "Olga Berg sells bikes."},
                "sentence_citations": [[says, dict(says, text="Her rival")]],
            }
        ],
    }
    assert eb.sources_unbacked(brief) == (4, 1)  # 900 on Olga Berg; one count per source
    assert eb.sources_unbacked({"overview": "", "themes": []}) == (0, 0)


def test_missed_lists_the_facts_missed_and_the_names_unshown(run: tuple[Path, Path]) -> None:
    result = eb.score_run(run[0], split="all", data=run[1])
    listed = eb.missed(result, "all", data=run[1])
    assert "- f003 (900) " in listed  # only in a quote
    assert "- t02 (cross) " in listed
    assert listed.endswith(
        "names their passages do not show:\n- 900: [norway] Exports to Norway doubled."
    )


def test_split_selects_facts(run: tuple[Path, Path]) -> None:
    result = eb.score_run(run[0], split="check", data=run[1])
    assert result["sources"][0]["facts"] == ["f002"]
    assert result["cross"]["themes"] == ["t02"]


def test_a_run_without_a_cross_source_brief_is_scored(run: tuple[Path, Path]) -> None:
    (run[0] / "brief.json").unlink()
    result = eb.score_run(run[0], split="all", data=run[1])
    assert result["sources"][0]["covered"]["+cross"] == ["f001", "f002"]
    assert (result["cross"]["words"], result["all"]["themes_covered"]["brief"]) == (0, 0)


def test_another_tool_s_plain_text_summaries_are_scored(run: tuple[Path, Path]) -> None:
    # bench/peer_run.py's peer writes sources/<id>.md and brief.md, and no manifest: its
    # transcripts are the seeds folder's, under brief run's ids ("900_tiny.txt": 900)
    out = run[0].parent / "peer"
    (out / "sources").mkdir(parents=True)
    (out / "sources" / "900.md").write_text("The text discusses a Ningbo plant: 40,000 bikes.")
    (out / "brief.md").write_text("Exports to Norway rose after a tariff cut.")
    result = eb.score_run(out, split="all", data=run[1], seeds=run[0].parent / "seeds")
    [source] = result["sources"]
    assert (source["words"], source["statements"]) == (8, 0)
    assert source["covered"]["brief"] == ["f001"]
    assert source["covered"]["lead"] == []  # cut to its 8 words: the show's welcome
    assert result["cross"]["covered"]["brief"] == ["t02"]


def test_textrank_extract_is_cut_to_the_brief_length() -> None:
    sentences = TRANSCRIPT.splitlines()
    ranked = eb.textrank_order(tuple(sentences))
    assert sorted(ranked) == sorted(sentences)
    assert len(eb.cut(ranked, 10).split()) == 10


@pytest.mark.parametrize(
    ("text", "group", "found"),
    [
        ("more than 50,000 kilometers", "50000", True),
        ("more than 50000 kilometers", "50,000", True),
        ("China's state subsidies", "subsid*", True),
        ("the subsidized compute", "subsidies|grants", False),  # stems differ: use a prefix
        ("Open source models", "open-source", True),
        ("power grids", "grid", True),
        ("gridlock", "grid", False),
        ("the Bay Area", "bay area", True),
        ("the bay and the area", "bay area", False),
        ("70% of robots", "70 percent|70", True),
        # Chinese writing, as its words: a word, a prefix of one, no half of one
        ("宇树科技推出的人形机器人售价九万九千元", "宇树", True),
        ("通过备案的大模型已经超过一百八十个", "一百八十*", True),
        ("通过备案的大模型已经超过一百八十个", "案的", False),
    ],
)
def test_keyword_matching(text: str, group: str, found: bool) -> None:
    assert eb.Text(text).matches(group) is found


def test_phrases_do_not_match_across_two_strings() -> None:
    brief = {"overview": "They met in the Bay", "themes": [{"title": "Area rugs"}]}
    assert not eb.Text(eb.prose(brief)).matches("bay area")
    assert eb.Text(eb.prose(brief)).matches("rug*")


@pytest.mark.parametrize(
    ("name", "kind", "bad"),
    [
        ("Grace Shao", "person", False),
        ("Liang Wenfeng", "person", False),
        ("Bank of China", "organisation", False),
        ("US", "organisation", True),  # a place
        ("01.AI", "organisation", False),
        ("Like", "person", True),
        ("TCM is", "person", True),
        ("China", "person", True),
        ("the government", "organisation", True),
        ("Kai-fu Lee's book", "person", True),
        ("Who talks about what, the main argument", "person", True),
        ("DeepSeek", "person", True),  # listed as an organisation in the same brief
        ("梁文锋", "person", False),  # Chinese writing has no lower case
    ],
)
def test_names_that_are_not_names(name: str, kind: str, bad: bool) -> None:
    assert bool(eb.bad_name(name, kind, {"deepseek"})) is bad


def test_fact_checker_passes_the_committed_data(capsys: pytest.CaptureFixture[str]) -> None:
    assert check_brief_facts.main(["check"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("OK")


def test_fact_checker_fails_on_bad_evidence_and_keywords(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "bench" / "data", data)
    rows = [json.loads(x) for x in (data / "brief_facts.jsonl").read_text().splitlines()]
    rows[0]["evidence"] = rows[0]["evidence"] + " (not in the transcript)"
    rows[1]["keywords"] = [rows[1]["keywords"][0], "zeppelin"]
    (data / "brief_facts.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert check_brief_facts.main(["check", str(data), str(ROOT / "seeds")]) == 1


@pytest.mark.parametrize(("language", "n_facts", "n_themes"), [("zh", 31, 5), ("es", 15, 0)])
def test_a_language_s_set_has_its_evidence_and_keywords_in_its_transcripts(
    language: str, n_facts: int, n_themes: int
) -> None:
    data = ROOT / "bench" / "data" / language
    seeds = {p.stem: p.read_text(encoding="utf-8") for p in (data / "seeds").glob("*.txt")}
    facts = eb.load_jsonl(data / "brief_facts.jsonl", "all")
    themes = eb.load_jsonl(data / "brief_themes.jsonl", "all")
    assert len(facts) == n_facts and len(themes) == n_themes
    for fact in facts:
        source = seeds[fact["source_id"]]
        assert fact["evidence"] in source, fact["id"]
        assert eb.Text(source).covers(fact["keywords"]), fact["id"]
    for theme in themes:
        for sid, evidence in theme["evidence"].items():
            assert evidence in seeds[sid] and eb.Text(seeds[sid]).covers(theme["keywords"])
