"""A part taken from a sentence never leaves behind the negation that governs it."""

from __future__ import annotations

from collections import Counter

from test_synthesize import said

from pipeline.stages.map_request import salient_clause
from pipeline.stages.negation import drops_negation, governed, negated_lead
from pipeline.stages.policy import STRICT
from pipeline.stages.synthesize import CrossReply, build_cross

UNLESS = (
    "So unless domestically, you know, we see, like, Huawei or Baba or any of the other chip "
    "players really make a breakthrough, this is going to be their biggest hindrance."
)
FLIPPED = (
    "Huawei or Baba or any other chip players really make a breakthrough, this is going to "
    "be their biggest hindrance."
)


def test_a_negation_governs_what_follows_it_unless_a_turn_or_a_condition_intervenes() -> None:
    assert negated_lead("China has never been a society that's like really, you know,".split())
    assert negated_lead("So unless domestically, you know, we see, like,".split())
    assert not negated_lead("It's not cracking down on open source, but meanwhile,".split())
    assert not negated_lead("And so if they can't win,".split())  # a condition's own
    assert not negated_lead([])
    instead = "the core of the model is not government planning, It's this kind of thing".split()
    assert not governed(instead, instead.index("It's"))  # what is so instead
    assert governed(UNLESS.split(), UNLESS.split().index("Huawei"))


def test_a_negation_that_says_and_more_governs_nothing() -> None:
    """ "The completeness of the infrastructure, not just the high-speed rail or those shiny
    buildings in Shenzhen" (000) says the rail is part of it."""
    rail = "It is the completeness of the infrastructure, not just the high-speed rail in Shenzhen."
    copied = "The high-speed rail in Shenzhen is part of the infrastructure."
    assert not drops_negation(copied, [rail])
    assert drops_negation(copied, [rail.replace("not just", "not")])
    assert not negated_lead("there is no doubt".split())
    assert not negated_lead("no matter what they do,".split())
    assert negated_lead("they do not".split())  # "not" last: what follows decides
    said_ = "It is not only cheap but also fast".split()
    assert not governed(said_, said_.index("only"))


def test_a_sentence_copied_from_after_its_negation_drops_it() -> None:
    assert drops_negation(FLIPPED, [UNLESS])
    assert not drops_negation("Unless " + FLIPPED, [UNLESS])  # says it
    assert not drops_negation("Huawei makes chips for Baidu.", [UNLESS])  # copies nothing
    kept = "Meanwhile, it is bringing forward AI regulations that mitigate the worst risks."
    turn = "It's not cracking down on open source, but meanwhile, it is bringing forward AI "
    assert not drops_negation(kept, [turn + "regulations that mitigate the worst risks."])


def test_a_point_never_starts_after_the_negation_that_governs_it() -> None:
    """001's "China has never been a society that's like really, you know, glorifies
    individual inventor ..." gave the point "Glorifies individual inventor the same way
    that we do in the US"."""
    never = (
        "China has never been a society that's like really, you know, glorifies individual "
        "inventor the same way that we do in the US it's come from a lot of Confucianism "
        "which is about good governance and harmony and the collective over the lone genius."
    )
    counts = Counter({"inventor": 5, "confucianism": 5, "governance": 5})
    assert salient_clause(never, counts, words=12) == 0  # "glorifies ..." is the most salient


def test_a_cross_source_sentence_that_drops_its_statements_negation_is_left_out() -> None:
    banned = "Advanced chips are banned from export to China."
    group = [said("003", 837, UNLESS, UNLESS), said("002", 123, banned, banned)]
    reply = CrossReply(title="Chips", summary=[FLIPPED, banned], relation="complement", point="x")
    [theme], _, _ = build_cross([group], [reply], STRICT)
    assert theme.summary.text == banned


def test_a_sentence_that_drops_a_negation_between_its_words_drops_it() -> None:
    """The 1.5B's cross-source "There are still lots of people using chat GPT even once
    ...", of 004's "... that have not even used chat GPT even once ...": the words it
    copies follow a negation it dropped, though the sentence negates something later."""
    said = (
        "Obviously, there are still lots of people in the US that have not even used chat "
        "GPT even once or a lot of people that used it once and didn't get hooked immediately."
    )
    flipped = (
        "There are still lots of people using chat GPT even once or a lot of people that "
        "used it once and didn't get hooked immediately."
    )
    assert drops_negation(flipped, [said])
    assert not drops_negation(said, [said])  # a copy with its negation
    # a sentence that copies the negation with the words it governs keeps it
    moat = "DeepSeek is proof there isn't a moat, not a demonstration of Chinese superiority."
    assert not drops_negation("DeepSeek is not a demonstration of Chinese superiority.", [moat])


def test_no_thing_required_says_what_follows_is_so() -> None:
    """002's "No cynicism is required in viewing the export restrictions on ASML's ..."
    left out the 1.5B's "The US has imposed export controls on ASML's lithography
    technology and nVidia's most advanced chips."; "not required to" still negates."""
    needless = (
        "No cynicism is required in viewing the export restrictions on ASML's lithography "
        "technology and nVidia's most advanced chips as blantantly anti-competitive."
    )
    restated = (
        "The US has imposed export controls on ASML's lithography technology and nVidia's "
        "most advanced chips."
    )
    assert not drops_negation(restated, [needless])
    required = "Companies are not required to register with the CAC before they launch."
    assert drops_negation("Companies must register with the CAC before they launch.", [required])
    evidence = "There is no evidence that China stole the designs of the chips it builds."
    assert drops_negation("China stole the designs of the chips it builds.", [evidence])
