"""A peer summarizer run beside this project: same transcripts, same model, same scoring.

    .venv/bin/python bench/peer_run.py --python /tmp/peer/.venv/bin/python

The peer is a script that summarizes a folder of transcripts through an OpenAI-compatible
server and writes ``OUT/sources/<id>.md`` and ``OUT/brief.md`` (default: LangChain's
classic map-reduce summarizer, ``../shared/eval/peers/langchain_mapreduce.py``, called as
``SCRIPT SEEDS OUT API_BASE MODEL``). It runs in its own virtual environment, never the
project's; set one up as the peer's README says, e.g.::

    python3 -m venv /tmp/peer/.venv && /tmp/peer/.venv/bin/pip install langchain-classic \\
        langchain-openai langchain-text-splitters langchain-community tiktoken

Here the embedded model's llama-server is started as the peer's figures were measured
(``--slots 2 --threads 2``, the configured repeat penalty; ``brief run`` itself uses one
slot), the peer runs against it with tiktoken pointed at litellm's bundled encodings (no
download), and the server's own log gives the tokens it evaluated and generated and its
rates. Then ``bench/eval_brief.py`` scores the peer's summaries and ``--ours`` (default
``outputs/``) in the same table: a plain-text summary is all prose and cites nothing.
Our cold run's time is ``bench/model_runs.py``'s; compare at the rates each run printed.
On a shared machine run it under the model lock, like the other model benchmarks.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import eval_brief  # noqa: E402
from model_runs import server_timings, server_usage  # noqa: E402

from pipeline.inputs.ingest import ingest_paths  # noqa: E402

# llm, imported, points tiktoken (the peer's too: it inherits the environment) at
# litellm's bundled encodings, so nothing is downloaded
from pipeline.model import llm  # noqa: E402,F401
from pipeline.session import embedded_chat_server  # noqa: E402
from pipeline.settings import Settings  # noqa: E402

PEER = ROOT.parent / "shared" / "eval" / "peers" / "langchain_mapreduce.py"


def transcripts_folder(inputs: Path, work: Path) -> Path:
    """The transcripts of ``inputs`` alone, linked into one folder: the peer summarizes
    every file it finds (a README included), ``brief run`` only the transcripts."""
    found, _ = ingest_paths([inputs])
    folder = work / "transcripts"
    folder.mkdir(parents=True, exist_ok=True)
    for t in found:
        (folder / Path(t.path).name).symlink_to(Path(t.path).resolve())
    return folder


def run_peer(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    settings = Settings(server_slots=args.slots, server_threads=args.threads)
    server = embedded_chat_server(settings, work)
    folder = transcripts_folder(args.inputs, work)
    out = work / "out"
    api_base = server.start()
    try:
        started = time.perf_counter()
        done = subprocess.run(
            [str(args.python), str(args.peer), str(folder), str(out), api_base, server.alias],
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - started
    finally:
        server.stop()
    if done.returncode != 0:
        raise SystemExit(f"the peer failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return {"out": out, "wall": wall, "said": done.stdout.strip(), "model": server.alias}


def facts_cells(out: Path) -> str:
    tune, check = (eval_brief.score_run(out, split) for split in ("tune", "check"))
    cells = []
    for result in (tune, check):
        t = result["all"]
        cells.append(f"{t['covered']['brief']}/{t['facts']}")
    cells.append(f"{tune['all']['covered']['+cross']} / {check['all']['covered']['+cross']}")
    themes = tune["all"]["themes_covered"]["brief"] + check["all"]["themes_covered"]["brief"]
    cells.append(f"{themes}/{tune['all']['themes'] + check['all']['themes']}")
    t = tune["all"]
    cells.append(f"{t['words']:,}")
    cells.append(f"{t['supported']}/{t['statements']}" if t["statements"] else "none")
    return " | ".join(cells)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", type=Path, required=True, help="the peer's own Python")
    parser.add_argument("--peer", type=Path, default=PEER, help="the peer's script")
    parser.add_argument("--inputs", type=Path, default=ROOT / "seeds")
    parser.add_argument("--ours", type=Path, default=ROOT / "outputs", help="our run to score")
    parser.add_argument("--work", type=Path, default=None, help="default: a new temp folder")
    parser.add_argument("--slots", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    for path, what in ((args.python, "--python"), (args.peer, "--peer")):
        if not path.is_file():
            raise SystemExit(f"{what} {path}: no such file (see this script's docstring)")
    work = args.work or Path(tempfile.mkdtemp(prefix="peer-run-"))
    peer = run_peer(args, work)
    use = server_usage(server_timings(work / "llama-server.log"), args.slots)
    # the peer's own token counts see only its main thread's calls: the log has them all
    print(f"\npeer: {args.peer.name} -> {peer['out']}\npeer said: {peer['said']}\n")
    print(
        "| run | wall s | requests | prompt evaluated | completion | prompt / gen tok/s "
        "| floor s | wall / floor |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|")
    print(
        f"| peer ({peer['model']}, {args.slots} slots) | {peer['wall']:,.0f} | {use['requests']} "
        f"| {use['prompt_n']:,} | {use['gen_n']:,} "
        f"| {use['prompt_rate']:.1f} / {use['gen_rate']:.1f} | {use['floor']:,.0f} "
        f"| {peer['wall'] / use['floor'] if use['floor'] else 0:.2f} |"
    )
    print(
        "\n| run | facts tune | facts check | +cross tune / check | cross themes "
        "| words | statements supported |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|")
    print(f"| peer | {facts_cells(peer['out'])} |")
    print(f"| ours ({args.ours}) | {facts_cells(args.ours)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
