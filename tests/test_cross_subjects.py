"""The cross-source brief's subjects: clusters of alike statements, and the things the
sources' theme titles name that several sources say (``pipeline.stages.cross_subjects``)."""

from __future__ import annotations

from pipeline.stages.cross_subjects import cross_subjects, title_terms, titled_groups
from pipeline.stages.themes import cross_groups, statement_similarities

SAID = [
    ("001", "DeepSeek published open source weights for everyone"),
    ("002", "DeepSeek published open source weights for everyone, free"),
    ("003", "DeepSeek published open source weights for everyone to use"),
    # the seeds' chips: every source says something else about them
    ("001", "Huawei's chips still lag behind Nvidia's best"),
    ("002", "Bans on shipments of advanced chips are the problem"),
    ("003", "Companies stockpiled chips before the rules took effect"),
    # robots: two sources of four
    ("004", "Robots from Shenzhen factories sell around the world"),
    ("001", "Robots assemble phones in Shenzhen"),
    ("004", "The weather was nice in Beijing"),
]
TEXTS, SOURCES = [t for _, t in SAID], [s for s, _ in SAID]
NONE: frozenset[str] = frozenset()
TITLES = ["Open Source Weights", "Chip Bans and Huawei", "The Development of Robots"]


def test_a_thing_a_title_names_is_a_subject_where_its_statements_are_unalike() -> None:
    """The seeds' thirteen statements on chips, from all five sources, were never one
    cross-source subject: they say different things, so no cluster of alike statements
    holds them. A thing a theme's title names ("Chip Bans") that three sources or more
    say is one, its statements the most central of each source first."""
    clusters = cross_groups(TEXTS, SOURCES, 10)
    assert clusters == [[1, 0]]  # DeepSeek's weights, in the two most alike wordings
    chips = {3, 4, 5}
    assert not any(chips & set(group) for group in clusters)

    subjects = cross_subjects(TEXTS, SOURCES, TITLES, 10)
    # the weights (a title's word, three sources; the cluster's two join it) and the
    # chips; robots, said in two sources of four, are no titled subject
    assert subjects == [[0, 1, 2], [4, 3, 5]]
    assert cross_subjects(TEXTS, SOURCES, TITLES, 1) == [[0, 1, 2]]
    # without titles, the clusters alone, as before
    assert cross_subjects(TEXTS, SOURCES, [], 10) == clusters
    assert cross_subjects(TEXTS[:2], ["001", "001"], TITLES, 10) == []  # one source
    # the subject of the most sources comes first, titled or not
    four = [*TEXTS, "Nvidia's chips still reach buyers through other countries"]
    assert cross_subjects(four, [*SOURCES, "004"], TITLES, 10) == [[3, 9, 4, 5], [0, 1, 2]]


def test_title_terms_are_words_and_runs_rarer_than_the_language_says_commonly() -> None:
    titles = ["Chip Bans and Huawei", "The Development of China's Robots"]
    terms = title_terms(titles, frozenset({"china"}), "en")
    # "development" (Zipf 5.3) names nothing in particular; "Bans and", "of Robots" hold
    # a stop word; "China's" is what the whole corpus is about
    assert set(terms) == {"chip", "ban", "huawei", "chip ban", "robot"}
    assert terms["chip ban"] < terms["chip"]  # the Zipf frequency as written


def test_a_term_a_subject_found_before_says_is_not_a_second_one() -> None:
    sims = statement_similarities(TEXTS)  # no word of the corpus to leave out here
    assert titled_groups(TEXTS, SOURCES, TITLES, NONE, sims, [], 10) == [[0, 1, 2], [4, 3, 5]]
    # the weights' statements grouped already: their words ("weight") make no subject
    assert titled_groups(TEXTS, SOURCES, TITLES, NONE, sims, [0, 1, 2], 10) == [[4, 3, 5]]
    # "chip", "ban" and "chip ban" share their statements: one subject, not three
    more = ["Chip Bans", "Bans", "Huawei Chips"]
    assert titled_groups(TEXTS, SOURCES, more, NONE, sims, [0, 1, 2], 10) == [[4, 3, 5]]
    assert titled_groups(TEXTS, SOURCES, TITLES, NONE, sims, [], 1) == [[0, 1, 2]]
