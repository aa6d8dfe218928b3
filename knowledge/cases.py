"""Importing typical cases (measure 9) from a staff spreadsheet or YAML file into knowledge/data/cases.yml.

An import is all or nothing: every bad row is reported by its line with the reason and nothing is written,
so the case library never holds half a row. Imported rows are checked again as part of the whole knowledge
base before the file is replaced.
"""

from __future__ import annotations

import csv
import datetime
import io
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from knowledge.loader import CASES_FILE, DATA_DIR, case_from_fields
from knowledge.vocabulary import ENTITIES, Vocabulary, load_vocabulary
from knowledge.yamlfile import Checker, KnowledgeError, LineDict, Problem, read_yaml

#: CSV columns; list fields (tags, policy, intents, keywords) separate values with ';' or '、'.
CSV_COLUMNS = (
    "id",
    "title_zh",
    "title_en",
    "summary_zh",
    "summary_en",
    "outcome_zh",
    "outcome_en",
    "lessons_zh",
    "lessons_en",
    "country",
    "ip_type",
    "dispute_type",
    "industry",
    "policy",
    "source",
    "illustrative",
    "checked",
)
# Tags may be given as the forms users type ("US", "汽配"); they are stored as canonical vocabulary values.
_OPTIONAL_COLUMNS = ("intents", "keywords_zh", "keywords_en")
_TRUE = {"true", "yes", "1", "是", "y"}
_FALSE = {"false", "no", "0", "否", "n"}


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace("、", ";").split(";") if part.strip()]


def _row_to_case(row: dict[str, str], line: int) -> LineDict:
    """A CSV row in the shape of a cases.yml entry, remembering its line for error messages."""
    node = LineDict()
    node.line = line
    node["id"] = row.get("id", "").strip()
    for field in ("title", "summary", "outcome", "lessons"):
        localized = LineDict(zh=row.get(f"{field}_zh", ""), en=row.get(f"{field}_en", ""))
        localized.line = line
        node[field] = localized
    tags = LineDict({entity: _split(row.get(entity, "")) for entity in ENTITIES})
    tags.line = line
    node["tags"] = tags
    node["policy"] = _split(row.get("policy", ""))
    node["source"] = row.get("source", "")
    flag = row.get("illustrative", "").strip().lower()
    node["illustrative"] = True if flag in _TRUE else False if flag in _FALSE else flag
    node["checked"] = _date(row.get("checked", ""))
    if row.get("intents", "").strip():
        node["intents"] = _split(row["intents"])
    if row.get("keywords_zh", "").strip() or row.get("keywords_en", "").strip():
        keywords = LineDict(zh=_split(row.get("keywords_zh", "")), en=_split(row.get("keywords_en", "")))
        keywords.line = line
        node["keywords"] = keywords
    return node


def _date(value: str) -> datetime.date | str | None:
    """A sheet's YYYY-MM-DD as a date, as YAML would read it; anything else is left for the loader to refuse."""
    value = value.strip()
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return value


def read_rows(path: Path) -> list[LineDict]:
    """The rows of a CSV (UTF-8, header row) or YAML file, each a LineDict carrying its line number."""
    if path.suffix.lower() in {".yml", ".yaml"}:
        data = read_yaml(path)
        if not isinstance(data, list):
            raise KnowledgeError([Problem(str(path), 1, "a cases file must be a list of cases")])
        return data
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    missing = [column for column in CSV_COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise KnowledgeError([Problem(str(path), 1, f"header lacks the columns: {', '.join(missing)}")])
    unknown = [c for c in reader.fieldnames or [] if c not in CSV_COLUMNS + _OPTIONAL_COLUMNS]
    if unknown:
        raise KnowledgeError([Problem(str(path), 1, f"unknown columns: {', '.join(unknown)}")])
    return [_row_to_case(row, reader.line_num) for row in reader]


def _canonical_tags(node: LineDict, vocabulary: Vocabulary) -> None:
    """Staff may write the forms users type ("US", "337", "汽配"): store the canonical values."""
    tags = node.get("tags")
    if not isinstance(tags, dict):
        return
    for entity, values in tags.items():
        if isinstance(values, list):
            tags[entity] = [vocabulary.canonical(entity, str(v)) or v for v in values]


def _plain(value: Any) -> Any:
    """Plain dicts and lists (no LineDict), so PyYAML writes ordinary mappings."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _entry(node: LineDict) -> dict[str, Any]:
    """A case as cases.yml writes it, in the file's field order."""
    order = (
        "id",
        "title",
        "summary",
        "outcome",
        "lessons",
        "tags",
        "keywords",
        "intents",
        "policy",
        "source",
        "illustrative",
        "checked",
    )
    return {key: _plain(node[key]) for key in order if key in node}


def import_cases(source: Path, data_dir: Path = DATA_DIR) -> list[str]:
    """Validate every row of `source`, then append them all to the case library; returns the new ids."""
    from knowledge.base import KnowledgeBase  # the whole base is re-checked with the new cases in it

    vocabulary = load_vocabulary(data_dir / "vocabulary.yml")
    rows = read_rows(source)
    check = Checker(source)
    target = data_dir / CASES_FILE
    existing = read_yaml(target) if target.exists() else []
    known = {str(entry.get("id")) for entry in existing or [] if isinstance(entry, dict)}
    new_ids: list[str] = []
    for position, row in enumerate(rows, start=1):
        node = check.mapping(row, f"row {position}")
        if node is None:
            continue
        _canonical_tags(node, vocabulary)
        case = case_from_fields(check, node, position, vocabulary, measures=15)
        if case.id in known or case.id in new_ids:
            check.fail(node, f"{case.id} already exists")
        new_ids.append(case.id)
    if not rows:
        check.fail(None, "no cases in the file")
    check.raise_if_any()

    entries = list(existing or []) + [_entry(row) for row in rows]
    with tempfile.TemporaryDirectory() as scratch:
        trial = Path(scratch) / "data"
        shutil.copytree(data_dir, trial)
        _write(trial / CASES_FILE, entries)
        KnowledgeBase.load(trial)
        _write(target, entries)
    return new_ids


def _write(path: Path, entries: list[Any]) -> None:
    header = "".join(line + "\n" for line in _header(path))
    body = yaml.safe_dump(_plain(entries), allow_unicode=True, sort_keys=False, width=110)
    path.write_text(header + body, encoding="utf-8")


def _header(path: Path) -> list[str]:
    """Keep the file's leading comment block when rewriting it."""
    if not path.exists():
        return ["# Typical cases (measure 9). See knowledge/cases.py for how to import more."]
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return lines
