"""Synthesize stage (``pipeline.stages.synthesize``): cross-source themes and attribution."""

from __future__ import annotations

from conftest import line_passage

from pipeline.models import Passage, Quote, SourceBrief, Theme
from pipeline.outputs.markdown import cross_markdown
from pipeline.stages.cross_statements import Statement, attribute
from pipeline.stages.policy import LENIENT, STRICT
from pipeline.stages.synthesize import CrossReply, build_cross, synthesize


def test_synthesis_attributes_every_statement_to_sources(scripted) -> None:
    def brief(sid: str, *subjects: str) -> SourceBrief:
        themes = []
        for n, subject in enumerate(subjects, start=1):
            cite = Passage(
                source_id=sid, char_start=n, char_end=n + 1, line_start=3, line_end=4, text="x"
            )
            themes.append(
                Theme(
                    id=f"{sid}/t{n}",
                    title=f"{subject} in {sid}",
                    summary=f"{subject.capitalize()}.",
                    point_ids=[],
                    citations=[cite],
                )
            )
        return SourceBrief(source_id=sid, title=sid, themes=themes)

    def respond(stage, messages):
        content = messages[1]["content"]
        if "overview" in messages[0]["content"]:
            return {"overview": ["Both sources discuss chips.", "They differ on open weights."]}
        if "chips" in content.lower():
            return {
                "title": "Chips",
                "summary": ["Source 001 covers hardware.", "Source 002 covers hardware too."],
                "relation": "agree",
                "point": "Chips matter for both sources.",
            }
        return {
            "title": "Open weights",
            "summary": ["The sources cover weights."],
            "relation": "differ",
            "point": "They differ.",
        }

    scripted.responder = respond
    # the cross-source brief quotes each source's most specific quote, not its first
    quoted = [
        Quote(
            passage=Passage(
                source_id="001", char_start=n, char_end=n + 1, line_start=n, line_end=n, text=t
            )
        )
        for n, t in enumerate(
            [
                "Yeah, I'm really excited for this conversation, welcome to the show everyone.",
                "Huawei shipped 400,000 Ascend 910B chips to Baidu and Tencent in 2024.",
            ]
        )
    ]
    first = brief("001", "chips", "weights").model_copy(update={"quotes": quoted})
    cross = synthesize(
        [first, brief("002", "weights", "chips")],
        scripted,
        context_window=8192,
        max_tokens=500,
        # as a strong model's; its summaries ("Source 001 covers hardware.") kept as written
        policy=STRICT.model_copy(update={"relations_stated": True, "cross_summary_support": 0}),
    )
    assert len(scripted.history) == 3  # two cross-source themes, one overview
    assert sorted(t.title for t in cross.themes) == ["Chips", "Open weights"]
    for theme in cross.themes:
        assert theme.summary.source_ids == ["001", "002"]
        assert theme.sentence_citations and all(theme.sentence_citations)
    assert [a.text for a in cross.agreements] == ["Chips matter for both sources."]
    # what each source says stays listed under the cross-source theme, cited, unless the
    # theme's summary says it already ("The sources cover weights." says "Weights.")
    by_source = {t.title: [s.source_ids for s in t.by_source] for t in cross.themes}
    assert by_source == {"Chips": [["001"], ["002"]], "Open weights": []}
    assert "- Chips. (source: 002) [002 L3-4]" in cross_markdown(cross, {})  # one: "source"
    [differ] = cross.disagreements
    assert {differ.side_a.source_ids[0], differ.side_b.source_ids[0]} == {"001", "002"}
    assert differ.side_b.citations[0].label.endswith("L3-4")
    assert cross.overview_citations and all(cross.overview_citations)
    # the overview is asked from each theme's subject and what its sources agree or differ
    # on, not from the themes' summaries (which a small model copies as its overview)
    asked = scripted.history[-1][1]["content"]
    assert "- Chips (sources 001, 002; they agree): Chips matter for both sources." in asked
    assert "Source 001 covers hardware." not in asked
    assert [q.passage.text for q in cross.quotes] == [quoted[1].passage.text]


def test_the_cross_source_brief_quotes_a_passage_its_source_prints_as_a_key_fact(
    scripted,
) -> None:
    """A source brief's quotes leave out what its points print (``fill_quotes``); the
    cross-source brief prints none of them, so it quotes the most specific passage of
    either."""
    from pipeline.models import Cited
    from pipeline.stages.quotes import most_specific_quote, quotable

    welcome = line_passage(
        "001", 1, "Yeah, I'm really excited for this conversation, welcome to the show."
    )
    figures = line_passage(
        "001", 2, "McKinsey puts China's SaaS market at 5.2 billion dollars against 120."
    )
    short = line_passage("001", 3, "Huawei makes 910B chips.")  # no quote's length
    brief = SourceBrief(
        source_id="001",
        title="001",
        themes=[
            Theme(id="001/t1", title="SaaS", summary="SaaS is small.", point_ids=[], citations=[])
        ],
        quotes=[Quote(passage=welcome)],
        key_facts=[
            Cited(text="China's SaaS market is 5.2 billion.", citations=[figures], speaker="A"),
            Cited(text="Huawei makes 910B chips.", citations=[short]),
        ],
    )
    candidates = quotable(brief)
    assert [q.passage for q in candidates] == [welcome, figures]
    best = most_specific_quote(brief)
    assert (best.passage, best.speaker) == (figures, "A")
    # one source (nothing to compare): the cross-source brief quotes it the same way
    alone = synthesize([brief], scripted, context_window=8192, max_tokens=500)
    assert [(q.passage, q.speaker) for q in alone.quotes] == [(figures, "A")]
    assert not scripted.history


def said(sid: str, line: int, text: str, passage: str = "x") -> Statement:
    """A statement of source ``sid`` cited on one line, the passage ``passage``."""
    cite = Passage(
        source_id=sid,
        char_start=line,
        char_end=line + 1,
        line_start=line,
        line_end=line,
        text=passage,
    )
    return Statement(sid, f"{sid}/t1", text, [cite])


def test_a_cross_source_sentence_cites_its_own_evidence_only() -> None:
    group = [
        said("001", 1, "China lists AI as national infrastructure, like the power grid."),
        said("003", 2, "China's AI firms aim at consumer apps."),
        said("004", 3, "China's AI rules stress safety and alignment of models."),
    ]
    # named: the sentence is about source 001, whatever words it shares with 003 and 004
    named = attribute("Source 001: China treats AI as infrastructure.", group)
    assert named.source_ids == ["001"] and [c.line_start for c in named.citations] == [1]
    both = attribute("Sources 001 and 004 see AI as infrastructure to keep safe.", group)
    assert both.source_ids == ["001", "004"]
    # unnamed: only statements sharing at least half as many words as the best one
    rules = attribute("China's AI rules stress the safety of models.", group)
    assert rules.source_ids == ["004"]
    assert attribute("China and AI.", group).source_ids == ["001", "003", "004"]
    assert attribute("Chips.", group).source_ids == ["001"]  # nothing shared: the first


def test_a_cross_sentence_is_cited_on_the_sources_that_say_it_not_its_subject() -> None:
    """ "China's AI open source is a very rational choice." (000's words) was cited on 000,
    004 and 003, whose statements shared "open source" with it: its theme's subject."""
    group = [
        said("000", 1, "China's AI open source is a very rational choice."),
        said("004", 2, "It is marketed as open source, but very possibly not that open."),
        said("003", 3, "In China this is the rise of the open source deal."),
        said("001", 4, "Open source is a choice that makes adoption cheaper."),
    ]
    rational = attribute("China's AI open source is a very rational choice.", group)
    assert rational.source_ids == ["000"] and [c.line_start for c in rational.citations] == [1]
    # a statement that holds a word the best does not is evidence too: "cheaper"
    cheaper = attribute("Open source is a rational choice and makes adoption cheaper.", group)
    assert cheaper.source_ids == ["000", "001"]
    # ... and so is one that holds as many of its words as the best
    assert attribute("Open source is a choice.", group).source_ids == ["000", "001"]
    # a sentence that names its sources keeps a statement of each
    named = attribute("Sources 000 and 003 tell of open source in China.", group)
    assert named.source_ids == ["000", "003"]


def test_a_statement_a_summary_sentence_says_in_fewer_words_is_not_listed_again() -> None:
    # the seeds' cross-source brief printed "Companies are starting to take a look at these
    # regulations." and, right under it, the statement it was written from
    group = [
        said(
            "004",
            1,
            "Companies are starting to take a look at these regulations and the hoops "
            "they need to jump through to get approval.",
        ),
        said("002", 2, "The news is that China's factories have not grown for 6 months."),
        said("003", 3, "Alibaba gives its open models to the cloud customers it courts."),
    ]
    reply = CrossReply(
        title="Rules and growth",
        summary=[
            "Companies are starting to take a look at these regulations.",
            "China's factories have not grown for 5 months.",  # not its figure: listed
        ],
        relation="complement",
        point="The sources look at rules and growth.",
    )
    [theme], _, _ = build_cross([group], [reply], STRICT)
    assert [s.source_ids for s in theme.by_source] == [["002"], ["003"]]


def test_a_long_cross_source_brief_leaves_out_its_longest_listed_statements() -> None:
    from pipeline.models import Attributed, CrossTheme
    from pipeline.stages.synthesize import within_words

    def said(words: int, source: str) -> Attributed:
        return Attributed(text="word " * words, theme_ids=[], source_ids=[source], citations=[])

    themes = [
        CrossTheme(
            title="A subject",
            summary=said(10, "001"),
            by_source=[said(50, "001"), said(5, "002"), said(40, "003"), said(6, "004")],
        ),
        CrossTheme(
            title="Another", summary=said(10, "002"), by_source=[said(30, "002"), said(8, "003")]
        ),
    ]
    # 2 + 10 + 101 + 1 + 10 + 38 = 162 words; 100 leave out the 50 and the 40, never a pair
    kept = within_words(themes, other_words=0, budget=100)
    assert [[len(a.text.split()) for a in t.by_source] for t in kept] == [[5, 6], [30, 8]]
    assert within_words(themes, other_words=0, budget=1_000) == themes
    assert [len(t.by_source) for t in within_words(themes, other_words=0, budget=10)] == [2, 2]


def test_cross_groups_pair_related_statements_of_different_sources() -> None:
    from pipeline.stages.themes import cross_groups

    said = [
        ("001", "Huawei Ascend chips and export controls"),
        ("001", "open source model weights from DeepSeek"),
        ("002", "DeepSeek publishes open source weights"),
        ("002", "export controls on Nvidia chips"),
        ("002", "DeepSeek open source weights, again"),  # same source as the one above
        ("003", "the robot makers of Shenzhen"),  # nothing in common: no group
    ]
    texts, sources = [t for _, t in said], [s for s, _ in said]
    # clusters join while as alike as the most alike 30% of the 13 pairs across sources
    groups = cross_groups(texts, sources, 5, link_share=0.3)
    # the tighter first (the larger is looser), its most central statement first
    assert groups == [[0, 3], [2, 4, 1]]
    assert cross_groups(texts, sources, 1, link_share=0.3) == [[0, 3]]
    # at most per_source statements of one source: the ones most alike to the rest
    assert cross_groups(texts, sources, 5, per_source=1, link_share=0.3) == [[0, 3], [2, 1]]
    # a stricter link: only the most alike pairs join, and a cluster of one source is none
    assert cross_groups(texts, sources, 5, link_share=0.01) == [[0, 3]]
    # the group of the most sources comes first
    texts.append("export controls on chips, and Huawei")
    sources.append("004")
    groups = cross_groups(texts, sources, 5, link_share=0.3)
    assert {sources[k] for k in groups[0]} == {"001", "002", "004"}
    assert cross_groups(texts[:2], sources[:2], limit=5) == []  # one source: nothing to compare


def test_cross_groups_leave_out_the_words_the_whole_corpus_is_about() -> None:
    """Most of the seeds' statements say "China", "Chinese" or "AI", and MiniLM grouped
    statements by those: "Japan's Fifth Generation AI project", "Moonshot AI ... started by
    Tsinghua professors" and "Shanghai AI Labs" made a subject ("AI Projects"). Words a
    tenth of the statements and every source use are left out before comparing; the
    language's commonest words ("like") and one source's words are not."""
    from collections.abc import Sequence

    import numpy as np

    from pipeline.stages.themes import corpus_words, cross_groups, lexical_vectors, without_words

    said = [
        ("001", "China's AI labs and export controls on chips, like Huawei's"),
        ("001", "AI in China: open source weights"),
        ("002", "Chinese AI startups publish open source weights, like DeepSeek"),
        ("002", "China faces export controls on chips"),
        ("003", "AI robots of China’s factories, like Unitree's"),
    ] * 3  # each word three times at least
    texts, sources = [t for _, t in said], [s for s, _ in said]
    assert corpus_words(texts, sources) == {"china", "ai"}
    # a word one source uses in under a tenth of its statements is not the corpus's
    ports = ["China's ports and their robots"] * 30
    assert corpus_words([*texts, *ports], [*sources, *["003"] * 30]) == {"china"}
    assert corpus_words(texts[:5], sources[:5]) == set()  # nor one said once or twice
    compared: list[str] = []

    def recording(rows: Sequence[str]) -> np.ndarray:
        compared.extend(rows)
        return lexical_vectors(rows)

    cross_groups(texts, sources, 5, recording)
    assert compared[:5] == [
        "labs and export controls on chips, like Huawei's",
        "in : open source weights",
        "Chinese startups publish open source weights, like DeepSeek",
        "faces export controls on chips",
        "robots of factories, like Unitree's",
    ]
    # a statement of nothing else is compared whole
    assert without_words(["China's AI.", "AI chips"], frozenset({"china", "ai"})) == [
        "China's AI.",
        "chips",
    ]


def test_a_cross_source_sentence_never_joins_names_that_only_different_sources_hold() -> None:
    """The seeds' cross-source brief said "Japan's Fifth Generation AI project is similar
    to Moonshot AI and Drupal AI in that they are both startups funded by Tsinghua
    University": Japan's project from 002, the startups and Tsinghua from 004."""
    from pipeline.stages.cross_statements import names_apart
    from pipeline.stages.overview_sentences import stated_overview
    from pipeline.stages.policy import LENIENT
    from pipeline.stages.synthesize import CrossReply, build_cross

    japan = "This sounds almost exactly like Japan's Fifth Generation AI project."
    startups = "Moonshot AI and Drupal AI were both started by Tsinghua professors."
    report = "The government work report mentions the AI Plus initiative."
    group = [
        said("002", 68, japan, japan),
        said("004", 117, startups, startups),
        said("004", 789, report, report),
    ]
    fused = (
        "Japan's Fifth Generation AI project is similar to Moonshot AI and Drupal AI in that "
        "they are both startups funded by Tsinghua University."
    )
    own = "Moonshot AI and Drupal AI were started by Tsinghua professors."
    assert names_apart(fused, group)
    assert not names_apart(own, group)  # one source holds every name
    assert not names_apart("Japan's Fifth Generation AI project was a government plan.", group)
    # "AI", held by both sources, joins nothing; a name no source holds is another check's
    assert not names_apart("AI startups in Beijing attract funding like the AI Plus plan.", group)

    reply = CrossReply(
        title="AI Projects", summary=[own, fused], relation="complement", point="AI projects."
    )
    [theme], _, _ = build_cross([group], [reply], STRICT)
    assert theme.summary.text == own
    [theme], _, _ = build_cross([group], [reply], LENIENT)  # a strong model's comparison
    assert theme.summary.text == f"{own} {fused}"

    # the overview: the sentence gives way to a theme's first sentence it does not say yet
    summaries = ["The government work report mentions the AI Plus initiative."]
    kept = stated_overview(f"{own} {fused}", group, summaries, 0.6, names_together=True)
    assert kept == f"{own} {summaries[0]}"
    assert stated_overview(f"{own} {fused}", group, summaries, 0.6) == f"{own} {fused}"


def test_a_cross_source_overview_never_opens_leaning_on_a_sentence_before_it() -> None:
    """A run's cross-source overview opened "It makes it cheaper for companies to adopt
    AI.": whose "it", the brief does not say. A theme's sentence that stands alone
    stands in; the model's own "It ..." after the sentence it leans on stays."""
    from pipeline.stages.overview_sentences import stated_overview

    adopt = "Open source makes it cheaper for companies to adopt AI."
    chips = "Chips are the bottleneck for Chinese labs."
    differ = "However, labs differ on chips."
    group = [said("001", 8, adopt, adopt), said("004", 147, chips, chips)]
    summaries = [f"{chips} {differ}", adopt]
    leaning = "It makes it cheaper for companies to adopt AI."
    assert stated_overview(f"{leaning} {chips}", group, summaries, 0.6) == f"{adopt} {chips}"
    after = f"{adopt} {differ}"  # copied from after another sentence
    assert stated_overview(after, group, summaries, 0.6) == f"{adopt} {chips}"
    assert stated_overview(f"{chips} {differ}", group, summaries, 0.6) == f"{chips} {differ}"
    own = f"{adopt} It makes it cheaper for companies to adopt AI."
    assert stated_overview(own, group, summaries, 0.6) == own
    # sources said to do something "also" lean on the sentence before them too
    also = "Sources 001 and 004 also say chips are the bottleneck for Chinese labs."
    boilerplate = "AI can help companies stay ahead of the curve."
    assert also not in stated_overview(f"{boilerplate} {also}", group, summaries, 0.6)
    assert stated_overview(f"{adopt} {also}", group, summaries, 0.6) == f"{adopt} {also}"


def test_claims_set_side_by_side_are_each_held_to_what_they_rest_on() -> None:
    """The 1.5B's cross-source overview said "Sources 000, 001, 002, 003, 004 discuss the
    impact of export controls on chip industry growth, while sources 003 and 004 agree
    that China's AI open source is a rational choice ..." (000's words): the whole rested
    on a statement of each of the five sources it names."""
    from pipeline.stages.cross_statements import stated_share

    group = [
        said("000", 1, "China's AI open source is a very rational choice."),
        said("001", 2, "Export controls on chips slow the chip industry's growth."),
        said("002", 3, "Export controls hit the chip industry and its growth."),
        said("003", 4, "In China, the open source deal is rising with chip export controls."),
        said("004", 5, "It is marketed as open source, but export controls bite chips."),
    ]
    first = "Sources 000, 001, 002, 003, 004 discuss export controls on chip industry growth"
    beside = "sources 003 and 004 agree that China's AI open source is a rational choice"
    assert stated_share(f"{first}.", group) >= 0.6
    assert stated_share(f"{first}, while {beside}.", group) < 0.6
    # each claim on its own, and the whole as well: the label names the second's source
    label = "Source 004: It is marketed as open source, but China's AI open source is rational."
    assert stated_share("China's AI open source is rational.", group) >= 0.6
    assert stated_share(label, group) < 0.6


def test_a_cross_source_overview_sentence_saying_beside_another_that_sources_agree_gives_way() -> (
    None
):
    """ "The Chinese government is keen to copy the Hefei model, while sources 002 and 003
    agree that LLMs are developing into a different thing ...": 003 said it, 002 did not,
    and no agreement was listed."""
    from pipeline.stages.cross_claims import verdict_beside
    from pipeline.stages.overview_sentences import stated_overview

    moats = "LLMs lack moats, and the LLMs are turning into a different thing."
    hefei = "The Chinese government is keen to copy the Hefei model."
    group = [said("003", 107, moats, moats), said("000", 521, hefei, hefei)]
    joined = "LLMs lack moats, while sources 002 and 003 agree that the LLMs are turning."
    assert stated_overview(joined, group, [hefei, moats], 0.6) == f"{hefei} {moats}"
    assert verdict_beside(joined) and not verdict_beside(joined, [moats])  # listed: backed
    assert verdict_beside("Chips matter, while sources 001 and 004 differ on open source.")
    assert not verdict_beside("Google predicts no moats, while Deep Sea claims it broke them.")
    assert not verdict_beside("Sources 001 and 004 agree that chips matter.")  # opens it


def test_a_cross_source_overview_sentence_in_a_speakers_voice_or_pointing_back_gives_way() -> None:
    """The seeds' cross-source overview said "The Chinese government would be happy if
    something like that was feasible." (self-driving cars, which it never named) and
    "Top Chinese researchers are not bothered by your criticism." (whose criticism?):
    each gives way to a theme's first sentence, which may be neither."""
    from pipeline.stages.overview_sentences import points_back, stated_overview

    adopt = "Open source makes it cheaper for companies to adopt AI."
    cars = "The Chinese government would make self-driving cars happen if feasible."
    top = "Top Chinese researchers publish in English language journals."
    group = [said("001", 8, adopt, adopt), said("004", 813, cars, cars), said("004", 732, top, top)]
    summaries = [adopt, f"I think {cars}", top, cars]
    feasible = "The Chinese government would be happy if something like that was feasible."
    criticism = "Top Chinese researchers are not bothered by your criticism of journals."
    assert points_back(feasible) and points_back("Such a thing is feasible in China.")
    assert not points_back("The cars look like that of Tesla.")
    assert stated_overview(f"{adopt} {feasible} {criticism}", group, summaries, 0.3) == (
        f"{adopt} {top} {cars}"  # the second theme's sentence is in a speaker's words
    )
    assert stated_overview(f"{adopt} {top}", group, summaries, 0.3) == f"{adopt} {top}"


def test_a_cross_source_sentence_in_a_speakers_own_words_is_its_sources_or_left_out() -> None:
    """The seeds' "China AI Industry" opened "Top Chinese researchers are not bothered by
    your criticism." (004's researchers, 002's commenter); "LLM competition" said "Deep Sea
    completely broke the moat ... you don't need to pay for LLMs." in nobody's name."""
    from pipeline.stages.cross_statements import said_by_its_source
    from pipeline.stages.synthesize import CrossReply, build_cross

    top = "Most top Chinese researchers would not be bothering with Chinese journals."
    nebulous = "You are shifting to another nebulous criticism of Chinese research."
    moat = "Deep Sea broke the moat and told everyone you don't need to pay for LLMs."
    group = [said("004", 732, top), said("002", 57, nebulous), said("003", 107, moat)]
    blend = "Top Chinese researchers are not bothered by your criticism."
    copied = "Deep Sea broke the moat: you don't need to pay for LLMs."
    assert said_by_its_source(blend, group) is None  # two sources' words in one voice
    assert said_by_its_source(copied, group) == f"Source 003: {copied}"
    assert said_by_its_source(f"Source 003: {copied}", group) == f"Source 003: {copied}"
    assert said_by_its_source(top, group) == top  # nobody's own words
    reply = CrossReply(
        title="Chinese research", summary=[blend, top, copied], relation="differ", point="x"
    )
    # (003's moat shares no word with the others: the subject rule alone would leave it out)
    off_subject_kept = STRICT.model_copy(update={"cross_sentences_on_subject": False})
    [theme], _, _ = build_cross([group], [reply], off_subject_kept)
    assert theme.summary.text == f"{top} Source 003: {copied}"


def test_a_cross_source_sentence_that_joins_what_two_sources_say_is_left_out() -> None:
    """004's foreign journalists in Beijing are "stretched very thinly"; 003 has "nothing
    against the Chinese AI industry": the 1.5B wrote "Chinese AI industry is stretched
    very thinly.", and the cross-source overview told it."""
    from pipeline.stages.cross_statements import words_apart
    from pipeline.stages.overview_sentences import stated_overview
    from pipeline.stages.policy import LENIENT
    from pipeline.stages.synthesize import CrossReply, build_cross

    thin = "Foreign journalists in China are stretched very thinly."
    industry = "Nothing against the Chinese AI industry in China."
    nuance = "English language discussion about Chinese AI in China can lack nuance."
    group = [said("004", 912, thin), said("003", 296, industry), said("004", 913, nuance)]
    blend = "Chinese AI industry is stretched very thinly."
    assert words_apart(blend, group)
    assert not words_apart(nuance, group)  # one source's words
    assert not words_apart("Chinese AI discussion in China lacks nuance.", group)
    # claims set side by side are each one source's
    assert not words_apart("Journalists are stretched thinly, while the industry grows.", group)
    reply = CrossReply(title="Chinese AI", summary=[blend, nuance], relation="agree", point="x")
    [theme], _, _ = build_cross([group], [reply], STRICT)
    assert theme.summary.text == nuance
    [theme], _, _ = build_cross([group], [reply], LENIENT)
    assert theme.summary.text == f"{blend} {nuance}"
    told = stated_overview(f"{nuance} {blend}", group, [nuance], 0.5, words_together=True)
    assert told == nuance


def test_a_theme_sentence_opening_as_a_told_one_does_not_stand_in_for_another() -> None:
    """The seeds' cross-source overview said "Open source accelerates AI adoption and
    brings hope ..." and, two sentences on, "Open source accelerates its adoption
    because it makes it cheaper ...": half their words apart, the same subject and verb."""
    from pipeline.stages.overview_sentences import first_stated, same_opening

    told = "Open source accelerates AI adoption and brings hope to stagnating innovation."
    again = "Open source accelerates its adoption because it makes AI cheaper for companies."
    chips = "Chips are the bottleneck for Chinese labs."
    group = [said("001", 8, again, again), said("004", 147, chips, chips)]
    assert same_opening(told, again)
    assert not same_opening("DeepSeek is a big advance.", "DeepSeek is a new platform.")
    assert first_stated([again, chips], group, 0.6, [told]) == [chips]
    assert first_stated([again, chips], group, 0.6) == [again, chips]


def test_a_cross_source_sentence_never_praises_in_words_its_statements_lack() -> None:
    from pipeline.stages.synthesize import CrossReply, build_cross

    boon = "DeepSeek is a massive boon for AI consumers."
    cheap = "Open source makes AI cheaper for companies."
    group = [said("002", 38, boon, boon), said("001", 8, cheap, cheap)]
    hype = "DeepSeek is a groundbreaking platform that promises to revolutionize AI."
    reply = CrossReply(
        title="AI for consumers", summary=[hype, cheap], relation="complement", point="AI."
    )
    [theme], _, _ = build_cross([group], [reply], STRICT)
    assert theme.summary.text == cheap


def test_a_cross_source_sentence_its_statements_do_not_state_is_left_out() -> None:
    """The seeds' 1.5B summarized 004's self-driving passage as "The Chinese government
    may be hesitant to implement AI technology." (29% of its words held)."""
    from pipeline.stages.synthesize import CrossReply, build_cross

    happy = (
        "If something like that is feasible, I would expect that the Chinese government "
        "would be like, hey, this is going to make life safer and better."
    )
    journals = "Most top Chinese researchers would not be bothering with Chinese journals."
    group = [said("004", 813, happy, happy), said("002", 732, journals, journals)]
    hesitant = "The Chinese government may be hesitant to implement AI technology."
    stated = "Top Chinese researchers are not bothering with Chinese journals."
    reply = CrossReply(
        title="Chinese AI Industry", summary=[hesitant, stated], relation="complement", point="x"
    )
    [theme], _, _ = build_cross([group], [reply], STRICT)
    assert theme.summary.text == stated
    [alone], _, _ = build_cross([group], [reply.model_copy(update={"summary": [hesitant]})])
    assert alone.summary.text.startswith("Source 004: If something like that is feasible")  # told
    [kept], _, _ = build_cross([group], [reply], LENIENT)  # a hosted model's sentences stand
    assert hesitant in kept.summary.text


def test_a_cross_source_title_that_names_nothing_its_theme_says_gives_way() -> None:
    """The 1.5B titled a seeds' theme "Colorfulfe": its statement spells the product
    "Colorfullfe", and the theme is about prices."""
    from pipeline.stages.synthesize import CrossReply, build_cross

    offers = "I find identical offerings for 'Colorfullfe' and 'Extolife', all priced alike."
    baidu = "Baidu is around the $7, $8 mark and has been commercializing for months."
    group = [said("002", 89, offers, offers), said("004", 287, baidu, baidu)]
    summary = ["Source 002: Identical offerings with similar pricing.", "Source 004: " + baidu]
    reply = CrossReply(title="Colorfulfe", summary=summary, relation="complement", point="x")
    [theme], _, _ = build_cross([group], [reply], STRICT)
    assert theme.title == "Identical offerings with similar pricing"
    named = reply.model_copy(update={"title": "Prices of chatbots"})  # "price" said: stays
    assert build_cross([group], [named], STRICT)[0][0].title == "Prices of chatbots"
    long = reply.model_copy(update={"summary": [baidu]})  # a long first sentence
    assert (
        build_cross([group], [long], STRICT)[0][0].title
        == "I find identical offerings for 'Colorfullfe' and 'Extolife'"
    )


def test_a_sentence_naming_its_source_never_borrows_another_sources_name() -> None:
    """The 1.5B's cross-source summary said "Source 004: Baidu's commercialization of
    'Colorfullfe' at $7, $8 mark.", cited on 004's passage: 'Colorfullfe' is 002's."""
    from pipeline.stages.cross_statements import borrows_names, names_apart
    from pipeline.stages.synthesize import CrossReply, build_cross

    offerings = "A bunch of identical offerings for 'Colorfullfe' and 'Extolife', priced alike."
    baidu = "Baidu is the main one that I know of that is around $7, $8 mark."
    group = [said("002", 89, offerings, offerings), said("004", 287, baidu, baidu)]
    borrowed = "Source 004: Baidu's commercialization of 'Colorfullfe' at $7, $8 mark."
    own = "Source 004: Baidu sells at the $7, $8 mark."
    assert borrows_names(borrowed, group)
    assert names_apart(borrowed, group)
    assert not borrows_names(own, group)
    assert not borrows_names("Sources 002 and 004: Colorfullfe and Baidu sell cheaply.", group)
    # a sentence that names no source is ``resting_on``'s to attribute
    assert not borrows_names("Baidu's commercialization of 'Colorfullfe' at $7.", group)
    first = "Source 002: Identical offerings with similar pricing."
    reply = CrossReply(title="Prices", summary=[first, borrowed], relation="complement", point="")
    [theme], _, _ = build_cross([group], [reply], STRICT)
    assert theme.summary.text == first


def test_a_source_counted_by_the_model_is_named() -> None:
    """The 1.5B wrote "The first source suggests ..." of a group of 003's and 004's
    statements: the reader had no way to tell which source that was."""
    from pipeline.stages.cross_statements import ordinals_named

    group = [
        said("003", 1, "Scaling laws changed how the world viewed AI."),
        said("003", 2, "Confidence returned to Chinese AI entrepreneurs."),
        said("004", 3, "China does less research on AI alignment."),
    ]
    assert ordinals_named(
        "The first source suggests scaling laws matter; the second source sees a gap.", group
    ) == ("Source 003 suggests scaling laws matter; Source 004 sees a gap.")
    past = "The third source is silent."
    assert ordinals_named(past, group) == past


def test_who_talks_about_what_is_no_statement_the_sources_share() -> None:
    from pipeline.stages.cross_statements import statements_of

    brief = SourceBrief(
        source_id="004",
        title="t",
        overview="o",
        themes=[
            Theme(
                id="004/t1",
                title="Ecosystems",
                summary="The notes discuss the differences between AI ecosystems. "
                "China files AI as national infrastructure.",
                point_ids=[],
                citations=said("004", 1, "x").citations,
            )
        ],
    )
    assert [s.text for s in statements_of(brief)] == ["China files AI as national infrastructure."]


def test_an_overview_sentence_is_printed_without_its_source_label_and_cited_on_that_source(
    scripted,
) -> None:
    """The seeds' cross-source overview read "... Source 004: Shutting down open source
    could lead to a widening gap. [004 L345]"."""
    from pipeline.stages.cross_claims import unlabelled

    assert unlabelled("Source 004: shutting down open source widens the gap.") == (
        "Shutting down open source widens the gap."
    )
    kept = ["Sources 001 and 004: chips matter.", "Source 004 says chips matter."]
    assert [unlabelled(k) for k in kept] == kept

    def brief(sid: str, line: int, summary: str) -> SourceBrief:
        cites = said(sid, line, summary, summary).citations
        theme = Theme(id=f"{sid}/t1", title="Chips", summary=summary, point_ids=[], citations=cites)
        return SourceBrief(source_id=sid, title=sid, themes=[theme])

    def respond(stage, messages):
        if "overview" in messages[0]["content"]:
            return {"overview": ["Source 004: Export controls keep Nvidia chips scarce."]}
        return {
            "title": "Chip supply",
            "summary": ["Source 001: Huawei chips are scarce.", "Source 004: Nvidia chips too."],
            "relation": "complement",
            "point": "Chips are scarce.",
        }

    scripted.responder = respond
    cross = synthesize(
        [
            brief("001", 5, "Huawei chips are scarce in China."),
            brief("004", 9, "Export controls keep Nvidia chips scarce in China."),
        ],
        scripted,
        context_window=8192,
        max_tokens=500,
    )
    assert cross.overview == "Export controls keep Nvidia chips scarce."
    assert [[p.source_id for p in c] for c in cross.overview_citations] == [["004"]]


def test_a_small_models_cross_source_theme_is_capped_in_the_schema_and_cut_back(scripted) -> None:
    """The 0.5B wrote a cross-source theme until the token limit, twice (the fifty-eighth
    round's cold run: the cross-source brief partial, `brief run` exiting 1). Under its
    policy's ``sentence_max_chars`` the reply schema caps the summary's sentences and the
    title and point too, as a source's themes are capped, and code cuts a text so ended
    back to a clause end; the 1.5B's schema has no cap."""
    from pipeline.stages.policy import STRICT_05B
    from pipeline.stages.synthesize import write_cross_theme

    schemas = scripted.schemas_asked
    long = ("Huawei ships Ascend chips to Baidu, Tencent and ByteDance, " * 5)[:249]
    reply = {"title": "Chips", "summary": [long], "relation": "complement", "point": long}
    group = [
        Statement("000", "000/t1", "Huawei ships Ascend chips to Baidu.", []),
        Statement("001", "001/t1", "Tencent buys Ascend chips from Huawei.", []),
    ]
    chars = STRICT_05B.sentence_max_chars
    scripted.enqueue(reply)
    capped = write_cross_theme(group, scripted, 400, one_line=False, sentence_chars=chars)
    assert isinstance(capped, CrossReply)
    shape = schemas[0]["properties"]
    assert shape["summary"]["items"] == {"maxLength": 250, "type": "string"}
    assert shape["point"]["maxLength"] == 250 and shape["title"]["maxLength"] == 250
    assert "maxLength" not in shape["relation"]
    cut = long[: long.rfind(", ")] + " …"
    assert capped.summary == [cut] and capped.point == cut
    assert capped.title == "Chips"
    scripted.enqueue(reply)
    whole = write_cross_theme(group, scripted, 400, one_line=True)
    assert isinstance(whole, CrossReply) and whole.point == long
    assert "maxLength" not in schemas[1]["properties"]["point"]
    assert schemas[1]["properties"]["summary"]["items"] == {"type": "string"}


def test_a_cross_source_sentence_cites_the_statements_passage_showing_a_name_it_says() -> None:
    """The cross-source brief cites a statement by its first passage: "The analyst
    highlights Alibaba, Jack Ma, and Baidu's plans to go open source." was cited on 003's
    passage on open source deals only, though its statement's third passage says "like
    Alibaba, Jack Ma"."""
    text = "The analyst highlights Alibaba, Jack Ma, and Baidu's plans to go open source."
    deal = line_passage("003", 37, "This is the rise of the open source deal.")
    baidu = line_passage("003", 66, "Even Baidu announced that they are going open source.")
    ma = line_passage("003", 44, "A huge difference from the internet era, like Alibaba, Jack Ma.")
    group = [Statement("003", "003/t1", text, [deal, ma, baidu])]
    assert [p.line_start for p in attribute(text, group).citations] == [37, 44, 66]
    # what the first passage shows adds nothing
    assert attribute("The open source deal is rising.", group).citations == [deal]


def test_a_cross_source_sentence_off_its_groups_subject_is_left_out() -> None:
    """Under "Export Controls" (chips, in five sources) the 1.5B wrote "Moats created by
    closed source are temporary.", of a statement of 002's that joins two quotes; the
    cross-source overview opened with it."""
    group = [
        said(
            "002",
            1,
            "Bans on shipments of advanced chips are the problem, and a moat created by "
            "closed source is temporary.",
        ),
        said("004", 2, "Many companies stockpiled chips before the export controls."),
        said("003", 3, "The export controls made chips their biggest hindrance."),
    ]
    reply = CrossReply(
        title="Export controls",
        summary=[
            "Companies stockpiled chips before the export controls.",
            "A moat created by closed source is temporary.",  # says nothing of chips
        ],
        relation="complement",
        point="The sources look at chips.",
    )
    [theme], _, _ = build_cross([group], [reply], STRICT)
    assert theme.summary.text == "Companies stockpiled chips before the export controls."
    [theme], _, _ = build_cross([group], [reply], LENIENT)  # a strong model's words its own
    assert "moat" in theme.summary.text
    # a word that a tenth of the corpus's statements say is not a group's subject
    from pipeline.stages.cross_subjects import on_subject, widespread_stems

    texts = [s.text for s in group]
    sources = [s.source_id for s in group]
    sentences = ["Chips matter.", "Export controls bite.", "Moats matter."]
    assert on_subject(sentences, texts, sources) == sentences[:2]
    widespread = widespread_stems([*texts, *(f"Chips, day {n}." for n in range(27))])
    assert on_subject(sentences, texts, sources, widespread) == sentences[1:2]


def test_a_short_cross_source_overview_opens_with_the_subjects_its_sources_share() -> None:
    """Two design meetings briefed together kept one overview sentence of the 1.5B's five,
    and no theme had one to stand in: the overview names the subjects the themes share."""
    from pipeline.stages.overview_sentences import OVERVIEW_FEWEST, with_subjects_named

    titles = ["Multi Plate", "Remote Control", "Touch Screen Design"]
    kept = "Touch screen remote design is appealing."
    assert with_subjects_named(kept, titles) == (
        "The sources share Multi Plate; Remote Control; Touch Screen Design. " + kept
    )
    assert with_subjects_named("", titles[:2]) == "The sources share Multi Plate; Remote Control."
    enough = " ".join([kept] * OVERVIEW_FEWEST)
    assert with_subjects_named(enough, titles) == enough  # an overview of its own
    assert with_subjects_named(kept, titles[:1]) == kept  # one subject: its theme says it
    spanish = "El diseño de la pantalla táctil del mando a distancia resulta atractivo."
    assert with_subjects_named(spanish, ["Mandos", "Pantalla táctil"]) == spanish  # English only


def test_sources_named_by_a_file_stem_are_read_as_numbered_ones_are() -> None:
    """A run over "ES2009a.txt" and "ES2009b.txt" names its sources "es2009a" and
    "es2009b" (``ingest.source_id_for``): labels, series, verdicts and the words a
    sentence's share is counted on read them as they read "000"."""
    from pipeline.stages.cross_claims import labelled, listed_in_series, unlabelled, verdict_beside
    from pipeline.stages.cross_statements import named_rightly, stated_share

    assert labelled("Source es2009a: I like the idea of the multi plate.")
    assert unlabelled("Source es2009a: the plates cost more.") == "The plates cost more."
    assert not labelled("Source also: the plates cost more.")  # a word, not an id
    assert listed_in_series("Sources es2009a and es2009b and es2009c agree.") == (
        "Sources es2009a, es2009b and es2009c agree."
    )
    beside = "Plates add cost, while sources es2009a and es2009b agree that remotes are ugly."
    assert verdict_beside(beside)
    plates = [said("es2009a", 3, "Three face plates drive the cost up.", "x")]
    plates.append(said("es2009b", 4, "Face plates drive the cost up a lot.", "y"))
    # the ids are no words of the claim: the statements hold all of it
    assert (
        stated_share(
            "Sources es2009a and es2009b discuss how face plates drive the cost up.", plates
        )
        == 1
    )
    # a sentence naming the wrong source is the source's whose statement it copies
    swapped = "Source es2009b: Three face plates drive the cost up."
    assert (
        named_rightly(swapped, plates[:1]) == "Source es2009a: Three face plates drive the cost up."
    )
