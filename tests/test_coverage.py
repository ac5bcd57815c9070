"""The cross-source brief's table of passages cited, by theme and source: what each theme
shows of each source, counted once per passage, the same in the Markdown and the report."""

from __future__ import annotations

from pipeline.models import Attributed, CrossSourceBrief, CrossTheme, Passage
from pipeline.outputs.coverage import table_rows
from pipeline.outputs.markdown import cross_markdown
from pipeline.outputs.report_html import Report


def passage(source_id: str, start: int) -> Passage:
    return Passage(
        source_id=source_id,
        char_start=start,
        char_end=start + 5,
        line_start=1,
        line_end=1,
        text="Chips",
    )


def said(text: str, *passages: Passage) -> Attributed:
    ids = sorted({p.source_id for p in passages})
    return Attributed(text=text, theme_ids=[], source_ids=ids, citations=list(passages))


def theme(title: str, sentences: list[list[Passage]], listed: list[Attributed]) -> CrossTheme:
    cited = [p for s in sentences for p in s]
    # the summary names every statement of its group, also one left out for length
    whole = said("Chips matter. Labs stockpiled them.", *cited, passage("003", 900))
    return CrossTheme(title=title, summary=whole, sentence_citations=sentences, by_source=listed)


def brief() -> CrossSourceBrief:
    chips = theme(
        "Chips | export controls",
        [[passage("001", 0)], [passage("001", 0), passage("002", 10)]],
        [said("Labs stockpiled chips.", passage("002", 10)), said("H20s.", passage("002", 40))],
    )
    labs = theme("Open labs", [[passage("002", 70)]], [said("Qwen is open.", passage("001", 90))])
    return CrossSourceBrief(
        overview="Chips matter.",
        overview_citations=[[passage("001", 0)]],
        themes=[chips, labs],
        source_ids=["001", "002", "003"],
    )


def test_each_theme_counts_the_passages_it_shows_of_each_source() -> None:
    columns, rows = table_rows(brief().model_dump())
    # 003 is cited only by a summary's whole, never shown: it has no column
    assert columns == ["001", "002"]
    # a passage its summary's sentences and a listed statement both cite counts once
    assert rows == [("Chips | export controls", ["1", "2"]), ("Open labs", ["1", "1"])]


def test_the_markdown_prints_the_table_after_the_overview() -> None:
    md = cross_markdown(brief(), {})
    table = md[md.index("## Passages cited") : md.index("## Themes across sources")]
    assert table.splitlines() == [
        "## Passages cited, by theme and source",
        "",
        "| | `001` | `002` |",
        "|---|:-:|:-:|",
        "| Chips \\| export controls | 1 | 2 |",  # a bar in a title does not end its cell
        "| Open labs | 1 | 1 |",
        "",
    ]
    assert md.index("## Overview") < md.index("## Passages cited")


def test_the_report_prints_the_same_table_with_links_to_the_sources() -> None:
    page = Report(brief().model_dump(), [], {}, {}).page()
    table = page[page.index('<table class="by-theme">') : page.index("</table>")]
    assert '<th><a href="#src-001">001</a></th><th><a href="#src-002">002</a></th>' in table
    assert "<tr><th>Chips | export controls</th><td>1</td><td>2</td></tr>" in table
    assert page.index("<h3>Overview</h3>") < page.index("<h3>Passages cited, by theme and source")


def test_a_table_of_more_sources_than_a_reader_can_take_in_is_not_printed() -> None:
    from pipeline.outputs.coverage import MAX_COLUMNS

    many = [f"{n:03d}" for n in range(MAX_COLUMNS + 1)]
    wide = brief().model_copy(update={"source_ids": many})
    listed = [said("Chips.", passage(s, 0)) for s in many]
    wide.themes[1].by_source = listed
    assert table_rows(wide.model_dump()) == ([], [])
    wide.themes[1].by_source = listed[:-1]
    assert len(table_rows(wide.model_dump())[0]) == MAX_COLUMNS


def test_one_theme_or_one_source_has_no_table() -> None:
    one_theme = brief().model_copy(update={"themes": brief().themes[:1]})
    assert table_rows(one_theme.model_dump()) == ([], [])
    assert "Passages cited" not in cross_markdown(one_theme, {})
    one_source = brief().model_copy(update={"source_ids": ["001"]})
    assert "Passages cited" not in Report(one_source.model_dump(), [], {}, {}).page()
