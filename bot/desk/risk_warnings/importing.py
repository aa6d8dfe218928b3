"""Importing warnings from a YAML or CSV file (`python -m bot.processes.cli import-warnings FILE`): every row is
checked and each bad one reported by its line; the service publishes the file only when all rows are good."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping

from bot.desk import spreadsheets
from bot.desk.risk_warnings.form import FIELD_LABELS, IMPORT_FIELDS, WarningDraft, WarningFormError

#: The illustrative sample warnings an empty desk starts with (never pushed; shown as 示例).
SAMPLES = Path(__file__).parent.parent / "data" / "warnings.yml"


def read_drafts(
    path: Path,
    parse: Callable[[Mapping[str, Any]], WarningDraft],
) -> tuple[list[WarningDraft], list[spreadsheets.RowError]]:
    """Every row of the file as a draft (`parse` checks one row), and every refused row by its line: the file is to be
    published only when there are none."""
    errors: list[spreadsheets.RowError] = []
    try:
        rows = list(spreadsheets.read_rows(path, IMPORT_FIELDS, required="title", noun="warning"))
    except spreadsheets.FileError as error:
        errors.append(spreadsheets.RowError(error.line, None, error.reason))
        return [], errors
    drafts = []
    for line, raw in rows:
        title = spreadsheets.text(raw.get("title")) if isinstance(raw, dict) else None
        problem = spreadsheets.shape_problem(raw, "warning")
        unknown = [str(key) for key in raw if key not in IMPORT_FIELDS] if problem is None else []
        if problem is None and unknown:
            problem = f"unknown field(s) {', '.join(map(repr, unknown))}; known: {', '.join(IMPORT_FIELDS)}"
        if problem is None:
            try:
                drafts.append(parse(raw))
                continue
            except WarningFormError as error:
                problem = "；".join(f"{FIELD_LABELS[name]}：{message}" for name, message in error.errors.items())
        errors.append(spreadsheets.RowError(line, title, problem))
    if not rows:
        errors.append(spreadsheets.RowError(1, None, "no warnings in the file"))
    return drafts, errors
