"""Prompt files: ``prompts/<name>.md`` with declared variables.

A prompt file is::

    ---
    variables: [a, b]
    ---
    ## system
    static instructions ...
    ## user
    ... {{a}} ... {{b}}

The variables used in the body must be exactly the declared ones, and ``render`` must be
given exactly those. Static instructions come first so that the server's prefix cache can
serve them across calls; the file's sha256 is recorded in the manifest (and, since the
text is inside the messages, it is part of every cache key).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipeline.errors import PromptError

_VAR = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")
_SECTION = re.compile(r"^## (system|user)\s*$", re.MULTILINE)


def prompts_dir() -> Path:
    here = Path(__file__).resolve().parent.parent  # the package folder
    for candidate in (here.parent / "prompts", here / "_prompts"):
        if candidate.is_dir():
            return candidate
    raise PromptError(f"no prompts folder next to {here}; reinstall the package")


@dataclass(frozen=True)
class Prompt:
    name: str
    variables: frozenset[str]
    system: str
    user: str
    sha256: str

    def render(self, **values: str) -> list[dict[str, str]]:
        given = set(values)
        if given != self.variables:
            raise PromptError(
                f"prompt {self.name!r} declares {sorted(self.variables)} "
                f"but was given {sorted(given)}"
            )

        def fill(template: str) -> str:
            return _VAR.sub(lambda m: values[m.group(1)], template)

        return [
            {"role": "system", "content": fill(self.system)},
            {"role": "user", "content": fill(self.user)},
        ]


def parse_prompt(name: str, text: str) -> Prompt:
    if not text.startswith("---\n"):
        raise PromptError(f"prompt {name!r}: must start with a '---' front matter block")
    head, sep, body = text[4:].partition("\n---\n")
    if not sep:
        raise PromptError(f"prompt {name!r}: front matter is not closed with '---'")
    match = re.search(r"^variables:\s*\[(.*)\]\s*$", head, re.MULTILINE)
    if match is None:
        raise PromptError(f"prompt {name!r}: front matter must declare 'variables: [...]'")
    declared = frozenset(v.strip() for v in match.group(1).split(",") if v.strip())
    parts = _SECTION.split(body)
    sections = dict(zip(parts[1::2], (p.strip() for p in parts[2::2]), strict=True))
    if set(sections) != {"system", "user"}:
        raise PromptError(f"prompt {name!r}: needs exactly a '## system' and a '## user' section")
    used = set(_VAR.findall(body))
    if used != declared:
        raise PromptError(f"prompt {name!r}: declares {sorted(declared)} but uses {sorted(used)}")
    return Prompt(
        name=name,
        variables=declared,
        system=sections["system"],
        user=sections["user"],
        sha256=hashlib.sha256(text.encode()).hexdigest(),
    )


@cache
def load_prompt(name: str) -> Prompt:
    path = prompts_dir() / f"{name}.md"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PromptError(f"cannot read prompt file {path}: {exc.strerror}") from None
    return parse_prompt(name, text)


def boundary_for(content: str) -> str:
    """A delimiter line the content cannot predict (derived from the content's hash, so
    it is stable across runs and the cache still hits), that does not occur in it."""
    digest = hashlib.sha256(content.encode()).hexdigest()
    for start in range(0, len(digest) - 16):
        boundary = f"<<<DATA-{digest[start : start + 16]}>>>"
        if boundary not in content:
            return boundary
    raise PromptError("could not find a delimiter absent from the content")
