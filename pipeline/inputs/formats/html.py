"""A web page holding a transcript ("Save page as" from a podcast's site), read as a
normalised transcript (``cues.normalise``): one line per block of text (a paragraph, a
list item, a heading, a line break), so that tags, scripts and entities never reach a
sentence and every passage stays a checkable slice of the text ``brief`` reads.

The page's chrome is left out: ``<head>`` (its ``<title>`` becomes the title), scripts,
styles, navigation, header, footer, asides, forms and buttons. A block that opens with a
time ("00:01:23", "[1:23]", "(01:23)") is timed by it; "Name: text" blocks name their
speaker as in caption files (when at least half the blocks do), and so does "Name
(00:01:23): text" or "Name (00:01:23) text".
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from pipeline.inputs.formats.base import Format, Line, Reading, Unreadable
from pipeline.inputs.formats.cues import Cue, clean, normalise, speaker_prefixes

# never transcript text: the page's machinery and chrome
_SKIPPED = frozenset(
    "head script style noscript template svg nav header footer aside form button select "
    "iframe object".split()
)
# each of these starts and ends a block (a line of the normalised transcript)
_BLOCKS = frozenset(
    "p div li ul ol dl dt dd h1 h2 h3 h4 h5 h6 blockquote pre br hr tr td th table section "
    "article main figure figcaption caption details summary address".split()
)
_HTML_START = re.compile(
    r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)[\s>]", re.I | re.S
)
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?"
_TIMED = re.compile(rf"^[\[(]?(?P<time>{_TIME})[\])]?\s+(?P<rest>\S.*)$")
_NAME_TIMED = re.compile(
    rf"^(?P<name>[^\W\d_][\w .'’-]{{0,40}}?)\s*[\[(](?P<time>{_TIME})[\])]\s*:?\s*(?P<rest>\S.*)$"
)


class _Blocks(HTMLParser):
    """The text of a page's blocks, the chrome left out (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.title = ""
        self._open: list[str] = []  # the skipped elements we are inside, innermost last
        self._text: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in _SKIPPED:
            self._open.append(tag)
        elif tag in _BLOCKS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in _SKIPPED and tag in self._open:
            while self._open and self._open.pop() != tag:  # unclosed ones inside it too
                pass
        elif tag in _BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._open:
            self._text.append(data)

    def _flush(self) -> None:
        text = clean("".join(self._text))
        if text:
            self.blocks.append(text)
        self._text = []

    def close(self) -> None:
        super().close()
        self._flush()


def _seconds(time: str) -> float:
    parts = [float(p) for p in time.split(":")]
    return sum(p * 60**i for i, p in enumerate(reversed(parts)))


def _cue(block: str) -> Cue:
    """A block as a cue: its opening time, or a "Name (time)" opening, taken out."""
    if m := _NAME_TIMED.match(block):
        return Cue(_seconds(m.group("time")), m.group("rest"), m.group("name").strip())
    if m := _TIMED.match(block):
        return Cue(_seconds(m.group("time")), m.group("rest"))
    return Cue(None, block)


def _is_html(text: str, lines: list[Line]) -> bool:
    return _HTML_START.match(text[:4096]) is not None


def _read(text: str, lines: list[Line]) -> Reading:
    page = _Blocks()
    page.feed(text)
    page.close()
    if not page.blocks:
        raise Unreadable("has no text outside its markup (a web page)")
    cues = [_cue(block) for block in page.blocks]
    meta = {"title": clean(page.title)} if clean(page.title) else {}
    return normalise(speaker_prefixes(cues), meta)


FORMAT = Format("html", _is_html, _read, "a web page holding a transcript", normalised=True)
