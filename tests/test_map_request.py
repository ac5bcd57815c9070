"""Map requests (``pipeline.stages.map_request``): parts, numbered sentences, sponsor reads."""

from __future__ import annotations

import re

import pytest
from conftest import transcript

from pipeline.inputs.chunking import chunk_transcript
from pipeline.models import Chunk
from pipeline.stages.map_stage import summarize_chunk


def test_a_map_point_keyed_by_a_number_not_in_the_chunk_is_invalid() -> None:
    from pydantic import ValidationError

    from pipeline.stages.map_request import MapReply

    reply = {"people": [], "organisations": [], "points": {"2": "a", "x": "b", "9": "c"}}
    with pytest.raises(ValidationError, match=r"sentence numbers \[x, 9\] are not in the chunk"):
        MapReply.model_validate(reply, context={"sentence_ids": {1, 2, 3}})
    assert MapReply.model_validate({**reply, "points": {"2": "a"}}).points == {"2": "a"}


def keys_asked(request: dict) -> list[str]:
    """The keys a map request's reply must give its points, in order."""
    from pipeline.model.reply import json_schema_of, narrow_items

    schema = narrow_items(json_schema_of(request["schema"]), request["narrow"])
    points = schema["properties"]["points"]
    assert points["additionalProperties"] is False and points["required"] == list(
        points["properties"]
    )
    return list(points["properties"])


def test_map_points_come_one_from_each_part_of_the_chunk() -> None:
    """The reply's points are keyed by the numbered sentence of each part, in order
    (llama.cpp enforces it), and the parts cover the chunk in order, about 350 tokens each."""
    from pipeline.stages.map_request import MAX_POINTS, anchor, map_request, parts
    from pipeline.stages.points import word_counts

    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    long = chunk.model_copy(update={"tokens": 1400})
    assert len(parts(long)) == 4 and len(parts(chunk)) == max(1, round(chunk.tokens / 350))
    many = long.model_copy(update={"tokens": 10**5})
    assert len(parts(many)) == min(MAX_POINTS, len(chunk.sentences))  # one sentence at least
    split = parts(long)
    assert [s.id for p in split for s in p] == [s.id for s in chunk.sentences]
    counts = word_counts(text)
    assert keys_asked(map_request(long, text, 100)) == [str(anchor(p, counts).id) for p in split]


def test_each_part_numbers_its_most_specific_statement_and_its_point_cites_it() -> None:
    from collections import Counter

    from pipeline.stages.map_request import anchor, map_request, number_sentences, openings, parts

    doc, _ = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    texts = [
        "Is that right?",  # a question: never marked while a statement is there
        "Yeah, I think so, you know.",
        "Huawei shipped 200,000 Ascend 910B chips to Baidu in 2025.",
        "Take a free trial at example.com slash deals.",  # a sponsor read
        "Baidu trains Ernie on them.",
        "Okay.",
    ]
    sentences = [
        s.model_copy(update={"text": t}) for s, t in zip(chunk.sentences, texts, strict=True)
    ]
    chunk = chunk.model_copy(update={"sentences": sentences, "tokens": 700})
    split = parts(chunk)
    assert [[s.id for s in p] for p in split] == [[1, 2, 3], [4, 5, 6]]
    assert [anchor(p, Counter()).id for p in split] == [3, 5]
    lines = number_sentences(chunk, [3, 5]).splitlines()
    assert [line.split(":")[0] for line in lines if line[0].isdigit()] == ["3", "5"]
    request = map_request(chunk, " ".join(texts), 100)
    assert request["variables"]["sentences"].splitlines()[2].startswith("3: Huawei shipped")
    assert keys_asked(request) == ["3", "5"]  # each point states its part's numbered sentence
    # listed again after the transcript, by their opening words (at most 12), in order
    assert request["variables"]["openings"] == (
        "3: Huawei shipped 200,000 Ascend 910B chips to Baidu in 2025.\n"
        "5: Baidu trains Ernie on them."
    )
    assert openings(chunk, [3], words=4) == "3: Huawei shipped 200,000 Ascend …"
    rendered = request["prompt"].render(**request["variables"])[1]["content"]
    boundary = request["variables"]["boundary"]
    assert rendered.count(boundary) == 4 and rendered.rindex("5: Baidu") > rendered.index("Okay.")


def test_a_run_on_sentence_is_extracted_from_its_most_salient_clause() -> None:
    """Speech transcribed without commas (the seeds' 003) is one sentence of many clauses:
    its extracted point starts after the "and", "so" or "uh" that opens its most salient
    one, where the first 30 words said only "going to make the money"."""
    from collections import Counter

    from pipeline.models import Sentence
    from pipeline.stages.map_extract import extracted_point
    from pipeline.stages.map_request import salient_clause

    run_on = (
        "going to make the money it is interesting because i had a conversation with him "
        "once uh for my book and he had i think maybe in one of his books about ai called "
        "mark zuckerberg the most chinese of all the american ceos because copycat apps are "
        "the law of the land there and you better be ready to move and adapt"
    )
    sentence = Sentence(
        id=1, text=run_on, char_start=0, char_end=len(run_on), line_start=1, line_end=1
    )
    point = extracted_point(sentence, Counter())
    assert point.startswith("for my book and he had i think") and "zuckerberg" in point
    assert salient_clause(run_on, Counter()) == 0  # as the model is shown it: from the start
    # with two commas it is a sentence of clauses: it starts at one of them
    commas = run_on.replace(" uh ", ", ").replace(" and he ", ", and he ")
    at = salient_clause(commas, Counter(), run_on=True)
    assert at > 0 and commas[at - 2] == ","


def test_a_long_sentence_is_numbered_from_its_most_salient_clause() -> None:
    """The model restates a numbered sentence from its first words: in a long sentence of
    clauses, the numbered part starts at the clause with the figures and names, and the
    words before it stand unnumbered on the line above."""
    from collections import Counter

    from pipeline.stages.map_request import number_sentences, openings, salient_clause

    doc, _ = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    long = (
        "So I think, you know, it is really about the kind of thing that people here "
        "talk about all the time and it is pretty basic, honestly, and then for example, "
        "there are 70 million skilled workers in Shenzhen factories building drones."
    )
    first = chunk.sentences[0].model_copy(update={"text": long})
    chunk = chunk.model_copy(update={"sentences": [first, *chunk.sentences[1:]]})
    at = salient_clause(long, Counter(), words=12)
    assert long[at:].startswith("there are 70 million skilled workers")
    assert salient_clause("Huawei shipped 200,000 chips.", Counter(), words=12) == 0  # short
    lines = number_sentences(chunk, [1], {1: at}).splitlines()
    assert lines[0].endswith("and then for example,") and not lines[0][0].isdigit()
    assert lines[1].startswith("1: there are 70 million")
    assert openings(chunk, [1], words=4, starts={1: at}) == "1: there are 70 million …"
    whole = number_sentences(chunk, [1]).splitlines()[0]  # 1: (speaker) So I think ...
    assert whole.startswith("1: ") and whole.endswith("building drones.")


def test_the_map_shows_each_numbered_sentence_with_its_neighbours_only() -> None:
    """With ``context`` sentences either side (the strict policy's
    ``map_context_sentences``), the sentences between two windows are left out, a cut mark
    in their place, and the speaker is named again after the cut."""
    from pipeline.stages.map_request import map_request, number_sentences, shown_sentences
    from pipeline.stages.policy import LENIENT, STRICT

    doc, _ = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    texts = [f"Sentence {n} says Huawei made {n}00 chips." for n in range(1, 10)]
    first = chunk.sentences[0]
    sentences = [
        first.model_copy(update={"id": n, "text": t, "speaker": "Ana", "timestamp": None})
        for n, t in enumerate(texts, start=1)
    ]
    chunk = chunk.model_copy(update={"sentences": sentences})
    assert [s.id for s in shown_sentences(chunk, [2, 8], context=1)] == [1, 2, 3, 7, 8, 9]
    assert shown_sentences(chunk, [2, 8]) == sentences  # 0: the whole chunk
    assert number_sentences(chunk, [2, 8], context=1).splitlines() == [
        "(Ana) Sentence 1 says Huawei made 100 chips.",
        "2: Sentence 2 says Huawei made 200 chips.",
        "Sentence 3 says Huawei made 300 chips.",
        "…",
        "(Ana) Sentence 7 says Huawei made 700 chips.",
        "8: Sentence 8 says Huawei made 800 chips.",
        "Sentence 9 says Huawei made 900 chips.",
    ]
    # windows that meet are one stretch, with no cut
    assert "…" not in number_sentences(chunk, [3, 6], context=1)
    text = " ".join(texts)
    shown = map_request(chunk, text, 100, marked=[2, 8], context=1)["variables"]["sentences"]
    assert "Sentence 5" not in shown and "2: Sentence 2" in shown
    assert STRICT.map_context_sentences > 0 and LENIENT.map_context_sentences == 0


def test_a_part_numbers_the_sentence_on_its_sources_subject_over_a_one_off_detail() -> None:
    """Of two sentences about as specific, the one whose rare words the source keeps
    using is the part's sentence to note (``points.salience``)."""
    from pipeline.stages.map_request import anchor
    from pipeline.stages.points import salience, specificity, word_counts

    doc, _ = transcript()
    first, second = chunk_transcript(doc, chunk_tokens=500)[0].sentences[:2]
    subject = first.model_copy(update={"text": "Huawei makes Ascend chips for data centres."})
    detail = second.model_copy(update={"text": "He once grew kumquats in a greenhouse in Fujian."})
    counts = word_counts(" ".join(["Ascend chips and Huawei compute."] * 20) + detail.text)
    assert specificity(detail.text) > specificity(subject.text)  # alone, the detail wins
    assert anchor([subject, detail], counts) == subject
    assert salience(detail.text, word_counts("")) == specificity(detail.text)


def ad_break_chunk() -> tuple[Chunk, str]:
    """A chunk of two parts whose second part is a sponsor read, and its source text."""
    doc, _ = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    texts = [
        "Is that right?",
        "Yeah, I think so, you know.",
        "Huawei shipped 200,000 Ascend 910B chips to Baidu in 2025.",
        "We'll be right back after a word from our sponsors.",
        "Acme Widgets, founded by Jane Roe, builds the fastest widgets for your team.",
        "Go to acme.com slash talk for a 20% discount.",
    ]
    text, sentences = "", []
    for sentence, said in zip(chunk.sentences, texts, strict=True):
        start = len(text)
        text += said + " "
        sentences.append(
            sentence.model_copy(
                update={"text": said, "char_start": start, "char_end": start + len(said)}
            )
        )
    return chunk.model_copy(update={"sentences": sentences, "text": text, "tokens": 700}), text


def test_sponsor_reads_run_from_the_ad_break_to_the_last_call_to_action() -> None:
    from pipeline.stages.show_talk import AD_CHARS, in_sponsor_read, sponsor_reads

    chunk, text = ad_break_chunk()
    reads = sponsor_reads(text)
    assert [in_sponsor_read(s, reads) for s in chunk.sentences] == [False] * 3 + [True] * 3
    # a web address said once in the conversation is no read, nor one far from the next
    plug = "You can read me at aiproem dot substack.com. " + "We talk. " * (AD_CHARS // 9)
    assert sponsor_reads(plug + "Chips matter. Find my book at example.com today.") == ()


def test_another_show_s_read_ends_at_its_podcast_app_not_at_the_guest_s_address() -> None:
    from pipeline.stages.show_talk import sponsor_reads

    text = (  # 003, shortened
        "Manus is next. So we're going to take a quick break and come back right after this. "
        "Let me tell you about The Hustle Daily Show, a podcast of business news. "
        "So, search for The Hustle Daily Show and your favorite podcast app. "
        "And we're back here with Grace Shao, a Hong Kong-based writer and analyst. "
        "You can get her newsletter AI Proem on Substack. It's aiproem dot substack.com."
    )
    reads = sponsor_reads(text)  # from "take a quick break" and from "come back"
    start, end = min(a for a, _ in reads), max(b for _, b in reads)
    assert text[start:end].startswith("take a quick break")
    assert text[start:end].endswith("your favorite podcast app")


def test_a_part_that_is_all_sponsor_read_has_no_point_and_its_names_are_not_listed(
    scripted,
) -> None:
    from pipeline.stages.map_request import map_request

    chunk, text = ad_break_chunk()
    assert keys_asked(map_request(chunk, text, 100)) == ["3"]
    scripted.enqueue(
        {
            "people": ["Jane Roe"],
            "organisations": ["Huawei", "Acme Widgets"],
            "points": {"3": "Huawei shipped 200,000 Ascend 910B chips to Baidu in 2025."},
        }
    )
    summary = summarize_chunk(chunk, text, scripted, max_tokens=100)
    assert [e.name for e in summary.entities] == ["Huawei"]


def test_a_point_that_states_the_ad_instead_of_its_sentence_is_dropped(scripted) -> None:
    """The read is shown, unnumbered: asked for sentence 3, a model may state the ad, and
    the point's evidence would become the ad's sentence."""
    chunk, text = ad_break_chunk()
    scripted.enqueue(
        {
            "people": [],
            "organisations": ["Acme Widgets"],
            "points": {"3": "Acme Widgets, founded by Jane Roe, builds the fastest widgets."},
        }
    )
    assert summarize_chunk(chunk, text, scripted, max_tokens=100).key_points == []


def test_greetings_and_topic_labels_are_no_key_points(scripted) -> None:
    from collections import Counter

    from pipeline.stages.map_request import anchor
    from pipeline.stages.show_talk import is_promo

    chunk, text = ad_break_chunk()
    greeting = "Yeah, I'm really excited for this conversation, 12 time zones apart with Huawei."
    fact = "Baidu trains Ernie."
    assert is_promo(greeting) and is_promo("Thanks so much for having me.")
    assert is_promo("Now, I hope you enjoy this insider's view on China's AI ecosystem.")
    assert is_promo("Thank you so much for coming on and sharing all this perspective.")
    # a committee's chair welcoming its witness (education_22)
    assert is_promo("I'm very pleased to welcome Huw Irranca-Davies, Minister for Children.")
    assert is_promo("I'll take this opportunity to welcome Dawn formally to the committee.")
    assert not is_promo("The minister welcomed the £4.50 rate.")
    assert not is_promo("So, I very much welcome the work on the mental health charter.")
    said = (greeting, fact)
    part = [s.model_copy(update={"text": t}) for s, t in zip(chunk.sentences, said, strict=False)]
    assert anchor(part, Counter()).text == fact
    scripted.enqueue(
        {
            "people": [],
            "organisations": ["Huawei"],
            "points": {"3": "Asian cultures"},  # a topic's name, not a claim
        }
    )
    assert summarize_chunk(chunk, text, scripted, max_tokens=100).key_points == []


def test_a_sponsor_read_runs_from_its_first_ad_break_across_a_second_one() -> None:
    from pipeline.stages.show_talk import sponsor_reads

    text = (
        "Chips matter. After a word from our sponsors. Acme builds widgets. "
        "This show is brought to you by Acme. Go to acme.com now. Back to chips."
    )
    reads = sponsor_reads(text)

    def read(words: str) -> bool:
        at = text.index(words)
        return any(start <= at < end for start, end in reads)

    assert read("word from our sponsors") and read("Acme builds") and read("acme.com")
    assert not read("Chips matter") and not read("Back to chips")


def test_chinese_writing_asks_with_a_full_width_question_mark_and_ends_with_its_stop() -> None:
    """A part of a Chinese transcript numbers its statement, not the host's question ending
    in "？" (three of a Chinese podcast's five numbered sentences were the host's
    questions, their points dropped); a theme summary made from points that end in "。"
    takes no "." after the stop ("...少得多。." was printed), and a sentence of Chinese
    writing without a stop is ended with "。" ("我在这个行业已经做了八年投资." was printed)."""
    from collections import Counter

    from pipeline.models import KeyPoint
    from pipeline.stages.item_calls import joined
    from pipeline.stages.map_request import anchor
    from pipeline.stages.point_kinds import is_question
    from pipeline.stages.reduce_stage import from_points

    doc, _ = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    asked = "那芯片出口管制对这些公司的影响有多大？"  # a question of more characters
    said = "影响很大。"
    part = [
        chunk.sentences[0].model_copy(update={"text": asked}),
        chunk.sentences[1].model_copy(update={"text": said}),
    ]
    assert anchor(part, Counter()).text == said
    assert is_question(asked) and not is_question(said)
    point = KeyPoint(id="zh:0/p1", text="他们用了大约两千块H800芯片。", importance=3, evidence=[])
    assert from_points([point]) == "他们用了大约两千块H800芯片。"
    assert joined(["影响很大。", "华为是替代方案"]) == "影响很大。 华为是替代方案。"
    assert joined(["DeepSeek trained V3 on H800s", "Why?"]) == "DeepSeek trained V3 on H800s. Why?"


def test_a_source_of_one_chunk_is_noted_by_eighths() -> None:
    """A chunk that is its source's whole transcript gets a point for each eighth of it (as
    a full chunk gets eight), not one for each ``map_part_tokens`` of it: a 497-word
    interview was told by four points."""
    from pipeline.stages.map_request import (
        MAX_POINTS,
        part_tokens_for,
        parts,
        sources_of_one_chunk,
    )

    doc, _ = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    interview = chunk.model_copy(update={"tokens": 650})  # a short transcript, one chunk
    assert len(parts(interview, part_tokens_for(interview, 175, False))) == 4
    whole = part_tokens_for(interview, 175, True)
    assert whole == 82 and len(parts(interview, whole)) == min(MAX_POINTS, len(chunk.sentences))
    full = chunk.model_copy(update={"tokens": 1400})  # a full chunk: as before, either way
    assert part_tokens_for(full, 175, True) == 175
    other = chunk.model_copy(update={"id": "008:0001", "source_id": "008"})
    second = other.model_copy(update={"id": "008:0002", "index": 2})
    assert sources_of_one_chunk([chunk, other, second]) == {"007"}


def test_the_map_numbers_eight_sentences_of_a_short_source_and_four_of_a_long_one_s_part(
    scripted,
) -> None:
    from conftest import generic_responder

    from pipeline.stages.map_stage import map_chunks

    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    # twelve sentences of about 54 tokens: 650 tokens, as a short interview's one chunk
    sentences = [chunk.sentences[n % len(chunk.sentences)] for n in range(12)]
    renumbered = [s.model_copy(update={"id": n}) for n, s in enumerate(sentences, start=1)]
    short = chunk.model_copy(update={"sentences": renumbered, "tokens": 650})
    scripted.responder = generic_responder
    map_chunks([short], {"007": text}, scripted, max_tokens=100, workers=1)
    numbered = re.findall(r"^(\d+): ", scripted.history[-1][1]["content"], re.MULTILINE)
    assert len(set(numbered)) == 8  # (each numbered sentence is listed again by its opening)
    # the same chunk as one of two of its source: four parts, as the policy's 175 tokens
    later = short.model_copy(update={"id": "007:0002", "index": 2})
    map_chunks([short, later], {"007": text}, scripted, max_tokens=100, workers=1)
    numbered = re.findall(r"^(\d+): ", scripted.history[-1][1]["content"], re.MULTILINE)
    assert len(set(numbered)) == 4


def test_the_1_5b_s_map_asks_for_names_alone_and_its_points_are_the_sentences_own_words(
    scripted,
) -> None:
    from collections import Counter

    from pipeline.stages.map_extract import extracted_point
    from pipeline.stages.map_request import anchors
    from pipeline.stages.policy import STRICT_15B

    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    scripted.enqueue({"people": [], "organisations": ["DeepSeek", "Huawei"]})
    summary = summarize_chunk(chunk, text, scripted, max_tokens=100, policy=STRICT_15B)
    [messages] = scripted.history  # one call, for the names
    assert messages[0]["content"].startswith("You list the names")
    assert not re.search(r"^\d+: ", messages[1]["content"], re.MULTILINE)  # none numbered
    by_id = {s.id: s for s in chunk.sentences}
    numbered = anchors(chunk, text, STRICT_15B.map_part_tokens)
    assert [p.text for p in summary.key_points] == [by_id[n].text for n in numbered]
    assert [[e.text for e in p.evidence] for p in summary.key_points] == [
        [by_id[n].text] for n in numbered
    ]
    assert [e.name for e in summary.entities] == ["DeepSeek", "Huawei"]
    # a long sentence is cut at a clause end past two thirds of 30 words, and says so
    words = ("DeepSeek released R1 in January " + "and then the lab went on " * 11).split()
    words[24] += ","  # the one clause end (the most salient clause is the first)
    long = chunk.sentences[0].model_copy(update={"text": " ".join(words) + "."})
    assert extracted_point(long, Counter()) == " ".join(words[:25]).rstrip(",") + " …"
    assert extracted_point(chunk.sentences[0], Counter()) == chunk.sentences[0].text
