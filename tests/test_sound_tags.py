"""What a transcript marks but nobody said (``text.without_marks``): the sound tags of a
meeting corpus ("{vocalsound}", "{disfmarker}") and of captions ("[laughter]"), and the
AMI corpus's spelled-out letters ("T_V_"). A brief of a QMSum meeting (ES2009b, run as a
user would, thirty-eighth round) printed "Hit function F_ eight real quickly, hold down
{disfmarker} Mm." as a key fact and "{vocalsound} now some of the other things I found
..." in a theme's summary: the map model read the tags and copied them."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.inputs.chunking import chunk_transcript
from pipeline.inputs.ingest import ingest_paths
from pipeline.models import Passage
from pipeline.outputs.markdown import quote_text
from pipeline.outputs.verify import as_shown
from pipeline.stages.map_request import map_request
from pipeline.stages.spoken import as_written
from pipeline.text import flattened, without_marks

# ES2009b's own lines (QMSum's turns, one "Speaker: words" line each)
MEETING = """\
Project Manager: So basically uh what I've just found out from the board I dunno if you guys got this email as well but it needs to be television only . So no {disfmarker} we're not doing D_V_D_ , we're not doing anything else ,
Marketing: Okay .
Project Manager: it's just gonna be a television remote . {vocalsound} Um it also needs to have the company colours included in it .
Industrial Designer: {vocalsound}
Project Manager: Yep . Might have to hit function F_ eight but it looks like it's gonna come up . Yep . Cool .
Marketing: we had a usability test where we were watching a hundred people {vocalsound} use T_V_ remotes .
"""  # noqa: E501


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("hold down {disfmarker} Mm .", "hold down Mm ."),
        ("{vocalsound} Um it also needs", "Um it also needs"),
        (
            "a hundred people use T_V_ remotes , not D_V_D_ .",
            "a hundred people use TV remotes , not DVD .",
        ),
        ("Might have to hit function F_ eight", "Might have to hit function F eight"),
        (
            "That was great [laughter] and (Laughs) then [inaudible] yes",
            "That was great and then yes",
        ),
        # what a speaker or writer said stays: a footnote, a product, arithmetic, a bullet's word
        ("the Fifth Generation project[1] (Music Inc.) on 3*4 chips", None),
        ("*emphasis* and [sic] and {name}s", None),
    ],
)
def test_without_marks(text: str, shown: str | None) -> None:
    assert flattened(without_marks(text)) == (shown if shown is not None else text)


def test_the_map_model_reads_a_meeting_without_its_sound_tags(tmp_path: Path) -> None:
    source = tmp_path / "ES2009b.txt"
    source.write_text(MEETING, encoding="utf-8")
    [transcript], _ = ingest_paths([source])
    [chunk] = chunk_transcript(transcript, chunk_tokens=900, overlap_tokens=0)
    assert "{vocalsound}" in " ".join(s.text for s in chunk.sentences)  # the source's words
    request = map_request(chunk, MEETING, 400, marked=[s.id for s in chunk.sentences])
    shown = request["variables"]["sentences"] + request["variables"]["openings"]
    for mark in ("{", "}", "D_V_D_", "T_V_", "F_"):
        assert mark not in shown
    assert "use TV remotes" in shown and "not doing DVD" in shown


def test_a_point_that_copied_the_tags_and_a_quote_are_printed_without_them() -> None:
    copied = "{vocalsound} Um hit function F_ eight real quickly, hold down {disfmarker} Mm."
    assert as_written(copied) == "Hit function F eight real quickly, hold down Mm."
    assert as_written("{vocalsound} Okay .") == "Okay ."  # too short to lose its fillers
    raw = MEETING.splitlines()[5].split(": ", 1)[1]
    passage = Passage(
        source_id="es2009b",
        char_start=0,
        char_end=len(raw),
        line_start=6,
        line_end=6,
        column=1,
        text=raw,
    )
    printed = quote_text(passage)
    assert "{" not in printed and "use TV remotes" in printed
    # `brief verify` reads the markdown's quote as the source slice shown the same way
    assert as_shown(raw) == printed


def test_a_stretch_printed_under_an_answer_has_no_gap_where_a_tag_was() -> None:
    # `brief ask` on ES2009b's brief printed "so no  we're not doing DVD" (thirty-ninth round)
    from pipeline.ask.excerpts import excerpt

    raw = MEETING.splitlines()[0].split(": ", 1)[1]
    passage = Passage(
        source_id="es2009b", char_start=0, char_end=len(raw), line_start=1, line_end=1,
        column=1, text=raw,
    )  # fmt: skip
    [run] = excerpt(passage, "television remote DVD")
    assert "So no we're not doing DVD" in run.text and "  " not in run.text
