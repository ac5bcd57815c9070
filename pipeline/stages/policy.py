"""Model policy: the rules that patch a small model's habits, each named, in one place.

A 0.5B model copies a sentence from one passage and cites another, restates the
question instead of answering it, pads answers with loosely related sentences, copies
text between fields of a brief and cites sentence numbers by habit; the checks that
catch those habits also refuse a strong model's correct paraphrases and blunt its
briefs. So they are a policy that follows the model: ``STRICT_15B`` for the embedded
1.5B (``STRICT`` with its map points taken from its sentences: it copied them anyway),
``STRICT_05B`` for the embedded 0.5B (STRICT but for habits of its own: it indents its
replies, runs on when asked not to, copies line after line into a point, and cannot
sort names), ``LENIENT``
for strong hosted ones (``policy_for``; the ``model_policy`` setting overrides the default).

Not here, because they protect grounding and safety for every model and are never
relaxed: cited ids must be among those supplied; every number (chip models like "H800"
included) and every name in a statement must appear in the passages it cites; a number
in the question must appear in the cited passages; quotes are cut from the source by
code; names must be in the chunk; foreign URLs are filtered; repeated titles are dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from pipeline.model.embedded import embedded_model

if TYPE_CHECKING:
    from pipeline.settings import Settings


class ModelPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(
        description='"strict", "strict-1.5b", "strict-0.5b" (small models), "lenient" (strong)'
    )
    # answers (`brief ask`)
    answer_support: float = Field(
        description=(
            "share of an answer statement's content words (stemmed, stop words out) that "
            "the passages it cites must contain; catches a small model's statement pinned "
            "to an unrelated passage, and refuses a strong model's paraphrase"
        ),
        ge=0.0,
        le=1.0,
    )
    answer_adds_support: float = Field(
        description=(
            "share of the content words a statement adds to the question's (stemmed, fillers "
            "out; checked when it adds two or more) that its passages must contain: to "
            '"What does Grace Shao think of Manus?" the 1.5B answered "Grace Shao thinks '
            'Manus is not driven by money." on a passage that names her and Manus and says '
            "nothing of money, its question's words carrying the share; a strong model's "
            "paraphrase adds words of its own"
        ),
        ge=0.0,
        le=1.0,
    )
    answer_moves_citation: bool = Field(
        description=(
            "a statement that another supplied passage states better (more of its words) is "
            "re-cited to that passage (small models copy from one passage and cite another)"
        )
    )
    answer_rejects_restatement: bool = Field(
        description=(
            "a statement whose every content word is the question's (\"The two podcasts "
            'describe X." for "How do the two podcasts describe X?") is not stated by its '
            "passages: small models restate the question as their answer"
        )
    )
    answer_drops_unsupported_details: bool = Field(
        description=(
            "a second or third answer statement that its passages do not state is dropped "
            "instead of refusing the answer (re-asked, a small model gives up: it says "
            "'not answerable'); the first statement, the answer itself, must always pass"
        )
    )
    answer_must_share_question_word: bool = Field(
        description=(
            "some statement must share a word with the question (or be a short phrase quoted "
            "from its passage): small models answer with a true but unrelated sentence"
        )
    )
    answer_whole_sentence: bool = Field(
        description=(
            "a statement copied from part of a passage's sentence is printed as that whole "
            "sentence (``pipeline.whole_sentence``): a small model copies the clause next to the "
            "one that answers"
        )
    )
    answer_by_sentence: bool = Field(
        description=(
            "`brief ask` shows the passages sentence by sentence, numbered, and the model "
            "names the sentence that states the answer and the answer in a few words; code "
            "moves the number to the sentence that holds the answer and prints it quoted "
            "(``pipeline.ask.sentence_answer``): the 1.5B names a short answer well and "
            "cites its sentence badly"
        )
    )
    answer_names_within: int | None = Field(
        description=(
            "two names of a statement that its passages write must stand within this many "
            "words of each other there somewhere (None: not checked): the 1.5B joins names "
            'of one passage into a relation it does not state ("Kai-Fu Lee worked at '
            'Hugging Face." from a passage naming the two some 270 words apart); and a '
            "person a statement says said something must stand this near half of what it "
            "says they said (name_places.said_far_from)"
        ),
        ge=1,
    )
    quantity_answer: Literal["digits", "digits_or_words"] = Field(
        description=(
            'a quantity question ("how many", "what year"...) needs a number the question '
            "does not contain: written in digits (or in words its cited passage spells it "
            'in), or also in any words ("twelve percent")'
        )
    )
    # briefs (map, reduce, synthesize)
    repeat_prefix: int = Field(
        description="two texts whose first N letters and digits match count as one "
        "(a looping model's copy cut off at another length); 0: only identical texts"
    )
    rebuild_copied_summaries: bool = Field(
        description="a theme's summary that copies an earlier theme's summary is rebuilt "
        "from its own points instead of being kept"
    )
    overview_spans_themes: bool = Field(
        description="a source overview that copies several sentences of one theme's "
        "summary keeps the first of them, and each dropped copy gives way to the first "
        "sentence of a theme the overview does not draw on yet: the 1.5B's overview of a "
        "9-theme source was its first theme's three sentences, word for word"
    )
    overview_states: bool = Field(
        description="a source overview's sentence after the first that tells who talks "
        "about what ('The host mentions Kai Fu Lee's comments on ...') or is in a speaker's "
        "own words ('I', 'you') gives way to a claim of a theme the overview does not draw "
        "on yet (``stages.overview.stated_after_the_first``): the 1.5B wrote 5 of the 12 "
        "later sentences of the seeds' source overviews so, and told not to, still did"
    )
    agreement_needs_two_sources: bool = Field(
        description="a cross-source overview sentence that says the sources agree (or "
        "agree but differ) loses that claim unless what it says they agree on restates an "
        "agreement the brief lists (one two sources' statements back): told the sources "
        "complement each other, the 1.5B wrote 'All sources agree that AI has the potential "
        "to drive innovation in the United States' of one source, and told they differ, "
        "'Both sources agree that China's AI open source is rational' of two"
    )
    overview_support: float = Field(
        description="share of a cross-source overview sentence's content words that the "
        "statements it rests on and their passages must hold, else it gives way to a "
        "cross-source theme's first sentence (``stages.overview_sentences.stated_overview``): "
        "told each subject in one line, the 1.5B wrote the overview as a press release's "
        "boilerplate ('AI can help companies stay ahead of the curve'); 0: all kept",
        ge=0.0,
        le=1.0,
    )
    cross_summary_support: float = Field(
        description="share of a cross-source theme's summary sentence's content words that "
        "the statements of its group and their passages must hold, else the sentence is "
        "left out (``stages.synthesize.build_cross``; a summary left with nothing is told "
        "by its statements): of 004's 'the Chinese government would be happy if something "
        "like that was feasible', the 1.5B wrote 'The Chinese government may be hesitant "
        "to implement AI technology.' (29% held), and the overview took it; a sentence "
        "that copies a statement from after the negation governing it is left out too "
        "(``stages.negation.drops_negation``: 'So unless domestically ... Huawei ... make a "
        "breakthrough, this is going to be their biggest hindrance' made 'Huawei ... make a "
        "breakthrough, this is going to be their biggest hindrance'); 0: all kept",
        ge=0.0,
        le=1.0,
    )
    cross_sentences_on_subject: bool = Field(
        description="a cross-source theme's summary sentence that says no word its "
        "group's sources share (rarer than common words, the corpus's own subject aside: "
        "``stages.cross_subjects.on_subject``) is left out: under 'Export Controls', on "
        "chips in five sources, the 1.5B wrote 'Moats created by closed source are "
        "temporary.' (of a statement of 002's that joins two quotes), and the overview "
        "opened with it; a strong model's paraphrase may say the subject in words of its own"
    )
    names_held_together: bool = Field(
        description="a cross-source sentence (a theme's summary, the overview) whose "
        "names no one source it rests on holds together, though each is held by one of "
        "them, is left out (``stages.cross_statements.names_apart``): of 002's 'this "
        "sounds almost exactly like Japan's Fifth Generation AI project' and 004's "
        "'Moonshot AI and Drupal AI ... both started by Tsinghua professors', the 1.5B "
        "wrote 'Japan's Fifth Generation AI project is similar to Moonshot AI and Drupal "
        "AI in that they are both startups funded by Tsinghua University'; and one that "
        "names its source but says a name only another source's statements hold "
        "(``borrows_names``: 'Source 004: Baidu's commercialization of 'Colorfullfe'', "
        "002's product)"
    )
    words_held_together: bool = Field(
        description="a cross-source sentence (a theme's summary, the overview) of which "
        "two sources it rests on each hold words no other of them holds is left out "
        "(``stages.cross_statements.words_apart``): of 004's foreign journalists, "
        "'stretched very thinly', and 003's 'Chinese AI industry', the 1.5B wrote "
        "'Chinese AI industry is stretched very thinly.'"
    )
    clauses_held_together: bool = Field(
        description="a source theme's sentence that joins by a clause what one passage "
        "it cites says to what another says of something else ends before that clause "
        "(``theme_citations.without_joined_clause``): of 004's Tiananmen Square passage and, "
        "ten lines on, 'that company put out an API ... E34B model', the 1.5B wrote 'the "
        "E34B model ... put out by a company that has deployed soldiers and tanks into "
        "Beijing'"
    )
    passages_held_together: bool = Field(
        description="a source theme's or overview's sentence that puts a name only one "
        "of its passages holds together with words only another, far-off passage holds is "
        "left out (``passage_joins.joins_passages``): of 002's comments on Tiananmen "
        "Square and on the US's 'impartiality and commitment to free trade', the 1.5B "
        "wrote 'Tienanmen Square demonstrated the US's impartiality and commitment to "
        "free trade.'"
    )
    relations_stated: bool = Field(
        description="the cross-source brief lists where the sources agree and where they "
        "differ, as the model judged each shared subject, and its overview is told those "
        "judgments; else (false) each subject's sources stand side by side under it, with "
        "no verdict: read by hand, 4 of the 1.5B's 43 distinct 'differ' pairs (4 more "
        "arguable) and 2 of its 20 agreements (1 more arguable) in the briefs of the "
        "fourteen rounds' runs held (docs/evaluation-history.md, fifteenth round)"
    )
    names_sorted_by_vote: bool = Field(
        description="each source brief's people and organisations are sorted again by "
        "vote (``stages.name_kinds``: up to two calls a source): the 1.5B's sorts refiled 10 "
        "misfiled names of the seeds' briefs and no other; the 0.5B's moved people to "
        "organisations ('JD Vance', 'Zuckerberg'), 23 misfiled of 102 against 22 of 109"
    )
    replace_habitual_citation: bool = Field(
        description="when the sentence a map point was asked for shares fewer than two "
        "content words with the point (a small model states another sentence), cite the "
        "chunk's best-matching sentence instead; drop a point no sentence shares two with"
    )
    point_support: float = Field(
        description="share of a map point's content words (numbers included) that its chunk "
        "must contain, else the point is dropped: small models copy the prompt's example "
        "or add what the chunk does not say; a strong model's paraphrase uses other words",
        ge=0.0,
        le=1.0,
    )
    one_line_replies: bool = Field(
        description="the brief prompts' '## one-line reply' section joins their system "
        "message: the JSON reply on one line, in a shape shown (a reply's indentation is "
        "about 15% of its tokens); asked so, the 0.5B runs on to the token limit"
    )
    line_breaks_banned: bool = Field(
        description="the embedded server may not sample a token that holds a line break "
        "(``embedded.line_break_tokens``, a logit bias): llama.cpp's JSON grammar lets a "
        "model indent its reply, the 0.5B does, and it cannot be asked not to "
        "(``one_line_replies``)"
    )
    point_max_chars: int = Field(
        description="a map point's length cap in characters, in its reply schema (so "
        "llama.cpp's grammar ends the point there; code cuts it back to a clause end): the "
        "0.5B copies the transcript's lines on into one point until the token limit, and "
        "the 1.5B copied source 000's comma-spliced 60-word sentences into points of 500 "
        "to 1,000 characters (5 replies of a cold run ran to the limit and were asked "
        "again whole; at 350, none: docs/evaluation-history.md, twenty-second round); 0: "
        "no cap",
        ge=0,
    )
    sentence_max_chars: int = Field(
        description="the length cap in characters of a sentence, title or point in the "
        "reply schemas of the reduce and synthesize stages (llama.cpp's grammar ends it "
        "there; code cuts it back to a clause end): the 0.5B copies its notes' long "
        "sentences into a theme's summary until the token limit, and one of 000's themes "
        "was cut off twice and listed its points (the brief partial, `brief run` exiting "
        "1); a cross-source theme was cut off so in the fifty-eighth round; 0: no cap",
        ge=0,
    )
    map_part_tokens: int = Field(
        description="one map point for about this many tokens of a chunk (its most salient "
        "sentence, ``stages.map_request.parts``): at 175 instead of 350, the 1.5B's points "
        "held 57 of the 75 development facts instead of 47, for about twice the map's "
        "completion tokens (docs/evaluation-history.md, sixteenth round); the 0.5B and "
        "hosted models, not measured so, keep 350",
        ge=50,
    )
    map_context_sentences: int = Field(
        description="the map shows each numbered sentence with this many sentences either "
        "side (who says it, what its 'it' is), the rest of the chunk left out: at 2 the "
        "1.5B's cold run over seeds/ evaluated 1.27 x the source tokens instead of 1.57 in "
        "0.73 x the time, facts tune 23 as before, check 21 -> 20; at 1, 1.10 x, but tune "
        "22, check 18 (docs/evaluation-history.md, forty-fourth round); at 2 the 0.5B's "
        "0.71 x instead of 1.26 in 0.77 x the time (867 s, 0.58 x the first pipeline's "
        "1,488 s: its time rule met), facts tune 14 -> 12, check 11 -> 15 (forty-seventh "
        "round); 0: the whole chunk (hosted models, not measured so)",
        ge=0,
    )
    map_points_extracted: bool = Field(
        description="a map point is the numbered sentence's own words, from its most salient "
        "clause (``stages.map_extract.extracted_points``), and the map call asks the model "
        "for the chunk's names alone: the 1.5B's written points copied their sentence (375 "
        "of the 391 points of the fifty-fifth round's run held 90% or more of their words "
        "from it, 276 all of them), and writing them was about 2,400 s of a 3,785 s run"
    )
    restate_copied_points: bool = Field(
        description="a written map point that copies its sentence's opening as listed after the "
        "transcript (it ends in the listing's cut mark) is asked again, once, on that "
        "sentence's part of the chunk alone (``stages.map_stage.restated``): with eight "
        "points to write on a chunk of long sentences the 1.5B copied the listing for six "
        "of them, and the chunk's stretch of talk was lost to the brief"
    )
    point_specificity: float = Field(
        description="a map point less specific than this (``stages.points.specificity``: "
        "the rarity in English of its content words, raised for figures and names) is not "
        "carried by a brief: small models copy the conversation's chatter as key points "
        '("I\'m like, dude, you literally work in tech.")',
        ge=0.0,
    )


# the answers of the thirty-seventh round's runs (dev halves, spelling set) whose
# statements join two names of one passage: every right one within 39 words of each
# other there, the three wrong ones 108, 212 and 268 words apart (thirty-eighth round)
NAMES_WITHIN_WORDS = 60

STRICT = ModelPolicy(
    name="strict",
    answer_support=0.6,
    answer_adds_support=0.5,
    answer_moves_citation=True,
    answer_rejects_restatement=True,
    answer_drops_unsupported_details=True,
    answer_must_share_question_word=True,
    answer_whole_sentence=True,
    answer_by_sentence=False,
    answer_names_within=NAMES_WITHIN_WORDS,
    quantity_answer="digits",
    repeat_prefix=60,
    rebuild_copied_summaries=True,
    overview_spans_themes=True,
    overview_states=True,
    agreement_needs_two_sources=True,
    overview_support=0.6,
    cross_summary_support=0.6,
    cross_sentences_on_subject=True,
    names_held_together=True,
    words_held_together=True,
    clauses_held_together=True,
    passages_held_together=True,
    relations_stated=False,
    names_sorted_by_vote=True,
    replace_habitual_citation=True,
    point_support=0.5,
    one_line_replies=True,
    line_breaks_banned=False,
    point_max_chars=350,
    sentence_max_chars=0,
    map_part_tokens=175,
    map_context_sentences=2,
    map_points_extracted=False,
    restate_copied_points=True,
    point_specificity=4.5,
)
STRICT_05B = STRICT.model_copy(
    update={
        "name": "strict-0.5b",
        "one_line_replies": False,
        "line_breaks_banned": True,
        "point_max_chars": 300,
        "sentence_max_chars": 250,
        "map_part_tokens": 350,
        "restate_copied_points": False,
        "names_sorted_by_vote": False,
    }
)
# the embedded 1.5B's: strict, its map points are its sentences' own words, and its answers
# the sentences that state them
STRICT_15B = STRICT.model_copy(
    update={"name": "strict-1.5b", "map_points_extracted": True, "answer_by_sentence": True}
)
LENIENT = ModelPolicy(
    name="lenient",
    answer_support=0.3,
    answer_adds_support=0.0,
    answer_moves_citation=False,
    answer_rejects_restatement=False,
    answer_drops_unsupported_details=False,
    answer_must_share_question_word=False,
    answer_whole_sentence=False,
    answer_by_sentence=False,
    answer_names_within=None,
    quantity_answer="digits_or_words",
    repeat_prefix=0,
    rebuild_copied_summaries=False,
    overview_spans_themes=False,
    overview_states=False,
    agreement_needs_two_sources=False,
    overview_support=0.0,
    cross_summary_support=0.0,
    cross_sentences_on_subject=False,
    names_held_together=False,
    words_held_together=False,
    clauses_held_together=False,
    passages_held_together=False,
    relations_stated=True,
    names_sorted_by_vote=True,
    replace_habitual_citation=False,
    point_support=0.0,
    one_line_replies=False,
    line_breaks_banned=False,
    point_max_chars=0,
    sentence_max_chars=0,
    map_part_tokens=350,
    map_context_sentences=0,
    map_points_extracted=False,
    restate_copied_points=False,
    point_specificity=0.0,
)
POLICIES = {p.name: p for p in (STRICT, STRICT_15B, STRICT_05B, LENIENT)}


def policy_for(settings: Settings) -> ModelPolicy:
    """``settings.model_policy``; "auto": the embedded model (or a llama.cpp server named
    by api_base alone, taken to serve the ``embedded_model`` setting's model) -> that
    model's policy, any named model or model group -> LENIENT."""
    if settings.model_policy != "auto":
        return POLICIES[settings.model_policy]
    if not settings.embedded:
        return LENIENT
    return POLICIES[embedded_model(settings.embedded_model).policy]


__all__ = ["LENIENT", "POLICIES", "STRICT", "STRICT_05B", "STRICT_15B", "ModelPolicy", "policy_for"]
