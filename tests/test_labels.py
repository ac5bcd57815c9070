"""The headings and labels around a brief are in the language its own text is written in
(Markdown and the HTML report alike); English briefs, and languages without labels, keep
the English ones."""

from __future__ import annotations

from dataclasses import astuple

import pytest

from pipeline.models import Attributed, CrossSourceBrief, CrossTheme, Passage, SourceBrief, Theme
from pipeline.outputs.labels import ENGLISH, LABELS, labels_of
from pipeline.outputs.markdown import brief_markdown, source_markdown
from pipeline.outputs.report_html import Report

SPANISH = (
    "Nvidia vendió a China el H20, una versión recortada. El chip necesita licencia "
    "porque SMIC no tiene acceso a las máquinas de litografía de ASML."
)
SPANISH_THEME = "Unitree vende robots cuadrúpedos a una cuarta parte del precio de Boston Dynamics."
CHINESE = "他们论文里说V3的最后一次训练花了大约557万美元。一些公司在出口管制生效之前囤了不少芯片。"
ENGLISH_TEXT = "Nvidia sold China the H20, a cut-down chip. Unitree sells robots cheaply."


def passage(source_id: str = "s1") -> Passage:
    return Passage(
        source_id=source_id, char_start=0, char_end=5, line_start=1, line_end=1, text="Hola."
    )


def source_brief(overview: str, theme: str, source_id: str = "s1") -> SourceBrief:
    return SourceBrief(
        source_id=source_id,
        title="Entrevista",
        file=f"{source_id}.txt",
        metadata={"date": "12 de marzo de 2025", "speakers": "Lucía Ferrer"},
        overview=overview,
        themes=[
            Theme(
                id=f"{source_id}/t1",
                title="Robots",
                summary=theme,
                point_ids=[],
                citations=[passage(source_id)],
            )
        ],
        people=["Lucía Ferrer"],
        organisations=["Nvidia"],
        chunks_total=1,
    )


def cross_brief(overview: str, summary: str) -> CrossSourceBrief:
    said = Attributed(
        text=summary, theme_ids=["a/t1", "b/t1"], source_ids=["a", "b"], citations=[passage("a")]
    )
    return CrossSourceBrief(
        overview=overview,
        themes=[CrossTheme(title="芯片", summary=said, by_source=[said])],
        agreements=[said],
        source_ids=["a", "b"],
    )


def test_a_spanish_brief_is_labelled_in_spanish() -> None:
    md = source_markdown(source_brief(SPANISH, SPANISH_THEME))
    assert "fuente `s1` · archivo `s1.txt` · fecha: 12 de marzo de 2025" in md
    assert "hablantes: Lucía Ferrer · fragmentos: 1 (0 fallidos)" in md
    for heading in ("Resumen", "Temas principales", "Personas y organizaciones"):
        assert f"\n## {heading}\n" in md
    assert "- Personas: Lucía Ferrer" in md and "- Organizaciones: Nvidia" in md
    assert "Overview" not in md and "People" not in md and "source `" not in md


def test_an_english_brief_keeps_the_english_labels() -> None:
    md = source_markdown(source_brief(ENGLISH_TEXT, ENGLISH_TEXT))
    assert "source `s1` · file `s1.txt` · date: 12 de marzo de 2025" in md
    assert "\n## Overview\n" in md and "\n## Key themes\n" in md
    assert "- People: Lucía Ferrer" in md and "(0 failed)" in md


def test_the_labels_follow_the_text_not_the_source() -> None:
    """A Spanish interview whose brief the model wrote in English reads in English."""
    brief = source_brief(ENGLISH_TEXT, ENGLISH_TEXT)
    assert brief.metadata["date"].startswith("12 de marzo")  # a Spanish source
    assert labels_of(brief.model_dump()) is ENGLISH


def test_a_chinese_cross_source_brief_is_labelled_in_chinese() -> None:
    briefs = [source_brief(CHINESE, CHINESE, "a"), source_brief(CHINESE, CHINESE, "b")]
    md = brief_markdown(cross_brief(CHINESE, CHINESE), briefs)
    assert md.startswith("# 跨来源简报\n\n来源：\n")
    assert "\n## 概述\n" in md and "\n## 跨来源主题\n" in md and "\n## 各来源的共识\n" in md
    assert "(来源：a, b)" in md
    own = source_markdown(briefs[0])  # a colon of Chinese writing after each label
    assert "来源 `a` · 文件 `a.txt` · 日期：12 de marzo de 2025" in own
    assert "- 人物：Lucía Ferrer" in own and "分块：1 (0 失败)" in own
    english = brief_markdown(cross_brief(ENGLISH_TEXT, ENGLISH_TEXT), briefs)
    assert english.startswith("# Cross-source brief\n\nSources:\n")
    assert "\n## Themes across sources\n" in english and "(sources: a, b)" in english


def test_the_report_labels_each_brief_in_its_own_language() -> None:
    spanish = source_brief(SPANISH, SPANISH_THEME, "a").model_dump()
    english = source_brief(ENGLISH_TEXT, ENGLISH_TEXT, "b").model_dump()
    cross = cross_brief(CHINESE, CHINESE).model_dump()
    page = Report(cross, [spanish, english], {}, {}).page()
    assert '<a href="#cross">跨来源简报</a>' in page and "<h2>跨来源简报</h2>" in page
    assert "<h3>概述</h3>" in page and "<h3>跨来源主题</h3>" in page
    spanish_part = page[page.index('id="src-a"') : page.index('id="src-b"')]
    assert "<h3>Resumen</h3>" in spanish_part and "<h3>Temas principales</h3>" in spanish_part
    assert "<h3>Personas y organizaciones</h3>" in spanish_part
    assert "fuente a · archivo a.txt" in spanish_part
    # each brief marked with its language, for fonts and screen readers
    assert '<section id="cross" lang="zh">' in page
    assert '<section class="source" id="src-a" lang="es">' in page
    assert '<section class="source" id="src-b" lang="en">' in page
    english_part = page[page.index('id="src-b"') :]
    assert "<h3>Overview</h3>" in english_part and "<h3>Key themes</h3>" in english_part
    assert "source b · file b.txt" in english_part


@pytest.mark.parametrize("language", sorted(LABELS))
def test_every_language_gives_every_label(language: str) -> None:
    labels = astuple(LABELS[language])
    assert all(label.strip() for label in labels)
    if language:  # its headings are its own, not the English ones left in place (French
        # spells "Sources", "source", "date", "Organisations" and the colon as English)
        same = [a for a, b in zip(labels, astuple(ENGLISH), strict=True) if a == b]
        assert len(same) <= 6, same
