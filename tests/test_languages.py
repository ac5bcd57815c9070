"""Words rated in the language they are written in (``pipeline.text.language_of``): a
Spanish interview's words, rated as English, were all rare, so its briefs were built on
"Gracias por invitarme." and "Funcionan a medias."."""

from __future__ import annotations

from pipeline.stages.points import specificity
from pipeline.text import language_of


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
