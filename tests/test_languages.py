"""Words rated in the language they are written in (``pipeline.languages.language_of``): a
Spanish interview's words, rated as English, were all rare, so its briefs were built on
"Gracias por invitarme." and "Funcionan a medias.". And a brief written in the language of
its notes (``writing_language``): the embedded models wrote the Spanish interview's brief
in English, and one Chinese podcast's in both."""

from __future__ import annotations

import re

import pytest
from conftest import point, transcript

from pipeline.languages import language_of, writing_language
from pipeline.models import ChunkSummary
from pipeline.stages.points import specificity
from pipeline.stages.reduce_stage import reduce_source


def test_a_text_s_language_is_the_one_its_words_are_commonest_in() -> None:
    assert language_of("Funcionan a medias.") == "es"
    assert language_of("El gobierno subvenciona la potencia de cálculo.") == "es"
    assert language_of("Der Staat subventioniert die Rechenleistung.") == "de"
    assert language_of("L'État subventionne la puissance de calcul.") == "fr"
    # English, however many names it holds, and text without words
    assert language_of("Lucía Ferrer works at Telefónica in Madrid.") == "en"
    assert language_of("Xinjiang is the startup hub in Hongzhou.") == "en"
    assert language_of("Yeah, DeepSeek, Huawei, SMIC.") == "en"
    assert language_of("2,000 / 70%") == "en"


def test_a_sentence_of_common_words_rates_low_in_any_language() -> None:
    # rated as English words, the Spanish rated 2.4 to 3.4 times as specific (11.87
    # against 3.51 for the first), as specific as a sentence with a figure and two names
    pairs = (
        ("Es un tema que sigo desde hace ocho años.", "It is a subject I have followed for years."),
        ("Gracias por invitarme.", "Thank you for inviting me."),
        ("Funcionan a medias.", "They work halfway."),
    )
    for spanish, english in pairs:
        assert specificity(spanish) < 1.5 * specificity(english), spanish
    said = (
        "Nvidia vendía a China el H20, una versión recortada, y ahora ese chip necesita licencia."
    )
    assert specificity(said) > 3 * specificity(pairs[0][0])


def test_the_language_to_write_in_is_named_unless_it_is_english() -> None:
    assert writing_language("- Nvidia vendía a China el H20, una versión recortada.") == "Spanish"
    assert writing_language("- Der Staat subventioniert die Rechenleistung.") == "German"
    assert (
        writing_language("- V3模型最后一次训练花费约557万美元，使用了2048块英伟达H800。")
        == "Chinese"
    )
    assert writing_language("- ディープシークの訓練費用は約六百万ドルでした。") == "Japanese"
    assert writing_language("- 딥시크는 항저우의 작은 연구소입니다.") == "Korean"
    assert writing_language("- Государство субсидирует вычислительные мощности.") == "Russian"
    # English, with names and a few Chinese words in it (seed 002 writes 老外, 赤热)
    assert writing_language("- Lucía Ferrer works at Telefónica in Madrid.") == ""
    assert writing_language("- The drama 赤热 (Silicon Wave) shows the 老外 as a rival.") == ""


SPANISH = [
    "Nvidia vendía a China el H20, una versión recortada, y ahora ese chip necesita licencia.",
    "Unitree vende robots cuadrúpedos a una cuarta parte del precio de Boston Dynamics.",
    "El entrenamiento final de DeepSeek costó unos seis millones de dólares.",
]
ENGLISH = [
    "Nvidia sold China the H20, a cut-down chip, and now even that chip needs a licence.",
    "Unitree sells four-legged robots at a quarter of the price of Boston Dynamics.",
    "DeepSeek's final training run cost about six million dollars.",
]


@pytest.mark.parametrize("notes, told", [(SPANISH, "Spanish"), (ENGLISH, None)])
def test_a_brief_is_asked_in_the_language_of_its_notes(scripted, notes, told) -> None:
    doc, _ = transcript()
    summaries = [
        ChunkSummary(
            chunk_id="007:0000",
            source_id="007",
            key_points=[point(n, text) for n, text in enumerate(notes)],
        )
    ]

    def respond(stage, messages):
        said = re.findall(r"^- (.*)$", messages[1]["content"], re.MULTILINE)
        if "overview" in messages[0]["content"]:
            return {"title": "Chips y robots", "overview": [said[0]]}
        return {"title": "Chips y robots", "summary": said[:2]}

    scripted.responder = respond
    reduce_source(doc, summaries, scripted, context_window=8192, max_tokens=200)
    systems = [h[0]["content"] for h in scripted.history]
    assert len(systems) >= 2  # a theme, then the overview
    for system in systems:
        asked = re.findall(r"are in (\w+): write", system)
        assert asked == ([told] if told else []), system[-300:]
