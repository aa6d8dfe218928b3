"""Reading the files staff keep by hand (often exported from Excel) for the desk's imports: experts, warnings.

A file is a YAML list of mappings or a CSV with a header row. Each row comes with the line it starts on, so a
refusal can say "line 7: …". Rows that are not mappings, or CSV rows with more cells than the header has columns,
come back as markers (`NOT_A_MAPPING`, `TOO_MANY_CELLS`) for the importer to report on that line.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml

from knowledge.yamlfile import KnowledgeError, read_yaml

NOT_A_MAPPING = "__not_a_mapping__"
TOO_MANY_CELLS = "__too_many_cells__"

_LIST_SEPARATORS = re.compile(r"[;；、,，]")
_TRUE = {"true", "yes", "y", "1", "是", "对"}
_FALSE = {"false", "no", "n", "0", "否", "不"}


@dataclass(frozen=True)
class RowError:
    """A row that was not imported: where it is and why."""

    line: int
    name: str | None
    reason: str

    def __str__(self) -> str:
        who = f" ({self.name})" if self.name else ""
        return f"line {self.line}{who}: {self.reason}"


class FileError(Exception):
    """The file as a whole cannot be read: where, and why."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


def read_rows(path: Path, fields: tuple[str, ...], *, required: str, noun: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """The rows of `path` (.yml/.yaml or .csv) with their line numbers. A CSV header must name only `fields` and
    include `required`; `noun` names a row in messages ("expert", "warning")."""
    if not path.is_file():
        raise FileError(0, f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix in (".yml", ".yaml"):
        yield from _yaml_rows(path, noun)
    elif suffix == ".csv":
        yield from _csv_rows(path, fields, required)
    else:
        raise FileError(0, f"expected a .yml, .yaml or .csv file, got {path.name}")


def _yaml_rows(path: Path, noun: str) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        data = read_yaml(path)
    except KnowledgeError as error:
        problem = error.problems[0]
        raise FileError(problem.line, problem.message) from error
    if data is None:
        return
    if not isinstance(data, list):
        raise FileError(1, f"the file must be a list of {noun}s (lines starting with '- …: …')")
    # Every entry's own line, including entries that are not mappings (which carry no line of their own).
    document = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    assert document is not None  # the file held data (above)
    nodes = document.value
    for node, entry in zip(nodes, data):
        line = node.start_mark.line + 1
        if not isinstance(entry, dict):
            yield line, {NOT_A_MAPPING: entry}
        else:
            yield line, dict(entry)


def _csv_rows(path: Path, fields: tuple[str, ...], required: str) -> Iterator[tuple[int, dict[str, Any]]]:
    raw = path.read_bytes()
    # Excel on Chinese Windows saves CSV as GB18030/GBK, elsewhere as UTF-8 (often with a BOM): accept both.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileError(1, "the file is neither UTF-8 nor GB18030 text")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return
    columns = [column.strip() for column in header]
    unknown = [c for c in columns if c not in fields]
    if unknown:
        raise FileError(1, f"unknown column(s) {', '.join(map(repr, unknown))}; known: {', '.join(fields)}")
    if required not in columns:
        raise FileError(1, f"the header has no '{required}' column")
    end = reader.line_num
    for record in reader:
        start, end = end + 1, reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(columns):
            yield start, {TOO_MANY_CELLS: len(record)}
            continue
        yield start, {column: cell for column, cell in zip(columns, record) if cell.strip()}


def shape_problem(raw: dict[str, Any], noun: str) -> str | None:
    """Why a row read by `read_rows` is not a row at all, or None."""
    if NOT_A_MAPPING in raw:
        return f"a{'n' if noun[:1] in 'aeiou' else ''} {noun} must be a mapping of field: value"
    if TOO_MANY_CELLS in raw:
        return f"{raw[TOO_MANY_CELLS]} cells, more than the header's columns"
    return None


def text(value: Any) -> str | None:
    """A cell as text, trimmed; None when empty."""
    if value is None:
        return None
    cleaned = str(value).strip()
    return cleaned or None


def items(value: Any) -> list[str]:
    """A list cell: a YAML list, or values separated by ; 、 or commas (Chinese or Latin)."""
    if value is None:
        return []
    parts = value if isinstance(value, list) else _LIST_SEPARATORS.split(str(value))
    return [str(part).strip() for part in parts if str(part).strip()]


def flag(value: Any, default: bool) -> bool | None:
    """A yes/no cell (yes, 是, true, 1 …); `default` when empty, None when it is neither."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, bool):
        return value
    folded = str(value).strip().lower()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    return None
