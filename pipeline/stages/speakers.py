"""Who says what: the speakers a transcript names, in what a brief prints.

A meeting's or a committee's transcript labels each turn with who speaks ("Kirsty
Williams AM", "Right Hon. Justin Trudeau", "Project Manager"). A brief of it reads "Fishers
in my riding were not eligible ..." and its reader asks who says so: a carried point and a
quote name the speaker of the passage they cite (``speaker_at``, ``with_speakers``). A label
that tells nothing of who speaks ("A", "Speaker 2") is not printed. The labels are no
part of what a point says (``without_speakers``), and a point that opens by naming its
speaker, rightly or not (the 1.5B wrote "Eluned Morgan AM said that ColegauCymru's
position is ..." of a question Lynne Neagle AM asked), opens with its claim, after which
the passage's speaker is printed. A label that names a part in the conversation
("Project Manager", "Host", "PhD B": ``role_labels``) is no person or organisation the talk
names, wherever the map lists it.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence

from pipeline.models import Cited, Passage, Transcript
from pipeline.stages.show_talk import by_label
from pipeline.text import capitalised, cited_sentences

# a label that tells nothing of who speaks: a letter or a number, alone or after "Speaker"
# ("A", "Speaker 2", "SPEAKER_01"); a role's ("Professor B", "PhD A") tells the role
_NOBODY = re.compile(r"(?i)^(?:(?:speaker|spk|participant|voice)[\s_]*)?(?:[a-z]|\d+)$")


def speaker_at(transcript: Transcript) -> Callable[[Passage], str | None]:
    """Who says a passage of ``transcript``: the speaker of the segment it starts in, when
    the transcript labels its turns with who speaks ("Right Hon. Justin Trudeau", "Project
    Manager", "Professor B"), not with a letter or a number alone (``_NOBODY``)."""
    segments = transcript.segments
    starts = [s.char_start for s in segments]

    def speaker(passage: Passage) -> str | None:
        at = bisect_right(starts, passage.char_start) - 1
        label = (segments[at].speaker or "").strip() if at >= 0 else ""
        return label if label and not _NOBODY.match(label) else None

    return speaker


# a point's "... said that", "... noted," after a speaker's label that opens it
_REPORTED = re.compile(
    r"\s+(?:said|says|stated|states|noted|notes|explained|explains|argued|argues|added|adds|"
    r"mentioned|mentions)(?:\s+that)?,?\s+"
)


def with_speakers(
    points: Sequence[Cited], speaker: Callable[[Passage], str | None], speakers: Sequence[str]
) -> list[Cited]:
    """The carried ``points``, each with who says its first cited passage (``speaker_at``),
    and, where that is named, without an opening "<a speaker's label> said that"
    (``speakers``: the transcript's labels)."""
    labels = _speaker_labels(tuple(speakers))
    out = []
    for point in points:
        who = speaker(point.citations[0]) if point.citations else None
        text = point.text
        label = labels.match(text) if who and labels else None
        reported = _REPORTED.match(text, label.end()) if label else None
        if reported and len(text[reported.end() :].split()) >= 3:
            rest = text[reported.end() :]
            text = capitalised(rest)
        out.append(point.model_copy(update={"speaker": who, "text": text}))
    return out


# a speaker speaking of themselves ("World War I" is no speaker)
_FIRST_PERSON_WORDS = r"(?<!\bWar )I|I'm|I've|I'd|me|[mM]y|[wW]e|[wW]e're|[oO]ur|us"
_FIRST_PERSON = re.compile(rf"\b(?:{_FIRST_PERSON_WORDS})\b")
# ... or to whoever listens: a speaker's own words copied, "Real Chinas are you will see a
# boy paying for ..."
_SPEAKER_S_OWN = re.compile(rf"\b(?:{_FIRST_PERSON_WORDS}|[yY]ou|[yY]ou're|[yY]our)\b")


def in_own_words(text: str) -> bool:
    """``text`` is in a speaker's own words: "I", "we", "our", "you" ..."""
    return bool(_SPEAKER_S_OWN.search(text))


def in_first_person(text: str) -> bool:
    """``text`` is a speaker speaking of themselves: "I", "my", "we", "our", "us" ...;
    "you" may be anyone ("if you want a rundown ...")."""
    return bool(_FIRST_PERSON.search(text))


def unnamed_speaker(transcript: Transcript) -> str:
    """Who says a passage of ``transcript`` that names no speaker, in a brief: a
    commenter, in a thread of comments; a speaker, elsewhere."""
    return "A commenter" if transcript.format == "thread" else "A speaker"


def named_in(
    text: str,
    citations: Sequence[Sequence[Passage]],
    speaker: Callable[[Passage], str | None],
    source_text: str,
    speakers: Sequence[str] = (),
    unnamed: str = "",
) -> str:
    """``text`` (a summary, an overview; ``citations``: its sentences') with each sentence
    whose passages are all said by one named speaker naming them: one that opens "The
    analyst" or "The host" (``show_talk.by_label``) opens with their label instead (the
    1.5B wrote "The analyst provides a discussion on speech enhancement techniques ..." of
    PhD G's lines in a research group's meeting), and one in a speaker's own words
    (``in_own_words``) is reported as what they said ("Hon. Bill Blair said: I want to
    assure the member that our government remains committed to the rule of law ...": a
    theme of covid_6 read "I want to assure ..." with nobody to say it), unless it names
    one of the transcript's ``speakers`` itself ("Professor B explains that testing on
    TI-digits would already give us ...", of PhD C's lines). With ``unnamed`` (who says
    a passage no label names: ``unnamed_speaker``), a sentence in the first person
    (``in_first_person``) whose passages no label names is reported as said by them: the
    seeds' briefs, whose transcripts name no speaker, read "I think China really does see
    this as a dreadnought moment for software." and, as 002's overview, "Patrolling
    shipping lanes is a peacetime operation, so I don't see how the First Island Chain
    matters.", a commenter's view in the brief's own voice. ``text`` as it was when its
    sentences and citations do not match one to one."""
    pairs = cited_sentences(text, citations)
    if not pairs:
        return text
    labels = _speaker_labels(tuple(speakers))
    named = []
    for sentence, cited in pairs:
        who = {speaker(p) for p in cited}
        label = next(iter(who)) if len(who) == 1 else None
        names_one = labels is not None and labels.search(sentence) is not None
        if label:
            labelled = by_label(sentence, label, source_text)
            if labelled == sentence and in_own_words(sentence) and not names_one:
                labelled = f"{label} said: {sentence}"
            sentence = labelled
        elif unnamed and who <= {None} and in_first_person(sentence) and not names_one:
            sentence = f"{unnamed} said: {sentence}"
        named.append(sentence)
    return " ".join(named)


def without_speakers(text: str, speakers: Sequence[str]) -> str:
    """``text`` without the labels its transcript names speakers by ("Llyr Gruffydd AM
    said yes, thank you." is "said yes, thank you."): who speaks is not what is said.
    A label under three characters ("A", "B") is left: it may be a word."""
    pattern = _speaker_labels(tuple(speakers))
    return text if pattern is None else " ".join(pattern.sub(" ", text).split())


@functools.lru_cache(maxsize=8)
def _speaker_labels(speakers: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for a transcript's labels of three characters or more (the longest
    first), made once for all its points."""
    labels = sorted((s for s in speakers if len(s) >= 3), key=len, reverse=True)
    if not labels:
        return None
    return re.compile(r"(?<![\w'’-])(?:" + "|".join(re.escape(s) for s in labels) + r")(?![\w-])")


# words of a speaker label that name a part in the conversation, not a person: a meeting
# transcript labels its speakers "Project Manager", "Marketing", "User Interface", a show
# "Host" and "Guest", a panel "Moderator", a seminar "Professor B" and "Grad C"
_ROLE_WORDS = frozenset(
    (
        "host co-host cohost guest interviewer interviewee moderator speaker narrator presenter "
        "panelist panellist caller audience participant member chair chairman chairwoman "
        "chairperson officer secretary clerk witness manager designer marketing engineer "
        "developer analyst professor phd grad student postdoc researcher director reporter "
        "anchor announcer interface user expert consultant facilitator unknown unidentified "
        "voice question questioner answer"
    ).split()
)
# an anonymised label: a letter or a number on its own or after a role ("A", "Speaker 2",
# "SPEAKER_01", "PhD B")
_ANONYMISED = re.compile(r"(?:^|[\s_])(?:[A-Za-z]|\d+)$")


def role_labels(speakers: Iterable[str]) -> list[str]:
    """The speaker labels that name a part in the conversation, not a person (roles:
    ``_ROLE_WORDS``; anonymised labels). Listed as people or organisations they read as
    if they were named in the talk: the 1.5B listed a meeting's "Industrial Designer" and
    "User Interface Developer" as people and "Marketing" as an organisation."""
    roles = []
    for label in dict.fromkeys(s.strip() for s in speakers if s and s.strip()):
        # "Sarah (Host)" is Sarah, "Hon. Bill Blair (Parliamentary Secretary)" Bill Blair
        named = _IN_BRACKETS.sub(" ", label).strip()
        words = [w.lower() for w in re.findall(r"[^\W_]+", named)]
        if is_anonymised(named) or any(w in _ROLE_WORDS for w in words):
            roles.append(label)
    return roles


_IN_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def is_anonymised(label: str) -> bool:
    """A speaker label that says nothing of who speaks: "A", "Speaker 2", "PhD B"."""
    return bool(_ANONYMISED.search(label.strip()))
