"""What refers to a knowledge item by its id, so that deleting the item would break it.

An item's id is what replies cite and what other parts name: the code (the default referral, the warnings'
service item), the evaluation sets' gold answers (knowledge/dev, knowledge/heldout, nlu/hard) and the NLU's
training data, and other items' texts. Deleting an item one of them names would leave a dangling reference that
only a failing check or a wrong answer would show later, so the knowledge editor refuses it and says where.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from knowledge.base import KnowledgeBase

ROOT = Path(__file__).resolve().parent.parent
#: The files outside the knowledge data that may name an item: code, the NLU's data, the evaluation sets.
SCANNED = (
    "actions/*.py",
    "knowledge/*.py",
    "nlu/*.py",
    "nlu/train/**/*.yml",
    "nlu/hard/*.yml",
    "knowledge/dev/*.yml",
    "knowledge/heldout/*.yml",
    "domain.yml",
)


@dataclass(frozen=True)
class Reference:
    """Where an item is named: a file of the project (with its line) or another item."""

    where: str
    line: int

    def __str__(self) -> str:
        return f"{self.where}:{self.line}" if self.line else self.where


def _named(item_id: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z0-9_:-]){re.escape(item_id)}(?![A-Za-z0-9_-])")


def references(kb: KnowledgeBase, item_id: str, root: Path = ROOT) -> list[Reference]:
    """Every place that names `item_id`: the other items of `kb` (by id) and the project's files (by path and line;
    comments count, as a reader would follow them)."""
    pattern = _named(item_id)
    found = [
        Reference(other.id, 0) for other in kb.items.values() if other.id != item_id and pattern.search(repr(other))
    ]
    for glob in SCANNED:
        for path in sorted(root.glob(glob)):
            if not path.is_file():
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
                if pattern.search(line):
                    found.append(Reference(path.relative_to(root).as_posix(), number))
    return found
