"""The typed contracts between stages.

    Transcript -> Chunk -> ChunkSummary -> SourceBrief -> CrossSourceBrief

Every stage is a plain function that takes these models and returns these models.
Anything that points back into a source file is a ``Passage``: a character span into
the original file, plus the line range and timestamp range a person can look up.
Quotes are never typed by the model: they are sliced out of the source text by code.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer


class Contract(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- ingestion


class Segment(Contract):
    """One piece of spoken or written content (a turn, a line, a bullet) in a file."""

    text: str
    char_start: int = Field(description="offset of the first character in the original file")
    char_end: int = Field(description="offset one past the last character")
    line_start: int = Field(description="1-based line number in the original file")
    line_end: int
    speaker: str | None = None
    timestamp: str | None = Field(default=None, description="as written in the file, e.g. 14:32")


class Transcript(Contract):
    source_id: str = Field(description="short stable id, e.g. '003'")
    path: str
    format: str = Field(description="name of the parser that read the file")
    sha256: str
    metadata: dict[str, str] = Field(default_factory=dict)
    segments: list[Segment]


class SkippedFile(Contract):
    path: str
    reason: str


# --------------------------------------------------------------------------- chunking


class Sentence(Contract):
    """A sentence (or an unpunctuated line) with its exact span in the source file."""

    id: int = Field(description="1-based position inside its chunk")
    text: str
    char_start: int
    char_end: int
    line_start: int
    line_end: int
    speaker: str | None = None
    timestamp: str | None = None


class Chunk(Contract):
    id: str = Field(description="'<source_id>:<4-digit index>', e.g. '003:0012'")
    source_id: str
    index: int
    sentences: list[Sentence]
    tokens: int
    char_start: int
    char_end: int
    line_start: int
    line_end: int
    time_start: str | None = None
    time_end: str | None = None

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)


DEEP_COLUMN = 400  # past this column a line number alone no longer finds a passage


def column_at(text: str, offset: int) -> int:
    """1-based column of ``text[offset]`` in its line."""
    return offset - text.rfind("\n", 0, offset)


class Passage(Contract):
    """A verbatim span of a source file that a person can find again."""

    source_id: str
    char_start: int
    char_end: int
    line_start: int
    line_end: int
    column: int = Field(1, description="1-based position of char_start in line_start")
    timestamp: str | None = None
    text: str = Field(description="exactly original_file_text[char_start:char_end]")

    def overlaps(self, other: Passage) -> bool:
        """Whether the two passages share a character of one source."""
        return (
            self.source_id == other.source_id
            and self.char_start < other.char_end
            and other.char_start < self.char_end
        )

    @property
    def label(self) -> str:
        """``003 @ 14:32`` or ``002 L41-44``; a passage deep inside a long line (one
        3,600-word line under a single timestamp, say) also gets its column: ``L3:1520``."""
        deep = self.column > DEEP_COLUMN
        if deep:
            where = f"L{self.line_start}:{self.column}"
        elif self.line_end != self.line_start:
            where = f"L{self.line_start}-{self.line_end}"
        else:
            where = f"L{self.line_start}"
        if self.timestamp:
            return f"{self.source_id} @ {self.timestamp}" + (f", {where}" if deep else "")
        return f"{self.source_id} {where}"


# --------------------------------------------------------------------------- map


class KeyPoint(Contract):
    id: str = Field(description="'<chunk id>/p<n>', unique across the corpus")
    text: str
    importance: int
    evidence: list[Passage]


class Entity(Contract):
    name: str
    kind: Literal["person", "organisation"]


class Claim(Contract):
    text: str
    speaker: str | None
    evidence: list[Passage]


class ChunkSummary(Contract):
    chunk_id: str
    source_id: str
    status: Literal["ok", "failed"] = "ok"
    error: str | None = None
    topics: list[str] = Field(default_factory=list)
    key_points: list[KeyPoint] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)
    claims: list[Claim] = Field(default_factory=list)


# --------------------------------------------------------------------------- reduce


class Cited(Contract):
    """One sentence of model prose with the passages that state it (chosen by code)."""

    text: str
    citations: list[Passage]
    speaker: str | None = Field(
        default=None,
        description="who says the cited passage, where the transcript names its speakers",
    )

    @model_serializer(mode="wrap")
    def _speaker_where_named(self, handler: SerializerFunctionWrapHandler) -> Any:
        """No ``speaker`` key where none is named: the briefs of transcripts that name no
        speakers read as they did before speakers were named."""
        data = handler(self)
        if isinstance(data, dict) and data.get("speaker") is None:
            data.pop("speaker", None)
        return data


class Theme(Contract):
    id: str = Field(description="'<source_id>/t<n>'")
    title: str
    summary: str
    point_ids: list[str]
    citations: list[Passage]
    sentence_citations: list[list[Passage]] = Field(
        default_factory=list, description="the passages of each sentence of the summary"
    )
    points: list[Cited] = Field(
        default_factory=list, description="more of the theme's map points, each cited"
    )


class Quote(Contract):
    passage: Passage
    speaker: str | None = None


class SourceBrief(Contract):
    source_id: str
    title: str = Field(description="the file's own title, else one the model wrote")
    file: str = Field("", description="the source file's name")
    metadata: dict[str, str] = Field(default_factory=dict)
    status: Literal["ok", "failed", "partial"] = "ok"
    error: str | None = None
    overview: str = ""
    overview_citations: list[list[Passage]] = Field(
        default_factory=list, description="the passages of each sentence of the overview"
    )
    themes: list[Theme] = Field(default_factory=list)
    key_facts: list[Cited] = Field(
        default_factory=list, description="map claims with numbers and names, each cited"
    )
    quotes: list[Quote] = Field(default_factory=list)
    people: list[str] = Field(default_factory=list)
    organisations: list[str] = Field(default_factory=list)
    open_questions: list[str] = Field(default_factory=list)
    chunks_total: int = 0
    chunks_failed: int = 0

    @property
    def carried(self) -> list[Cited]:
        """The map points the brief prints: its key facts, then each theme's points."""
        return [*self.key_facts, *(p for t in self.themes for p in t.points)]


# --------------------------------------------------------------------------- synthesize


class Attributed(Contract):
    """A statement with the themes it rests on, and so the sources and passages."""

    text: str
    theme_ids: list[str]
    source_ids: list[str]
    citations: list[Passage]


class CrossTheme(Contract):
    title: str
    summary: Attributed
    sentence_citations: list[list[Passage]] = Field(
        default_factory=list, description="the passages of each sentence of the summary"
    )
    by_source: list[Attributed] = Field(
        default_factory=list,
        description="what each source's brief says on the subject, unless the summary says it",
    )


class Disagreement(Contract):
    topic: str
    side_a: Attributed
    side_b: Attributed


class CrossSourceBrief(Contract):
    status: Literal["ok", "failed", "partial"] = "ok"
    error: str | None = None
    overview: str = ""
    overview_citations: list[list[Passage]] = Field(
        default_factory=list, description="the passages of each sentence of the overview"
    )
    themes: list[CrossTheme] = Field(default_factory=list)
    agreements: list[Attributed] = Field(default_factory=list)
    disagreements: list[Disagreement] = Field(default_factory=list)
    quotes: list[Quote] = Field(default_factory=list)
    source_ids: list[str] = Field(default_factory=list)


# --------------------------------------------------------------------------- ask


class CitedPassage(Contract):
    """A retrieved passage as shown to the model (``[id]``) and to the user."""

    id: int
    label: str = Field(description="where to find it, e.g. '003 @ 14:32' or '002 L41-44'")
    score: float
    passage: Passage


class Statement(Contract):
    text: str
    citations: list[int] = Field(description="ids of the passages that state it")


class Answer(Contract):
    """A grounded answer, or a refusal with the nearest passages (``answered: false``)."""

    question: str
    answered: bool
    answer: str = ""
    statements: list[Statement] = Field(default_factory=list)
    citations: list[CitedPassage] = Field(
        default_factory=list, description="the passages the statements cite, verified"
    )
    near_misses: list[CitedPassage] = Field(
        default_factory=list, description="when refused: the closest passages found"
    )
    reason: str | None = Field(None, description="why the question was not answered")
    respelled: dict[str, str] = Field(
        default_factory=dict,
        description="the question's names the model was asked in the passages' spelling "
        "(the question's word: the passages' spelling)",
    )
    retrieved: int = Field(default=0, description="passages shown to the model")
    left_out: int = Field(
        default=0, description="passages found but left out: they did not fit the model's context"
    )
    retrieval_ms: float = 0.0
    from_brief: bool = Field(
        default=False,
        description="answered from the brief, no model call: a summary of the whole (its "
        "overview) or what the sources say on a subject (a cross-source theme)",
    )
    named_sources: list[str] = Field(
        default_factory=list,
        description="the sources the question names (by id, title or kind), asked of alone",
    )
    summary_of: list[str] = Field(
        default_factory=list,
        description="from a brief: the sources whose own briefs' overviews answer, in turn; "
        "none when the cross-source brief's does",
    )
    theme: str = Field(
        default="",
        description="from a brief: the title of the cross-source theme that answers what the "
        "sources say on its subject",
    )
