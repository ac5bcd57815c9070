"""Name kinds: a source brief's people and organisations, sorted again by vote.

The map lists the names each chunk mentions as people or organisations, and a small
model lists companies as people: the seeds' briefs listed "ByteDance", "Hugging Face",
"Waymark", "Taobao" and "Unitry" (Unitree) under People, "Jeff Ding" and "Balaji" under
Organisations, and "Confucianism", "Grandparent" and "Zoning Law of Silicon Valley" as
either (read by hand: 22 of 109 names misfiled; docs/evaluation-history.md, fifteenth round).
Short calls ask the model what each listed name names, "person", "organisation" or
"other" (a product, place, idea, common word): first for all the names alone, then, for
the names that first sort would move, each with the words around its first mention.
Asked one way only, the 1.5B refiled right names wrong too (alone: 16 refiled right, 6
wrong; in their mention: 11 and 5); a name changes kind only when both replies agree
against the map's list (two votes of three): 12 of 106 misfiled (22 of 109 before), none
refiled wrong, and 11 when the second sort is asked only about the names the first would move
(the 0.5B's two sorts agreed on moving people to organisations:
``ModelPolicy.names_sorted_by_vote``). One both call "other" is listed under neither,
and so is one both sorts take out of the map's list but each to another kind (two
judgments of three: not what the map says, and none says what; the 1.5B's lists of the
seeds kept "Llama" and "Gemini" as people, "organisation" alone and "other" in their
mention or the other way round, and "Chat GPT" as an organisation). A
name the first sort leaves where the map put it stays there whatever the second says,
so the second is asked only about the others (and not at all when there are none). The
reply's keys are the names, in order (llama.cpp's grammar enforces them), so each name
gets one answer.

Before the vote, code moves to the organisations what the run's own lists say is one: a
name some chunk lists as an organisation (``organisations_named``), and a name listed only
as a person whose MiniLM vector reads as the run's organisations
(``organisations_by_likeness``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from pipeline.errors import ModelAuthError, ModelError, ModelUnreachable
from pipeline.model.client import ModelClient
from pipeline.model.prompts import boundary_for, load_prompt
from pipeline.models import ChunkSummary, SourceBrief
from pipeline.stages.names import name_key
from pipeline.stages.themes import Vectorizer

Kind = Literal["person", "organisation", "other"]
MENTION_CHARS = 50  # of the transcript on each side of a name's first mention


class NameKinds(BaseModel):
    """What each listed name names: keyed by the names, in the order given."""

    model_config = ConfigDict(extra="forbid")

    kinds: dict[str, Kind] = Field(
        description='each name, as given: "person", "organisation" or "other"'
    )


def first_mention(name: str, source_text: str, chars: int = MENTION_CHARS) -> str:
    """The whole words within ``chars`` of the first place ``source_text`` says ``name``
    (any case), on one line; "" when it does not say it."""
    found = re.search(re.escape(name), source_text, re.IGNORECASE)
    if found is None:
        return ""
    start, end = max(0, found.start() - chars), min(len(source_text), found.end() + chars)
    words = source_text[start:end].split()

    def cut(at: int) -> bool:  # a word runs across ``at``
        return not (source_text[at - 1].isspace() or source_text[at].isspace())

    if start > 0 and cut(start):
        words = words[1:]  # a word cut at the start
    if end < len(source_text) and cut(end):
        words = words[:-1]  # and at the end
    return " ".join(words)


def ask_kinds(
    names: list[str],
    client: ModelClient,
    max_tokens: int,
    *,
    one_line: bool,
    source_text: str = "",
) -> dict[str, Kind]:
    """The model's kind for each of ``names``; with ``source_text``, each name is shown
    with the words around its first mention."""

    def item(name: str) -> str:
        around = first_mention(name, source_text) if source_text else ""
        return f'- {name}: "... {around} ..."' if around else f"- {name}"

    items = "\n".join(item(n) for n in names)
    reply = client.structured(
        stage="reduce",
        prompt=load_prompt("names", one_line=one_line),
        variables={"boundary": boundary_for(items), "items": items},
        schema=NameKinds,
        max_tokens=max_tokens,
        narrow={"kinds": names},
    )
    assert isinstance(reply, NameKinds)
    return {name: kind for name, kind in reply.kinds.items() if name in names}


def voted(listed: Kind, alone: Kind | None, seen: Kind | None) -> Kind:
    """The kind two of the three judgments give: the map's list, the sort of the names
    alone and the sort of them in their mention (``None``: no answer); "other" when the
    two sorts both differ from the map's list and from each other (two say it is not
    what the map says, none what it is); else the map's."""
    if alone is not None and alone == seen:
        return alone
    if alone is not None and seen is not None and listed not in (alone, seen):
        return "other"
    return listed


def with_sorted_names(
    brief: SourceBrief,
    source_text: str,
    client: ModelClient,
    max_tokens: int,
    *,
    one_line: bool,
) -> SourceBrief:
    """``brief`` with its people and organisations sorted again by vote (see the module);
    as it was when either call fails (the brief is not lost for its lists)."""
    names = [*brief.people, *brief.organisations]
    if not names:
        return brief
    people = set(brief.people)
    listed: dict[str, Kind] = {n: "person" if n in people else "organisation" for n in names}
    try:
        alone = ask_kinds(names, client, max_tokens, one_line=one_line)
        doubted = [n for n in names if alone.get(n, listed[n]) != listed[n]]
        seen = (
            ask_kinds(doubted, client, max_tokens, one_line=one_line, source_text=source_text)
            if doubted
            else {}
        )
    except (ModelAuthError, ModelUnreachable):
        raise
    except ModelError:
        return brief
    kinds = {n: voted(listed[n], alone.get(n), seen.get(n)) for n in names}
    return brief.model_copy(
        update={
            "people": [n for n in names if kinds[n] == "person"],
            "organisations": [n for n in names if kinds[n] == "organisation"],
        }
    )


def organisations_named(summaries: Iterable[ChunkSummary]) -> frozenset[str]:
    """The ``name_key`` of every name that some chunk lists as an organisation."""
    return frozenset(
        name_key(e.name.strip()) for s in summaries for e in s.entities if e.kind == "organisation"
    )


MIN_EXAMPLES = 5  # names of each kind the run lists before any is judged by the others
NEIGHBOURS = 5
BLOCK = 1024  # names compared at once


def organisations_by_likeness(
    summaries: Iterable[ChunkSummary], vectors: Vectorizer
) -> frozenset[str]:
    """The ``name_key`` of every name the run's chunks list as a person only, that reads
    as an organisation: its vector (``vectors``: the run's embedding model) is nearer the
    mean of the names listed as organisations than the mean of the other people's, and
    most of its ``NEIGHBOURS`` nearest listed names are organisations. The run's own lists
    are the examples: the 1.5B listed "Amazon", "Intel", "Nvidia", "Microsoft Azure" and
    "Western Chatbot" as people and never as organisations, so ``organisations_named``
    did not catch them."""
    people: dict[str, str] = {}
    organisations: dict[str, str] = {}
    for summary in summaries:
        for entity in summary.entities:
            name = entity.name.strip()
            kind = organisations if entity.kind == "organisation" else people
            kind.setdefault(name_key(name), name)
    people = {key: name for key, name in people.items() if key not in organisations}
    if len(people) < MIN_EXAMPLES or len(organisations) < MIN_EXAMPLES:
        return frozenset()
    rows = np.asarray(vectors([*people.values(), *organisations.values()]), dtype=np.float32)
    count = len(people)
    persons = rows[:count]
    # each person's mean likeness to the other people, and to the organisations
    to_people = (persons @ persons.sum(axis=0) - (persons * persons).sum(axis=1)) / (count - 1)
    to_bodies = persons @ rows[count:].mean(axis=0)
    keys, moved = list(people), []
    for start in range(0, count, BLOCK):  # blocks: a run may list thousands of names
        similar = persons[start : start + BLOCK] @ rows.T
        similar[np.arange(len(similar)), np.arange(start, start + len(similar))] = -np.inf
        nearest = np.argpartition(-similar, NEIGHBOURS - 1, axis=1)[:, :NEIGHBOURS]
        bodies_near = (nearest >= count).sum(axis=1)
        for offset, key in enumerate(keys[start : start + BLOCK]):
            i = start + offset
            if to_bodies[i] > to_people[i] and bodies_near[offset] > NEIGHBOURS // 2:
                moved.append(key)
    return frozenset(moved)
