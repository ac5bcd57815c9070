"""Chinese writing read as words (``pipeline.text.segmented``): it puts no space between
them, and every count of words took a clause of it for one word."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pipeline.ask.retrieval import IndexParams, build_index
from pipeline.stages.point_kinds import is_claim, is_label
from pipeline.stages.points import salience, specificity
from pipeline.stages.spoken import as_written
from pipeline.text import plain_words, segmented, sentences_of, stems, word_count
from tests.test_retrieval import chunks_of

SAID = "我觉得深度求索最大的意义在于证明了训练成本可以大幅下降。"


def test_a_clause_of_chinese_is_its_words() -> None:
    assert segmented(SAID).split() == [
        "我", "觉得", "深度", "求索", "最大", "的", "意义", "在于", "证明", "了",
        "训练", "成本", "可以", "大幅", "下降", "。",
    ]  # fmt: skip
    assert word_count(SAID) == 15  # the full stop is no word
    # two characters or more, words that say nothing ("我", "的", "可以") aside
    assert plain_words(SAID) == {
        "深度", "求索", "最大", "意义", "在于", "证明", "训练", "成本", "大幅", "下降",
    }  # fmt: skip
    assert {"深度", "求索", "训练", "成本"} <= stems(SAID)  # the search index's words
    # English is read as before; a Chinese name in it is a word of its own
    assert segmented("DeepSeek used 2,000 chips.") == "DeepSeek used 2,000 chips."
    assert word_count("Wang Lei (王磊) invests in robots.") == 6


def test_a_chinese_point_is_a_claim_and_rated_by_its_words() -> None:
    # three of the five map points of a Chinese podcast were dropped as "under two words"
    # and one as a topic's label; every sentence rated 0, so the map numbered the first
    # sentence of each part whatever it said
    assert is_claim(SAID)
    assert not is_label(SAID)
    assert is_label("政府态度")  # a topic's name: two words
    assert specificity(SAID) > specificity("我们今天聊一聊。")
    counts = Counter(segmented(SAID + "训练成本。训练成本。").split())
    assert salience(SAID, counts) > specificity(SAID)  # its words the source keeps using


def test_a_chinese_question_finds_its_passage_by_its_words() -> None:
    lines = [
        (None, "宇树科技推出的人形机器人售价九万九千元。"),
        (None, "美元基金基本退出了，现在主要是国资背景的基金在投。"),
        (None, "华为的昇腾是目前最主要的替代方案，但是产能和良率都还是问题。"),
        (None, "政府对生成式人工智能服务有备案要求。"),
    ]
    chunks, texts = chunks_of(lines)
    params = IndexParams(window_sentences=1, chunk_weight=0.0)
    index = build_index(chunks, [], texts, params)
    hits = index.search("华为的替代方案有什么问题？", k=2)
    assert hits and hits[0].passage.text.startswith("华为的昇腾")
    hits = index.search("哪些基金退出了？", k=2)
    assert hits and hits[0].passage.text.startswith("美元基金")


def test_model_prose_in_chinese_is_cut_and_ended_as_chinese() -> None:
    # three sentences a brief's overview printed with one citation: a full stop of
    # Chinese writing takes no space after it, and the prose was cut only at ". "
    overview = "V3的训练花费约557万美元。 华为的昇腾910B是替代方案。中芯国际的良率不高。"
    assert sentences_of(overview) == [
        "V3的训练花费约557万美元。",
        "华为的昇腾910B是替代方案。",
        "中芯国际的良率不高。",
    ]
    assert as_written("宇树科技推出了人形机器人G1") == "宇树科技推出了人形机器人G1。"
    assert as_written("Wang Lei (王磊) invests in robots") == "Wang Lei (王磊) invests in robots."


def test_a_passage_of_chinese_is_excerpted_by_its_sentences() -> None:
    # `brief ask` on a Chinese podcast crashed placing an excerpt once its sentences were
    # cut at 。 (a sentence was placed by counting words between spaces)
    from pipeline.ask.excerpts import units_of

    text = "王磊：影响很大。现在最先进的芯片买不到。\nHello there.  Second one. e.g. third"
    units = units_of(text)
    assert [u.text for u in units] == [
        "王磊：影响很大。",
        "现在最先进的芯片买不到。",
        "Hello there.",
        "Second one. e.g. third",
    ]
    assert all(text[u.start : u.end].split() == u.text.split() for u in units)


def test_the_word_dictionaries_are_cached_with_the_user_s_caches_not_in_tmp(tmp_path) -> None:
    import os
    import subprocess
    import sys

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    root = str(Path(__file__).resolve().parent.parent)  # this checkout's pipeline
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "TMPDIR": str(scratch)}
    code = f"from pipeline.stages.points import specificity; print(specificity({SAID!r}) > 0)"
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "PYTHONPATH": root},
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "True" and done.stderr == ""  # jieba says nothing
    cached = sorted(p.name for p in (tmp_path / "cache" / "brief" / "jieba").iterdir())
    assert len(cached) == 2  # jieba's own dictionary and wordfreq's
    assert list(scratch.iterdir()) == []
