"""``brief ask``: grounded answers from the command line, one question or interactive."""

from __future__ import annotations

import json
import sys
import textwrap
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from pipeline.ask.excerpts import excerpt
from pipeline.errors import BriefError, ModelAuthError, ModelError, ModelUnreachable
from pipeline.models import Answer, CitedPassage

if TYPE_CHECKING:
    from pipeline.ask.retrieval import SearchIndex
    from pipeline.model.client import ModelClient

EXIT_REFUSED = 3  # the sources do not answer the question (not an error)
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT), as a shell reports it


TITLE_CHARS = 60  # of a source's title in a passage's header


class Waiting:
    """While a question is answered, one status line on a terminal: the seconds so far
    and the model's replies ("answering... 41 s, 1 model reply"), redrawn every
    ``every`` seconds and cleared before the answer prints. An answer from the embedded
    model takes a minute or more, the first one with the server's start, and printed
    nothing until it came. Nothing is drawn when ``stream`` is no terminal (a pipe, a
    log, a test)."""

    def __init__(self, client: ModelClient, stream: TextIO, every: float = 1.0) -> None:
        self.client = client
        self.stream = stream
        self.every = every
        self.drawn = 0  # characters of the line on the terminal now
        self._replies = 0
        self._started = 0.0
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Waiting:
        self._replies = self.client.total().calls
        self._started = time.monotonic()
        if self.stream.isatty():
            self._thread = threading.Thread(target=self._redraw, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
        self.clear()

    def line(self) -> str:
        replies = self.client.total().calls - self._replies
        said = f", {replies} model repl{'y' if replies == 1 else 'ies'}" if replies else ""
        return f"answering... {time.monotonic() - self._started:.0f} s{said}"

    def draw(self) -> None:
        text = self.line()
        self.stream.write("\r" + text.ljust(self.drawn))
        self.stream.flush()
        self.drawn = len(text)

    def clear(self) -> None:
        if self.drawn:
            self.stream.write("\r" + " " * self.drawn + "\r")
            self.stream.flush()
            self.drawn = 0

    def _redraw(self) -> None:
        while not self._done.wait(self.every):
            self.draw()


def _passage_lines(
    cited: CitedPassage, cited_for: str, titles: dict[str, str], index: SearchIndex | None
) -> list[str]:
    """A passage's header (its label, characters and source's title: an answer cites
    sources by id, which a reader does not know by heart), then the stretches of it that
    ``cited_for`` is nearest, each under its own lines (``excerpts.excerpt``, cut at the
    ``index``'s pieces when it has them)."""
    title = titles.get(cited.passage.source_id, "")
    if len(title) > TITLE_CHARS:
        title = title[:TITLE_CHARS].rsplit(" ", 1)[0].rstrip(" ,:;—-") + "…"
    lines = [
        f"[{cited.id}] {cited.label}  (chars {cited.passage.char_start}-{cited.passage.char_end})"
        + (f"  {title}" if title else "")
    ]
    pieces = index.piece_spans(cited.passage) if index is not None else []
    for run in excerpt(cited.passage, cited_for, pieces=pieces):
        lines.append(
            textwrap.fill(
                f"{run.location} “{run.text}”",
                width=96,
                initial_indent="    ",
                subsequent_indent=" " * (6 + len(run.location)),
                break_on_hyphens=False,  # the file's words, whole: "ultra-high", not "ultra-"
            )
        )
    return lines


# the first words of a refusal reason (pipeline.ask.answer), said for a reader; the reason's
# detail in parentheses (the validator's own words) is shown only with --verbose or --json
PLAIN_REASONS = {
    "no answer with valid citations": (
        "the model's answer was not supported by the passages it cited, so it is not shown"
    ),
}


def plain_reason(reason: str | None) -> str:
    """A refusal reason without the validator's internals."""
    head = (reason or "no reason given").split(" (", 1)[0].strip()
    return PLAIN_REASONS.get(head, head)


def format_answer(
    answer: Answer,
    verbose: bool = False,
    titles: dict[str, str] | None = None,
    index: SearchIndex | None = None,
) -> str:
    """The answer as printed; ``titles``: each source's title, shown with its passages;
    ``index``: the search index, whose pieces its stretches start and end at."""
    titles = titles or {}
    lines: list[str] = []
    if answer.answered:
        for statement in answer.statements:
            refs = "".join(f"[{i}]" for i in statement.citations)
            lines.append(textwrap.fill(f"{statement.text} {refs}", width=96))
        lines += ["", "Sources (each checked against its file; the lines nearest the answer):"]
        for cited in answer.citations:
            said = " ".join(s.text for s in answer.statements if cited.id in s.citations)
            lines += _passage_lines(cited, said, titles, index)
    else:
        lines.append(f"The sources don't answer this: {plain_reason(answer.reason)}.")
        if verbose and answer.reason != plain_reason(answer.reason):
            lines.append(textwrap.fill(f"Details: {answer.reason}", width=96))
        if answer.near_misses:
            lines += ["", "Nearest passages (the lines nearest the question; --json: whole):"]
            for cited in answer.near_misses:
                lines += _passage_lines(cited, answer.question, titles, index)
    return "\n".join(lines)


@click.command()
@click.argument("question", required=False)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("outputs"),
    show_default=True,
    help="The output folder of `brief run` (its chunks, summaries and index).",
)
@click.option(
    "--k",
    type=click.IntRange(1, 20),
    default=5,
    show_default=True,
    help="Passages retrieved and shown to the model.",
)
@click.option("--source", "sources", multiple=True, help="Only these source ids (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.option(
    "--verbose", "-v", is_flag=True, help="On a refusal, also print the checks' own words."
)
@click.option("--model", help="litellm model string (default: the embedded local model).")
@click.option("--api-base", help="Server URL; with no --model, reuse this llama.cpp server.")
@click.option("--config", type=click.Path(path_type=Path, dir_okay=False))
def ask(
    question: str | None,
    out_dir: Path,
    k: int,
    sources: tuple[str, ...],
    as_json: bool,
    verbose: bool,
    model: str | None,
    api_base: str | None,
    config: Path | None,
) -> None:
    """Answer QUESTION from the processed transcripts, citing the exact passages; or,
    with no QUESTION, ask questions one after another with the model kept warm.

    Exit code: 0 answered, 3 the sources do not answer it, 2 error."""
    from pipeline.ask.answer import answer_question
    from pipeline.ask.corpus import open_corpus
    from pipeline.ask.sources_named import SourceNames, asked_of
    from pipeline.ask.theme_answer import theme_answer
    from pipeline.ask.whole_summary import summary_answer
    from pipeline.model.cache import CallCache
    from pipeline.session import ModelSession
    from pipeline.settings import Settings
    from pipeline.stages.policy import policy_for

    if question is not None and not question.strip():
        raise click.UsageError(
            "QUESTION is empty: ask something, or give no QUESTION to ask one question "
            "after another"
        )
    try:
        settings = Settings.load(config, model=model, api_base=api_base)
    except BriefError as exc:
        _fail(str(exc))
    cache = CallCache(settings.cache_dir)
    session = ModelSession(settings, cache, log_dir=settings.cache_dir.parent)
    try:
        corpus, rebuilt = open_corpus(out_dir, session.index_params, session.embedder)
        if rebuilt and corpus.stored:
            click.echo(f"built the search index in {out_dir}/index", err=True)
        elif rebuilt:
            click.echo(
                f"built a search index for these index settings in memory "
                f"({out_dir}/index keeps the one brief run built)",
                err=True,
            )
        # each source's title and names, read once: a question reads no brief
        source_names = SourceNames.read(out_dir)
        titles = {} if as_json else dict(source_names.written)  # JSON names sources by id
        unknown = sorted(set(sources) - set(corpus.index.source_ids))
        if unknown:
            raise click.UsageError(
                f"unknown source id(s) {', '.join(unknown)}; "
                f"known: {', '.join(corpus.index.source_ids)}"
            )

        def one(text: str) -> Answer:
            among = list(sources) or corpus.index.source_ids
            whole = summary_answer(text, out_dir, corpus.texts, among, source_names)
            if whole is not None:  # "Summarize the whole meeting.": the brief's overview
                return whole
            if not sources:  # "What do the sources say about X?": the theme on X
                on_subject = theme_answer(text, out_dir, corpus.texts, among)
                if on_subject is not None:
                    return on_subject
            # "What does the thread say about ...?": asked of the thread alone
            named = [] if sources else asked_of(text, source_names, among)
            with Waiting(session.client, sys.stderr):
                answer = answer_question(
                    text,
                    corpus.index,
                    corpus.texts,
                    session.client,
                    k=k,
                    sources=sources or named or None,
                    max_tokens=settings.answer_max_tokens,
                    embedder=session.embedder,
                    policy=policy_for(settings),
                    expand_question=settings.expand_questions,
                    focus_tokens=settings.ask_focus_tokens,
                    sentences=corpus.sentences,
                )
            return answer.model_copy(update={"named_sources": named})

        if question is not None:
            answer = one(question)
            _show(answer, as_json, verbose, titles, corpus.index)
            if not answer.answered:
                sys.exit(EXIT_REFUSED)
            return
        click.echo("Ask about the transcripts; an empty line or Ctrl-D ends.", err=True)
        while True:
            try:
                text = input("question> ").strip()
            except EOFError:
                break
            if not text:
                break
            try:
                _show(one(text), as_json, verbose, titles, corpus.index)
            except (ModelAuthError, ModelUnreachable):
                raise  # no later question can be answered either
            except ModelError as exc:  # this question's call failed: say so, go on
                click.echo(f"error: {exc}", err=True)
            click.echo("")
    except BriefError as exc:  # rejected credentials, unreachable server, bad outputs
        _fail(str(exc))
    except KeyboardInterrupt:  # Ctrl-C; the call in flight was abandoned (model.stopping)
        click.echo("\nstopped", err=True)
        sys.exit(EXIT_INTERRUPTED)
    finally:
        session.close()
        cache.close()


def summary_note(summary_of: Sequence[str]) -> str:
    """What a summary answered from the briefs is: one source's overview, each named
    source's in turn, or the cross-source brief's (and how to ask for one source's)."""
    if not summary_of:
        return (
            "a summary of every source: the cross-source brief's overview, as `brief run` "
            "cited it; for one source's, name it (its id or its title's words) or pass --source"
        )
    if len(summary_of) == 1:
        which = f"source {summary_of[0]}'s brief overview, as `brief run` cited it"
    else:
        listed = f"{', '.join(summary_of[:-1])} and {summary_of[-1]}"
        which = f"the brief overviews of sources {listed}, in turn, as `brief run` cited them"
    return f"a summary: {which} (a brief also has its themes, facts and quotes)"


def _show(
    answer: Answer, as_json: bool, verbose: bool, titles: dict[str, str], index: SearchIndex
) -> None:
    if as_json:
        click.echo(json.dumps(answer.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return
    if answer.theme:
        click.echo(
            f"note: what the sources say on a subject: the cross-source theme "
            f'"{answer.theme}", as `brief run` cited it (--source searches the passages)',
            err=True,
        )
    elif answer.from_brief:
        click.echo(f"note: {summary_note(answer.summary_of)}", err=True)
    if answer.named_sources:
        named = ", ".join(answer.named_sources)
        click.echo(
            f"note: asked of what the question names alone: {named} (--source chooses others)",
            err=True,
        )
    if answer.respelled:
        spelled = ", ".join(f"{a} as {b}" for a, b in answer.respelled.items())
        click.echo(f"note: asked with the passages' spelling: {spelled}", err=True)
    if answer.left_out:
        click.echo(
            f"note: the model saw {answer.retrieved} passages; the last {answer.left_out} "
            "found did not fit its context window (a smaller --k fits)",
            err=True,
        )
    click.echo(format_answer(answer, verbose, titles, index))


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_ERROR)
