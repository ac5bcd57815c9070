"""Row 21: install only from the hashed lock, no compromised litellm, vcrpy >= 8.2.1,
and no unknown ``.pth`` file (code that runs on every Python start) in the environment."""

from __future__ import annotations

import site
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = tomllib.loads((ROOT / "uv.lock").read_text())
PACKAGES = {p["name"]: p for p in LOCK["package"]}
COMPROMISED_LITELLM = {"1.82.7", "1.82.8"}
# .pth files we know: our own editable install (a path line, no code)
KNOWN_PTH = {"_editable_impl_transcript_brief.pth"}


def version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".")[:3])


def test_litellm_and_vcrpy_versions() -> None:
    assert PACKAGES["litellm"]["version"] not in COMPROMISED_LITELLM
    assert version(PACKAGES["vcrpy"]["version"]) >= (8, 2, 1)
    from importlib.metadata import version as installed

    assert installed("litellm") == PACKAGES["litellm"]["version"]
    assert installed("vcrpy") == PACKAGES["vcrpy"]["version"]


def test_every_locked_package_is_hashed() -> None:
    unhashed = []
    for package in LOCK["package"]:
        if "registry" not in package.get("source", {}):
            continue  # the project itself
        files = package.get("wheels", []) + ([package["sdist"]] if "sdist" in package else [])
        if not files or not all(f.get("hash", "").startswith("sha256:") for f in files):
            unhashed.append(package["name"])
    assert unhashed == []


def test_setup_installs_only_from_the_lock() -> None:
    """The commands `make setup` runs (as make itself expands them, not the Makefile's
    text): uv from a hash-pinned requirements file, then `uv sync --locked`, which
    refuses a lock that does not match pyproject.toml and checks every hash."""
    planned = subprocess.run(
        ["make", "-n", "-B", ".venv/.synced"], cwd=ROOT, capture_output=True, text=True
    )
    assert planned.returncode == 0, planned.stderr
    installs = [
        line.split()
        for line in planned.stdout.splitlines()
        if " install " in line or " sync" in line
    ]
    assert installs == [
        [".tools/bin/python", "-m", "pip", "install", "--quiet", "--require-hashes", "-r",
         ".ci/uv-requirements.txt"],
        [".tools/bin/uv", "sync", "--locked", "--python", "python3"],
    ]  # fmt: skip
    requirements = (ROOT / ".ci/uv-requirements.txt").read_text()
    assert "--hash=sha256:" in requirements


def test_no_unknown_pth_files_in_the_environment() -> None:
    folders = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    folders |= set(site.getsitepackages()) if hasattr(site, "getsitepackages") else set()
    found = sorted(p.name for folder in folders for p in Path(folder).glob("*.pth"))
    print(f"\n.pth files in {sys.prefix}: {found}")
    assert set(found) <= KNOWN_PTH, f"unknown .pth files: {sorted(set(found) - KNOWN_PTH)}"
    for name in found:
        lines = [
            line
            for folder in folders
            for path in [Path(folder) / name]
            if path.exists()
            for line in path.read_text().splitlines()
        ]
        assert not any(line.startswith(("import ", "import\t")) for line in lines), name
