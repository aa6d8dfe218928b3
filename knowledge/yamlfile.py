"""Reading the knowledge files with line numbers, and reporting what is wrong in them by file and line.

Staff edit these files by hand; a mistake must come back as "policy.yml:34: policy:7: title.en is missing",
not as a stack trace, and every mistake in a file at once, so one round of fixes is enough.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml


class LineDict(dict):
    """A YAML mapping that remembers the line it starts on (1-based)."""

    line: int = 0


#: libyaml's parser when PyYAML was built with it (it is, in the wheels): parsing is most of what loading the
#: knowledge costs, and the C parser is about ten times faster, with the same nodes, marks and errors.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """The safe loader whose mappings are `LineDict`s."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    data = LineDict()
    data.line = node.start_mark.line + 1
    yield data
    data.update(loader.construct_mapping(node))


def _construct_timestamp(loader: _LineLoader, node: yaml.ScalarNode) -> object:
    """A date as a `datetime.date`; one that looks like a date but is none ("2026-13-01") stays text, for the
    checks to report by file and line instead of the parser failing with no place."""
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a knowledge file."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class KnowledgeError(ValueError):
    """A knowledge file cannot be used; `problems` says every place and reason."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def read_yaml(path: Path) -> Any:
    """Parse one YAML file; a syntax error becomes a `KnowledgeError` naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise KnowledgeError([Problem(str(path), 1, f"not UTF-8 text ({error.reason})")]) from error
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        reason = " ".join(part for part in (error.context, error.problem) if part)
        raise KnowledgeError([Problem(str(path), line, f"YAML syntax error: {reason}")]) from error


class Checker:
    """Collects problems while reading one file's parsed content."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.problems: list[Problem] = []

    def fail(self, node: Any, message: str) -> None:
        self.problems.append(Problem(self.path, getattr(node, "line", 1), message))

    def mapping(self, node: Any, where: str) -> LineDict | None:
        if isinstance(node, LineDict):
            return node
        self.fail(node, f"{where} must be a mapping (key: value lines)")
        return None

    def text(self, parent: LineDict, key: str, where: str, *, max_length: int | None = None) -> str:
        value = parent.get(key)
        if not isinstance(value, str) or not value.strip():
            self.fail(parent, f"{where}{key} is missing or empty")
            return ""
        if max_length is not None and len(value) > max_length:
            self.fail(parent, f"{where}{key} has {len(value)} characters, more than {max_length}")
        return value.strip()

    def strings(self, parent: LineDict, key: str, where: str, *, required: bool = True) -> tuple[str, ...]:
        value = parent.get(key)
        if value is None and not required:
            return ()
        if not isinstance(value, list) or (required and not value):
            self.fail(parent, f"{where}{key} must be a non-empty list")
            return ()
        if not all(isinstance(entry, (str, int)) and str(entry).strip() for entry in value):
            self.fail(parent, f"{where}{key} must list non-empty texts")
            return ()
        return tuple(str(entry).strip() for entry in value)

    def raise_if_any(self) -> None:
        if self.problems:
            raise KnowledgeError(self.problems)
