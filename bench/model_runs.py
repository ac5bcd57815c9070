"""Cold run vs. floor, warm rerun and incremental add, on the embedded model.

1. **Cold**: the full pipeline over ``--inputs`` (default ``seeds/``) with an empty call
   cache. The floor comes from ``llama-server``'s own per-request timings in the same run
   (its log): evaluated prompt tokens / prompt rate + completion tokens / generation
   rate, divided by the server's slots (both slots work at once). Token amplification =
   prompt tokens the model evaluated / tokens of the source files (model tokenizer).
2. **Warm**: the same inputs again, in process and through the ``brief`` command.
3. **Incremental**: the same inputs plus one new transcript (``--extra``).

Everything lives in a fresh work folder (never the user's cache or ``outputs/``). The
model is the real one: on a shared machine run it under the model lock, e.g.
``flock /tmp/model.lock .venv/bin/python bench/model_runs.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.cli import EXIT_FAILURES  # noqa: E402
from pipeline.inputs.ingest import ingest_paths, read_source_text  # noqa: E402
from pipeline.model.cache import CallCache  # noqa: E402
from pipeline.model.llm import count_tokens  # noqa: E402
from pipeline.model.stopping import unwind_on_signals  # noqa: E402
from pipeline.plan import plan_run  # noqa: E402
from pipeline.runner import Manifest, run_pipeline  # noqa: E402
from pipeline.session import ModelSession  # noqa: E402
from pipeline.settings import Settings  # noqa: E402

_PROMPT = re.compile(r"prompt eval time =\s*([\d.]+) ms /\s*(\d+) tokens")
_GEN = re.compile(r"(?<!prompt )eval time =\s*([\d.]+) ms /\s*(\d+) tokens")


def server_timings(log: Path) -> list[dict[str, float]]:
    """One entry per finished request, in completion order, from llama-server's log."""
    text = log.read_text(errors="replace")
    prompts = _PROMPT.findall(text)
    gens = _GEN.findall(text)
    return [
        {"prompt_ms": float(p[0]), "prompt_n": int(p[1]), "gen_ms": float(g[0]), "gen_n": int(g[1])}
        for p, g in zip(prompts, gens, strict=False)
    ]


def model_tokens(api_base: str, texts: list[str]) -> int:
    root = api_base.rstrip("/").removesuffix("/v1")
    total = 0
    for text in texts:
        request = urllib.request.Request(
            f"{root}/tokenize",
            data=json.dumps({"content": text}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            total += len(json.load(response)["tokens"])
    return total


def cold(inputs: list[Path], settings: Settings, work: Path) -> dict:
    session = ModelSession(settings, CallCache(settings.cache_dir), log_dir=work / "server")
    started = time.perf_counter()
    try:
        manifest = run_pipeline(inputs, settings, work / "out-cold", session=session)
        wall = time.perf_counter() - started
        transcripts, _ = ingest_paths(inputs)
        texts = [read_source_text(Path(t.path)) for t in transcripts]
        source_model = model_tokens(session.server.api_base, texts) if session.server else 0
    finally:
        session.close()
    return {
        "manifest": manifest,
        "wall": wall,
        "timings": server_timings(work / "server" / "llama-server.log"),
        "source_model_tokens": source_model,
        "source_cl100k_tokens": sum(count_tokens(t) for t in texts),
        "slots": settings.server_slots,
    }


def server_usage(timings: list[dict[str, float]], slots: int) -> dict[str, float]:
    """Requests, evaluated prompt and completion tokens, the rates and the floor (seconds
    the model itself needed, its slots working at once) of ``server_timings``."""
    prompt_n = sum(t["prompt_n"] for t in timings)
    gen_n = sum(t["gen_n"] for t in timings)
    prompt_s = sum(t["prompt_ms"] for t in timings) / 1000
    gen_s = sum(t["gen_ms"] for t in timings) / 1000
    return {
        "requests": len(timings),
        "prompt_n": prompt_n,
        "gen_n": gen_n,
        "prompt_rate": prompt_n / prompt_s if prompt_s else 0.0,
        "gen_rate": gen_n / gen_s if gen_s else 0.0,
        "floor": (prompt_s + gen_s) / slots,
    }


def print_cold(result: dict) -> None:
    manifest: Manifest = result["manifest"]
    timings = result["timings"]
    slots = result["slots"]
    usage = manifest.usage
    print("\n### Cold run vs. floor (embedded model, empty cache)\n")
    print(
        "| stage | wall s | calls | re-asks | prompt tokens | of them from prefix cache "
        "| evaluated (server) | completion tokens | floor s | wall / floor |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    position = 0
    for stage in ("map", "reduce", "synthesize"):
        u = usage.get(stage)
        if u is None:
            continue
        mine = timings[position : position + u.calls]
        position += u.calls
        floor = server_usage(mine, slots)["floor"]
        wall = manifest.stage_seconds.get(stage, 0.0)
        print(
            f"| {stage} | {wall:,.0f} | {u.calls} | {u.reasks} | {u.prompt_tokens:,} "
            f"| {u.cached_prompt_tokens:,} | {sum(t['prompt_n'] for t in mine):,} "
            f"| {u.completion_tokens:,} | {floor:,.0f} | {wall / floor if floor else 0:.2f} |"
        )
    t = manifest.total
    whole = server_usage(timings[:position], slots)
    prompt_n, gen_n, floor = whole["prompt_n"], whole["gen_n"], whole["floor"]
    prompt_rate, gen_rate = whole["prompt_rate"], whole["gen_rate"]
    wall = result["wall"]
    other = wall - sum(manifest.stage_seconds.get(s, 0) for s in ("map", "reduce", "synthesize"))
    print(
        f"| whole run | {wall:,.0f} | {t.calls} | {t.reasks} | {t.prompt_tokens:,} "
        f"| {t.cached_prompt_tokens:,} | {prompt_n:,} | {t.completion_tokens:,} "
        f"| {floor:,.0f} | **{wall / floor if floor else 0:.2f}** |"
    )
    print()
    print(f"- server timings parsed: {len(timings)} requests for {t.calls} calls")
    print(
        f"- measured rates (per slot, llama-server timings): prompt {prompt_rate:.1f} tok/s, "
        f"generation {gen_rate:.1f} tok/s; {slots} slots; "
        f"floor = ({prompt_n:,} / {prompt_rate:.1f} + {gen_n:,} / "
        f"{gen_rate:.1f}) / {slots} = {floor:,.0f} s"
    )
    print(
        f"- not in a model stage (ingest, chunk, index, server start): {other:.1f} s "
        f"({', '.join(f'{k} {v:.1f}s' for k, v in manifest.stage_seconds.items())})"
    )
    share = t.cached_prompt_tokens / t.prompt_tokens if t.prompt_tokens else 0
    print(f"- prefix-cache share of prompt tokens: {share:.1%}")
    src = result["source_model_tokens"]
    if src:
        print(
            f"- token amplification: {prompt_n:,} evaluated / {src:,} source tokens "
            f"(model tokenizer; cl100k: {result['source_cl100k_tokens']:,}) = "
            f"**{prompt_n / src:.2f}** (all prompt tokens incl. prefix-cache hits: "
            f"{t.prompt_tokens / src:.2f})"
        )
        print(
            f"- completion tokens / source tokens: {t.completion_tokens:,} / {src:,} = "
            f"**{t.completion_tokens / src:.2f}**"
        )
    print(f"- failures: {len(manifest.failures)}")


def warm(inputs: list[Path], settings: Settings, work: Path) -> list[tuple[str, float, int, int]]:
    rows = []
    started = time.perf_counter()
    manifest = run_pipeline(inputs, settings, work / "out-warm")
    rows.append(
        (
            "pipeline (in process)",
            time.perf_counter() - started,
            manifest.total.calls,
            manifest.total.cache_hits,
        )
    )
    brief = Path(sys.executable).parent / "brief"
    env = {
        **os.environ,
        "BRIEF_CACHE_DIR": str(settings.cache_dir),
        "BRIEF_CHUNK_TOKENS": str(settings.chunk_tokens),
    }
    started = time.perf_counter()
    done = subprocess.run(
        [str(brief), "run", *map(str, inputs), "--out", str(work / "out-warm-cli")],
        env=env,
        capture_output=True,
    )
    cli_wall = time.perf_counter() - started
    if done.returncode not in (0, EXIT_FAILURES):  # a run with failures still writes all
        raise RuntimeError(f"brief run failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    cli = Manifest.model_validate_json((work / "out-warm-cli" / "manifest.json").read_text())
    rows.append(("`brief run` (new process)", cli_wall, cli.total.calls, cli.total.cache_hits))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import pipeline.cli"], check=True, cwd=ROOT)
    rows.append(("of which: start Python, import brief", time.perf_counter() - started, 0, 0))
    return rows


def print_warm(rows: list[tuple[str, float, int, int]]) -> None:
    print("\n### Warm rerun (same inputs, warm cache)\n")
    print("| how | wall s | calls | cache hits |")
    print("|---|---:|---:|---:|")
    for how, wall, calls, hits in rows:
        print(f"| {how} | {wall:.2f} | {calls} | {hits} |")


def incremental(inputs: list[Path], extra: Path, settings: Settings, work: Path) -> dict:
    # the dry-run plan of the same run, before it: what it expects to ask at most
    cache = CallCache(settings.cache_dir)
    session = ModelSession(settings, cache, log_dir=work / "server")
    try:
        plan = plan_run([*inputs, extra], settings, session.client, model=session.model)
    finally:
        session.close()
        cache.close()
    started = time.perf_counter()
    manifest = run_pipeline([*inputs, extra], settings, work / "out-incremental")
    wall = time.perf_counter() - started
    transcripts, _ = ingest_paths([extra])
    new = next(s for s in manifest.sources if s.path == transcripts[0].path)
    return {"manifest": manifest, "wall": wall, "new_chunks": new.chunks, "planned": plan.calls}


def print_incremental(result: dict) -> None:
    m: Manifest = result["manifest"]
    expected = result["planned"]
    print("\n### Incremental: one new transcript added to the processed corpus\n")
    print("| new chunks | planned calls (dry run, at most) | calls | by stage | hits | wall s |")
    print("|---:|---:|---:|---|---:|---:|")
    by_stage = ", ".join(f"{k} {u.calls}" for k, u in m.usage.items())
    print(
        f"| {result['new_chunks']} | {expected} | {m.total.calls} | {by_stage} "
        f"| {m.total.cache_hits} | {result['wall']:.1f} |"
    )


def main() -> None:
    unwind_on_signals()  # a killed run stops the model servers it started
    parser = argparse.ArgumentParser()
    parser.add_argument("--inputs", type=Path, nargs="+", default=[ROOT / "seeds"])
    parser.add_argument("--extra", type=Path, default=ROOT / "tests" / "data" / "mini_001.txt")
    parser.add_argument("--work", type=Path, help="work folder (default: a new temporary one)")
    parser.add_argument("--chunk-tokens", type=int)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="brief-bench-model-"))
    if (work / "cache").exists():
        sys.exit(f"{work}/cache exists: a cold run needs an empty work folder")
    settings = Settings.load(
        None, cache_dir=work / "cache" / "calls", chunk_tokens=args.chunk_tokens
    )
    print(f"work folder: {work}", file=sys.stderr)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GB RAM, no GPU; "
        f"chunk_tokens {settings.chunk_tokens}, map_max_tokens {settings.map_max_tokens}, "
        f"{settings.server_slots} server slots"
    )
    result = cold(args.inputs, settings, work)
    print_cold(result)
    print_warm(warm(args.inputs, settings, work))
    print_incremental(incremental(args.inputs, args.extra, settings, work))


if __name__ == "__main__":
    main()
