"""Questions independent users asked, with the items that answer them: more ways for the search to find an item.

Staff write an item's example questions (`Item.questions`) in the words they expect users to use. People who never
saw the knowledge base ask differently: "337掉查一般多久能完", "美国打官司是不是特别贵啊". The hard evaluation's
development sets (nlu/hard/, written by authors briefed only with the policy and the reply contract) label every such
question with the items that answer it. `python -m nlu.independent` renders the sets it trains on into
`knowledge/asked.yml`, and the search matches a question against them as it does against example questions
(`knowledge.search`), without their spoken fillers (`knowledge.text.filler`). Through the REST channel, answers
citing an acceptable item first rose on dev6 (never trained on or read) from 0.708 to 0.861, and on dev9 and dev10
(never rendered here) from 0.640 and 0.716 to 0.744 and 0.773 (README, "How well it answers").

They are not knowledge files (knowledge/data/) nor part of a knowledge version (`knowledge.snapshot`): like the
model, they come with a release, rendered from the same sets it is trained on, not with a staff publish; so they are
read from this repository's file whichever version is served. An item a later version no longer has simply gains
nothing from them.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Mapping

import yaml

from knowledge.yamlfile import KnowledgeError, Problem

logger = logging.getLogger(__name__)

ASKED_FILE = Path(__file__).parent / "asked.yml"

#: item id → the questions asked that it answers.
Asked = Mapping[str, tuple[str, ...]]


def load_asked(path: Path = ASKED_FILE) -> Asked:
    """The questions asked, by item id; none when the file is absent. A malformed file is a KnowledgeError naming
    it: it is rendered, so a hand edit gone wrong should fail the check, not be half read."""
    if not path.is_file():
        logger.info("no questions asked at %s: the search uses the items' own questions only", path)
        return {}
    stat = path.stat()
    return _parse(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _parse(path: Path, _mtime: int, _size: int) -> Asked:
    """Parsed once per version of the file: every knowledge load (each staff edit) builds a new search index."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise KnowledgeError([Problem(path.name, 1, f"not readable as YAML: {error}")]) from error
    valid = isinstance(data, dict) and all(
        isinstance(item, str) and isinstance(texts, list) and all(isinstance(text, str) for text in texts)
        for item, texts in data.items()
    )
    if not valid:
        raise KnowledgeError([Problem(path.name, 1, "expected item id: [question, …] (run python -m nlu.independent)")])
    return {item: tuple(texts) for item, texts in data.items()}
