"""Reading a list page's filters from its query string, the same way on every list (calls, tickets, the audit trail).

A malformed value never breaks the page: it is left out of the filter and named in `problems`, which the page shows
above the list, so staff see that "2026-13-01" was ignored instead of getting an error or a silently wrong list.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime, time, timedelta
from typing import Any, Collection, Iterable, Mapping
from zoneinfo import ZoneInfo

from sqlalchemy.sql import ColumnElement

from bot.desk.fields import strip_control

MAX_TEXT = 100


#: The days a date filter may name: the desk has no records before, and times past these cannot be computed.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


class Problems(dict[str, str]):
    """What a filter ignored, by field; `refused` when a value could never mean anything (the page answers 400)."""

    refused: bool = False


class FilterQuery:
    """Collects the valid filter values of a query string and a message for each value that was not."""

    def __init__(self, query: Mapping[str, str]) -> None:
        self.query = query
        self.values: dict[str, Any] = {}
        self.problems = Problems()

    def _raw(self, name: str) -> str:
        # Control characters never match anything stored (fields are stored without them), and PostgreSQL refuses a
        # NUL in a query outright: they are dropped before anything is compared.
        return strip_control(self.query.get(name) or "").strip()

    def dates(self, *names: str) -> "FilterQuery":
        for name in names:
            raw = self._raw(name)
            if raw:
                try:
                    day = date.fromisoformat(raw)
                except ValueError:
                    self.problems[name] = f"日期“{raw[:20]}”无效，已忽略"
                    continue
                if not FIRST_DAY <= day <= LAST_DAY:
                    # A day the desk's zone cannot turn into UTC times (0001-01-01, 9999-12-31): the request is refused.
                    self.problems[name] = f"日期“{raw[:20]}”超出范围（{FIRST_DAY.year}–{LAST_DAY.year} 年），已忽略"
                    self.problems.refused = True
                    continue
                self.values[name] = day
        return self

    def ids(self, *names: str, label: str = "筛选值") -> "FilterQuery":
        """Database ids (positive whole numbers that fit an integer column)."""
        for name in names:
            raw = self._raw(name)
            if raw:
                if raw.isdigit() and len(raw) < 10:
                    self.values[name] = int(raw)
                else:
                    self.problems[name] = f"无效的{label}，已忽略"
        return self

    def choice(self, name: str, allowed: Collection[str], label: str) -> "FilterQuery":
        raw = self._raw(name)
        if raw:
            if raw in allowed:
                self.values[name] = raw
            else:
                self.problems[name] = f"无效的{label}，已忽略"
        return self

    def texts(self, *names: str, limit: int = MAX_TEXT, lower: bool = False) -> "FilterQuery":
        """Free text (a search word, a country): trimmed to `limit` characters, never refused."""
        for name in names:
            raw = self._raw(name)[:limit]
            if raw:
                self.values[name] = raw.lower() if lower else raw
        return self


class FilterFields:
    """For the filter dataclasses: the filter as a query string again (for links, paging and the CSV export)."""

    def as_query(self) -> dict[str, str]:
        return {f.name: str(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name) is not None}  # type: ignore[arg-type]


def on_days(column: ColumnElement, first: date | None, last: date | None, zone: ZoneInfo) -> list[ColumnElement]:
    """`column` (a UTC time) falls on the days `first` to `last`, both included, as days in `zone` (the desk's)."""
    conditions = []
    if first is not None:
        conditions.append(column >= datetime.combine(first, time(0), zone))
    if last is not None:
        conditions.append(column < datetime.combine(last + timedelta(days=1), time(0), zone))
    return conditions


def equal_where_given(pairs: Iterable[tuple[ColumnElement, Any]]) -> list[ColumnElement]:
    """`column == value` for each pair whose value was given (filled in on the page)."""
    return [column == value for column, value in pairs if value is not None and value != ""]
