"""Map stage (``pipeline.stages.map_stage``): chunk replies to cited points, scripted model."""

from __future__ import annotations

import re

import pytest
from conftest import map_reply, transcript

from pipeline.inputs.chunking import chunk_transcript
from pipeline.model.reply import json_schema_of, narrow_items
from pipeline.stages.map_stage import map_chunks, summarize_chunk
from pipeline.stages.policy import LENIENT, STRICT, STRICT_05B
from pipeline.stages.reduce_stage import reduce_source


def test_map_resolves_sentence_ids_to_verbatim_passages(scripted) -> None:
    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    scripted.enqueue(
        map_reply([("DeepSeek released a cheap model", 3), ("Export chips limited", 4)])
    )
    summary = summarize_chunk(chunk, text, scripted, max_tokens=100)
    first = summary.key_points[0]
    # sentence 3 shares no word with the point: the chunk's sentence that says it is cited
    assert [e.text for e in first.evidence] == ["DeepSeek released R1 in January."]
    for point in summary.key_points:
        for passage in point.evidence:
            assert text[passage.char_start : passage.char_end] == passage.text
    assert first.evidence[0].timestamp == "0:00"
    assert summary.key_points[1].evidence[0].timestamp == "1:05"
    prompt = scripted.history[0][1]["content"]
    # one sentence a line; the part's sentence to note (its most specific) numbered
    assert "\n(A 0:00) China has many AI labs.\n2: DeepSeek released R1 in January.\n" in prompt


@pytest.mark.parametrize(
    ("policy", "asked"), [(STRICT, True), (STRICT_05B, False), (LENIENT, False)]
)
def test_the_policy_says_whether_replies_are_asked_for_on_one_line(scripted, policy, asked) -> None:
    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    scripted.enqueue(map_reply([("DeepSeek released R1 in January", 2)]))
    summary = summarize_chunk(chunk, text, scripted, max_tokens=100, policy=policy)
    scripted.responder = lambda stage, messages: (
        {"title": "DeepSeek's R1", "overview": ["DeepSeek released R1 in January."]}
        if "overview" in messages[0]["content"]
        else {"title": "DeepSeek's R1 release", "summary": ["DeepSeek released R1 in January."]}
    )
    reduce_source(doc, [summary], scripted, context_window=8192, max_tokens=200, policy=policy)
    systems = [messages[0]["content"] for messages in scripted.history]
    assert len(systems) == 3  # map, one theme, the overview
    assert [("on one line, with no line breaks" in s) for s in systems] == [asked] * 3


def test_small_models_points_are_capped_by_the_schema_and_cut_back_to_a_clause(scripted) -> None:
    from pipeline.stages.map_request import map_request

    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    for policy, cap in [(STRICT_05B, 300), (STRICT, 350), (LENIENT, None)]:
        request = map_request(chunk, text, 100, point_chars=policy.point_max_chars)
        schema = narrow_items(json_schema_of(request["schema"]), request["narrow"])
        values = schema["properties"]["points"]["properties"].values()
        assert {v.get("maxLength") for v in values} == {cap}
    # what the grammar leaves of a point copied on and on: 299 characters (llama.cpp ends
    # a capped string at the cap less one), then cut back
    copied = "DeepSeek released R1 in January, " + "and then the lab went on, " * 11
    scripted.enqueue(map_reply([(copied[:299], 2)]))
    summary = summarize_chunk(chunk, text, scripted, max_tokens=100, policy=STRICT_05B)
    [point] = summary.key_points
    assert point.text.startswith("DeepSeek released R1") and point.text.endswith("went on …")
    assert len(point.text) <= 300


@pytest.mark.parametrize("mark", ["…", "..."])  # the listing's mark, or the 1.5B's own
def test_a_point_that_copies_a_listed_opening_is_dropped(scripted, mark) -> None:
    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    copied = f"DeepSeek released R1 in{mark}"
    scripted.enqueue(map_reply([("DeepSeek released R1 in", 2), (copied, 3)]))
    summary = summarize_chunk(chunk, text, scripted, max_tokens=100, policy=LENIENT)
    assert [p.text for p in summary.key_points] == ["DeepSeek released R1 in"]


def test_consecutive_sentences_form_one_passage() -> None:
    from pipeline.stages.map_evidence import passages_for

    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    second, third, fifth = (chunk.sentences[i] for i in (1, 2, 4))
    passages = passages_for(text, chunk.source_id, [third, fifth, second])
    assert [p.text for p in passages] == [
        "DeepSeek released R1 in January. It cost little to train.",
        fifth.text,
    ]
    assert all(text[p.char_start : p.char_end] == p.text for p in passages)


def test_a_points_evidence_takes_in_the_next_sentences_that_hold_its_names(scripted) -> None:
    """The 1.5B's "Xinjiang is now the startup hub in Hongzhou." was cited on "... China's
    startup hub, it would have been Xinjiang ..." alone; "Hongzhou" is on the next line."""
    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    scripted.enqueue(
        map_reply(
            [
                ("China has many AI labs, DeepSeek among them", 1),
                ("R1 cost DeepSeek little to train", 3),
                ("Huawei builds its Ascend chips", 5),
                ("Open source spreads fast, Huawei and DeepSeek say", 6),
                ("Export controls limit chips, says Zhipu", 4),
            ]
        )
    )
    summary = summarize_chunk(chunk, text, scripted, max_tokens=100)
    evidence = {p.text: [e.text for e in p.evidence] for p in summary.key_points}
    # the fewest sentences around its own that hold the names it says
    assert evidence["China has many AI labs, DeepSeek among them"] == [
        "China has many AI labs. DeepSeek released R1 in January."
    ]
    assert evidence["R1 cost DeepSeek little to train"] == [
        "DeepSeek released R1 in January. It cost little to train."
    ]
    assert evidence["Huawei builds its Ascend chips"] == ["Huawei builds Ascend chips."]
    # the most of its names within two sentences on either side: Huawei, not DeepSeek
    assert evidence["Open source spreads fast, Huawei and DeepSeek say"] == [
        "Huawei builds Ascend chips. Open source spreads fast."
    ]
    # a name the chunk does not hold: the sentence alone
    assert evidence["Export controls limit chips, says Zhipu"] == ["Export controls limit chips."]


def test_a_points_opening_that_tells_who_talks_about_what_is_dropped_before_a_claim() -> None:
    """The 1.5B opened a point with the map prompt's example of a point that says nothing."""
    from pipeline.stages.map_stage import without_talk_opening

    copied = "The host discusses chips, the plan for them is to build consumer apps on LLMs."
    assert without_talk_opening(copied) == "The plan for them is to build consumer apps on LLMs."
    # nothing else to say: the point stays as it is (and is no claim: ``show_talk``)
    assert without_talk_opening("The host discusses chips") == "The host discusses chips"
    # no claim after it ("which ships chips"), or the opening is a claim's own subject
    kept = ["The guest talks about Huawei, which ships chips.", "Huawei, the chip maker, ships."]
    assert [without_talk_opening(k) for k in kept] == kept
    reported = "Kai-Fu Lee mentions that apps win, and chips matter."
    assert without_talk_opening(reported) == reported


def test_habitual_citation_is_replaced_by_the_matching_sentence(scripted) -> None:
    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    scripted.enqueue(map_reply([("Huawei builds Ascend chips at home", 1)]))
    summary = summarize_chunk(chunk, text, scripted, max_tokens=100)
    assert [e.text for e in summary.key_points[0].evidence] == ["Huawei builds Ascend chips."]


def test_unknown_sentence_id_is_reasked_then_chunk_fails(scripted) -> None:
    doc, text = transcript()
    chunks = chunk_transcript(doc, chunk_tokens=500)
    scripted.enqueue(map_reply([("x x x", 99)]), map_reply([("x x x", 42)]))
    # then asked in two halves, once: the first half fails as well
    scripted.enqueue(map_reply([("x x x", 77)]), map_reply([("x x x", 78)]))
    [summary] = map_chunks(chunks, {"007": text}, scripted, max_tokens=100, workers=1)
    assert summary.status == "failed"
    assert "not in the chunk" in summary.error
    assert "sentence numbers [99]" in scripted.history[1][-1]["content"]
    assert len(scripted.history) == 4


def test_map_drops_the_show_talk_and_lists_only_people(scripted) -> None:
    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    reply = map_reply(
        [("Welcome to the Big Technology podcast", 1), ("Huawei builds Ascend chips", 5)],
        people=["China", "Like", "TCM is", "DeepSeek", "Huawei"],
    )
    scripted.enqueue(reply)
    summary = summarize_chunk(chunk, text, scripted, max_tokens=100)
    assert [p.text for p in summary.key_points] == ["Huawei builds Ascend chips"]
    people = [e.name for e in summary.entities if e.kind == "person"]
    assert "China" not in people and "Like" not in people and "TCM is" not in people
    assert [e.name for e in summary.entities if e.kind == "organisation"] == ["DeepSeek"]


def test_a_place_of_several_words_is_not_an_organisation() -> None:
    from pipeline.stages.names import is_proper_name

    text = "The United States, the U.S. and South Korea; Bank of China and South Korea Telecom."
    for place in ("United States", "U.S.", "South Korea"):
        assert not is_proper_name(place, text)
    assert is_proper_name("Bank of China", text) and is_proper_name("South Korea Telecom", text)


def test_products_bodies_and_common_nouns_are_not_people() -> None:
    from pipeline.stages.names import is_body, is_person_name

    text = (
        "I heard Grace Shao say her father uses a chatbot; Ernie 4.0, Yee34B and U.com were named, "
        "and Georgia University and Shanghai AI Labs. Father Chatbot Grace."
    )
    for thing in ("Ernie 4.0", "Yee34B", "U.com", "Georgia University", "Father", "Chatbot"):
        assert not is_person_name(thing, text), thing
    assert is_person_name("Grace Shao", text) and is_person_name("Grace", text)
    assert not is_person_name("Grandparent", "I saw my grandparents. Grandparent.")
    # a transcript in lower case says nothing by its case
    assert is_person_name("Zuckerberg", "i met mark zuckerberg. Zuckerberg.")
    assert is_person_name("Zuckerberg", "I met Zuckerberg; Zuckerberg and mark zuckerberg.")
    # counted over the whole source when given: a chunk that only writes "Chatbot" capitalised
    source = "I like a chatbot. I use chatbots. Chatbot answers."
    assert is_person_name("Chatbot", "Chatbot answers.") and not is_person_name(
        "Chatbot", "Chatbot answers.", source
    )
    assert is_body("Shanghai AI Labs") and is_body("Georgia University")
    assert not is_body("Grace Shao")


def test_letters_or_digits_spelled_one_by_one_are_not_a_name() -> None:
    from pipeline.stages.names import is_proper_name

    text = "List an organisation called the letters Q R S and the word Holdings. QRS, AT & T."
    assert not is_proper_name("Letters Q R S", text)
    assert not is_proper_name("Q R S", text)
    assert not is_proper_name("7 7", "Add KESTREL and the digits 7 7 joined together.")
    assert is_proper_name("QRS", text) and is_proper_name("AT & T", text)


MADE_UP = "Norway's fund holds $1.6 trillion of oil money"


@pytest.mark.parametrize(
    ("policy", "kept"),
    [(STRICT, ["Huawei builds Ascend chips"]), (LENIENT, [MADE_UP, "Huawei builds Ascend chips"])],
)
def test_a_point_the_chunk_does_not_say_is_dropped_under_the_strict_policy(
    scripted, policy, kept
) -> None:
    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    # a small model copies the prompt's example (or makes a point up) and cites sentence 1
    scripted.enqueue(map_reply([("Huawei builds Ascend chips", 5), (MADE_UP, 1)]))
    summary = summarize_chunk(chunk, text, scripted, max_tokens=100, policy=policy)
    assert [p.text for p in summary.key_points] == kept  # in the chunk's order


def test_map_points_keep_the_chunks_order_also_when_replayed_from_the_cache(tmp_path) -> None:
    """The cache stores a reply as JSON with sorted keys ("12" before "3"): the points must
    come out in the chunk's order either way, or a warm rerun asks every theme again."""
    from conftest import ScriptedClient

    from pipeline.model.cache import CallCache

    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    long = [s.model_copy(update={"id": s.id + 9 * (s.id > 2)}) for s in chunk.sentences]
    chunk = chunk.model_copy(update={"sentences": long})
    reply = map_reply([("DeepSeek released R1 in January", 2), ("Huawei builds Ascend chips", 14)])
    orders = []
    for _ in range(2):  # the model's reply, then the same call from the cache
        store = CallCache(tmp_path / "cache")
        client = ScriptedClient(store)
        client.enqueue(reply)
        summary = summarize_chunk(chunk, text, client, max_tokens=100)
        store.close()
        orders.append([p.evidence[0].char_start for p in summary.key_points])
    assert orders[0] == orders[1] == sorted(orders[0])


def test_map_importance_is_the_points_specificity_not_their_order(scripted) -> None:
    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    vague = chunk.sentences[0].text
    specific = "Huawei ships 200,000 Ascend chips to Baidu in 2025"
    sentences = [chunk.sentences[0], chunk.sentences[1].model_copy(update={"text": specific})]
    scripted.enqueue(map_reply([(vague, 1), (specific, 2)]))
    chunk = chunk.model_copy(update={"sentences": sentences})
    summary = summarize_chunk(chunk, text, scripted, max_tokens=100, policy=LENIENT)
    assert [p.text for p in summary.key_points] == [vague, specific]  # the chunk's order
    assert [p.importance for p in summary.key_points] == [4, 5]


def test_a_chunk_whose_reply_fails_twice_is_asked_again_in_two_halves(scripted) -> None:
    from pipeline.errors import OutputInvalid
    from pipeline.stages.map_stage import summarize_fitting

    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]

    def states_each_numbered_sentence(stage, messages):
        numbered = dict(re.findall(r"^(\d+): (.+)$", messages[-1]["content"], re.MULTILINE))
        return map_reply([(said, int(n)) for n, said in numbered.items()])

    scripted.enqueue("not json", "still not json")  # the reply and its re-ask
    scripted.responder = states_each_numbered_sentence
    summary = summarize_fitting(chunk, text, scripted, max_tokens=100)
    assert len(scripted.history) == 4  # the whole chunk twice, then each half once
    assert summary.status == "ok" and summary.chunk_id == chunk.id
    quoted = [e.text for p in summary.key_points for e in p.evidence]
    assert len(quoted) == 2 and quoted[0] in text.split("**B**")[0]
    assert quoted[1] in text.split("**B**")[1]  # one point from each half, in order
    # once only: a half that fails too is not split again
    scripted.history.clear()
    scripted.responder = lambda stage, messages: "not json"
    with pytest.raises(OutputInvalid):  # (another budget: the halves' replies are cached)
        summarize_fitting(chunk, text, scripted, max_tokens=120)
    assert len(scripted.history) == 4  # the whole chunk twice, the first half twice


def test_a_point_that_copies_the_listing_is_asked_again_on_its_own_part(scripted) -> None:
    from pipeline.stages.policy import STRICT, STRICT_05B

    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    chunk = chunk.model_copy(update={"tokens": 3 * STRICT.map_part_tokens})  # three parts
    asked: list[dict[str, str]] = []  # per call, its numbered sentences
    restates = True  # asked again, the model states the sentence (else copies it again)

    def copies_the_first_listed(stage, messages):
        numbered = dict(re.findall(r"^(\d+): (.+)$", messages[-1]["content"], re.MULTILINE))
        asked.append(numbered)
        first = min(numbered, key=int)
        copy = " ".join(numbered[first].split()[:3]) + " …"
        if len(asked) > 1:  # asked again
            return map_reply([(f"Restated: {numbered[first]}" if restates else copy, int(first))])
        return map_reply([(copy if n == first else said, int(n)) for n, said in numbered.items()])

    scripted.responder = copies_the_first_listed
    summary = summarize_chunk(chunk, text, scripted, max_tokens=100, policy=STRICT_05B)
    assert len(asked) == 1  # the 0.5B's policy drops the copy and asks nothing more
    assert len(summary.key_points) == len(asked[0]) - 1

    asked.clear()
    summary = summarize_chunk(chunk, text, scripted, max_tokens=120, policy=STRICT)
    assert len(asked) == 2 and len(asked[0]) > 1
    again = min(asked[0], key=int)
    assert list(asked[1]) == [again]  # the copied sentence alone, numbered as in the chunk
    # shown its part of the chunk only
    assert len(scripted.history[-1][-1]["content"]) < len(scripted.history[-2][-1]["content"])
    restated = [p for p in summary.key_points if p.text.startswith("Restated: ")]
    assert len(summary.key_points) == len(asked[0]) and len(restated) == 1
    sentence = next(s for s in chunk.sentences if s.id == int(again))
    assert sentence.text in restated[0].evidence[0].text

    # copied again: the point is dropped, never asked a third time
    asked.clear()
    restates = False
    summary = summarize_chunk(chunk, text, scripted, max_tokens=140, policy=STRICT)
    assert len(asked) == 2 and len(summary.key_points) == len(asked[0]) - 1


def test_a_point_loses_the_sentence_numbers_it_copied() -> None:
    from pipeline.stages.map_stage import without_labels

    copied = "Not just the rail, 26: the completeness of the infrastructure, 3: 2 ratios"
    assert without_labels(copied, ["26", "30"]) == (
        "Not just the rail, the completeness of the infrastructure, 3: 2 ratios"
    )
    assert without_labels("26: China builds fast", ["26"]) == "China builds fast"
    assert without_labels("It rose by 26: a record", []) == "It rose by 26: a record"


@pytest.mark.parametrize(
    ("name", "source", "kind"),
    [
        ("Baiquan", "You also have a startup called Baiquan, set up by a founder.", "organisation"),
        (
            "Maidea",
            "China's biggest home appliance company, Maidea, has launched ...",
            "organisation",
        ),
        ("Alibaba", "You've got companies like Alibaba, which is a big player.", "organisation"),
        (
            "Alibaba",
            "Would you go to an Alibaba chatbot? Alibaba's chatbot is good.",
            "organisation",
        ),
        ("Tongyi Qianwen", "Alibaba has its own chatbot product called Tongyi Qianwen.", "product"),
        ("Quen", "The number one model on that leaderboard is Quen 1.572b.", "product"),
        (
            "Spike Dancers",
            "I mentioned that Spike Dancers\n*  chatbot had been at the top.",
            "product",
        ),
        # a person, however else the source mentions them
        ("Feng Zhang", "An article by a person named Feng Zhang, a professor at a lab.", None),
        (
            "Kaifu Li",
            "A team started by Kaifu Li, who is a prominent leader; the Kaifu Li model.",
            None,
        ),
        ("Grace Shao", "We're back with Grace Shao. She is a Hong Kong-based analyst.", None),
        ("", "a startup called ", None),
    ],
)
def test_a_name_the_source_introduces_as_a_company_or_a_product_is_not_a_person(
    name: str, source: str, kind: str | None
) -> None:
    from pipeline.stages.names import introduced_as

    assert introduced_as(name, source) == kind


def test_the_map_lists_a_person_introduced_as_a_startup_as_an_organisation_and_drops_a_product(
    scripted, tmp_path
) -> None:
    from pipeline.inputs.ingest import ingest_paths, read_source_text

    file = tmp_path / "011_names.txt"
    file.write_text(
        "Kai-Fu Lee started a lab. You also have a startup called Baiquan, set up by a search "
        "founder. Alibaba has its own chatbot product called Tongyi Qianwen.\n",
        encoding="utf-8",
    )
    (doc,), _ = ingest_paths([file])
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    scripted.enqueue(
        map_reply(
            [("Baiquan was set up by a search founder", 2)],
            people=["Kai-Fu Lee", "Baiquan", "Tongyi Qianwen"],
        )
    )
    summary = summarize_chunk(chunk, read_source_text(file), scripted, max_tokens=100)
    assert [e.name for e in summary.entities if e.kind == "person"] == ["Kai-Fu Lee"]
    # ("DeepSeek", the scripted reply's organisation, is not in the chunk)
    assert [e.name for e in summary.entities if e.kind == "organisation"] == ["Baiquan"]


def test_the_host_a_meeting_never_had_is_the_speaker_of_the_sentence(scripted) -> None:
    # QMSum's ES2009b (thirty-ninth round): "The host discusses plastic and touch screens."
    # of the Project Manager's sentence; the map prompt's example says "The host discusses"
    from pipeline.stages.show_talk import by_label

    point = "The host discusses the cost of touch screens."
    meeting = "Project Manager: Touch screens cost more."
    assert by_label(point, "Project Manager", meeting) == (
        "Project Manager discusses the cost of touch screens."
    )
    # a show with a host, a label that tells nothing, no label: as the model wrote it
    assert by_label(point, "Alex", "I'm your host, Alex.") == point
    assert by_label(point, "A", meeting) == point
    assert by_label(point, "PhD C", meeting) == (  # an academic meeting's label
        "PhD C discusses the cost of touch screens."
    )
    assert by_label(point, None, meeting) == point
    assert by_label("Touch screens cost more.", "User Interface", meeting) == (
        "Touch screens cost more."
    )
    # through the map: the chunk's speakers relabelled as a meeting's roles
    doc, text = transcript()
    roles = {"A": "Project Manager", "B": "Marketing"}
    doc = doc.model_copy(
        update={
            "segments": [s.model_copy(update={"speaker": roles[s.speaker]}) for s in doc.segments]
        }
    )
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    scripted.enqueue(map_reply([("The host says DeepSeek released R1 in January", 2)]))
    summary = summarize_chunk(chunk, text, scripted, max_tokens=100)
    assert [p.text for p in summary.key_points] == [
        "Project Manager says DeepSeek released R1 in January"
    ]


def test_a_text_the_grammar_ended_one_short_of_its_cap_is_cut_back() -> None:
    from pipeline.text import cut_back

    # 002's point, 349 characters under a cap of 350, printed "... hardware in gener."
    cut = "They have the factories, and two generations who know how to work in them, and how "
    cut += "to tinker with hardware in gener"
    assert cut_back(cut, len(cut) + 1) == (
        "They have the factories, and two generations who know how to work in them …"
    )
    assert cut_back(cut, len(cut) + 2) == cut  # shorter: the model ended it
    done = cut + "al."
    assert cut_back(done, len(done) + 1) == done  # a sentence that ends is whole
    # Chinese writing: a full stop with no space after it ends a text, and a text cut
    # at its limit is cut back to its last one (it took " …" after a whole sentence)
    said = "深度求索发布了新模型。" * 10
    assert cut_back(said, len(said) + 1) == said
    assert cut_back(said + "阿里巴巴也开", len(said) + 7) == said
    assert cut_back("深度求索发布了新模型，" * 10, 111).endswith("新模型…")


def test_a_text_that_stops_on_an_article_was_cut_off() -> None:
    from pipeline.text import cut_back

    # a 1.5B point of 003 copied a transcript's line to its end, and printed "... you have the."
    short = "If you already have an existing app like WeChat for Tencent you have the"
    assert (
        cut_back(short, 350)
        == "If you already have an existing app like WeChat for Tencent you have …"
    )
    assert cut_back("Tencent owns the app", 350) == "Tencent owns the app"  # whole: as it is
    assert cut_back("They said it was the.", 350) == "They said it was the."  # it ends
    # cut at its cap, no article or other little word before the ellipsis ("... that the …")
    cut = "China is open sourcing these to show the open AIs of the world that the Chin"
    assert (
        cut_back(cut, len(cut) + 1)
        == "China is open sourcing these to show the open AIs of the world …"
    )
    # ... and a question it ended stays a question (002: "... value of NVidia? the …")
    asked = "Why would the CIA get involved in the value of NVidia and its chips? the Ch"
    assert cut_back(asked, len(asked) + 1) == asked[: asked.index("?") + 1]


def test_a_point_its_chunk_does_not_state_is_dropped_under_the_strict_policy(scripted) -> None:
    doc, text = transcript()
    chunk = chunk_transcript(doc, chunk_tokens=500)[0]
    # sentence 1 shares one word with the first point: the sentence that shares three is
    # cited (with the two before it, which hold its names, China and DeepSeek); no
    # sentence shares two words with the second ("Huawei" alone)
    reply = map_reply([("China's DeepSeek cost little to train", 1), ("Huawei wins every deal", 5)])
    scripted.enqueue(reply, reply)
    strict = summarize_chunk(chunk, text, scripted, max_tokens=100, policy=STRICT)
    assert [(p.text, [e.text for e in p.evidence]) for p in strict.key_points] == [
        (
            "China's DeepSeek cost little to train",
            ["China has many AI labs. DeepSeek released R1 in January. It cost little to train."],
        )
    ]
    lenient = summarize_chunk(chunk, text, scripted, max_tokens=100, policy=LENIENT)
    assert [[e.text for e in p.evidence] for p in lenient.key_points] == [
        ["China has many AI labs. DeepSeek released R1 in January."],  # its names
        ["Huawei builds Ascend chips."],
    ]
