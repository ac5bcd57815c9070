"""The words the renderers write around a brief's own text (its headings, the line of
facts about a source), in the language that text is written in.

A Spanish interview's brief was written in Spanish under "Overview", "Key themes",
"Key facts and figures" and "People and organisations"; a Chinese podcast's under the
same English headings. The Markdown (``markdown.py``) and the HTML report
(``report_html.py``) take their labels from ``labels_of``: the language of the brief's
overview and themes (``languages.writing_language``, as the prompts decide which language the
model writes in), English for any language without labels here. A cross-source brief
takes the language of its own overview and themes: that of its sources when they share
one, English when they do not (its model text is then English). Error lines ("Failed:",
"Partial:") stay English, as the errors they print are.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.languages import writing_language


@dataclass(frozen=True)
class Labels:
    """Every label a rendered brief shows (each language gives all of them)."""

    overview: str
    themes: str
    cross_themes: str
    key_facts: str
    quotes: str
    people_and_organisations: str
    people: str
    organisations: str
    open_questions: str
    agreements: str
    disagreements: str
    cited_by_theme: str  # the cross-source brief's table (``coverage.py``)
    cross_brief: str
    sources: str
    cited_sources: str  # "(sources: 001, 004)" after a cross-source statement
    source: str
    transcript: str
    file: str
    date: str
    show: str
    language: str
    speakers: str
    chunks: str
    failed: str  # "chunks: 13 (0 failed)"
    colon: str  # after a label: ": ", and in Chinese or Japanese writing "："
    lang: str  # the language's code, for the report's ``lang`` attribute ("es")

    def heading(self, key: str) -> str | None:
        """The heading of a brief's JSON section ``key`` ("key_facts"), None if unknown."""
        return getattr(self, key, None) if key in _SECTIONS else None

    def sources_cited(self, count: int) -> str:
        """The label before a cross-source statement's sources: "(source: 003)" for one,
        "(sources: 001, 004)" for more."""
        return self.source if count == 1 else self.cited_sources

    def metadata(self, key: str) -> str:
        """The label of a metadata key ("date"), the key itself if unknown."""
        return getattr(self, key) if key in _METADATA else key


_SECTIONS = {
    "overview", "themes", "key_facts", "quotes", "people", "organisations",
    "open_questions", "agreements", "disagreements",
}  # fmt: skip
_METADATA = {"date", "show", "language", "speakers"}

ENGLISH = Labels(
    overview="Overview",
    themes="Key themes",
    cross_themes="Themes across sources",
    key_facts="Key facts and figures",
    quotes="Notable quotes",
    people_and_organisations="People and organisations",
    people="People",
    organisations="Organisations",
    open_questions="Open questions",
    agreements="Where the sources agree",
    disagreements="Where the sources differ",
    cited_by_theme="Passages cited, by theme and source",
    cross_brief="Cross-source brief",
    sources="Sources",
    cited_sources="sources",
    source="source",
    transcript="Transcript",
    file="file",
    date="date",
    show="show",
    language="language",
    speakers="speakers",
    chunks="chunks",
    failed="failed",
    colon=": ",
    lang="en",
)
LABELS: dict[str, Labels] = {
    "": ENGLISH,
    "Spanish": Labels(
        "Resumen", "Temas principales", "Temas comunes a las fuentes",
        "Datos y cifras clave", "Citas destacadas", "Personas y organizaciones",
        "Personas", "Organizaciones", "Preguntas abiertas",
        "En qué coinciden las fuentes", "En qué difieren las fuentes",
        "Pasajes citados, por tema y fuente",
        "Informe comparado de las fuentes", "Fuentes", "fuentes", "fuente",
        "Transcripción", "archivo", "fecha", "programa", "idioma", "hablantes",
        "fragmentos", "fallidos", ": ", "es",
    ),
    "French": Labels(
        "Vue d'ensemble", "Thèmes principaux", "Thèmes communs aux sources",
        "Faits et chiffres clés", "Citations marquantes", "Personnes et organisations",
        "Personnes", "Organisations", "Questions ouvertes",
        "Points d'accord entre les sources", "Points de désaccord entre les sources",
        "Passages cités, par thème et par source", "Synthèse des sources", "Sources",
        "sources", "source", "Transcription",
        "fichier", "date", "émission", "langue", "intervenants", "segments", "en échec", ": ", "fr",
    ),
    "German": Labels(
        "Überblick", "Hauptthemen", "Quellenübergreifende Themen",
        "Wichtige Fakten und Zahlen", "Bemerkenswerte Zitate", "Personen und Organisationen",
        "Personen", "Organisationen", "Offene Fragen",
        "Worin die Quellen übereinstimmen", "Worin die Quellen sich unterscheiden",
        "Zitierte Stellen, nach Thema und Quelle", "Quellenübergreifendes Briefing",
        "Quellen", "Quellen", "Quelle", "Transkript",
        "Datei", "Datum", "Sendung", "Sprache", "Sprecher", "Abschnitte",
        "fehlgeschlagen", ": ", "de",
    ),
    "Italian": Labels(
        "Panoramica", "Temi principali", "Temi comuni alle fonti",
        "Fatti e cifre chiave", "Citazioni salienti", "Persone e organizzazioni",
        "Persone", "Organizzazioni", "Domande aperte",
        "Dove le fonti concordano", "Dove le fonti divergono", "Passi citati, per tema e fonte",
        "Sintesi delle fonti",
        "Fonti", "fonti", "fonte", "Trascrizione", "file", "data", "programma",
        "lingua", "interlocutori", "segmenti", "non riusciti", ": ", "it",
    ),
    "Portuguese": Labels(
        "Visão geral", "Temas principais", "Temas comuns às fontes",
        "Fatos e números-chave", "Citações marcantes", "Pessoas e organizações",
        "Pessoas", "Organizações", "Perguntas em aberto",
        "Onde as fontes concordam", "Onde as fontes divergem", "Trechos citados, por tema e fonte",
        "Síntese das fontes",
        "Fontes", "fontes", "fonte", "Transcrição", "arquivo", "data", "programa",
        "idioma", "falantes", "trechos", "com falha", ": ", "pt",
    ),
    "Chinese": Labels(
        "概述", "主要主题", "跨来源主题", "关键事实与数据", "重要引述", "人物与机构",
        "人物", "机构", "待解问题", "各来源的共识", "各来源的分歧",
        "按主题和来源的引用段落", "跨来源简报",
        "来源", "来源", "来源", "文字稿", "文件", "日期", "节目", "语言", "发言人",
        "分块", "失败", "：", "zh",
    ),
    "Japanese": Labels(
        "概要", "主なテーマ", "複数のソースに共通するテーマ", "主な事実と数字",
        "注目の発言", "人物と組織", "人物", "組織", "未解決の問い",
        "ソース間で一致する点", "ソース間で異なる点", "テーマ・ソース別の引用箇所",
        "ソース横断ブリーフ",
        "ソース", "ソース", "ソース", "文字起こし", "ファイル", "日付", "番組", "言語",
        "話者", "チャンク", "失敗", "：", "ja",
    ),
}  # fmt: skip


def _written(brief: Mapping[str, Any]) -> Iterator[str]:
    """A brief's own prose (JSON form): its overview, its themes' titles and summaries."""
    yield str(brief.get("overview") or "")
    for theme in brief.get("themes") or []:
        summary = theme.get("summary")
        yield str(theme.get("title") or "")
        yield str(summary.get("text", "") if isinstance(summary, dict) else summary or "")


def labels_of(brief: Mapping[str, Any]) -> Labels:
    """The labels for a brief (a source brief's or a cross-source brief's JSON form), in
    the language its overview and themes are written in; English when that language has
    no labels here."""
    return LABELS.get(writing_language(" ".join(_written(brief))), ENGLISH)
