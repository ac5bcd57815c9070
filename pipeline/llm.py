"""Import litellm (and tiktoken) the offline-safe way.

litellm fetches a price map from the internet at import unless told otherwise, and
tiktoken downloads its BPE files unless ``TIKTOKEN_CACHE_DIR`` points at a local copy;
importing litellm first points it at litellm's bundled copy. Import both from here.
"""

from __future__ import annotations

import os
from functools import cache

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("DISABLE_AIOHTTP_TRANSPORT", "True")
os.environ.setdefault("LITELLM_LOG", "ERROR")

import litellm  # noqa: E402
import tiktoken  # noqa: E402

litellm.suppress_debug_info = True
litellm.telemetry = False

ENCODING = "cl100k_base"
TOKEN_MARGIN = 1.15  # tiktoken counts vs. the served model's own tokenizer


@cache
def encoding() -> tiktoken.Encoding:
    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


__all__ = ["TOKEN_MARGIN", "count_tokens", "encoding", "litellm"]
