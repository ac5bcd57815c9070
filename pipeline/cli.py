"""The ``brief`` command line."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.ask_cli import EXIT_INTERRUPTED, ask
from pipeline.errors import BriefError, ModelAuthError, ModelUnreachable
from pipeline.model.stopping import unwind_on_signals
from pipeline.runner import Progress

if TYPE_CHECKING:
    from pipeline.settings import Settings

EXIT_FAILURES = 1  # the run finished, but some file, chunk or brief failed
EXIT_ERROR = 2  # the run could not finish (settings, model server, credentials)


class BarProgress(Progress):
    """Progress bars with ETA on a terminal; on a log file, a line every 10%."""

    @contextlib.contextmanager
    def stage(self, name: str, total: int) -> Iterator[Callable[[int], None]]:
        started = time.monotonic()
        if sys.stderr.isatty():
            with click.progressbar(
                length=max(total, 1),
                label=f"{name:<10}",
                file=sys.stderr,
                show_eta=True,
                show_pos=True,
            ) as bar:
                yield bar.update
        else:
            done = 0
            step = max(1, total // 10)

            def advance(n: int = 1) -> None:
                nonlocal done
                done += n
                if done % step == 0 or done == total:
                    spent = time.monotonic() - started
                    eta = spent / done * (total - done)
                    click.echo(f"{name:<10} {done}/{total}  {spent:.0f}s, eta {eta:.0f}s", err=True)

            yield advance
        click.echo(f"{name:<10} done: {total} in {time.monotonic() - started:.1f}s", err=True)

    def note(self, message: str) -> None:
        click.echo(f"warning: {message}", err=True)


@click.group()
@click.version_option(package_name="transcript-brief")
def main() -> None:
    """Turn transcripts into briefing documents with verbatim, traceable citations."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # Ctrl-C and SIGTERM (kill, a CI timeout) unwind at once: the calls in flight are
    # abandoned, the embedded llama-server is stopped and the output lock released
    unwind_on_signals()


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("outputs"),
    show_default=True,
    help="Output folder.",
)
@click.option("--model", help="litellm model string (default: the embedded local model).")
@click.option("--api-base", help="Server URL; with no --model, reuse this llama.cpp server.")
@click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="TOML settings file (default: ./brief.toml if present).",
)
@click.option("--concurrency", type=int, help="Model calls in flight.")
@click.option("--chunk-tokens", type=int, help="Target chunk size in tokens.")
@click.option("--brief-words", type=int, help="About how many words a source brief holds.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the call cache.")
@click.option("--refresh", is_flag=True, help="Ignore cached results (and store new ones).")
@click.option(
    "--dry-run", is_flag=True, help="Print the planned calls, tokens and cost; call nothing."
)
def run(
    paths: tuple[Path, ...],
    out_dir: Path,
    model: str | None,
    api_base: str | None,
    config: Path | None,
    concurrency: int | None,
    chunk_tokens: int | None,
    brief_words: int | None,
    no_cache: bool,
    refresh: bool,
    dry_run: bool,
) -> None:
    """Brief the transcripts in PATHS (files or folders; default: seeds/)."""
    from pipeline.runner import run_pipeline
    from pipeline.settings import Settings

    targets = list(paths) or [Path("seeds")]
    missing = [str(p) for p in targets if not p.exists()]
    if missing:
        raise click.UsageError(f"no such file or folder: {', '.join(missing)}")
    try:
        settings = Settings.load(
            config,
            model=model,
            api_base=api_base,
            concurrency=concurrency,
            chunk_tokens=chunk_tokens,
            brief_words=brief_words,
        )
        if dry_run:
            _print_plan(targets, settings, out_dir, use_cache=not no_cache and not refresh)
            return
        manifest = run_pipeline(
            targets,
            settings,
            out_dir,
            use_cache=not no_cache,
            refresh=refresh,
            progress=BarProgress(),
        )
    except ModelAuthError as exc:
        _fail(f"{exc}")
    except ModelUnreachable as exc:
        _fail(f"{exc}. Completed calls are cached; rerun the same command to resume.")
    except KeyboardInterrupt:  # Ctrl-C; the calls in flight were abandoned (model.stopping)
        click.echo(
            "\nstopped: every model call that completed is cached; "
            "rerun the same command to resume.",
            err=True,
        )
        sys.exit(EXIT_INTERRUPTED)
    except BriefError as exc:
        _fail(str(exc))
    total = manifest.total
    chunks = sum(s.chunks for s in manifest.sources)
    click.echo(
        f"\n{_count(len(manifest.sources), 'source')}, {_count(chunks, 'chunk')} -> "
        f"{out_dir}/brief.md\n"
        f"model calls: {total.calls}  cache hits: {total.cache_hits}  re-asks: {total.reasks}  "
        f"retries: {total.retries}\n"
        f"tokens: {total.prompt_tokens} prompt ({total.cached_prompt_tokens} from server cache), "
        f"{total.completion_tokens} completion\n"
        f"time: {manifest.wall_seconds:.1f}s ("
        + ", ".join(f"{k} {v:.1f}s" for k, v in manifest.stage_seconds.items())
        + ")",
        err=True,
    )
    if manifest.failures:
        click.echo(f"{len(manifest.failures)} failure(s):", err=True)
        for failure in manifest.failures:
            click.echo(f"  - {failure}", err=True)
        sys.exit(EXIT_FAILURES)


def _print_plan(targets: list[Path], settings: Settings, out_dir: Path, *, use_cache: bool) -> None:
    from pipeline.model.cache import CallCache
    from pipeline.plan import plan_run
    from pipeline.session import ModelSession

    cache = CallCache(settings.cache_dir, enabled=use_cache)
    session = ModelSession(settings, cache, log_dir=settings.cache_dir.parent)
    try:
        plan = plan_run(targets, settings, session.client, model=session.model, outputs=out_dir)
        missing = session.client.missing_credentials() if plan.calls else None
    finally:
        session.close()
        cache.close()
    click.echo(
        f"dry run: {_count(plan.sources, 'source')}, {_count(plan.chunks, 'chunk')}, "
        f"{plan.source_tokens:,} source tokens, model {plan.model}"
    )
    for line in plan.skipped:  # as the run will report them
        click.echo(f"skipped {line}")
    click.echo(f"{'stage':<11}{'calls':>7}{'cached':>8}{'prompt tokens':>15}{'max completion':>16}")
    for stage in plan.stages:
        mark = "" if stage.exact else "  (estimate)"
        click.echo(
            f"{stage.stage:<11}{stage.calls:>7}{stage.cached:>8}{stage.prompt_tokens:>15,}"
            f"{stage.max_completion_tokens:>16,}{mark}"
        )
    click.echo(
        f"{'total':<11}{plan.calls:>7}{'':>8}{plan.prompt_tokens:>15,}"
        f"{plan.max_completion_tokens:>16,}"
    )
    servers = f", {plan.servers} servers (model_list)" if plan.servers > 1 else ""
    click.echo(f"reply schemas: {plan.rung} rung ({plan.provider}{servers}; schema_mode setting)")
    if plan.cost_usd is None:
        click.echo("cost: unknown (litellm has no price for this model)")
    elif settings.embedded:
        click.echo("cost: none (the embedded model has no per-token price)")
    else:
        click.echo(f"cost: at most ${plan.cost_usd:.4f} (completions at their full budget)")
    if missing:  # what the run would stop on, said now
        click.echo(f"note: {missing}")


@main.command()
@click.option(
    "--out", "out_dir", type=click.Path(path_type=Path), default=Path("outputs"), show_default=True
)
def verify(out_dir: Path) -> None:
    """Check that every quote and citation in OUT is the exact passage of its source."""
    from pipeline.outputs.verify import verify_outputs

    try:
        checked, problems = verify_outputs(out_dir)
    except BriefError as exc:
        _fail(str(exc))
    for problem in problems:
        click.echo(f"  - {problem}", err=True)
    click.echo(f"{checked} passages checked, {len(problems)} problems")
    sys.exit(EXIT_FAILURES if problems else 0)


@main.command()
@click.option(
    "--out", "out_dir", type=click.Path(path_type=Path), default=Path("outputs"), show_default=True
)
def render(out_dir: Path) -> None:
    """Redraw the markdown briefs and report.html in OUT from its JSON (no model call)."""
    from pipeline.outputs.writer import rerender

    if not (out_dir / "brief.json").is_file() and not (out_dir / "sources").is_dir():
        _fail(f"{out_dir} has no brief.json or sources/; run `brief run` first")
    try:
        written = rerender(out_dir)
    except (BriefError, ValueError) as exc:
        _fail(str(exc))
    click.echo(f"{len(written)} files rendered in {out_dir} (report: {out_dir}/report.html)")


@main.command("prepare-model")
@click.option("--config", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--all", "every", is_flag=True, help="Every embedded model, not just the chosen one.")
def prepare_model(config: Path | None, every: bool) -> None:
    """Assemble and verify the embedded model file, and check the llama.cpp server."""
    from pipeline.model import embedded, embedding_model, llama_server
    from pipeline.settings import Settings

    try:
        settings = Settings.load(config)
        keys = list(embedded.EMBEDDED_MODELS) if every else [settings.embedded_model]
        for key in keys:
            started = time.monotonic()
            spec = embedded.embedded_model(key)
            path = embedded.ensure_model_file(settings.model_dir, spec)
            seconds = time.monotonic() - started
            click.echo(f"model {key}: {path} (size and sha256 verified, {seconds:.1f}s)")
        binary = llama_server.server_binary()
        vectors = embedding_model.ensure_embedding_file(settings.model_dir)
    except BriefError as exc:
        _fail(str(exc))
    click.echo(f"embedding model: {vectors} (converted from safetensors, sha256 verified)")
    click.echo(f"server: {binary}")


main.add_command(ask)


def _count(n: int, noun: str) -> str:
    """ "1 source", "5 sources"."""
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_ERROR)
