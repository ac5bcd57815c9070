"""Names listed as people that read as organisations (``name_kinds.organisations_by_likeness``)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from pipeline.ask.retrieval import embed_texts
from pipeline.model.cache import CallCache
from pipeline.model.embedding_model import EmbeddingService
from pipeline.models import ChunkSummary, Entity
from pipeline.settings import Settings
from pipeline.stages.name_kinds import organisations_by_likeness
from pipeline.stages.names import listed_entities
from pipeline.stages.speakers import role_labels

PEOPLE = ["Sam Altman", "Jack Ma", "Grace Shao", "Kai-Fu Lee", "Eddie Wu", "Liang Wenfeng"]
ORGANISATIONS = ["Microsoft", "Google", "Alibaba", "Tencent", "Baidu", "Huawei"]


def listed(people: Sequence[str], organisations: Sequence[str]) -> list[ChunkSummary]:
    entities = [Entity(name=n, kind="person") for n in people]
    entities += [Entity(name=n, kind="organisation") for n in organisations]
    return [ChunkSummary(chunk_id="007:0000", source_id="007", entities=entities)]


def by_axis(texts: Sequence[str]) -> np.ndarray:
    """People along one axis, organisations along another; "Nvidia" among the
    organisations, "Zhang Wei" and "Peter" among the people."""
    bodies = {*ORGANISATIONS, "Nvidia"}
    rows = [[0.2, 1.0] if t in bodies else [1.0, 0.2] for t in texts]
    return np.asarray(rows) / np.linalg.norm(rows, axis=1, keepdims=True)


def test_a_person_that_reads_as_the_runs_organisations_is_listed_as_one() -> None:
    summaries = listed([*PEOPLE, "Nvidia", "Zhang Wei", "Peter"], ORGANISATIONS)
    moved = organisations_by_likeness(summaries, by_axis)
    assert moved == {"nvidia"}
    people, organisations = listed_entities(summaries, moved)
    assert "Nvidia" in organisations and "Nvidia" not in people
    assert {"Zhang Wei", "Peter", *PEOPLE} == set(people)


@pytest.mark.parametrize(
    ("label", "role"),
    [
        ("Project Manager", True),
        ("Marketing", True),
        ("User Interface", True),
        ("Host", True),
        ("PhD B", True),
        ("Speaker 2", True),
        ("SPEAKER_01", True),
        ("A", True),
        ("Grace Shao", False),
        ("Sarah", False),
        ("Kirsty Williams AM", False),
        ("Sarah (Host)", False),
        ("Hon. Bill Blair (Parliamentary Secretary)", False),
        ("The Chair", True),
    ],
)
def test_a_speaker_label_that_names_a_role_is_no_name(label: str, role: bool) -> None:
    assert role_labels([label]) == ([label] if role else [])


def test_the_speakers_roles_are_neither_people_nor_organisations() -> None:
    # a QMSum meeting (ES2009b) through the 1.5B: its speakers' roles were listed as
    # people ("Industrial Designer", "User Interface Developer") and an organisation
    summaries = listed(
        ["Industrial Designer", "User Interface Developer", "Sarah", "the Project Manager"],
        ["Marketing", "Philips"],
    )
    roles = role_labels(["Project Manager", "Marketing", "Industrial Designer", "User Interface"])
    assert listed_entities(summaries, roles=roles) == (["Sarah"], ["Philips"])
    # a named speaker is still a person named in the talk
    assert listed_entities(listed(["Grace Shao"], []), roles=role_labels(["Grace Shao"])) == (
        ["Grace Shao"],
        [],
    )


def test_too_few_examples_of_either_kind_judge_nothing() -> None:
    assert organisations_by_likeness(listed([*PEOPLE, "Nvidia"], ORGANISATIONS[:4]), by_axis) == (
        frozenset()
    )
    assert organisations_by_likeness(listed(PEOPLE[:3] + ["Nvidia"], ORGANISATIONS), by_axis) == (
        frozenset()
    )


@pytest.mark.embedded
def test_the_real_embedding_model_tells_companies_listed_as_people(tmp_path: Path) -> None:
    """What the 1.5B did with the seeds: "Amazon" and "Intel" among the people."""
    cache = CallCache(tmp_path / "cache")
    settings = Settings.load(None, embedding_model="embedded", model_dir=tmp_path / "models")
    service = EmbeddingService(settings, cache, tmp_path)
    try:
        summaries = listed([*PEOPLE, "Amazon", "Intel", "Jensen Huang"], ORGANISATIONS)
        moved = organisations_by_likeness(summaries, partial(embed_texts, service.client))
    finally:
        service.close()
        cache.close()
    assert moved == {"amazon", "intel"}


def test_names_that_cannot_be_embedded_leave_the_briefs_standing(
    scripted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The likeness of names is a refinement: when the embedding model fails on it, the
    lists stay as the chunks gave them and every brief is written."""
    from conftest import ScriptedSession, generic_responder
    from test_embeddings import FakeEmbedding, embedder

    from pipeline.errors import ModelError
    from pipeline.runner import run_pipeline

    monkeypatch.setattr("pipeline.model.client.litellm.embedding", FakeEmbedding())

    def fails(*args: object) -> frozenset[str]:
        raise ModelError("the embedding server said 500")

    monkeypatch.setattr("pipeline.runner.organisations_by_likeness", fails)
    scripted.responder = generic_responder
    session = ScriptedSession(scripted)
    session.embedder = embedder(tmp_path)  # type: ignore[assignment]
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    manifest = run_pipeline(
        [seeds / "001_98262f875ff92a8b.txt"],
        Settings.load(None, chunk_tokens=800),
        tmp_path / "out",
        session=session,
    )
    assert manifest.failures == []
    assert [s.status for s in manifest.sources] == ["ok"]


def test_a_possessive_is_listed_as_its_name() -> None:
    from pipeline.stages.names import kept_names

    seen: set[str] = set()
    listed = ["Patel's", "Dwarkesh Patel’s", "Patel", "Xi's"]
    assert kept_names(listed, lambda name: True, seen) == ["Patel", "Dwarkesh Patel", "Xi"]
    assert kept_names(["Lets", "Jones'"], lambda name: True, seen) == ["Lets", "Jones'"]


def test_a_person_spelt_two_ways_is_listed_once_as_more_often_spelt() -> None:
    # 000 listed "Mark Zuckerberg" and "Mark Segerberg", 004 "Kai-Fu Lee" and "Kaifu Li"
    summaries = listed(
        ["Mark Zuckerberg", "Kai-Fu Lee", "Mark Zuckerberg", "Mark Segerberg", "Kaifu Li"]
        + ["Kai-Fu Lee", "Dan Wang", "Yan Wang", "Jack Ma", "Jack Dorsey", "Grace"],
        [],
    )
    people, _ = listed_entities(summaries)
    assert people == ["Mark Zuckerberg", "Kai-Fu Lee", "Dan Wang", "Yan Wang", "Jack Ma"] + [
        "Jack Dorsey",
        "Grace",
    ]


def test_a_person_with_and_without_an_honorific_is_listed_once() -> None:
    # covid_6 (a committee of Canada's House of Commons) listed "Harjit S. Sajjan" and
    # "Hon. Harjit S.", "Hon. Bill Morneau" and "Bill Morneau"
    summaries = listed(
        ["Harjit S. Sajjan", "Hon. Bill Morneau", "Hon. Harjit S.", "Bill Morneau"]
        + ["Hon. Bill Morneau", "Right Hon. Justin Trudeau", "Dr. Theresa Tam"],
        [],
    )
    people, _ = listed_entities(summaries)
    assert people == ["Hon. Bill Morneau", "Harjit S. Sajjan", "Right Hon. Justin Trudeau"] + [
        "Dr. Theresa Tam"
    ]


@pytest.mark.parametrize(
    ("name", "office"),
    [
        ("Prime Minister", True),
        ("the Deputy Speaker", True),
        ("Minister of National Defence", True),
        ("President", True),
        ("President Xi", False),  # a name after the title
        ("Prime Minister Trudeau", False),
        ("Justin Trudeau", False),
        ("Speaker Pelosi", False),
    ],
)
def test_a_title_alone_is_no_persons_name(name: str, office: bool) -> None:
    from pipeline.stages.names import is_office, is_person_name

    assert is_office(name) is office
    text = f"As {name} said, the committee met."
    assert is_person_name(name, text) is not office


def test_a_common_noun_or_an_office_is_no_organisation() -> None:
    """covid_6's map listed "Seniors", "Fishers" and "Prime Minister" as organisations
    (its transcript writes "seniors" 42 times, "Seniors" twice); 003's speech-to-text
    writes "meta" twice and "META" once: Meta stays an organisation."""
    from pipeline.stages.names import is_organisation_name

    covid = "Seniors matter. " + "I said seniors and fishers and seniors. " * 3 + "Fishers."
    assert not is_organisation_name("Seniors", "Seniors matter.", covid)
    assert not is_organisation_name("Fishers", "Fishers.", covid + " fishers")
    assert not is_organisation_name("Prime Minister", "the Prime Minister said", covid)
    asr = "I said META is big. I think meta and meta models win."
    assert is_organisation_name("Meta", "META is big", asr)
    assert is_organisation_name("Canadian Coast Guard", "the Canadian Coast Guard", covid)
    # a transcript in lower case tells nothing by its case
    assert is_organisation_name("Seniors", "Seniors", "i said seniors and seniors. Seniors")
