"""Prompt files: ``prompts/<name>.md`` with declared variables.

A prompt file is::

    ---
    variables: [a, b]
    ---
    ## system
    static instructions ...
    ## user
    ... {{a}} ... {{b}}
    ## one-line reply
    optional: appended to the system message when the model policy asks for replies on one
    line (``load_prompt(name, one_line=True)``)
    ## another language
    optional: appended when the items are not in English, ``{{language}}`` filled with
    the name of theirs (``load_prompt(name, language="Spanish")``)

The variables used in the sections (but the language section) must be exactly the
declared ones, and ``render`` must be given exactly those. Static instructions come first
so that the server's prefix cache can serve them across calls; the file's sha256 is
recorded in the manifest (and, since the text is inside the messages, it is part of every
cache key).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from pipeline.errors import PromptError

_VAR = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")
ONE_LINE = "one-line reply"
OTHER_LANGUAGE = "another language"
_SECTION = re.compile(rf"^## (system|user|{ONE_LINE}|{OTHER_LANGUAGE})\s*$", re.MULTILINE)
_LANGUAGE = "{{language}}"


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
    one_line: str = ""  # the optional "## one-line reply" section
    other_language: str = ""  # the optional "## another language" section

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
    if not {"system", "user"} <= set(sections) or len(parts) != 2 * len(sections) + 1:
        raise PromptError(
            f"prompt {name!r}: needs one '## system' and one '## user' section "
            f"(and at most one '## {ONE_LINE}' and one '## {OTHER_LANGUAGE}')"
        )
    language = sections.get(OTHER_LANGUAGE, "")
    if language and _LANGUAGE not in language:
        raise PromptError(f"prompt {name!r}: its '## {OTHER_LANGUAGE}' never says {_LANGUAGE}")
    used = {v for k, t in sections.items() if k != OTHER_LANGUAGE for v in _VAR.findall(t)}
    if used != declared:
        raise PromptError(f"prompt {name!r}: declares {sorted(declared)} but uses {sorted(used)}")
    return Prompt(
        name=name,
        variables=declared,
        system=sections["system"],
        user=sections["user"],
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        one_line=sections.get(ONE_LINE, ""),
        other_language=language,
    )


@cache
def load_prompt(name: str, *, one_line: bool = False, language: str = "") -> Prompt:
    """``prompts/<name>.md``; ``one_line``: its '## one-line reply' section joins the system
    message (the model policy's ``one_line_replies``); ``language``: the name of the
    language the items are in, not English ("Spanish"), and the '## another language'
    section joins it, saying so. A prompt in English is unchanged (the cache stays warm)."""
    path = prompts_dir() / f"{name}.md"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PromptError(f"cannot read prompt file {path}: {exc.strerror}") from None
    prompt = parse_prompt(name, text)
    system = prompt.system
    if language:
        if not prompt.other_language:
            raise PromptError(f"prompt {name!r} has no '## {OTHER_LANGUAGE}' section")
        system += "\n\n" + prompt.other_language.replace(_LANGUAGE, language)
    if one_line:  # last: the shape of the reply
        if not prompt.one_line:
            raise PromptError(f"prompt {name!r} has no '## {ONE_LINE}' section to ask for one line")
        system += f"\n\n{prompt.one_line}"
    return replace(prompt, system=system)


def boundary_for(content: str) -> str:
    """A delimiter line the content cannot predict (derived from the content's hash, so
    it is stable across runs and the cache still hits), that does not occur in it. Eight
    hex digits, not sixteen: a model's tokenizer spends a token on each digit, and the
    line is in every prompt twice."""
    digest = hashlib.sha256(content.encode()).hexdigest()
    for start in range(0, len(digest) - 8):
        boundary = f"<<<DATA-{digest[start : start + 8]}>>>"
        if boundary not in content:
            return boundary
    raise PromptError("could not find a delimiter absent from the content")
