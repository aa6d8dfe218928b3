"""The knowledge files as one value: a snapshot, relative path → text, the YAML exactly as staff wrote it.

A snapshot is what the desk stores as a knowledge version (bot/desk/knowledge_versions.py): comments, order and
blank lines survive a round trip through the database, so an exported version reads like the file it came from.
It is validated the one way the files are (`KnowledgeBase.load`, as `python -m knowledge check` does), by writing it
to a scratch folder and loading that; problems come back named by the snapshot's own paths ("faq/us_disputes.yml:12:
…"), not by the scratch folder's.

The files are those `KnowledgeBase.load` reads. jieba's dictionary (data/jieba/) is not part of a snapshot: it is
read by the tokenizer the NLU model was trained with, and changes with a retrain, not with a publish.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Mapping

from knowledge.base import KnowledgeBase
from knowledge.items import Item
from knowledge.loader import (
    CASES_FILE,
    DATA_DIR,
    EXHIBITIONS_FILE,
    FAQ_DIR,
    POLICY_FILE,
    REFERRALS_FILE,
    VOCABULARY_FILE,
)
from knowledge.yamlfile import KnowledgeError, Problem

#: path (relative, with "/") → the file's text.
Snapshot = dict[str, str]

#: Files every snapshot has; cases.yml is optional, as it is for `KnowledgeBase.load`.
REQUIRED_FILES = (VOCABULARY_FILE, POLICY_FILE, EXHIBITIONS_FILE, REFERRALS_FILE)
OPTIONAL_FILES = (CASES_FILE,)
#: A FAQ file: faq/<name>.yml, one level deep (the loader reads no deeper).
_FAQ_PATH = re.compile(rf"^{FAQ_DIR}/[A-Za-z0-9][A-Za-z0-9_.-]*\.yml$")
#: A snapshot larger than this is not a knowledge base (today's is about 0.3 MB).
MAX_BYTES = 8 * 1024 * 1024


def is_knowledge_path(path: str) -> bool:
    """Whether `path` names a file `KnowledgeBase.load` reads."""
    return path in REQUIRED_FILES or path in OPTIONAL_FILES or bool(_FAQ_PATH.match(path))


def read_snapshot(directory: Path = DATA_DIR) -> Snapshot:
    """The knowledge files under `directory`, in path order. A file that is not UTF-8 is refused by path."""
    paths = [directory / name for name in (*REQUIRED_FILES, *OPTIONAL_FILES)]
    paths += sorted((directory / FAQ_DIR).glob("*.yml"))
    snapshot: Snapshot = {}
    problems: list[Problem] = []
    for path in paths:
        if not path.is_file():
            continue
        relative = path.relative_to(directory).as_posix()
        try:
            snapshot[relative] = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as error:
            problems.append(Problem(relative, 1, f"not UTF-8 text ({error.reason})"))
    if problems:
        raise KnowledgeError(problems)
    return dict(sorted(snapshot.items()))


def path_problems(snapshot: Mapping[str, str]) -> list[Problem]:
    """What is wrong with the snapshot's paths: unknown or unsafe ones, missing required files, too large."""
    problems = []
    for path in snapshot:
        if not isinstance(path, str) or not is_knowledge_path(path):
            problems.append(
                Problem(
                    str(path),
                    1,
                    f"not a knowledge file (expected {', '.join(REQUIRED_FILES + OPTIONAL_FILES)} or {FAQ_DIR}/NAME.yml)",
                )
            )
        elif not isinstance(snapshot[path], str):
            problems.append(Problem(path, 1, "the file's content must be text"))
    for required in REQUIRED_FILES:
        if required not in snapshot:
            problems.append(Problem(required, 1, "the file is missing"))
    size = sum(len(text.encode("utf-8")) for text in snapshot.values() if isinstance(text, str))
    if size > MAX_BYTES:
        problems.append(Problem("(all files)", 1, f"{size} bytes, more than {MAX_BYTES}"))
    return problems


def write_snapshot(snapshot: Mapping[str, str], directory: Path) -> list[Path]:
    """Write the snapshot's files under `directory` (made if missing); the paths written. Its paths are checked
    first, so nothing is written outside `directory` and nothing at all if one is wrong."""
    problems = path_problems(snapshot)
    if problems:
        raise KnowledgeError(problems)
    written = []
    for relative, text in snapshot.items():
        target = directory.joinpath(*PurePosixPath(relative).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))  # bytes: no newline translation, the text as stored
        written.append(target)
    return written


def digest(files: Mapping[str, str]) -> str:
    """A snapshot's SHA-256, over its paths and texts in path order."""
    canonical = json.dumps(sorted(files.items()), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


#: The knowledge bases of the last snapshots loaded, by digest. A version is loaded when it is saved, again when it is
#: published, by every process that serves it and by the console's editor pages that show or compare it; the same
#: files make the same knowledge base, which is immutable, so it is built once.
_LOADED: OrderedDict[str, KnowledgeBase] = OrderedDict()
_LOADED_AT_MOST = 24
_LOADED_LOCK = threading.Lock()


def load_snapshot(snapshot: Mapping[str, str]) -> KnowledgeBase:
    """The knowledge base the snapshot makes, validated as `python -m knowledge check` validates the files.

    Raises `KnowledgeError` with every problem, named by the snapshot's paths. The items' `origin` names the
    snapshot's path and line too ("faq/us_disputes.yml:12").
    """
    key = digest(snapshot)
    with _LOADED_LOCK:
        if key in _LOADED:
            _LOADED.move_to_end(key)
            return _LOADED[key]
    kb = _load_snapshot(snapshot)
    with _LOADED_LOCK:
        _LOADED[key] = kb
        while len(_LOADED) > _LOADED_AT_MOST:
            _LOADED.popitem(last=False)
    return kb


def _load_snapshot(snapshot: Mapping[str, str]) -> KnowledgeBase:
    with tempfile.TemporaryDirectory(prefix="ipdesk-knowledge-") as scratch:
        root = Path(scratch)
        write_snapshot(snapshot, root)
        try:
            kb = KnowledgeBase.load(root)
        except KnowledgeError as error:
            raise KnowledgeError([_relative(problem, root) for problem in error.problems]) from None
        except (FileNotFoundError, IsADirectoryError) as error:  # a file the loader needs that the checks let by
            raise KnowledgeError([Problem(Path(error.filename or "?").name, 1, "the file is missing")]) from None
    prefix = f"{root}/"
    for item_id, item in kb.items.items():
        if item.origin.startswith(prefix):
            kb.items[item_id] = dataclasses.replace(item, origin=item.origin[len(prefix) :])
    return kb


def _relative(problem: Problem, root: Path) -> Problem:
    prefix = f"{root}/"
    if problem.file.startswith(prefix):
        return dataclasses.replace(problem, file=problem.file[len(prefix) :])
    return problem


@dataclass(frozen=True)
class KnowledgeDiff:
    """How two knowledge bases differ, by item id: each list sorted."""

    added: list[str]
    changed: list[str]
    removed: list[str]

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)


def _content(item: Item) -> Item:
    """The item without where it is written: moving an item down a file is no change to it."""
    return dataclasses.replace(item, origin="")


def same_item(a: Item | None, b: Item | None) -> bool:
    """Whether two items (None: absent) say the same, wherever they are written."""
    return a is b or (a is not None and b is not None and _content(a) == _content(b))


def diff(old: KnowledgeBase, new: KnowledgeBase) -> KnowledgeDiff:
    """Items added, changed (any field but their place in the files) and removed from `old` to `new`."""
    return KnowledgeDiff(
        added=sorted(new.items.keys() - old.items.keys()),
        changed=sorted(
            item_id
            for item_id in old.items.keys() & new.items.keys()
            if _content(old.items[item_id]) != _content(new.items[item_id])
        ),
        removed=sorted(old.items.keys() - new.items.keys()),
    )
