"""A source brief's names sorted again by vote (``pipeline.stages.name_kinds``)."""

from __future__ import annotations

from pipeline.models import SourceBrief
from pipeline.stages.name_kinds import first_mention, with_sorted_names

TEXT = (
    "Host: We talk about ByteDance today. Dan Wang wrote Breakneck. "
    "Jeff Ding translates papers. My grandparent uses Huawei phones."
)


def listed() -> SourceBrief:
    return SourceBrief(
        source_id="001",
        title="t",
        people=["ByteDance", "Dan Wang", "Grandparent"],
        organisations=["Jeff Ding", "Huawei"],
    )


def test_a_name_changes_kind_only_when_both_sorts_agree(scripted) -> None:
    scripted.enqueue(
        {  # the names alone
            "kinds": {
                "ByteDance": "organisation",
                "Dan Wang": "organisation",  # one vote against the map's: stays a person
                "Grandparent": "other",
                "Jeff Ding": "person",
                "Huawei": "organisation",
            }
        },
        {  # in their first mention: only the names the first sort would move
            "kinds": {
                "ByteDance": "organisation",
                "Dan Wang": "person",
                "Grandparent": "other",
                "Jeff Ding": "person",
            }
        },
    )
    brief = with_sorted_names(listed(), TEXT, scripted, 200, one_line=True)
    assert brief.people == ["Dan Wang", "Jeff Ding"]  # "Grandparent": other, in neither
    assert brief.organisations == ["ByteDance", "Huawei"]
    alone, seen = (messages[1]["content"] for messages in scripted.history)
    assert "- Dan Wang\n" in alone and "Dan Wang wrote Breakneck" not in alone
    assert '- Dan Wang: "... ' in seen and "Dan Wang wrote Breakneck" in seen
    assert "- Huawei" in alone and "- Huawei" not in seen  # filed as the map filed it


def test_a_name_both_sorts_take_out_of_its_list_each_elsewhere_is_in_neither(scripted) -> None:
    scripted.enqueue(
        {  # the names alone
            "kinds": {
                "ByteDance": "organisation",
                "Dan Wang": "person",
                "Grandparent": "organisation",  # not a person, say both sorts, but
                "Jeff Ding": "other",  # not an organisation, say both sorts, but
                "Huawei": "organisation",
            }
        },
        {  # in their first mention
            "kinds": {
                "ByteDance": "person",  # one vote against the map's: stays a person
                "Grandparent": "other",  # ... not what else: neither
                "Jeff Ding": "person",  # ... not what else: neither
            }
        },
    )
    brief = with_sorted_names(listed(), TEXT, scripted, 200, one_line=True)
    assert brief.people == ["ByteDance", "Dan Wang"]
    assert brief.organisations == ["Huawei"]


def test_no_second_sort_when_the_first_moves_no_name(scripted) -> None:
    kinds = {"ByteDance": "person", "Dan Wang": "person", "Grandparent": "person"}
    kinds |= {"Jeff Ding": "organisation", "Huawei": "organisation"}
    scripted.enqueue({"kinds": kinds})
    assert with_sorted_names(listed(), TEXT, scripted, 200, one_line=True) == listed()
    assert len(scripted.history) == 1


def test_the_lists_stand_when_a_sort_fails_or_says_nothing(scripted) -> None:
    scripted.responder = lambda stage, messages: "not json"
    assert with_sorted_names(listed(), TEXT, scripted, 200, one_line=True) == listed()
    scripted.responder = lambda stage, messages: {"kinds": {}}
    assert with_sorted_names(listed(), TEXT, scripted, 200, one_line=True) == listed()


def test_a_name_s_first_mention() -> None:
    assert first_mention("jeff ding", TEXT, chars=10) == "Jeff Ding"  # no word cut in two
    assert first_mention("jeff ding", TEXT, chars=12) == "Breakneck. Jeff Ding translates"
    assert first_mention("Nvidia", TEXT) == ""
