from __future__ import annotations

import pytest
from pydantic import BaseModel, Field, ValidationInfo, field_validator

from pipeline.errors import OutputInvalid
from pipeline.model.prompts import parse_prompt
from pipeline.model.reply import extract_json

PROMPT = parse_prompt("t", "---\nvariables: [x]\n---\n## system\nsay\n## user\n{{x}}\n")


class Reply(BaseModel):
    ids: list[int] = Field(min_length=1)

    @field_validator("ids")
    @classmethod
    def known(cls, ids: list[int], info: ValidationInfo) -> list[int]:
        bad = [i for i in ids if i not in (info.context or {}).get("ids", set())]
        if bad:
            raise ValueError(f"unknown ids {bad}")
        return ids


def ask(client, x: str = "hello", known: frozenset[int] = frozenset({1, 2})):
    return client.structured(
        stage="t",
        prompt=PROMPT,
        variables={"x": x},
        schema=Reply,
        max_tokens=50,
        context={"ids": known},
    )


def test_invalid_reply_is_reasked_with_the_error(scripted) -> None:
    scripted.enqueue({"ids": [7]}, {"ids": [2]})
    assert ask(scripted).ids == [2]
    assert len(scripted.history) == 2
    reask = scripted.history[1][-1]["content"]
    assert "unknown ids [7]" in reask
    assert scripted.usage["t"].reasks == 1


def test_second_invalid_reply_fails_and_is_not_cached(scripted) -> None:
    scripted.enqueue("not json", {"ids": [9]})
    with pytest.raises(OutputInvalid, match="unknown ids"):
        ask(scripted)
    scripted.enqueue({"ids": [1]})
    assert ask(scripted).ids == [1]  # asked again: nothing invalid was stored
    assert len(scripted.history) == 3


def test_valid_reply_is_cached(scripted) -> None:
    scripted.enqueue({"ids": [1]})
    ask(scripted)
    assert ask(scripted).ids == [1]
    assert len(scripted.history) == 1
    assert scripted.usage["t"].cache_hits == 1
    scripted.enqueue({"ids": [2]})
    ask(scripted, x="other input")
    assert len(scripted.history) == 2


def test_a_result_asked_again_gives_way_to_the_first_reply_when_the_rules_take_it(
    scripted,
) -> None:
    """A stored result is what a call would return under today's rules: the first reply,
    once the rule that refused it is loosened (as an answer check was, while a cached "not
    answerable" given when asked again stayed the answer of every rerun)."""
    scripted.enqueue({"ids": [7]}, {"ids": [2]})
    assert ask(scripted).ids == [2]
    assert ask(scripted).ids == [2]  # the same rules: the result asked again, no call
    assert ask(scripted, known=frozenset({1, 2, 7})).ids == [7]  # id 7 now known: no call
    assert ask(scripted).ids == [2]  # and the stricter rules again: nothing was lost
    assert len(scripted.history) == 2
    assert scripted.usage["t"].cache_hits == 3


def test_cut_off_reply_is_not_repaired(scripted) -> None:
    scripted.enqueue("\x00length" + '{"ids": [1', "\x00length" + '{"ids": [1]}')
    with pytest.raises(OutputInvalid, match="cut off"):
        ask(scripted)
    assert scripted.max_tokens_asked == [50, 100]  # asked again with twice the room
    assert "cut off" in scripted.history[1][-1]["content"]


@pytest.mark.parametrize(
    "text",
    ['```json\n{"a": 1}\n```', 'Here you go: {"a": 1} hope it helps', ' {"a": 1} '],
)
def test_extract_json_strips_fences_and_prose(text: str) -> None:
    assert extract_json(text) == {"a": 1}


def test_narrow_items_constrains_id_lists_but_not_object_lists() -> None:
    from pydantic import BaseModel

    from pipeline.model.reply import narrow_items

    class ReplyStatement(BaseModel):
        themes: list[str]
        text: str

    class ReplyCrossTheme(BaseModel):
        title: str
        themes: list[str]

    class SynthesisReply(BaseModel):
        themes: list[ReplyCrossTheme]
        agreements: list[ReplyStatement]

    schema = narrow_items(
        SynthesisReply.model_json_schema(), {"themes": {"enum": ["T1"], "type": "string"}}
    )
    assert schema["properties"]["themes"]["items"] == {"$ref": "#/$defs/ReplyCrossTheme"}
    assert schema["$defs"]["ReplyCrossTheme"]["properties"]["themes"]["items"]["enum"] == ["T1"]
    assert schema["$defs"]["ReplyStatement"]["properties"]["themes"]["items"]["enum"] == ["T1"]
