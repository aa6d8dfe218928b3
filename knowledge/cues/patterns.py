"""How the cues are written: alternatives compiled as one case-insensitive pattern, and the Chinese characters a
message says."""

from __future__ import annotations

import re


def any_of(*patterns: str) -> re.Pattern[str]:
    """One case-insensitive pattern matching any of `patterns`, each grouped so that its own alternatives stay its
    own: a cue is a list of phrasings, written one per line with a comment where one needs it."""
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns), re.IGNORECASE)


#: A Chinese character (the unified ideographs): what the cues count to tell a sentence from a word or two.
CJK = re.compile(r"[\u4e00-\u9fff]")
