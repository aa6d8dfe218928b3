"""CSV downloads that open cleanly in Excel (UTF-8 with a BOM) and cannot smuggle formulas into a spreadsheet:
a cell that starts with = + - @ or a tab is prefixed with an apostrophe (OWASP's CSV-injection advice)."""

from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Sequence
from urllib.parse import quote

from aiohttp import web

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> web.Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(value) for value in row])
    body = "\ufeff" + buffer.getvalue()
    return web.Response(
        body=body.encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )
