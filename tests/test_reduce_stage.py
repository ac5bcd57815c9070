"""Reduce stage (``pipeline.stages.reduce_stage``): titles, themes, overviews, points, names."""

from __future__ import annotations

import re

import pytest
from conftest import generic_responder, line_passage, map_reply, point, transcript

from pipeline.inputs.chunking import chunk_transcript
from pipeline.models import ChunkSummary, KeyPoint, Passage, Transcript
from pipeline.outputs.markdown import source_markdown
from pipeline.stages.map_stage import summarize_chunk
from pipeline.stages.policy import LENIENT, STRICT
from pipeline.stages.quotes import fill_quotes
from pipeline.stages.reduce_stage import reduce_source
from pipeline.stages.speakers import speaker_at


def line_points(source_id: str, said: list[str]) -> list[KeyPoint]:
    """One map point a line of ``said``, each cited on its own line (1, 2, ...)."""
    return [
        KeyPoint(
            id=f"{source_id}:0000/p{n + 1}",
            text=text,
            importance=3,
            evidence=[line_passage(source_id, n + 1, text)],
        )
        for n, text in enumerate(said)
    ]


def test_a_source_whose_file_has_no_title_gets_the_models(scripted) -> None:
    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    scripted.enqueue(map_reply([("DeepSeek released R1 in January", 2)]))
    summary = summarize_chunk(chunk, text, scripted, max_tokens=100)
    scripted.responder = generic_responder
    titled = reduce_source(doc, [summary], scripted, context_window=8192, max_tokens=200)
    assert (titled.title, titled.file) == ("A talk", "007.txt")  # the file's own title
    untitled = doc.model_copy(update={"metadata": {}})
    brief = reduce_source(untitled, [summary], scripted, context_window=8192, max_tokens=200)
    assert (brief.title, brief.file) == ("A talk about AI labs", "007.txt")
    assert source_markdown(brief).startswith(
        "# A talk about AI labs\n\nsource `007` · file `007.txt` · chunks: 1 (0 failed)"
    )


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("  China's open-source AI strategy. ", "China's open-source AI strategy"),
        ('"Chips and export controls"', "Chips and export controls"),
        ("", ""),
        (" . ", ""),
        (" ".join(["word"] * 13), ""),  # a sentence, not a title
    ],
)
def test_a_written_title_is_a_short_line(written: str, kept: str) -> None:
    from pipeline.stages.overview import written_title

    assert written_title(written) == kept


def test_an_overview_copied_from_one_theme_spans_the_themes() -> None:
    from pipeline.stages.overview import spread_over_themes

    summaries = ["Chips are scarce. Labs stockpile them. Smuggling grows.", "Weights are open."]
    copied = "Chips are scarce. Labs stockpile them. Smuggling grows."
    assert spread_over_themes(copied, summaries) == (
        "Chips are scarce. Weights are open. Smuggling grows."  # no third theme: kept
    )
    own = "The talk is about chips. Labs stockpile them. Weights are open."
    assert spread_over_themes(own, summaries) == own  # one copy per theme at most: kept
    lone = "Chips are scarce. Labs stockpile them."
    assert spread_over_themes(lone, summaries[:1]) == lone  # no other theme to draw on


def test_an_overview_of_titles_gives_way_to_the_sections_first_sentences() -> None:
    from pipeline.stages.overview import own_overview

    titles = ["Chip Supply", "Open Weights: A Comparison"]
    summaries = ["Chips are scarce. Labs stockpile them.", "Weights are open."]
    titled = "Chip Supply. Open weights. Labs stockpile them."  # a title's head stands for it
    assert own_overview(titled, titles, summaries=summaries) == (
        "Chips are scarce. Weights are open. Labs stockpile them."
    )
    # a title put in front of a sentence loses it; with no summaries, a title stays
    assert own_overview("Chip Supply: chips are scarce.", titles) == "chips are scarce."
    assert own_overview("Chip supply: Chips are scarce.", titles) == "Chips are scarce."
    assert own_overview("Chip Supply.", titles) == "Chip Supply."
    # a title's head before its colon, put in front (a QMSum committee meeting's overview)
    headed = ["Welsh Language and Lifelong Learning: Recruitment Challenges"]
    assert own_overview(
        "Welsh Language and Lifelong Learning: Kirsty Williams cites recruitment targets.", headed
    ) == ("Kirsty Williams cites recruitment targets.")
    # ... or its subtitle after the colon (the 1.5B's overview of the seeds' 001 began
    # "Commoditization and Alignment: Commoditize your complement ...")
    assert own_overview("Recruitment Challenges: Targets are missed.", headed) == (
        "Targets are missed."
    )
    # a whole "Title: Subtitle." is a title too (a Spanish interview's overview read
    # "Smic's Limitations. Spanish Opportunities.")
    assert own_overview(
        "Open Weights: A Comparison. Labs stockpile them.", titles, summaries=summaries
    ) == ("Weights are open. Labs stockpile them.")


def test_a_cross_source_overview_that_echoes_its_list_gives_way_to_the_themes_sentences() -> None:
    """Given "- Title (sources ...): point" a line, the 1.5B wrote the seeds' cross-source
    overview as those lines cut short; each gives way to its theme's first sentence."""
    from pipeline.stages.overview import own_overview

    titles = ["AI and Technology", "China's Technology Leadership"]
    summaries = [
        "Silicon Valley workers are hesitant to try out AI. Others are not.",
        "China leads technology thanks to its manufacturing.",
    ]
    echoed = (
        "AI and Technology: Silicon Valley interest. "
        "China's Technology Leadership (sources 000, 003): Manufacturing leads. "
        "Labs stockpile chips."
    )
    assert own_overview(echoed, titles, summaries=summaries, echoes_give_way=True) == (
        "Silicon Valley workers are hesitant to try out AI. "
        "China leads technology thanks to its manufacturing. Labs stockpile chips."
    )
    # a source's overview keeps what follows a title (the title alone goes)
    assert own_overview(echoed, titles, summaries=summaries) == (
        "Silicon Valley interest. China's Technology Leadership (sources 000, 003): "
        "Manufacturing leads. Labs stockpile chips."
    )


@pytest.mark.parametrize(
    ("sentence", "told"),
    [
        ("Afra Wang discusses Silicon Valley's envy of China.", True),
        ("The host mentions Kai Fu Lee's comments on apps copying Chinese AI companies.", True),
        ("The article discusses China's AI open source models as a strategic choice.", True),
        ("L Squared shares insights on the major AI players in China.", True),
        ("We're delivering a China episode all about China's AI positioning.", True),
        ("Kai Fu Lee mentions that apps come up and immediately copy them in China.", False),
        ("Huawei covers 40% of the market.", True),  # read as talk: the rule's known cost
        ("China is leading the industry due to its manufacturing and cheap labor.", False),
        ("Shao highlights the rise of open source deals in China's AI space.", False),
        # Bro022, a meeting's overview
        ("The analyst explains the signal processing techniques used in the system.", True),
        ("Andreas explains that the system uses more parameters.", False),
        # the seeds' cross-source themes: a theme's first sentence, the model's summary
        ("The notes discuss the differences between AI ecosystems in China and the US.", True),
        ("Source 004 covers various aspects of AI technology in China.", True),
        ("Sources 001 and 003 discuss open source.", True),
        ("Source 001 mentions that chips are scarce.", False),
        # that a subject is talked about, and no more (000's overview)
        ("Danwang’s book, Breakneck, is discussed.", True),
        ("Export controls were discussed and rejected by the committee.", False),
        ("The chip ban is discussed at length by the EU, which bans chips.", False),
    ],
)
def test_who_talks_about_what_is_told_from_what_is_said(sentence: str, told: bool) -> None:
    from pipeline.stages.show_talk import tells_the_talk

    assert tells_the_talk(sentence) is told


def test_an_overview_s_later_sentences_state_what_is_said() -> None:
    from pipeline.stages.overview import stated_after_the_first

    summaries = [
        "Afra Wang discusses Silicon Valley's envy of China. Engineers run China.",
        "The host discusses open source. I think you see it. Labs open their weights.",
        "The quote wasn't as crazy as I thought. Chips are the bottleneck for Chinese labs.",
        "But they differ. Huawei sells 40% of the accelerators.",
    ]
    overview = (
        "Afra Wang discusses Silicon Valley's envy of China. The article covers export rules. "
        "Engineers run China by plan. The speakers say you pay for it."
    )
    # the first sentence introduces and stays; a later one that tells the talk or is in a
    # speaker's own words gives way to the first claim of a theme the overview does not
    # draw on, in the themes' order (no talk, no "I" or "you", none leaning on another)
    assert stated_after_the_first(overview, summaries) == (
        "Afra Wang discusses Silicon Valley's envy of China. Labs open their weights. "
        "Engineers run China by plan. Chips are the bottleneck for Chinese labs."
    )
    assert stated_after_the_first(overview, summaries[:2]) == (  # none left: kept
        "Afra Wang discusses Silicon Valley's envy of China. Labs open their weights. "
        "Engineers run China by plan. The speakers say you pay for it."
    )
    stated = "Engineers run China by plan. The Dreadnought was a British ship of World War I."
    assert stated_after_the_first(stated, summaries) == stated
    # a speaker's own words that open the sentence (Bro022: "We were two months away from
    # being done.")
    opened = "Engineers run China. We were two months away from being done."
    assert stated_after_the_first(opened, summaries) == (
        "Engineers run China. Labs open their weights."
    )


def test_an_overview_s_sentence_leaning_on_one_not_before_it_gives_way() -> None:
    """The seeds' 000 overview opened with "The other host is an entrepreneur ..." and
    went on "However, the need ...", each copied from a theme where it followed another
    sentence; a sentence the model wrote after the one it leans on stays."""
    from pipeline.stages.overview import stated_after_the_first

    summaries = [
        "Afra Wang discusses Silicon Valley's envy of China. Engineers run China.",
        "One host is an investor. The other host is an entrepreneur in the United States.",
        "Coffee costs 6 yuan. However, the plan is the Party's own. Labs open their weights.",
        "Chips are the bottleneck for Chinese labs.",
    ]
    # an opening that leans goes, the next sentence opens and a theme's claim comes last;
    # a later one copied from after another sentence gives way to the first claim of a
    # theme not drawn on yet, and so does one leaning on a sentence that gave way
    overview = (
        "The other host is an entrepreneur in the United States. Chips are scarce. "
        "However, the plan is the Party's own. They cost 40% more."
    )
    assert stated_after_the_first(overview, summaries) == (
        "Chips are scarce. Engineers run China. One host is an investor. "
        "Chips are the bottleneck for Chinese labs."
    )
    # the model's own "They ..." after the sentence it leans on stays, and so does a
    # sentence copied with the one it follows in its theme
    own = "Chips are scarce. They cost 40% more."
    assert stated_after_the_first(own, summaries) == own
    kept = "Coffee costs 6 yuan. However, the plan is the Party's own."
    assert stated_after_the_first(kept, summaries) == kept
    # every sentence leans: the themes' first claims stand for them
    assert stated_after_the_first("They cost more. This is new.", summaries) == (
        "Engineers run China. One host is an investor."
    )
    # a claim put in a sentence's place never says again what one kept says
    assert (
        stated_after_the_first(
            "Chips are the bottleneck. The host discusses chips.",
            [
                "Chips are the bottleneck for Chinese labs.",
                "Engineers run China.",
            ],
        )
        == "Chips are the bottleneck. Engineers run China."
    )


def test_themes_are_contiguous_cover_every_point_and_grow_with_length() -> None:
    from pipeline.stages.themes import group_points, theme_count

    points = [point(i, "chips export controls Huawei") for i in range(10)]
    points += [point(i, "open source models DeepSeek weights") for i in range(10, 20)]
    groups = group_points(points, 2)
    assert [len(g) for g in groups] == [10, 10]  # the cut falls where the subject changes
    assert [p for g in group_points(points, 5) for p in g] == points
    assert theme_count(4_000) < theme_count(15_000) < theme_count(25_000)
    assert theme_count(15_000) > 2  # a 20-chunk interview gets more than two themes


def long_source(points: list[str]) -> tuple[Transcript, list[ChunkSummary]]:
    """A source of ~12,000 tokens (several themes), one chunk a point."""
    doc, _ = transcript()
    doc = doc.model_copy(update={"segments": doc.segments * 600})
    summaries = [
        ChunkSummary(chunk_id=f"007:{i:04d}", source_id="007", key_points=[point(i, text)])
        for i, text in enumerate(points)
    ]
    return doc, summaries


def test_reduce_writes_one_theme_per_call_then_the_overview(scripted) -> None:
    doc, summaries = long_source(
        [f"Speaker {i} says subject{i} costs {i} million dollars" for i in range(30)]
    )

    def respond(stage, messages):
        if "overview" in messages[0]["content"]:
            return {
                "title": "What the subjects cost",
                "overview": ["Speaker 3 says subject3 costs 3 million.", "More follows."],
            }
        notes = re.findall(r"^- (.*)$", messages[1]["content"], re.MULTILINE)
        return {"title": f"About {notes[0][:20]}", "summary": [notes[0], "It matters."]}

    scripted.responder = respond
    brief = reduce_source(doc, summaries, scripted, context_window=8192, max_tokens=200)
    theme_calls = [h for h in scripted.history if "overview" not in h[0]["content"]]
    assert len(theme_calls) == len(brief.themes) > 2
    assert len(scripted.history) == len(brief.themes) + 1
    # each theme call sees only its own points, and together they see all of them
    seen = [n for h in theme_calls for n in re.findall(r"subject(\d+) ", h[1]["content"])]
    assert sorted(map(int, seen)) == list(range(30))
    assert sum(len(t.point_ids) for t in brief.themes) == 30
    # every sentence is cited, by the point it restates
    for theme in brief.themes:
        assert theme.sentence_citations and all(theme.sentence_citations)
    assert 4 in [c.line_start for c in brief.overview_citations[0]]
    # key facts: points with numbers and names that the themes do not already say
    assert brief.key_facts and all(f.citations for f in brief.key_facts)
    assert not {f.text for f in brief.key_facts} & {t.summary for t in brief.themes}
    # a point is listed once at most (these 30 differ only in their subject and number:
    # repeats of one another)
    listed = [p.text for t in brief.themes for p in t.points] + [f.text for f in brief.key_facts]
    assert len(listed) == len(set(listed))


def test_a_longer_brief_carries_more_points_from_the_same_model_calls(scripted) -> None:
    doc, summaries = long_source(
        [f"Maker{i} builds gadget{i} in Town{i} with {i} fitters." for i in range(60)]
    )

    def respond(stage, messages):
        if "overview" in messages[0]["content"]:
            return {"title": "Makers", "overview": ["Makers build gadgets in towns."]}
        return {"title": "Gadgets", "summary": ["Makers build gadgets."]}

    scripted.responder = respond

    def carried(words: int) -> list[str]:
        brief = reduce_source(
            doc, summaries, scripted, context_window=8192, max_tokens=200, brief_words=words
        )
        return [p.text for p in brief.carried]

    short = carried(300)
    calls = len(scripted.history)
    long = carried(1200)
    assert len(scripted.history) == calls  # the same requests: every one a cache hit
    assert set(short) < set(long)
    # each point is 9 words: the short brief's prose (a few words of summaries) leaves
    # room for about 300 words of points, the long one's for about 1,200
    assert sum(len(t.split()) for t in short) <= 300 < sum(len(t.split()) for t in long) <= 1200


@pytest.mark.parametrize(
    ("written_words", "brief_words", "budget"),
    [(450, 900, 450), (700, 900, 300), (450, 1400, 950), (450, 300, 100), (0, 300, 300)],
)
def test_the_points_fill_what_the_written_prose_leaves_of_the_brief_s_length(
    written_words: int, brief_words: int, budget: int
) -> None:
    from pipeline.stages.points import point_budget

    assert point_budget("word " * written_words, brief_words) == budget


def test_a_point_in_the_source_s_rare_words_is_picked_before_a_common_one() -> None:
    from pipeline.stages.points import pick_points, specific_score

    common = [point(n, f"so China's AI industry grows fast, part {'abcd'[n]}") for n in range(4)]
    rare = point(5, "so Breakneck calls America a lawyerly society")
    assert {specific_score(p) for p in [*common, rare]} == {2}  # two capitals each, no number
    # the same fact score and importance: the point in rarer words goes first
    picked = pick_points([[*common, rare]], [set()], budget_words=8)
    assert [p.id for p in picked[0]] == [rare.id]


def test_key_facts_are_points_with_a_number_or_two_names_besides_the_source_s_subject() -> None:
    from pipeline.stages.points import names_in, split_facts, subject_names

    # a name is a run of capitalised words, once however often, without its possessive;
    # not "I", "I'm", a text's first word, nor a common word capitalised after a comma
    assert names_in("So Sam Altman's OpenAI and Silicon Valley, But I'm sure I know") == {
        "sam altman",
        "openai",
        "silicon valley",
    }
    assert names_in("and China's AI, then China again") == {"china", "ai"}
    talk = [
        point(0, "the host says Silicon Valley envies China's factories"),
        point(1, "the guest thinks Silicon Valley copies China now"),
        point(2, "a listener asks whether Silicon Valley and China differ"),
        point(3, "the Hefei model is copied by Anhui and Shenzhen officials"),
        point(4, "the guest says Silicon Valley works 996 hours like China"),
    ]
    assert subject_names(talk) == {"silicon valley", "china"}  # in 3 points or more
    facts, rest = split_facts([talk], subject_names(talk))
    # two names the whole talk is about make no fact; a number does, as others' names do
    assert [f.text for f in facts] == [
        "The Hefei model is copied by Anhui and Shenzhen officials.",
        "The guest says Silicon Valley works 996 hours like China.",
    ]
    assert len(rest[0]) == 3
    # without a subject, two names are a fact
    assert len(split_facts([talk])[0]) == 5


def test_picked_points_skip_what_is_said_spread_over_themes_and_keep_to_the_budget() -> None:
    from pipeline.stages.points import content, pick_points, split_facts

    points = [
        point(0, "DeepSeek trained R1 for 6 million dollars"),
        point(1, "the talk covers many other things"),
        point(2, "Huawei Ascend chips ship to Alibaba"),
        point(3, "Nvidia sold 20 percent fewer chips"),
        point(4, "Nvidia sold 20 percent fewer chips last year"),  # repeats point 3
        point(5, "ok"),  # says nothing
        point(7, "Why is the Chinese AI industry open sourcing all these models?"),  # asks
        point(8, "We're delivering a China episode all about China's AI positioning"),  # talk
        point(9, "Now I'm in Hong Kong, but I've spent time in Singapore and Beijing"),  # where
    ]
    groups = [points[:2], points[2:]]
    said = [set(), content("Nvidia sold 20 percent fewer chips, last year")]
    picked = pick_points(groups, said, budget_words=100)
    assert [[p.id for p in g] for g in picked] == [
        [points[0].id, points[1].id],
        [points[2].id],  # 3 and 4 are said by the theme; 5 says nothing; 7 asks; 8, 9 not about it
    ]
    # the groups take turns, facts first, until the words run out
    # (2 and 3 are both facts; 3's words are rarer among these points)
    picked = pick_points([points[:2], points[2:4]], [set(), set()], budget_words=14)
    assert [[p.id for p in g] for g in picked] == [[points[0].id], [points[3].id]]
    # a repeat of a chosen point is left out
    picked = pick_points([points[3:5]], [set()], budget_words=100)
    assert [p.id for p in picked[0]] == [points[4].id]  # the one saying more particular words
    # ... but another number is another point
    other = point(6, "Nvidia sold 30 percent fewer chips")
    assert len(pick_points([[points[3], other]], [set()], budget_words=100)[0]) == 2
    facts, rest = split_facts([points[:2], points[2:4]])
    # printed as written sentences (``spoken.as_written``)
    assert [f.text for f in facts] == [
        "DeepSeek trained R1 for 6 million dollars.",
        "Huawei Ascend chips ship to Alibaba.",
        "Nvidia sold 20 percent fewer chips.",
    ]
    assert [[c.text for c in r] for r in rest] == [["The talk covers many other things."], []]
    assert all(f.citations == points[0].evidence for f in facts[:1])


def test_a_point_that_restates_a_sentence_the_brief_wrote_is_not_carried_again() -> None:
    from pipeline.stages.points import pick_points

    # 001's committed brief said "I think China really does see this as a dreadnought
    # moment for software." in a theme and listed the point it came from as a key fact;
    # the overview's sentence came back under another theme's points
    restated = point(
        0, "China really does see this as a dreadnought moment, for software they love"
    )
    other = point(1, "Fine-tuning an open model costs 1 to 2 percent of training one")
    written = ["I think China really does see this as a dreadnought moment for software."]
    picked = pick_points([[restated, other]], [set()], 100, written_sentences=written)
    assert [p.id for p in picked[0]] == [other.id]
    picked = pick_points([[restated, other]], [set()], 100)
    assert [p.id for p in picked[0]] == [restated.id, other.id]


def test_a_point_that_opens_on_a_bare_pronoun_gives_way_to_one_that_names_its_subject() -> None:
    from pipeline.stages.points import opens_with_pronoun, pick_points, reads_broken

    # 004's key facts held "It worked with SMIC Fab in China to produce a chip ..." (it:
    # Huawei, two sentences before): read alone, it does not say who
    unnamed = point(0, "It worked with SMIC Fab in China to produce a chip that surprised them")
    named = point(1, "Alibaba backs Moonshot AI and Zhipu with money and cloud credits")
    budget = len(named.text.split())  # room for one
    assert [p.id for p in pick_points([[unnamed, named]], [set()], budget)[0]] == [named.id]
    assert [p.id for p in pick_points([[unnamed]], [set()], 100)[0]] == [unnamed.id]  # not out
    assert [opens_with_pronoun(t) for t in ("So, they sell", "It's late", "Itself", "Ithaca")] == [
        True,
        False,  # "it's" is most often a dummy subject: "It's obviously harder to ..."
        False,
        False,
    ]
    # "that" and "this" as the subject of their verb open on a pronoun too, but the picker
    # does not offer such a point last (``referents`` says what, where it can)
    said = ("So that was designed for it", "This is new", "That's it", "That company is big")
    assert [opens_with_pronoun(t) for t in said] == [True, True, True, False]
    assert not any(map(reads_broken, said)) and reads_broken("So, they sell")


def test_a_point_that_runs_a_sentence_on_in_lower_case_gives_way() -> None:
    from pipeline.stages.points import pick_points, reads_broken

    # 003's key facts held "I think definitely we're seeing that. it's not an ally or deep
    # sea completely change how the world viewed ..." (a speech-to-text run-on)
    # (equal facts; by rarity for its length alone, the shorter run-on would come first)
    run_on = point(0, "We saw that. mega firms used pirated Word and Excel")
    whole = point(
        1, "Alibaba backs Moonshot AI and Zhipu with money and cloud credits for their labs"
    )
    budget = len(whole.text.split())  # room for one
    assert [p.id for p in pick_points([[run_on, whole]], [set()], budget)[0]] == [whole.id]
    assert reads_broken("Can I follow up here? or so is what you mean")
    assert not reads_broken("Labs in the U. S. and China... and Europe sell chips.")
    assert not reads_broken("Chips, e.g. the H800, i.e. the export version, etc. are scarce.")


def test_chatter_is_not_carried_under_the_strict_policy_but_is_under_the_lenient() -> None:
    from pipeline.stages.points import pick_points

    claim = point(0, "Maidea launched air conditioners that run DeepSeek")
    chatter = point(1, "I'm like, dude, you literally work in tech.")
    strict = pick_points([[claim, chatter]], [set()], 100, STRICT.point_specificity)
    lenient = pick_points([[claim, chatter]], [set()], 100, LENIENT.point_specificity)
    assert [p.id for p in strict[0]] == [claim.id]
    assert [p.id for p in lenient[0]] == [claim.id, chatter.id]


def test_a_speakers_label_makes_no_point_specific() -> None:
    from pipeline.stages.points import pick_points
    from pipeline.stages.speakers import without_speakers

    # education_18 (QMSum), the chair calling the next speaker ("Llyr."), as a key fact
    courtesy = point(0, "Llyr Gruffydd AM said yes, thank you.")
    claim = point(1, "Eluned Morgan AM said ColegauCymru needs an additional 3.5 per cent.")
    speakers = ["Lynne Neagle AM", "Llyr Gruffydd AM", "Eluned Morgan AM", "A"]
    assert without_speakers(courtesy.text, speakers) == "said yes, thank you."
    assert without_speakers("A lab said A.", speakers) == "A lab said A."  # "A" may be a word
    picked = pick_points([[courtesy, claim]], [set()], 100, STRICT.point_specificity)
    assert [p.id for p in picked[0]] == [courtesy.id, claim.id]  # the names read as specific
    picked = pick_points([[courtesy, claim]], [set()], 100, STRICT.point_specificity, (), speakers)
    assert [p.id for p in picked[0]] == [claim.id]


@pytest.mark.parametrize(
    ("prose", "expected"),
    [
        (
            "The U.S. view is that China copies. It does not.",
            ["The U.S. view is that China copies.", "It does not."],
        ),
        ("Dr. Li agrees. Prof. Wang does not!", ["Dr. Li agrees.", "Prof. Wang does not!"]),
        (
            "China vs. US Technological Development: a long race. It goes on.",
            ["China vs. US Technological Development: a long race.", "It goes on."],
        ),
        (
            "S. companies had a lead. U. S. companies had a lead, said J. Smith. Plan B.",
            ["S. companies had a lead.", "U. S. companies had a lead, said J. Smith.", "Plan B."],
        ),
        (
            "Chips, e.g. the H800, are banned. Why? Export controls.",
            ["Chips, e.g. the H800, are banned.", "Why?", "Export controls."],
        ),
        (  # a parliament's speaker, named in a summary (``speakers.named_in``)
            "Hon. Harjit S. Sajjan discusses the report. Rt. Hon. Jane Doe agrees.",
            ["Hon. Harjit S. Sajjan discusses the report.", "Rt. Hon. Jane Doe agrees."],
        ),
    ],
)
def test_model_prose_is_not_cut_after_an_abbreviation(prose: str, expected: list[str]) -> None:
    from pipeline.text import sentences_of

    assert sentences_of(prose) == expected


@pytest.mark.parametrize(
    ("specific", "vague"),
    [
        ("McKinsey puts China's SaaS market at 5.2 billion dollars.", "And I think that is big."),
        ("Dan Wang's book Breakneck says lawyers run America.", "So we talked about that a lot."),
        (
            "Huawei builds Ascend chips.",
            "So you know I think we just kind of talked about it. " * 6,
        ),
    ],
)
def test_a_point_with_names_figures_and_rare_words_is_more_specific(
    specific: str, vague: str
) -> None:
    from pipeline.stages.points import specificity

    assert specificity(specific) > specificity(vague)


def test_a_name_any_chunk_lists_as_an_organisation_is_not_a_person() -> None:
    from pipeline.models import Entity
    from pipeline.stages.names import listed_entities

    def chunk(i: int, *entities: tuple[str, str]) -> ChunkSummary:
        listed = [Entity(name=n, kind=k) for n, k in entities]  # type: ignore[arg-type]
        return ChunkSummary(chunk_id=f"007:{i:04d}", source_id="007", entities=listed)

    summaries = [
        chunk(0, ("Meta", "person"), ("Grace Shao", "person")),
        chunk(1, ("Meta", "organisation"), ("Grace Shao", "person"), ("Alibaba", "person")),
        chunk(2, ("Meta", "organisation"), ("Alibaba", "organisation")),
    ]
    people, organisations = listed_entities(summaries)
    assert people == ["Grace Shao"]
    assert organisations == ["Meta", "Alibaba"]  # the most often named first


def test_the_spellings_of_a_name_are_one_name_under_its_most_frequent_spelling() -> None:
    """The 1.5B listed "DeepSeek" as a person in source 003's brief, where other chunks of
    the same source listed "Deep Seek" as an organisation."""
    from pipeline.models import Entity
    from pipeline.stages.names import listed_entities, name_key

    def chunk(i: int, *entities: tuple[str, str]) -> ChunkSummary:
        listed = [Entity(name=n, kind=k) for n, k in entities]  # type: ignore[arg-type]
        return ChunkSummary(chunk_id=f"007:{i:04d}", source_id="007", entities=listed)

    assert name_key("Deep Seek") == name_key("DeepSeek") == name_key("deep-seek")
    summaries = [
        chunk(0, ("DeepSeek", "person"), ("Grace Shao", "person")),
        chunk(1, ("Deep Seek", "organisation"), ("Grace  Shao", "person")),
        chunk(2, ("Deep Seek", "organisation"), ("Grace Shao", "person")),
    ]
    assert listed_entities(summaries) == (["Grace Shao"], ["Deep Seek"])


def test_two_short_particular_points_take_the_room_of_one_long_one() -> None:
    from pipeline.stages.points import pick_points

    long = point(0, "breakneck calls the country a lawyerly society where judges and lawyers rule")
    short = [
        point(1, "breakneck praises engineering states"),
        point(2, "lawyerly courts slow building"),
    ]
    # no figure or name: ranked by their rare words, for their length
    picked = pick_points([[long, *short]], [set()], budget_words=10)
    assert [p.id for p in picked[0]] == [short[0].id, short[1].id]


def test_a_question_is_no_claim_even_with_its_restatement_after_it() -> None:
    from pipeline.stages.point_kinds import is_claim

    assert is_claim("Alibaba and Tencent release open source models.")
    assert not is_claim("Why does Alibaba release open source models?")
    host = (
        "Can I just follow up here? Or so is what you're saying that open source models "
        "come out of China because consumer companies build them."
    )
    assert not is_claim(host)
    # the speech-to-text's lower case after the question does not make it a claim
    assert not is_claim(
        "So can I just follow up here? or so is what you're saying that "
        "open source models come out of China."
    )
    # a tag question ends a claim without making it a question
    assert is_claim(
        "So we're seeing companies like Unitree taking up 40% of quadruped robots, right? "
        "quite a lead."
    )
    # a claim that quotes a question inside it stays one
    assert is_claim(
        "He asked what comes next? and then answered that chips come first, then models."
    )
    # a question asked as a statement (003's host: one of its key facts)
    assert not is_claim(
        "I'm curious from your perspective, can Chinese companies really become global "
        "forces if they're going to be limited by the chip shortages."
    )
    assert not is_claim("I wonder whether Huawei can make enough chips.")
    assert not is_claim("I have to wonder how much the government knew of what DeepSeek published.")
    assert not is_claim(
        "Then can you tell me that in the article you described an iceberg hidden under water."
    )
    # a question written without its mark (002's key fact)
    assert not is_claim(
        "Is it 'veiled racism' to point out how China wields the great firewall et al."
    )
    assert is_claim("It is the chips, not the models, that hold China back.")
    assert is_claim("She was curious about chips and joined Huawei in 2019.")


def test_talk_about_the_talk_is_told_from_what_is_said() -> None:
    from pipeline.stages.show_talk import about_the_talk

    # a committee's chair keeping its order (QMSum's education_18: both were key facts)
    assert about_the_talk("The next questions are from Hefin David.")
    assert about_the_talk("Paper to note 2: a letter from the Minister for Children.")
    assert about_the_talk("We'll move on to item 3.")
    assert not about_the_talk("Huawei will move to the next item of its plan.")

    assert about_the_talk("The conversation discusses the differences between AI ecosystems.")
    assert about_the_talk("We're discussing China's AI positioning and how competitive it is.")
    assert about_the_talk("I would love to work with you to make an episode about it.")
    assert about_the_talk("Folks, we're pushing past 10 p.m. now.")  # the show keeping time
    assert about_the_talk("All right, we're running out of time.")
    assert not about_the_talk("We are pushing past the limits of what chips can do.")
    # what a speaker says about something discussed elsewhere is a claim
    assert not about_the_talk("The host discusses using OpenAI outputs to train Chinese models.")
    assert not about_the_talk("Discussions of AI are on the mainstream news in China.")
    # the host looking back on the episode (two of the seeds' key facts)
    assert about_the_talk("We really examined why China had to go with a AI monetization strategy.")
    assert about_the_talk("I have just been discussing with Yuan Li.")
    assert about_the_talk("In this wide ranging conversation we cover the major AI players.")
    assert not about_the_talk("We examined the chips and found them slower.")
    # ... after the words a speaker opens on, as the 1.5B copies them into a point
    assert about_the_talk("you know, we really examined why China had to go with a strategy")
    assert about_the_talk("So, um, we're discussing China's AI positioning.")
    assert not about_the_talk("You know, we examined the chips and found them slower.")
    # the host steering the talk (key facts of 003 and 001)
    assert about_the_talk(
        "Last thing that's been coming up as we've been talking, people, we haven't really "
        "talked about the export controls and the shortages of GPUs within China."
    )
    assert about_the_talk(
        "we have the big labs in the US doing so before I kind of jump into a couple of the reasons"
    )
    assert not about_the_talk("We haven't got the chips we need.")
    assert about_the_talk(  # the host's questions to come (004)
        "I want to definitely ask some questions about how much the chip ban or just chip "
        "restrictions in general are already having an effect."
    )
    assert about_the_talk("I'd like to ask you about Huawei's chips.")
    assert not about_the_talk("They asked whether Huawei's chips are ready.")
    assert not about_the_talk("Then I will talk about the low-end slowly.")
    assert not about_the_talk("Before I joined Huawei, I worked at SMIC.")


def test_a_welcome_and_a_guest_s_thanks_are_the_show_s_own_talk_in_other_languages() -> None:
    from pipeline.stages.show_talk import is_promo

    for said in (
        "Bienvenidos a Tecnología Abierta.",
        "Gracias por invitarme.",  # the first point of a Spanish interview's brief
        "Lucía, muchas gracias por venir.",
        "Merci de m'avoir invitée.",
        "Herzlich willkommen bei Technik Offen.",
        "Danke für die Einladung.",
        # a send-off that only thanks someone, in any of them
        "Vielen Dank, Herr Keller.",  # a German interview's second key point of two
        "Thank you so much, Alex.",
        "Muchas gracias, Lucía.",
    ):
        assert is_promo(said), said
    assert not is_promo("El gobierno subvenciona la potencia de cálculo.")
    assert not is_promo("Gracias a los subsidios, los servidores son más baratos.")
    assert not is_promo("Thanks to DeepSeek, the price of tokens fell.")
    assert not is_promo("Thank you, and DeepSeek spent six million dollars.")


def test_a_pronoun_s_sequel_is_about_the_talk_only_after_a_sentence_about_it() -> None:
    from pipeline.stages.show_talk import without_talk_about_the_talk

    told = ["The notes discuss the gap.", "It highlights the chips.", "Huawei makes chips."]
    assert without_talk_about_the_talk(told) == ["Huawei makes chips."]
    claims = ["Huawei makes chips.", "It highlights the gap.", "It also notes the cost."]
    assert without_talk_about_the_talk(claims) == claims


def test_a_speaker_on_their_own_whereabouts_is_told_from_a_claim() -> None:
    from pipeline.stages.show_talk import about_the_speaker

    assert about_the_speaker("So now I'm in Hong Kong, but I've spent time in Singapore.")
    assert about_the_speaker("I've now been working in Beijing for the past five years.")
    assert about_the_speaker("I mentioned that I spent a day in China on a stopover.")
    # a company's "we", and what a speaker says of others, are claims
    assert not about_the_speaker("We have been working for five years on our own chips.")
    assert not about_the_speaker("Engineers in Shenzhen have been working in shifts.")
    assert not about_the_speaker("I think China spent a decade building its grid.")


def test_a_source_s_quotes_are_each_stretch_s_most_specific_evidence() -> None:
    said = [
        "Yeah, I'm really excited for this conversation, welcome to the show everyone.",
        "Huawei shipped 400,000 Ascend 910B chips to Baidu and Tencent in 2024, they said.",
        "So we talked about that for a while and then we moved on to other things.",
        "McKinsey puts China's SaaS market at 5.2 billion dollars against 120 billion.",
    ]
    points = [
        KeyPoint(
            id=f"001:0000/p{n + 1}",
            text=text,
            importance=5 - n,  # the welcome ranks first in its chunk
            evidence=[line_passage("001", n + 1, text)],
        )
        for n, text in enumerate(said)
    ]
    quotes = fill_quotes(points, limit=2)  # two stretches of two points
    assert [q.passage.text for q in quotes] == [said[1], said[3]]
    assert [q.speaker for q in quotes] == [None, None]
    named = fill_quotes(points, limit=2, speaker=lambda p: f"Speaker of line {p.line_start}")
    assert [q.speaker for q in named] == ["Speaker of line 2", "Speaker of line 4"]
    # a passage the brief prints as a point already gives way to one it does not print;
    # a stretch with nothing else keeps its own
    printed = [points[1].evidence[0], points[3].evidence[0]]
    again = fill_quotes(points, limit=2, printed=printed)
    assert [q.passage.text for q in again] == [said[0], said[2]]
    alone = fill_quotes(points[1:2], limit=1, printed=printed)
    assert [q.passage.text for q in alone] == [said[1]]


def test_names_or_a_title_alone_are_no_claim() -> None:
    """000's key facts listed "China's Centennial National Humiliation."."""
    from pipeline.stages.point_kinds import is_claim

    assert not is_claim("China's Centennial National Humiliation.")
    assert not is_claim("Baidu and the Beijing Academy of AI.")
    assert is_claim("Baidu built Ernie.")  # a lower-case word, or a figure, makes a claim
    assert is_claim("Huawei Ascend 910B Chips Shipped")
    assert is_claim("Baidu and the Beijing Academy of AI build models.")


def test_who_says_a_point_or_a_quote_is_named_where_the_transcript_names_speakers(
    scripted,
) -> None:
    # covid_6 (a committee of Canada's House of Commons): its key facts and quotes were
    # printed with no speaker ("Fishers in my riding were not eligible ...": whose riding?)
    doc, text = transcript()
    names = {"A": "Hon. Mary Ng", "B": "Mr. Randy Hoback"}
    named = doc.model_copy(
        update={
            "segments": [s.model_copy(update={"speaker": names[s.speaker]}) for s in doc.segments]
        }
    )
    said = [("DeepSeek released R1 in January 2025 at little cost", 2)]
    said += [("Huawei builds Ascend 910B chips despite export controls", 5)]
    for source, by_line in ((named, {2: "Hon. Mary Ng", 4: "Mr. Randy Hoback"}), (doc, {})):
        chunk = chunk_transcript(source, chunk_tokens=500)[0]
        scripted.enqueue(map_reply(said))
        summary = summarize_chunk(chunk, text, scripted, max_tokens=100)
        scripted.responder = generic_responder
        brief = reduce_source(source, [summary], scripted, context_window=8192, max_tokens=200)
        carried = brief.key_facts + [p for t in brief.themes for p in t.points]
        assert carried
        for p in carried:  # "A" and "B" name nobody
            assert p.speaker == by_line.get(p.citations[0].line_start)
        evidence = [e for p in summary.key_points for e in p.evidence]
        assert [speaker_at(source)(e) for e in evidence] == [by_line.get(2), by_line.get(4)]
        markdown = source_markdown(brief)
        assert ("— Hon. Mary Ng [007 @ 0:00" in markdown) is bool(by_line)
        assert ('"speaker":"Hon' in brief.model_dump_json()) is bool(by_line)


def test_a_point_opening_with_its_speaker_said_that_opens_with_its_claim() -> None:
    # education_18: the 1.5B wrote "Eluned Morgan AM said that ColegauCymru's position is
    # ..." of a line Lynne Neagle AM said; printed after it, "— Lynne Neagle AM"
    from pipeline.models import Cited
    from pipeline.stages.speakers import with_speakers

    line = Passage(
        source_id="e", char_start=0, char_end=9, line_start=195, line_end=195, text="In relation"
    )
    speakers = ["Eluned Morgan AM", "Lynne Neagle AM", "A"]
    points = [
        Cited(text="Eluned Morgan AM said that ColegauCymru's position is 3.5%.", citations=[line]),
        Cited(text="Lynne Neagle AM noted, the pay award needs £10.1 million.", citations=[line]),
        Cited(text="Eluned Morgan AM said yes.", citations=[line]),  # no claim after it
        Cited(text="The committee said that pay matters.", citations=[line]),  # no label
    ]
    printed = with_speakers(points, lambda p: "Lynne Neagle AM", speakers)
    assert [(p.text, p.speaker) for p in printed] == [
        ("ColegauCymru's position is 3.5%.", "Lynne Neagle AM"),
        ("The pay award needs £10.1 million.", "Lynne Neagle AM"),
        ("Eluned Morgan AM said yes.", "Lynne Neagle AM"),
        ("The committee said that pay matters.", "Lynne Neagle AM"),
    ]
    # no speaker named ("A", or none): the point is printed as it was
    assert with_speakers(points, lambda p: None, speakers) == points


def test_a_point_cut_at_a_clause_that_cannot_open_a_sentence_is_its_whole_sentence() -> None:
    # covid_6's key facts read "Such as Owen Plumb, a grade 9 student in Okotoks ..."
    from pipeline.stages.points import cited

    said = (
        "I want to shine a light on some of our hidden heroes, such as Owen Plumb, a grade 9 "
        "student in Okotoks who is using his 3D printer to build PPE."
    )
    evidence = Passage(
        source_id="c", char_start=0, char_end=len(said), line_start=36, line_end=36, text=said
    )

    def point(text: str) -> KeyPoint:
        return KeyPoint(id="c:0000/p1", text=text, importance=3, evidence=[evidence])

    fragment = "such as Owen Plumb, a grade 9 student in Okotoks who is using his 3D printer"
    assert cited(point(fragment)).text == said
    # a point that opens a sentence, or one its evidence does not hold word for word, stays
    assert cited(point("Owen Plumb builds PPE with a 3D printer")).text == (
        "Owen Plumb builds PPE with a 3D printer."
    )
    assert cited(point("Such as a student who prints masks at home")).text == (
        "Such as a student who prints masks at home."
    )


@pytest.mark.parametrize(
    ("label", "named"),
    [
        ("Professor B", "Professor B"),  # Bro022: the role tells who speaks
        ("Project Manager", "Project Manager"),
        ("Right Hon. Justin Trudeau", "Right Hon. Justin Trudeau"),
        ("A", None),  # 001
        ("Speaker 2", None),
        ("SPEAKER_01", None),
        (None, None),
    ],
)
def test_a_label_of_a_letter_or_a_number_alone_names_nobody(label, named) -> None:
    from pipeline.models import Segment, Transcript

    said = "We tested the front end on the meeting digits."
    segment = Segment(
        text=said, char_start=0, char_end=len(said), line_start=1, line_end=1, speaker=label
    )
    doc = Transcript(source_id="m", path="m.txt", format="test", sha256="0", segments=[segment])
    passage = Passage(
        source_id="m", char_start=3, char_end=9, line_start=1, line_end=1, text="tested"
    )
    assert speaker_at(doc)(passage) == named


def test_a_quote_is_a_statement_before_it_is_a_specific_one() -> None:
    # Bro022's brief quoted "So , I would mov I would then shift the focus to , um ,
    # something like Schw - Switchboard , uh , where I 'd I would be able to , um to model"
    from pipeline.stages.points import quote_rank, specificity

    hesitant = (
        "So , I would then shift the focus to , um , Switchboard , uh , to model intermediate "
        "triphone categories across 2,000 phonemes"
    )
    fluent = "We looked at the digits results again on Monday with the new filter."
    assert specificity(hesitant) > specificity(fluent)  # the more specific, but speech
    assert quote_rank(fluent) > quote_rank(hesitant)
    points = [
        KeyPoint(
            id=f"m:0000/p{n}",
            text=text,
            importance=3,
            evidence=[line_passage("m", n, text)],
        )
        for n, text in enumerate([hesitant, fluent], start=1)
    ]
    assert [q.passage.text for q in fill_quotes(points, limit=1)] == [fluent]
    # hesitant all: the most specific still
    assert [q.passage.text for q in fill_quotes(points[:1], limit=1)] == [hesitant]


def test_the_analyst_of_a_summary_is_the_speaker_its_passages_are_said_by() -> None:
    # Bro022's overview: "The analyst provides a discussion on speech enhancement
    # techniques ..." of PhD G's lines; education_22's theme: "The author discusses ..."
    from pipeline.stages.speakers import named_in

    def line(n: int) -> Passage:
        return Passage(
            source_id="m", char_start=n, char_end=n + 1, line_start=n, line_end=n, text="x"
        )

    said_by = {1: "PhD G", 2: "PhD G", 3: "Professor B", 4: "A"}

    def speaker(p: Passage) -> str | None:
        return None if said_by[p.line_start] == "A" else said_by[p.line_start]

    text = "The analyst tests the filters. The analyst compares two systems. The host sums up."
    cited = [[line(1), line(2)], [line(1), line(3)], [line(4)]]
    spoken = "We tested the filters on the digits."
    assert named_in(text, cited, speaker, spoken) == (
        "PhD G tests the filters. The analyst compares two systems. The host sums up."
    )  # one speaker; two; a label that names nobody
    # a transcript that says "analyst" may mean one; sentences and citations unmatched
    assert named_in(text, cited, speaker, "Our analyst tested it.") == (
        "The analyst tests the filters. The analyst compares two systems. The host sums up."
    )
    assert named_in(text, cited[:2], speaker, spoken) == text


def test_a_summary_sentence_in_a_speakers_own_words_says_whose_they_are() -> None:
    # covid_6's theme read "I want to assure the member that our government remains
    # committed to the rule of law ..." with nobody to say it
    from pipeline.stages.speakers import named_in

    def line(n: int) -> Passage:
        return Passage(
            source_id="c", char_start=n, char_end=n + 1, line_start=n, line_end=n, text="x"
        )

    said_by = {127: "Hon. Bill Blair", 129: "Hon. Bill Blair", 82: "Right Hon. Justin Trudeau"}

    def speaker(p: Passage) -> str | None:
        return said_by.get(p.line_start)

    text = (
        "I want to assure the member that we uphold the law. Our priority is the provinces. "
        "Professor Blair explains that we uphold it. The law is upheld."
    )
    cited = [[line(127), line(129)], [line(82), line(127)], [line(127)], [line(129)]]
    speakers = ["Hon. Bill Blair", "Right Hon. Justin Trudeau", "Professor Blair"]
    assert named_in(text, cited, speaker, "", speakers) == (
        "Hon. Bill Blair said: I want to assure the member that we uphold the law. "
        "Our priority is the provinces. "  # two speakers' passages
        "Professor Blair explains that we uphold it. "  # names a speaker itself
        "The law is upheld."  # not in anyone's own words
    )


def test_a_summary_sentence_in_the_first_person_no_label_names_says_a_speaker_said_it() -> None:
    # the seeds' 002 (a thread of comments) overview: "Patrolling shipping lanes is a
    # peacetime operation, so I don't see how the First Island Chain matters."
    from pipeline.models import Segment, Transcript
    from pipeline.stages.speakers import named_in, unnamed_speaker

    def line(n: int) -> Passage:
        return Passage(
            source_id="t", char_start=n, char_end=n + 1, line_start=n, line_end=n, text="x"
        )

    def speaker(p: Passage) -> str | None:
        return "Hon. Bill Blair" if p.line_start == 9 else None

    text = (
        "Patrolling lanes is peacetime work, so I don't see why it matters. "
        "If you want a rundown, read the post. "  # "you" may be anyone
        "World War I changed shipping. "
        "Our priority is the provinces. "  # a named speaker's passage among them
        "Professor Blair thinks we uphold it."  # names a speaker itself
    )
    cited = [[line(1)], [line(2)], [line(3)], [line(4), line(9)], [line(5)]]
    speakers = ["Professor Blair"]
    thread = Transcript(source_id="t", path="t.txt", format="thread", sha256="0", segments=[])
    unnamed = unnamed_speaker(thread)
    assert named_in(text, cited, speaker, "", speakers, unnamed) == (
        "A commenter said: Patrolling lanes is peacetime work, so I don't see why it matters. "
        "If you want a rundown, read the post. World War I changed shipping. "
        "Our priority is the provinces. Professor Blair thinks we uphold it."
    )
    assert named_in(text, cited, speaker, "", speakers) == text  # nobody to say it
    talk = thread.model_copy(
        update={
            "format": "speaker_turns",
            "segments": [Segment(text="x", char_start=0, char_end=1, line_start=1, line_end=1)],
        }
    )
    assert unnamed_speaker(talk) == "A speaker"


def test_a_summary_sentence_is_cited_by_the_points_it_restates_not_by_one_shared_word() -> None:
    from pipeline.stages.theme_citations import cite_sentences

    # 000's "Many AI researchers are not willing to be a public screw." was cited first
    # with L417, a point that shares a word or so with it and says something else
    said = point(3, "Many AI researchers are actually not willing to be a public screw")
    other = point(1, "Not every lab in the US sees hope in AI")  # shares "not"
    close = point(2, "Many researchers are willing to contribute to open source")
    [cited] = cite_sentences(
        "Many AI researchers are not willing to be a public screw.", [other, said]
    )
    assert [c.line_start for c in cited.citations] == [4]
    [cited] = cite_sentences(
        "Many AI researchers are not willing to be a public screw.", [close, said]
    )
    assert [c.line_start for c in cited.citations] == [3, 4]  # half the best's words, or more


def test_a_theme_sentence_that_only_the_talk_about_the_talk_backs_is_left_out() -> None:
    """The host's call for guests became 004's "L Squared also shares a unique perspective
    on another important area in AI"."""
    from pipeline.stages.reduce_stage import ThemeReply, build_themes

    said = [
        "L Squared is a tech worker and AI watcher based in Beijing.",
        "If you've got a unique perspective on another important area in AI, I would love "
        "to work with you to make an episode about it.",
    ]
    points = line_points("004", said)
    guest = "L Squared is a tech worker and AI watcher in Beijing."
    perspective = "L Squared also shares a unique perspective on another important area in AI."
    reply = ThemeReply(title="A Tech Worker's View", summary=[guest, perspective])
    [theme] = build_themes("004", [points], [reply])
    assert theme.summary == guest
    assert [[p.line_start for p in c] for c in theme.sentence_citations] == [[1]]
    # a theme with nothing else to say keeps its sentence
    [alone] = build_themes("004", [points[1:]], [ThemeReply(title="Guests", summary=[perspective])])
    assert alone.summary == perspective


def test_a_theme_sentence_ends_before_a_clause_that_joins_two_passages() -> None:
    """004's theme read "The post discusses the E34B model and other models put out by a
    company that has deployed soldiers and tanks into Beijing", of two passages ten lines
    apart: the soldiers entered Tiananmen Square, the company put out an API."""
    from pipeline.stages.policy import LENIENT
    from pipeline.stages.reduce_stage import ThemeReply, build_themes
    from pipeline.text import joined_clause

    said = [
        "The military was deployed into Beijing and on the night of June 3, soldiers and "
        "tanks entered Tiananmen Square, forcibly clearing the area.",
        "Recently, you've seen that company put out an API that Chinese companies can use "
        "to access the E34B model and other models that they put out.",
    ]
    points = [
        KeyPoint(
            id=f"004:0000/p{n + 1}",
            text=text,
            importance=3,
            evidence=[line_passage("004", 481 + 10 * n, text)],
        )
        for n, text in enumerate(said)
    ]
    head = "The post discusses the E34B model and other models put out by a company"
    joined = f"{head} that has deployed soldiers and tanks into Beijing."
    assert joined_clause(joined, said) == len(head)
    assert joined_clause(joined, said[1:]) is None  # one passage: nothing joined
    # a clause its own passage says of the same thing stands
    assert joined_clause("The company put out an API that Chinese companies use.", said) is None
    # one word that runs through a source, in both passages, joins nothing (002)
    drama = "The TV drama Silicon Wave shows veiled racism by Chinese writers against Americans."
    aware = "I wonder how much the Chinese government was aware of what DeepSeek would publish."
    head_002 = "The article discusses the Chinese government's involvement in DeepSeek"
    racism = f"{head_002}, which is a drama accused of veiled racism against Americans."
    assert joined_clause(racism, [drama, aware]) == len(head_002) + 1
    assert joined_clause(racism, [f"{drama} DeepSeek", aware]) is None  # two words shared
    # a clause ends where another claim is set beside it
    beside = (
        "The company put out an API that Chinese companies use, but soldiers entered "
        "Tiananmen Square."
    )
    assert joined_clause(beside, said) is None
    assert joined_clause(beside.replace(", but", " and"), said) is not None
    later = "Other models are also discussed."
    reply = ThemeReply(title="Models", summary=[joined, later])
    [theme] = build_themes("004", [points], [reply])
    assert theme.summary == f"{head}. {later}"
    assert [[p.line_start for p in c] for c in theme.sentence_citations][0] == [491]
    # too little before the clause: the sentence is left out
    company = "The E34B company that has deployed tanks."
    [short] = build_themes("004", [points], [ThemeReply(title="M", summary=[company, later])])
    assert short.summary == later
    # nor when the clause is what the words before it report
    reported = "The company put out an API and said that soldiers deployed tanks."
    [told] = build_themes("004", [points], [ThemeReply(title="M", summary=[reported, later])])
    assert told.summary == later
    # a strong model's policy leaves it to the model
    [kept] = build_themes("004", [points], [reply], LENIENT)
    assert kept.summary == f"{joined} {later}"


def test_praise_that_neither_the_notes_nor_their_passages_use_is_left_out() -> None:
    """The 1.5B wrote "DeepSeek is a groundbreaking AI platform that promises to
    revolutionize ..." as a theme of 002, a thread that calls it "a massive boon"; the
    overviews, source and cross-source, repeated it."""
    from pipeline.stages.overview import own_overview
    from pipeline.stages.reduce_stage import ThemeReply, build_themes
    from pipeline.text import praise_beyond

    boon = "DeepSeek is a massive boon for AI consumers."
    hype = "DeepSeek is a groundbreaking AI platform that promises to revolutionize AI."
    assert praise_beyond(hype, boon)
    assert not praise_beyond(hype, "a ground-breaking lab; it promised to revolutionise AI")
    assert not praise_beyond(boon, "")  # no word of praise
    notes = [
        KeyPoint(
            id="002:0000/p1", text=boon, importance=3, evidence=[line_passage("002", 38, boon)]
        )
    ]
    reply = ThemeReply(
        title="DeepSeek for consumers",
        summary=[hype, "Consumers get a cheap open model from DeepSeek."],
    )
    [theme] = build_themes("002", [notes], [reply])
    assert theme.summary == "Consumers get a cheap open model from DeepSeek."
    # the passage a note cites holds the word: the sentence stays
    said = "A groundbreaking lab, it promises to be a revolution for AI consumers."
    cited = [notes[0].model_copy(update={"evidence": [line_passage("002", 38, said)]})]
    assert (
        build_themes("002", [cited], [reply])[0].summary
        == reply.summary[0] + " " + reply.summary[1]
    )
    # an overview's sentence, against its themes' titles and summaries
    assert own_overview(f"{hype} {boon}", ["DeepSeek"], summaries=[boon]) == boon


def test_a_small_models_theme_sentences_are_capped_in_the_schema_and_cut_back(scripted) -> None:
    """The 0.5B copied its notes' long sentences into a theme until the token limit, twice
    (000's theme 2: the brief partial). With ``sentence_max_chars`` the reply schema caps
    each sentence (llama.cpp's grammar ends it one character short) and code cuts a
    sentence so ended back to a clause end; the reply's class is still ``ThemeReply``."""
    from pipeline.stages.policy import STRICT, STRICT_05B
    from pipeline.stages.reduce_stage import ThemeReply, write_theme

    schemas = scripted.schemas_asked
    long = ("Huawei ships Ascend chips to Baidu, Tencent and ByteDance, " * 5)[:249]
    scripted.enqueue({"title": "Chips", "summary": [long, "Export controls bite."]})
    points = [point(1, "Huawei ships Ascend chips to Baidu and Tencent")]
    chars = STRICT_05B.sentence_max_chars
    reply = write_theme(points, scripted, max_tokens=350, one_line=False, sentence_chars=chars)
    assert isinstance(reply, ThemeReply)
    summary = schemas[0]["properties"]["summary"]
    assert summary["items"] == {"maxLength": 250, "type": "string"}
    assert (summary["minItems"], summary["maxItems"]) == (1, 3)  # the list's bounds stay
    assert reply.summary[0] == long[: long.rfind(", ")] + " …"
    assert reply.summary[1] == "Export controls bite."
    # the 1.5B's schema is as it was: no cap
    assert STRICT.sentence_max_chars == 0
    scripted.enqueue({"title": "Chips", "summary": [long]})
    write_theme(points, scripted, max_tokens=350, one_line=True)
    assert schemas[1]["properties"]["summary"]["items"] == {"type": "string"}


def test_a_theme_summary_says_a_thing_once() -> None:
    """000's theme said "The Chinese government's strong resource allocation capability
    has promoted the development of high-speed rail." and then the same in other words;
    a sentence with a figure of its own says something new."""
    from pipeline.stages.reduce_stage import ThemeReply, build_themes

    said = [
        "The government's strong resource allocation capability built the high-speed rail.",
        "The rail line opened in 2008 between Beijing and Tianjin.",
    ]
    points = line_points("000", said)
    first = (
        "The Chinese government's strong resource allocation capability has promoted the "
        "development of high-speed rail."
    )
    again = (
        "The ability of the Chinese government to deploy has promoted the development of "
        "China's high-speed rail."
    )
    dated = "China's high-speed rail development was promoted by the government in 2008."
    reply = ThemeReply(title="High-Speed Rail", summary=[first, again, dated])
    [theme] = build_themes("000", [points], [reply])
    from pipeline.text import sentences_of

    assert sentences_of(theme.summary) == [first, dated]
    assert len(theme.sentence_citations) == 2


def test_a_theme_sentence_is_cited_with_a_passage_showing_each_name_it_says() -> None:
    """003's "The analyst highlights Alibaba, Jack Ma, and Baidu's plans to go open source"
    was cited with the passages on open source and Baidu, not the one naming Jack Ma."""
    from pipeline.stages.theme_citations import cite_sentences

    said = [
        "This is the rise of the open source deal, people are excited to go open source.",
        "Even Baidu announced that they are going to go open source in June.",
        "That is a huge difference from the internet era, like Alibaba, Jack Ma.",
        "Jack Ma also likes tea.",
    ]
    points = line_points("003", said)
    sentence = "The analyst highlights Alibaba, Jack Ma, and Baidu's plans to go open source."
    [cited] = cite_sentences(sentence, points)
    assert [p.line_start for p in cited.citations] == [1, 2, 3]
    # a name every chosen passage shows adds none
    [cited] = cite_sentences("Baidu will go open source in June.", points)
    assert [p.line_start for p in cited.citations] == [1, 2]


def test_an_overview_sentence_that_adds_a_name_to_a_themes_sentence_gives_way_to_it() -> None:
    """Of 002's "One of his industry contacts did time for shipping DEC Vax VMS kit to
    Bulgaria", the 1.5B's overview said "One of Google's industry contacts ..."."""
    from conftest import line_passage

    from pipeline.models import Theme
    from pipeline.stages.overview import names_as_in_themes

    contact = "One of his industry contacts did time for shipping DEC Vax kit to Bulgaria."
    passage = line_passage("002", 46, "One of his industry contacts did time for shipping it.")
    theme = Theme(
        id="002/t1",
        title="Old hardware",
        summary=f"{contact} Google predicts moats fall.",
        point_ids=[],
        citations=[passage],
        sentence_citations=[[passage], [line_passage("002", 9, "as Google predicted")]],
    )
    joined = "One of Google's industry contacts did time for shipping DEC Vax kit to Bulgaria."
    assert names_as_in_themes(joined, [theme]) == contact
    # a name the sentence's passages show, or the source's title, stays
    shown = "One of the DEC industry contacts did time for shipping Vax kit to Bulgaria."
    assert names_as_in_themes(f"{joined} Google predicts moats fall.", [theme], "Google") == (
        f"{joined} Google predicts moats fall."
    )
    assert names_as_in_themes(shown, [theme]) == shown  # DEC is the theme sentence's
    assert names_as_in_themes("Google holds Bulgaria.", [theme]) == "Google holds Bulgaria."
